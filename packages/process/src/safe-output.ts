/**
 * A log destination that can neither throw nor block nor grow without bound: a part keeps running,
 * and above all finishes its shutdown, when whoever read its stdout is gone (EPIPE) or stalls.
 *
 * pino's default destination (sonic-boom) retries a write that failed with EPIPE forever in its
 * synchronous flush, which pino runs on exit: a part whose parent closed the pipe then never exits.
 */
import { Writable } from 'node:stream'

/** A Writable (what pino and createLogger take) over stdout that never errors, throws or blocks. */
export interface SafeOutput extends Writable {
  /** True once the target failed (e.g. EPIPE): every later chunk is dropped. */
  readonly isBroken: boolean
  /** Chunks dropped because the target was broken or `maxPendingBytes` were queued for it. */
  readonly dropped: number
  /** Resolves once queued bytes were handed to the OS, the target broke, or `timeoutMs` passed. */
  flush (timeoutMs: number): Promise<void>
}

export interface SafeOutputOptions {
  /** Bytes queued for a slow reader beyond which chunks are dropped. Default 8 MiB. */
  maxPendingBytes?: number
}

type Target = NodeJS.WritableStream & { writableLength?: number }

class SafeOutputStream extends Writable implements SafeOutput {
  readonly #target: Target
  readonly #maxPendingBytes: number
  #isBroken = false
  #dropped = 0

  constructor (target: Target, maxPendingBytes: number) {
    super({ decodeStrings: false })
    this.#target = target
    this.#maxPendingBytes = maxPendingBytes
    guardStream(target, () => { this.#isBroken = true })
  }

  get isBroken (): boolean { return this.#isBroken }
  get dropped (): number { return this.#dropped }

  override _write (chunk: string | Buffer, _encoding: BufferEncoding, callback: () => void): void {
    // Never waits for the target: a stalled reader costs dropped lines, not a stalled part.
    if (this.#isBroken || (this.#target.writableLength ?? 0) > this.#maxPendingBytes) {
      this.#dropped++
    } else {
      try {
        this.#target.write(chunk)
      } catch {
        // A destroyed stream throws synchronously.
        this.#isBroken = true
        this.#dropped++
      }
    }
    callback()
  }

  async flush (timeoutMs: number): Promise<void> {
    const target = this.#target
    if (this.#isBroken || !((target.writableLength ?? 0) > 0)) return
    await new Promise<void>((resolve) => {
      const done = () => { clearTimeout(timer); target.off('drain', done); target.off('error', done); resolve() }
      const timer = setTimeout(done, timeoutMs)
      target.once('drain', done)
      target.once('error', done)
    })
  }
}

/** Wraps `target` (default process.stdout) and installs the 'error' listener every stdio stream needs. */
export function createSafeOutput (target: Target = process.stdout, options: SafeOutputOptions = {}): SafeOutput {
  return new SafeOutputStream(target, options.maxPendingBytes ?? 8 * 1024 * 1024)
}

const guarded = new WeakSet<object>()

/**
 * Makes write errors of `stream` (EPIPE, EBADF…) harmless: without a listener, an 'error' event of
 * process.stdout or process.stderr is an uncaught exception.
 */
export function guardStream (stream: NodeJS.WritableStream, onError: (err: Error) => void = () => {}): void {
  stream.on('error', onError)
  if (guarded.has(stream)) return
  guarded.add(stream)
  // Errors after the first are expected too (every later write fails the same way).
  stream.on('error', () => {})
}

/** Writes a line to stderr without ever throwing (stderr may be gone as well). */
export function writeStderr (line: string): void {
  try {
    process.stderr.write(line.endsWith('\n') ? line : `${line}\n`)
  } catch {}
}
