import { createDocument, type ZodOpenApiResponsesObject } from 'zod-openapi'
import { adminGuardResponses, commonPaths, errorResponse, jsonContent as json } from '@wabridge/process'
import { ErrorBodySchema, RequestIdParamsSchema, ScheduledListSchema, ScheduledRequestSchema } from './http-schemas.ts'

const error = (description: string) => errorResponse(ErrorBodySchema, description)

const ADMIN_ERRORS: ZodOpenApiResponsesObject = {
  ...adminGuardResponses(ErrorBodySchema, {
    401: 'SCHEDULER_ADMIN_TOKEN is set and the request has no or another bearer token (SCHEDULER_UNAUTHORIZED).',
    403: 'No admin token is configured and the server is bound off loopback: /v1/* are disabled (SCHEDULER_ADMIN_TOKEN_MISSING).'
  })
}
const INTERNAL = { 500: error('An unexpected error, e.g. Kafka could not be read (SCHEDULER_INTERNAL).') }
const NOT_FOUND = { 404: error('The scheduler has no record of this request id: never scheduled, or its marker expired (SCHEDULER_NOT_FOUND_REQUEST).') }
const BAD_ID = { 400: error('The request id is too long (SCHEDULER_BAD_REQUEST_ID).') }

/**
 * The OpenAPI 3.1 document of the scheduler's HTTP API, generated from the zod schemas the routes
 * validate with. Every route of the server is in it (a test compares them).
 */
export function buildOpenApiDocument (options: { version: string }): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'wabridge scheduler API',
      version: options.version,
      description: 'Requests held until their send_at: look one up, cancel it before it is released. See docs/scheduling.md.'
    },
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'SCHEDULER_ADMIN_TOKEN (not needed on loopback when it is unset).' } }
    },
    paths: {
      '/v1/scheduled': {
        get: {
          operationId: 'listScheduledPartitions',
          summary: 'This instance\'s partitions: requests in memory, later ones, the next due',
          security: [{ adminToken: [] }],
          responses: { 200: { description: 'The partitions this instance owns.', content: json(ScheduledListSchema) }, ...ADMIN_ERRORS, ...INTERNAL }
        }
      },
      '/v1/scheduled/{request_id}': {
        get: {
          operationId: 'getScheduledRequest',
          summary: 'A scheduled request: pending with its send_at, released or cancelled',
          description: 'Answered from memory when this instance holds it, else by reading the pending topic (seconds with a million pending).',
          security: [{ adminToken: [] }],
          requestParams: { path: RequestIdParamsSchema },
          responses: { 200: { description: 'The request\'s state.', content: json(ScheduledRequestSchema) }, ...BAD_ID, ...NOT_FOUND, ...ADMIN_ERRORS, ...INTERNAL }
        },
        delete: {
          operationId: 'cancelScheduledRequest',
          summary: 'Cancel a pending request',
          description: 'The partition\'s owner writes a cancelled marker and a cancelled result (wa.outbound.results) in one transaction; the request is never released. Cancelling a cancelled request answers 200 again.',
          security: [{ adminToken: [] }],
          requestParams: { path: RequestIdParamsSchema },
          responses: {
            200: { description: 'Cancelled (state cancelled).', content: json(ScheduledRequestSchema) },
            202: { description: 'The owning instance did not answer within SCHEDULER_CANCEL_WAIT_MS: the cancel command waits in the scheduled topic (state cancel_requested).', content: json(ScheduledRequestSchema) },
            409: error('Already released: too late to cancel (SCHEDULER_ALREADY_RELEASED).'),
            ...BAD_ID,
            ...NOT_FOUND,
            ...ADMIN_ERRORS,
            ...INTERNAL
          }
        }
      },
      ...commonPaths({
        openApiSummary: 'This document (open: no token)',
        readySummary: 'Readiness: started, and every owned partition taken over (previous owner fenced, pending partition read)'
      })
    }
  })
}
