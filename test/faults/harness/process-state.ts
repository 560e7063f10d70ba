import { readdir, readFile } from 'node:fs/promises'
import { pollUntil } from './wait.ts'

/** The state letter of one thread (R, S, D, T…), or undefined when it is gone. */
async function threadState (pid: number, tid: string): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8')
    // The state follows the command name, which is in parentheses and may itself hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  } catch {
    return undefined
  }
}

/**
 * Resolves once every thread of `pid` is stopped: SIGSTOP reaches a process's threads one by one,
 * and a JVM can still answer a request just after kill() returned. False when that took longer
 * than `timeoutMs`; true at once where /proc is missing (not Linux: nothing to watch).
 */
export async function untilStopped (pid: number, timeoutMs = 5000): Promise<boolean> {
  return await pollUntil(async () => {
    const threads = await readdir(`/proc/${pid}/task`).catch(() => undefined)
    if (!threads) return true
    const states = await Promise.all(threads.map((tid) => threadState(pid, tid)))
    return states.every((s) => s === undefined || s === 'T' || s === 't')
  }, timeoutMs, 10)
}
