import { createDocument, type ZodOpenApiResponsesObject } from 'zod-openapi'
import { adminGuardResponses, commonPaths, errorResponse, jsonContent as json } from '@wabridge/process'
import { ErrorBodySchema, ListSilencesQuerySchema, NewSilenceSchema, SilenceIdParamsSchema, SilenceListSchema, SilenceSchema } from './http-schemas.ts'

const error = (description: string) => errorResponse(ErrorBodySchema, description)

/** Errors every /v1 route can answer. */
const ADMIN_ERRORS: ZodOpenApiResponsesObject = {
  ...adminGuardResponses(ErrorBodySchema, {
    401: 'NOTIFIER_ADMIN_TOKEN is set and the request has no or another bearer token (NOTIFIER_UNAUTHORIZED).',
    403: 'No admin token is configured and the server is bound off loopback: /v1/* are disabled (NOTIFIER_ADMIN_TOKEN_MISSING).'
  })
}
const INTERNAL = { 500: error('An unexpected error, e.g. Kafka did not take the silence (NOTIFIER_INTERNAL).') }
const NOT_FOUND = { 404: error('No such silence (NOTIFIER_SILENCE_NOT_FOUND).') }

/**
 * The OpenAPI 3.1 document of the notifier's HTTP API, generated from the zod schemas the routes
 * validate with. Every route of the server is in it (a test compares them).
 */
export function buildOpenApiDocument (options: { version: string }): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'wabridge notifier API',
      version: options.version,
      description: 'Silences of the notifier: mute the notifications of alerts whose labels match, for a time. See docs/notifications.md.'
    },
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'NOTIFIER_ADMIN_TOKEN (not needed on loopback when it is unset).' } }
    },
    paths: {
      '/v1/silences': {
        get: {
          operationId: 'listSilences',
          summary: 'The silences, pending and active ones (all=true: expired ones too)',
          security: [{ adminToken: [] }],
          requestParams: { query: ListSilencesQuerySchema },
          responses: { 200: { description: 'The silences.', content: json(SilenceListSchema) }, ...ADMIN_ERRORS, ...INTERNAL }
        },
        post: {
          operationId: 'createSilence',
          summary: 'Create a silence',
          description: 'Written to wa.notifier.silences; every instance honours it once read.',
          security: [{ adminToken: [] }],
          requestBody: { required: true, content: json(NewSilenceSchema) },
          responses: {
            201: { description: 'The new silence.', content: json(SilenceSchema) },
            400: error('The body is not a valid silence, or not JSON, or the silence would end before it starts or before now (NOTIFIER_BAD_SILENCE, NOTIFIER_BAD_REQUEST).'),
            413: error('The body is larger than 1 MiB (NOTIFIER_PAYLOAD_TOO_LARGE).'),
            415: error('The body is not application/json (NOTIFIER_UNSUPPORTED_MEDIA_TYPE).'),
            ...ADMIN_ERRORS,
            ...INTERNAL
          }
        }
      },
      '/v1/silences/{id}': {
        get: {
          operationId: 'getSilence',
          summary: 'One silence',
          security: [{ adminToken: [] }],
          requestParams: { path: SilenceIdParamsSchema },
          responses: { 200: { description: 'The silence.', content: json(SilenceSchema) }, ...NOT_FOUND, ...ADMIN_ERRORS, ...INTERNAL }
        },
        delete: {
          operationId: 'expireSilence',
          summary: 'Expire a silence now',
          description: 'Writes it again with ends_at = now (an expired silence stays listed with all=true).',
          security: [{ adminToken: [] }],
          requestParams: { path: SilenceIdParamsSchema },
          responses: { 200: { description: 'The expired silence.', content: json(SilenceSchema) }, ...NOT_FOUND, ...ADMIN_ERRORS, ...INTERNAL }
        }
      },
      ...commonPaths({
        openApiSummary: 'This document (open: no token)',
        readySummary: 'Readiness: started, the views of the silences and the log caught up, consuming, listening'
      })
    }
  })
}
