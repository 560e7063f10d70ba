import { createDocument, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from 'zod-openapi'
import { adminGuardResponses, commonPaths, errorResponse, jsonContent as json } from '@wabridge/process'
import { ErrorBodySchema, WindowAnswerSchema, WindowParamsSchema } from './http-schemas.ts'

const error = (description: string) => errorResponse(ErrorBodySchema, description)

const ADMIN_ERRORS: ZodOpenApiResponsesObject = {
  ...adminGuardResponses(ErrorBodySchema, {
    401: 'CONVERSATIONS_ADMIN_TOKEN is set and the request has no or another bearer token (CONVERSATIONS_UNAUTHORIZED).',
    403: 'No admin token is configured and the server is bound off loopback: /v1/* are disabled (CONVERSATIONS_ADMIN_TOKEN_MISSING).'
  })
}
const INTERNAL = { 500: error('An unexpected error (CONVERSATIONS_INTERNAL).') }

/** Paths of the customer service windows. */
const WINDOW_PATHS: ZodOpenApiPathsObject = {
  '/v1/windows/{phone_number_id}/{wa_id}': {
    get: {
      operationId: 'getCustomerWindow',
      summary: 'The customer service window and the free entry point window of a business number and a customer',
      description: 'Open or closed now, since and until when. A pair the gateway knows nothing of answers both closed (never 404). See docs/conversations.md.',
      security: [{ adminToken: [] }],
      requestParams: { path: WindowParamsSchema },
      responses: {
        200: { description: 'The pair\'s windows.', content: json(WindowAnswerSchema) },
        400: error('phone_number_id is not digits or wa_id is not digits or +E.164 (CONVERSATIONS_BAD_PAIR).'),
        ...ADMIN_ERRORS,
        ...INTERNAL
      }
    }
  }
}

/**
 * The OpenAPI 3.1 document of the conversations service's HTTP API, generated from the zod schemas
 * the routes validate with. Every route of the server is in it (a test compares them); mounted parts
 * add theirs through `paths`.
 */
export function buildOpenApiDocument (options: { version: string, paths?: ZodOpenApiPathsObject }): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'wabridge conversations API',
      version: options.version,
      description: 'What Meta will refuse before it is asked: customer service and free entry point windows. See docs/conversations.md.'
    },
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'CONVERSATIONS_ADMIN_TOKEN (not needed on loopback when it is unset).' } }
    },
    paths: {
      ...WINDOW_PATHS,
      ...options.paths,
      ...commonPaths({
        openApiSummary: 'This document (open: no token)',
        readySummary: 'Readiness: started, and the window keeper has read wa.windows and joined its group'
      })
    }
  })
}
