import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { errorBody } from '@wabridge/process'

/** What Node reports before a request reaches a route, by its error code: status and our code. */
const ANSWERS: Record<string, { statusCode: number, code: string, message: string }> = {
  // INGRESS_HEADERS_TIMEOUT_MS or INGRESS_REQUEST_TIMEOUT_MS ran out (a slow or stalled client).
  ERR_HTTP_REQUEST_TIMEOUT: { statusCode: 408, code: 'INGRESS_REQUEST_TIMEOUT', message: 'the request was not received in time' },
  HPE_HEADER_OVERFLOW: { statusCode: 431, code: 'INGRESS_HEADERS_TOO_LARGE', message: 'the request headers are too large' }
}
const MALFORMED = { statusCode: 400, code: 'INGRESS_BAD_REQUEST', message: 'malformed HTTP request' }

/**
 * fastify's clientErrorHandler: answers what Node's HTTP parser or its timeouts refuse with the
 * shared error body, then closes the connection (as fastify's default does, with its own body).
 */
export function answerClientError (this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  // A reset connection is already gone; there is no one to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const answer = ANSWERS[err.code ?? ''] ?? MALFORMED
  this.log.debug({ code: answer.code, reason: err.code ?? err.message, remoteAddress: socket.remoteAddress }, 'connection refused')
  if (socket.writable) {
    const body = JSON.stringify(errorBody(answer.code, answer.message))
    socket.write(`HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy(err)
}
