import { createDocument } from 'zod-openapi'
import { adminGuardResponses, commonPaths, errorResponse, jsonContent as json } from '@wabridge/process'
import { ErrorBodySchema, InboundMediaSchema, MediaIdParamsSchema } from './http-schemas.ts'

const error = (description: string) => errorResponse(ErrorBodySchema, description)

/**
 * The OpenAPI 3.1 document of the media worker's HTTP API, generated from the zod schemas the
 * routes validate with. Every route of the server is in it (a test compares them).
 */
export function buildOpenApiDocument (options: { version: string }): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'wabridge media worker API',
      version: options.version,
      description: 'Inbound media downloaded and stored by the media worker; the records are on wa.inbound.media. See docs/media.md.'
    },
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'MEDIA_ADMIN_TOKEN (not needed on loopback when it is unset).' } }
    },
    paths: {
      '/v1/media/{media_id}': {
        get: {
          operationId: 'getInboundMedia',
          summary: 'The last InboundMedia record of a media id: ready (stored, with its URI and sha256) or failed (with the reason)',
          description: 'Answered from the newest MEDIA_RECENT_MAX records this instance published.',
          security: [{ adminToken: [] }],
          requestParams: { path: MediaIdParamsSchema },
          responses: {
            200: { description: 'The record.', content: json(InboundMediaSchema) },
            400: error('The media id is malformed (MEDIA_BAD_REQUEST).'),
            404: error('This instance has no record of it (MEDIA_NOT_FOUND_MEDIA).'),
            ...adminGuardResponses(ErrorBodySchema, {
              401: 'MEDIA_ADMIN_TOKEN is set and the request has no or another bearer token (MEDIA_UNAUTHORIZED).',
              403: 'No admin token is configured and the server is bound off loopback: /v1/* are disabled (MEDIA_ADMIN_TOKEN_MISSING).'
            }),
            500: error('An unexpected error (MEDIA_INTERNAL).')
          }
        }
      },
      ...commonPaths({
        openApiSummary: 'This document (open: no token)',
        readySummary: 'Readiness: started, and every owned inbound partition taken over (previous owner fenced)'
      })
    }
  })
}
