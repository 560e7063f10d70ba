import type { FastifyBaseLogger } from 'fastify'

type Bindings = Parameters<FastifyBaseLogger['child']>[0]
type ChildLoggerOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'

/**
 * fastify's per-request logger (`request.log`, bound to the request id), made only when something
 * logs at an enabled level. A pino child costs about 2 µs (its bindings go through the redaction
 * paths) and a healthy webhook logs nothing at the default level, so building one for every
 * request was a cost with no output. Lines, bindings and levels are those of the child fastify
 * would have made.
 */
export class LazyChildLogger implements FastifyBaseLogger {
  readonly #parent: FastifyBaseLogger
  readonly #bindings: Bindings
  readonly #options: ChildLoggerOptions | undefined
  #child: FastifyBaseLogger | undefined

  constructor (parent: FastifyBaseLogger, bindings: Bindings, options?: ChildLoggerOptions) {
    this.#parent = parent
    this.#bindings = bindings
    this.#options = options
  }

  get #logger (): FastifyBaseLogger {
    return (this.#child ??= this.#parent.child(this.#bindings, this.#options))
  }

  get level (): string { return this.#child?.level ?? this.#parent.level }
  set level (level: string) { this.#logger.level = level }

  #log (level: Level, args: unknown[]): void {
    // Without a child of its own yet, the parent's level decides (a child inherits it).
    if (this.#child === undefined && !isEnabled(this.#parent, level)) return
    ;(this.#logger[level] as (...a: unknown[]) => void)(...args)
  }

  fatal (...args: unknown[]): void { this.#log('fatal', args) }
  error (...args: unknown[]): void { this.#log('error', args) }
  warn (...args: unknown[]): void { this.#log('warn', args) }
  info (...args: unknown[]): void { this.#log('info', args) }
  debug (...args: unknown[]): void { this.#log('debug', args) }
  trace (...args: unknown[]): void { this.#log('trace', args) }
  silent (): void {}

  child (bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#logger.child(bindings, options)
  }
}

/** pino loggers answer isLevelEnabled; any other logger is asked every time. */
function isEnabled (logger: FastifyBaseLogger, level: Level): boolean {
  const check = (logger as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled
  return typeof check === 'function' ? check.call(logger, level) : true
}
