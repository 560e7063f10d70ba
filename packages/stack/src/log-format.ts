/**
 * Turns a pino JSON line into one short readable line ("12:00:01 INFO  egress started port=8081");
 * anything that is not pino JSON passes through unchanged.
 */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' }
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'v'])

export function formatLogLine (line: string): string {
  if (!line.startsWith('{')) return line
  let entry: Record<string, unknown>
  try {
    entry = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  if (typeof entry.level !== 'number' || typeof entry.time !== 'number') return line
  const time = new Date(entry.time).toISOString().slice(11, 19)
  const extras = Object.entries(entry)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ')
  return `${time} ${LEVELS[entry.level] ?? entry.level} ${String(entry.msg ?? '')}${extras ? ` ${extras}` : ''}`
}
