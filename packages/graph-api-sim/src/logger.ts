/** The slice of a pino logger the sim uses; pass `pino()` or a child of it. */
export interface SimLogger {
  debug (obj: object, msg: string): void
  info (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  error (obj: object, msg: string): void
}

const noop = (): void => {}

/** A logger that drops everything (the default in-process). */
export const silentLogger: SimLogger = { debug: noop, info: noop, warn: noop, error: noop }
