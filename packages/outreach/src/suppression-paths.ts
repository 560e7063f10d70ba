import type { z } from 'zod'
import type { ZodOpenApiPathsObject, ZodOpenApiResponsesObject } from 'zod-openapi'
import { errorResponse, jsonContent as json } from '@wabridge/process'
import { ListSuppressionsQuerySchema, NewSuppressionSchema, SuppressionListSchema, SuppressionParamsSchema, SuppressionSchema } from './suppression-http-schemas.ts'

export interface SuppressionPathsOptions {
  /** The service's ErrorBody schema (errorBodySchema of @wabridge/process); its codes should name SUPPRESSION_INVALID and SUPPRESSION_NOT_FOUND. */
  errorBody: z.ZodType
  /** Responses every route may add, e.g. the admin guard's 401/403 and the service's 500. */
  errors?: ZodOpenApiResponsesObject | undefined
  /** The operations' security requirement, e.g. [{ adminToken: [] }]. */
  security?: Array<Record<string, string[]>> | undefined
}

/** The OpenAPI paths of suppressionRoutes, for the document of the service that mounts them. */
export function suppressionPaths (o: SuppressionPathsOptions): ZodOpenApiPathsObject {
  const error = (description: string) => errorResponse(o.errorBody, description)
  const common = { ...(o.security && { security: o.security }), tags: ['suppressions'] }
  const errors = o.errors ?? {}
  return {
    '/v1/suppressions': {
      get: {
        ...common,
        operationId: 'listSuppressions',
        summary: 'The suppression list: recipients who get no bulk message from a scope (WABA)',
        requestParams: { query: ListSuppressionsQuerySchema },
        responses: {
          200: { description: 'Suppressions, newest first (only those that hold now unless all=true).', content: json(SuppressionListSchema) },
          400: error('A query parameter is invalid (SUPPRESSION_INVALID).'),
          ...errors
        }
      },
      post: {
        ...common,
        operationId: 'createSuppression',
        summary: 'Suppress a recipient (replaces the one of the same scope and wa_id)',
        description: 'Written to wa.suppressions; egress then fails bulk requests to the recipient with class suppressed, and campaigns skip it.',
        requestBody: { required: true, content: json(NewSuppressionSchema) },
        responses: {
          201: { description: 'The suppression.', content: json(SuppressionSchema) },
          400: error('The body is not a valid suppression, or expires_at is past (SUPPRESSION_INVALID).'),
          ...errors
        }
      }
    },
    '/v1/suppressions/{scope}/{wa_id}': {
      delete: {
        ...common,
        operationId: 'deleteSuppression',
        summary: 'Lift a suppression (a tombstone on wa.suppressions)',
        requestParams: { path: SuppressionParamsSchema },
        responses: {
          204: { description: 'Lifted.' },
          404: error('The recipient has no suppression in that scope (SUPPRESSION_NOT_FOUND).'),
          ...errors
        }
      }
    }
  }
}
