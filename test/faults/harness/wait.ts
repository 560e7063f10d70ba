/** Polls `check` every `intervalMs` until it returns true; false once `timeoutMs` passed (never throws for time). */
export async function pollUntil (check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return true
    if (Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** Like pollUntil, but a timeout is an error saying what was awaited (and, from `detail`, how far it got). */
export async function waitUntil (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, detail?: () => string): Promise<void> {
  if (!(await pollUntil(check, timeoutMs))) {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? ` (${detail()})` : ''}`)
  }
}

/** True when GET `url` answers 2xx within a second. */
export async function answersOk (url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) })
    await response.body?.cancel()
    return response.ok
  } catch {
    return false
  }
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
