import { readdir, readFile } from 'node:fs/promises'

/**
 * SIGSTOP, resolving once every thread of `pid` is stopped: the signal is delivered
 * asynchronously, and on a busy machine a JVM thread can still answer a request sent right after
 * kill() returned. (Without /proc, not Linux, it waits 200 ms instead.)
 */
export async function freezeProcess (pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP')
  for (;;) {
    const tasks = await readdir(`/proc/${pid}/task`).catch(() => undefined)
    if (!tasks) return await new Promise((resolve) => setTimeout(resolve, 200))
    // Field 3 of /proc/<pid>/task/<tid>/stat, after the command name in parentheses; a thread that ended counts as stopped.
    const states = await Promise.all(tasks.map((task) => readFile(`/proc/${pid}/task/${task}/stat`, 'utf8').then((stat) => stat.replace(/^.*\) /s, '')[0], () => 'T')))
    if (states.every((s) => s === 'T' || s === 't')) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
