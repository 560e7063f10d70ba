import { createDocument, type ZodOpenApiResponsesObject } from 'zod-openapi'
import { WindowAnswerSchema, WindowParamsSchema } from '@wabridge/conversations'
import { commonPaths, errorResponse, jsonContent as json } from '@wabridge/process'
import { AcceptedSchema, ErrorBodySchema, MessageStatusSchema, RequestIdParamsSchema, SendRequestSchema } from './http-schemas.ts'

const error = (description: string) => errorResponse(ErrorBodySchema, description)
const retryAfter = { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer' as const } } }

/** Errors every authenticated route can answer. */
const AUTH_ERRORS: ZodOpenApiResponsesObject = {
  401: error('No, a malformed, unknown or revoked API key (Authorization: Bearer <key>).'),
  429: { ...error('The key\'s rate is used up.'), headers: retryAfter },
  503: { ...error('The API is not ready (keys not read yet) or Kafka cannot take the request.'), headers: retryAfter }
}

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the zod schemas the routes validate
 * with. Every route of the server is in it (a test compares them).
 */
export function buildOpenApiDocument (options: { version: string }): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'wabridge HTTP API',
      version: options.version,
      description: 'Send WhatsApp messages through the gateway and read their state, for services that cannot produce to Kafka. See docs/http-api.md.'
    },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key made with `wabridge keys create`.' } }
    },
    paths: {
      '/v1/messages': {
        post: {
          operationId: 'sendMessage',
          summary: 'Queue a message to send, now or at its send_at',
          description: 'Answers 202 once the request is durable in Kafka: on wa.outbound.requests (state queued), or, when its send_at is more than 1 s ahead, ' +
            'on wa.outbound.scheduled (state scheduled), from where the scheduler releases it to egress at its send_at. ' +
            'Idempotent by request_id: the same id with the same body answers 202 again ' +
            'without a second request; with another body 409. After a 503 send again with the request_id of its body.',
          security: [{ apiKey: [] }],
          requestBody: { required: true, content: json(SendRequestSchema) },
          responses: {
            202: {
              description: 'Durable in Kafka (or a repeat of a request that is).',
              content: json(AcceptedSchema),
              headers: { 'Idempotent-Replayed': { description: '"true" when the request_id was known with the same body: nothing was written this time.', schema: { type: 'string' as const, enum: ['true'] } } }
            },
            400: error('The body is not a valid request (issues lists every problem: e.g. a send_at that is not RFC 3339 or more than 365 days ahead, a priority other than interactive or bulk), or not JSON.'),
            403: error('The key may not send from this phone_number_id.'),
            409: error('The request_id was used for another request.'),
            413: error('The body is larger than API_MAX_BODY_BYTES.'),
            415: error('The body is not application/json.'),
            ...AUTH_ERRORS
          }
        }
      },
      '/v1/messages/{request_id}': {
        get: {
          operationId: 'getMessage',
          summary: 'The state of a request',
          description: 'From the requests (scheduled ones and their release too), results, settlements and status webhooks the gateway read ' +
            '(the view holds API_VIEW_WINDOW_MS of them, counted from the request\'s first record: a request scheduled further ahead is 404 from then until its release).',
          security: [{ apiKey: [] }],
          requestParams: { path: RequestIdParamsSchema },
          responses: {
            200: { description: 'What the gateway knows of the request.', content: json(MessageStatusSchema) },
            400: error('The request_id is not 1 to 128 characters.'),
            404: error('The gateway knows no such request, or it belongs to a number the key may not use.'),
            414: error('The path is longer than the server takes (a request_id of more than 512 characters).'),
            ...AUTH_ERRORS
          }
        }
      },
      '/v1/windows/{phone_number_id}/{wa_id}': {
        get: {
          operationId: 'getCustomerWindow',
          summary: 'Whether a free-form message may be sent to a customer now: the customer service and free entry point windows',
          description: 'From the window tracker (the compacted wa.windows and the inbound messages it reads itself; a message the customer sent the moment before counts). ' +
            'A customer the gateway knows nothing of answers both windows closed. See docs/conversations.md.',
          security: [{ apiKey: [] }],
          requestParams: { path: WindowParamsSchema },
          responses: {
            200: { description: 'The windows of the number and the customer.', content: json(WindowAnswerSchema) },
            400: error('phone_number_id is not digits, or wa_id is not digits or +E.164.'),
            403: error('The key may not use this phone_number_id.'),
            ...AUTH_ERRORS
          }
        }
      },
      ...commonPaths({
        openApiSummary: 'This document',
        readySummary: 'Readiness: keys, requests, results and statuses read up to where they ended at start, and the producer connected'
      })
    }
  })
}
