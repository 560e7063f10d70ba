import { pino, type Logger, type LoggerOptions } from 'pino'

export type { Logger }

export interface LoggerConfig {
  /** pino level name. */
  level: string
  /** Service name, logged as `service` on every line. */
  name: string
  /** Where lines go; default stdout. Tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream
}

/**
 * Paths removed from every log line. Customer data is personal data: message bodies and tokens
 * never reach the logs, and signature headers are secrets' proofs.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-hub-signature-256"]',
  'headers.authorization',
  'authorization',
  'token',
  'accessToken',
  '*.token',
  '*.accessToken',
  'secret',
  '*.secret',
  'body',
  '*.body',
  'text',
  '*.text'
]

/** The process's root logger: JSON lines, secrets and bodies redacted. */
export function createLogger (config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: config.level,
    base: { service: config.name },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' }
  }
  return config.destination ? pino(options, config.destination as pino.DestinationStream) : pino(options)
}

/**
 * A phone number safe to log: only the last 4 digits are kept ("+16505551234" → "…1234").
 * Use it wherever a customer's number would otherwise be logged.
 */
export function maskPhone (phone: string | undefined | null): string | undefined {
  if (!phone) return undefined
  const digits = phone.replace(/\D/g, '')
  return digits.length <= 4 ? '…' : `…${digits.slice(-4)}`
}
