import { z } from 'zod'

// The pieces every wabridge OpenAPI document shares, as zod 4 schemas and plain OpenAPI objects:
// zod-openapi (in the services) turns a schema with `.meta({ id })` into a component and refers to it.

/** The body of /healthz and /readyz (HealthBody of health.ts), the component `HealthBody`. */
export const HealthBodySchema = z.object({
  status: z.enum(['ok', 'ready', 'not_ready', 'stopping']),
  service: z.string(),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.unknown().optional() }))
}).meta({ id: 'HealthBody' })

/**
 * The shared error body (errorBody of http-errors.ts), the component `ErrorBody`, for one API:
 * `code` described with the codes that API answers, then its extra fields (e.g. `parameter`).
 * Loose: an API may add fields the document does not name.
 */
export function errorBodySchema<Extra extends z.ZodRawShape = Record<never, never>> (options: { codes: string, fields?: Extra }) {
  return z.object({
    error: z.object({
      code: z.string().describe(options.codes),
      message: z.string(),
      ...(options.fields ?? {}) as Extra
    }).loose()
  }).meta({ id: 'ErrorBody' })
}

/** A JSON content object: `{ 'application/json': { schema } }`. */
export const jsonContent = <Schema extends z.ZodType>(schema: Schema) => ({ 'application/json': { schema } })

/** A response object answered with the error body. */
export interface ErrorResponse<Schema extends z.ZodType> {
  description: string
  content: { 'application/json': { schema: Schema } }
}

/** One error response: the description, with the error body as JSON content. */
export function errorResponse<Schema extends z.ZodType> (schema: Schema, description: string): ErrorResponse<Schema> {
  return { description, content: jsonContent(schema) }
}

/** The error responses of several statuses, by status: `{ 401: { description, content }, 403: … }`. */
export function errorResponses<Schema extends z.ZodType, Status extends number> (schema: Schema, descriptions: Record<Status, string>): Record<Status, ErrorResponse<Schema>> {
  const entries = Object.entries<string>(descriptions).map(([status, description]) => [status, errorResponse(schema, description)])
  return Object.fromEntries(entries) as Record<Status, ErrorResponse<Schema>>
}

/** The `WWW-Authenticate: Bearer` header of a 401 of the admin guard. */
export const BEARER_CHALLENGE = { 'WWW-Authenticate': { description: 'Bearer', schema: { type: 'string' as const } } }

/**
 * The responses of the admin guard (createAdminGuard): 401 with the bearer challenge when a token is
 * set and the request lacks it, 403 when no token is set off loopback.
 */
export function adminGuardResponses<Schema extends z.ZodType> (schema: Schema, descriptions: { 401: string, 403: string }) {
  return {
    401: { ...errorResponse(schema, descriptions[401]), headers: BEARER_CHALLENGE },
    403: errorResponse(schema, descriptions[403])
  }
}

/**
 * The paths every part's document ends with: /openapi.json (the document itself), /healthz and
 * /readyz (healthRoutes). `openApiSummary` and `readySummary` say what they are for this part.
 */
export function commonPaths (options: { openApiSummary: string, readySummary: string, notReady?: string }) {
  const health = jsonContent(HealthBodySchema)
  return {
    '/openapi.json': {
      get: { operationId: 'getOpenApi', summary: options.openApiSummary, responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' as const } } } } } }
    },
    '/healthz': {
      get: { operationId: 'getHealth', summary: 'Liveness', responses: { 200: { description: 'The process answers.', content: health } } }
    },
    '/readyz': {
      get: {
        operationId: 'getReadiness',
        summary: options.readySummary,
        responses: {
          200: { description: 'Ready.', content: health },
          503: { description: options.notReady ?? 'Not ready, or stopping.', content: health }
        }
      }
    }
  }
}
