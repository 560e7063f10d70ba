/**
 * Ending a part when the process that started it is gone. Two signs, each opt-in:
 * - an IPC channel (spawned with 'ipc' in stdio, as `npm start` does): it closes when the parent
 *   exits for any reason, SIGKILL included, and 'disconnect' fires;
 * - the parent PID changing (the process was re-parented to init or a subreaper): for a launcher
 *   like `npm start`, whose parent (npm) dies on SIGTERM without passing it on.
 */
export interface ParentWatchOptions {
  /** Watch the IPC channel, when there is one. Default true. */
  ipc?: boolean
  /** Poll process.ppid every this many ms; 0 = off. Default 0. */
  pollPpidMs?: number
}

/** Calls `onGone` once when the parent is gone; returns a function that stops watching. */
export function watchParent (onGone: (reason: string) => void, options: ParentWatchOptions = {}): () => void {
  let isDone = false
  const gone = (reason: string) => {
    if (isDone) return
    stop()
    onGone(reason)
  }
  const onDisconnect = () => gone('parent disconnected')
  const watchesIpc = (options.ipc ?? true) && process.channel !== undefined
  if (watchesIpc) {
    process.once('disconnect', onDisconnect)
    // The channel must not keep the process alive on its own: the part exits when it is done.
    process.channel?.unref()
  }
  const ppid = process.ppid
  const timer = options.pollPpidMs ? setInterval(() => { if (process.ppid !== ppid) gone(`parent ${ppid} exited`) }, options.pollPpidMs) : undefined
  timer?.unref()
  function stop () {
    isDone = true
    if (timer) clearInterval(timer)
    process.off('disconnect', onDisconnect)
  }
  return stop
}
