/**
 * Many delayed callbacks on one Node timer (a binary heap on due time), so scheduling statuses for
 * thousands of messages does not create thousands of timers, and clear() cancels them all at once.
 * Due times are real time (performance.now), independent of the sim's injectable clock.
 */
export interface TimerQueue {
  after (delayMs: number, fn: () => void): void
  readonly size: number
  clear (): void
}

interface Entry { due: number, seq: number, fn: () => void }

export function createTimerQueue (onError: (err: unknown) => void): TimerQueue {
  const heap: Entry[] = []
  let seq = 0
  let timer: NodeJS.Timeout | undefined
  let armedFor = Infinity

  const less = (a: Entry, b: Entry): boolean => a.due < b.due || (a.due === b.due && a.seq < b.seq)
  const swap = (i: number, j: number): void => { const t = heap[i] as Entry; heap[i] = heap[j] as Entry; heap[j] = t }

  function push (e: Entry): void {
    heap.push(e)
    let i = heap.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!less(heap[i] as Entry, heap[p] as Entry)) break
      swap(i, p)
      i = p
    }
  }

  function pop (): Entry | undefined {
    const top = heap[0]
    const last = heap.pop()
    if (heap.length > 0 && last) {
      heap[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && less(heap[l] as Entry, heap[m] as Entry)) m = l
        if (r < heap.length && less(heap[r] as Entry, heap[m] as Entry)) m = r
        if (m === i) break
        swap(i, m)
        i = m
      }
    }
    return top
  }

  function arm (): void {
    const next = heap[0]
    if (!next || next.due >= armedFor) return
    if (timer) clearTimeout(timer)
    armedFor = next.due
    timer = setTimeout(run, Math.max(0, next.due - performance.now()))
    timer.unref()
  }

  function run (): void {
    timer = undefined
    armedFor = Infinity
    const now = performance.now()
    while (heap.length > 0 && (heap[0] as Entry).due <= now) {
      const e = pop() as Entry
      try {
        e.fn()
      } catch (err) {
        onError(err)
      }
    }
    arm()
  }

  return {
    after (delayMs, fn) {
      push({ due: performance.now() + Math.max(0, delayMs), seq: seq++, fn })
      arm()
    },
    get size () { return heap.length },
    clear () {
      heap.length = 0
      if (timer) clearTimeout(timer)
      timer = undefined
      armedFor = Infinity
    }
  }
}
