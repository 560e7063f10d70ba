import { readdir, readFile } from 'node:fs/promises'

/** True while a process with this pid exists (and is not a zombie we could reap). */
export function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Pids of every process whose command line contains `marker`. Linux only (reads /proc); elsewhere
 * it returns [] and stopping relies on pid files alone.
 */
export async function findProcesses (marker: string): Promise<number[]> {
  let entries: string[]
  try {
    entries = await readdir('/proc')
  } catch {
    return []
  }
  const found: number[] = []
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8')
      if (cmdline.includes(marker)) found.push(Number(entry))
    } catch {
      // the process ended while we looked
    }
  }
  return found
}

/** Sends SIGTERM, waits up to `graceMs` for the process to go, then SIGKILLs it. */
export async function terminate (pid: number, graceMs: number): Promise<'exited' | 'killed' | 'absent'> {
  if (!isAlive(pid)) return 'absent'
  try { process.kill(pid, 'SIGTERM') } catch { return 'absent' }
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'exited'
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  try { process.kill(pid, 'SIGKILL') } catch { return 'exited' }
  while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50))
  return 'killed'
}
