import { createDocument, type ZodOpenApiResponsesObject } from 'zod-openapi'
import { adminGuardResponses, commonPaths, errorResponse, jsonContent as json } from '@wabridge/process'
import { ErrorBodySchema, NumbersSchema, ResumedSchema, ResumeParamsSchema } from './http-schemas.ts'

const error = (description: string) => errorResponse(ErrorBodySchema, description)

/** Errors every admin route can answer (the admin guard's). */
const ADMIN_ERRORS: ZodOpenApiResponsesObject = {
  ...adminGuardResponses(ErrorBodySchema, {
    401: 'EGRESS_ADMIN_TOKEN is set and the request has no or another bearer token (EGRESS_UNAUTHORIZED).',
    403: 'The server is bound off loopback and EGRESS_ADMIN_TOKEN is not set (EGRESS_ADMIN_TOKEN_MISSING).'
  })
}

/**
 * The OpenAPI 3.1 document of egress's HTTP server (EGRESS_PORT): health and the admin routes of
 * this instance, generated from the zod schemas the routes validate with. Every route of the
 * server is in it (a test compares them).
 */
export function buildOpenApiDocument (options: { version: string }): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'wabridge egress admin API',
      version: options.version,
      description: 'Health of one egress instance, and its numbers: rate, backlog, circuit breakers. Each instance answers for itself; ' +
        '`wabridge numbers resume` reaches every instance through wa.egress.control. See services/egress/README.md.'
    },
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'EGRESS_ADMIN_TOKEN (not needed on loopback when it is unset).' } }
    },
    paths: {
      '/numbers': {
        get: {
          operationId: 'listNumbers',
          summary: 'This instance\'s numbers: send state, breaker, rate and backlog',
          security: [{ adminToken: [] }],
          responses: {
            200: { description: 'The numbers this instance has lanes for.', content: json(NumbersSchema) },
            ...ADMIN_ERRORS
          }
        }
      },
      '/numbers/{id}/resume': {
        post: {
          operationId: 'resumeNumber',
          summary: 'Close the breakers of a phone number or WABA on this instance',
          description: 'The operator\'s resume: the number sends again at once, without waiting for a probe. This instance only.',
          security: [{ adminToken: [] }],
          requestParams: { path: ResumeParamsSchema },
          responses: {
            200: { description: 'The breakers closed.', content: json(ResumedSchema) },
            400: error('The id is empty or longer than 128 characters (EGRESS_BAD_REQUEST, parameter id).'),
            414: error('The path is longer than the server takes (an id of more than 512 characters; EGRESS_URI_TOO_LONG).'),
            ...ADMIN_ERRORS
          }
        }
      },
      ...commonPaths({
        openApiSummary: 'This document (open without a token)',
        readySummary: 'Readiness: started, the suppression list read, and every partition this instance owns able to send',
        notReady: 'Not ready (no partition owned, a session not ready, the suppression list not read yet), or stopping.'
      })
    }
  })
}
