import { TEMPLATE_HTTP_ERROR_CODES } from '@wabridge/conversations'
import { errorBodySchema } from '@wabridge/process'
import { CONVERSATIONS_ERROR_CODES } from './errors.ts'

// The zod schemas of the conversations API: the routes validate with them and /openapi.json is generated from them.

export { WindowAnswerSchema, WindowParamsSchema } from '@wabridge/conversations'

/** The shared error body of every wabridge API (@wabridge/process errorBody). */
export const ErrorBodySchema = errorBodySchema({
  codes: `Upper snake case constant to branch on: ${[...CONVERSATIONS_ERROR_CODES, ...TEMPLATE_HTTP_ERROR_CODES].join(', ')}, CONVERSATIONS_UNAUTHORIZED, CONVERSATIONS_ADMIN_TOKEN_MISSING, ` +
    'or CONVERSATIONS_BAD_REQUEST, CONVERSATIONS_NOT_FOUND, CONVERSATIONS_INTERNAL from the HTTP layer.'
})

export { HealthBodySchema } from '@wabridge/process'
