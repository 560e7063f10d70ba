import { STATUS_CODES } from 'node:http'
import type { FaultAction } from './faults.ts'
import { metaError } from './meta-errors.ts'

type ErrorFault = Extract<FaultAction, { type: 'error' }>

/** An injected error's answer; `code` only when the body is Meta's envelope. */
export interface FaultReply {
  statusCode: number
  body: unknown
  /** The content type of a non-JSON body; absent for the envelope (JSON, with the usual usage headers). */
  contentType?: string
  code?: number
}

/**
 * Builds the answer of an `error` fault: Meta's envelope for `code` (code 1, "unknown error", when
 * asked for an envelope without a code), or what a proxy in front of Meta answers: an HTML error
 * page, a plain-text line, or nothing.
 */
export function faultReply (fault: ErrorFault): FaultReply {
  const kind = fault.body ?? (fault.code === undefined ? 'html' : 'envelope')
  if (kind === 'envelope') {
    const code = fault.code ?? 1
    const overrides = {
      ...(fault.httpStatus === undefined ? {} : { httpStatus: fault.httpStatus }),
      ...(fault.message === undefined ? {} : { message: fault.message }),
      ...(fault.details === undefined ? {} : { details: fault.details })
    }
    const r = metaError(code, overrides)
    return { statusCode: r.statusCode, body: r.body, code }
  }
  const statusCode = fault.httpStatus ?? 502
  const title = `${statusCode} ${STATUS_CODES[statusCode] ?? 'Error'}`
  if (kind === 'empty') return { statusCode, body: '', contentType: 'text/plain' }
  if (kind === 'text') return { statusCode, body: fault.message ?? title, contentType: 'text/plain; charset=utf-8' }
  const html = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`
  return { statusCode, body: html, contentType: 'text/html' }
}
