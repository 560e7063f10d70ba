import { readdirSync, readFileSync } from 'node:fs'

/** PID → parent PID of every process, from /proc (Linux). */
function parents (): Map<number, number> {
  const out = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      // Field 4 of stat, after the command name in parentheses (which may contain spaces).
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      out.set(Number(name), ppid)
    } catch {}
  }
  return out
}

/** Every descendant of `pid` (children, their children…), with its command line. */
export function descendants (pid: number): Array<{ pid: number, command: string }> {
  const table = parents()
  const found: number[] = []
  let frontier = [pid]
  while (frontier.length > 0) {
    const next = [...table].filter(([, ppid]) => frontier.includes(ppid)).map(([child]) => child)
    found.push(...next)
    frontier = next
  }
  return found.map((p) => ({ pid: p, command: commandOf(p) }))
}

function commandOf (pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
  } catch {
    return ''
  }
}

/** True while `pid` exists and is not a zombie. */
export function isAlive (pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/** Resolves with the PIDs still alive once all are gone or `boundMs` passed. */
export async function survivorsAfter (pids: number[], boundMs: number): Promise<number[]> {
  const deadline = Date.now() + boundMs
  let alive = pids.filter(isAlive)
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    alive = alive.filter(isAlive)
  }
  return alive
}
