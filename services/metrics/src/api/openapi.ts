import { createDocument, type ZodOpenApiResponsesObject } from 'zod-openapi'
import { adminGuardResponses, commonPaths, errorResponse, jsonContent as json } from '@wabridge/process'
import { AlertsQuerySchema, AlertsSchema, ErrorBodySchema, UsageReportSchema } from './http-schemas.ts'
import { UsageQuerySchema } from './usage-query.ts'

const error = (description: string) => errorResponse(ErrorBodySchema, description)

/** Errors every /v1 route can answer (the admin guard's). */
const ADMIN_ERRORS: ZodOpenApiResponsesObject = {
  ...adminGuardResponses(ErrorBodySchema, {
    401: 'METRICS_ADMIN_TOKEN is set and the request has no or another bearer token (METRICS_UNAUTHORIZED).',
    403: 'The server is bound off loopback and METRICS_ADMIN_TOKEN is not set (METRICS_ADMIN_TOKEN_MISSING).'
  })
}

/**
 * The OpenAPI 3.1 document of the metrics query API, generated from the zod schemas the routes
 * validate with. Every route of the server is in it (a test compares them).
 */
export function buildOpenApiDocument (options: { version: string }): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'wabridge metrics query API',
      version: options.version,
      description: 'Usage counts shaped like Meta\'s pricing_analytics, and the alerts firing now, from the committed changelog ' +
        '(the same answer on every instance). See services/metrics/README.md.'
    },
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'METRICS_ADMIN_TOKEN (not needed on loopback when it is unset).' } }
    },
    paths: {
      '/v1/usage': {
        get: {
          operationId: 'getUsage',
          summary: 'Usage per number and bucket',
          description: 'Buckets from the one holding start up to end (exclusive), without the empty ones.',
          security: [{ adminToken: [] }],
          requestParams: { query: UsageQuerySchema },
          responses: {
            200: { description: 'The usage report.', content: json(UsageReportSchema) },
            400: error('An unknown parameter, one given twice, a malformed value, end not after start, or more than 5000 buckets (METRICS_BAD_QUERY, parameter names it).'),
            ...ADMIN_ERRORS
          }
        }
      },
      '/v1/alerts': {
        get: {
          operationId: 'getAlerts',
          summary: 'Alerts firing now',
          security: [{ adminToken: [] }],
          requestParams: { query: AlertsQuerySchema },
          responses: {
            200: { description: 'Firing alerts, oldest first.', content: json(AlertsSchema) },
            400: error('A query parameter was given: the route takes none (METRICS_BAD_QUERY).'),
            ...ADMIN_ERRORS
          }
        }
      },
      ...commonPaths({
        openApiSummary: 'This document (open without a token)',
        readySummary: 'Readiness: started, and the changelog view caught up to where it ended at start'
      })
    }
  })
}
