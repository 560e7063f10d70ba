import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi'
import { adminGuardResponses, commonPaths, errorResponse, jsonContent as json } from '@wabridge/process'
import {
  CreateSubscriptionSchema, ErrorBodySchema, ReplayResultSchema, ReplaySchema, RotateSecretSchema,
  SubscriptionIdParamsSchema, SubscriptionListSchema, SubscriptionSchema
} from './http-schemas.ts'

const error = (description: string) => errorResponse(ErrorBodySchema, description)

/** Errors every /v1 route can answer. */
const ADMIN_ERRORS: ZodOpenApiResponsesObject = {
  ...adminGuardResponses(ErrorBodySchema, {
    401: 'WEBHOOKS_ADMIN_TOKEN is set and the request has no or another bearer token (WEBHOOKS_UNAUTHORIZED).',
    403: 'No admin token is configured and the server is bound off loopback: /v1/* are disabled (WEBHOOKS_ADMIN_TOKEN_MISSING).'
  }),
  500: error('An unexpected error, e.g. Kafka did not take the change (WEBHOOKS_INTERNAL).')
}
/** Errors of a route with a JSON body. */
const BODY_ERRORS: ZodOpenApiResponsesObject = {
  400: error('The body is not valid (WEBHOOKS_INVALID_SUBSCRIPTION: the message names every problem), or not JSON (WEBHOOKS_BAD_REQUEST).'),
  413: error('The body is larger than 64 KiB (WEBHOOKS_PAYLOAD_TOO_LARGE).'),
  415: error('The body is not application/json (WEBHOOKS_UNSUPPORTED_MEDIA_TYPE).')
}
const NOT_FOUND = { 404: error('No such subscription (WEBHOOKS_NOT_FOUND).') }
const security = [{ adminToken: [] }]
const path = { path: SubscriptionIdParamsSchema }

/** An operation on one subscription. */
function onOne (operation: Omit<ZodOpenApiOperationObject, 'responses'> & { responses: ZodOpenApiResponsesObject }): ZodOpenApiOperationObject {
  return { security, requestParams: path, ...operation, responses: { ...operation.responses, ...NOT_FOUND, ...ADMIN_ERRORS } }
}

/**
 * The OpenAPI 3.1 document of the webhooks service's HTTP API, generated from the zod schemas the
 * routes validate with. Every route of the server is in it (a test compares them).
 */
export function buildOpenApiDocument (options: { version: string }): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'wabridge CRM webhooks API',
      version: options.version,
      description: 'Subscriptions of the CRM webhooks service: endpoints that receive gateway events as signed webhooks (Standard Webhooks). See services/webhooks/README.md.'
    },
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'WEBHOOKS_ADMIN_TOKEN (not needed on loopback when it is unset).' } }
    },
    paths: {
      '/v1/subscriptions': {
        get: {
          operationId: 'listSubscriptions',
          summary: 'Every subscription, secrets shortened',
          security,
          responses: { 200: { description: 'The subscriptions.', content: json(SubscriptionListSchema) }, ...ADMIN_ERRORS }
        },
        post: {
          operationId: 'createSubscription',
          summary: 'Create a subscription',
          description: 'Enabled, with one fresh secret: this answer is the only one but rotate-secret\'s that shows it whole.',
          security,
          requestBody: { required: true, content: json(CreateSubscriptionSchema) },
          responses: { 201: { description: 'The new subscription, with its whole secret.', content: json(SubscriptionSchema) }, ...BODY_ERRORS, ...ADMIN_ERRORS }
        }
      },
      '/v1/subscriptions/{id}': {
        get: onOne({
          operationId: 'getSubscription',
          summary: 'One subscription, secrets shortened',
          responses: { 200: { description: 'The subscription.', content: json(SubscriptionSchema) } }
        }),
        delete: onOne({
          operationId: 'deleteSubscription',
          summary: 'Delete a subscription',
          description: 'Its events are no longer delivered; its deliveries parked for retry are given up (to wa.webhooks.failed, reason "subscription removed").',
          responses: { 204: { description: 'Deleted.' } }
        })
      },
      '/v1/subscriptions/{id}/rotate-secret': {
        post: onOne({
          operationId: 'rotateSubscriptionSecret',
          summary: 'Add a new signing secret',
          description: 'The secrets that sign now keep signing until expire_old_in_ms from now; expired ones are dropped.',
          requestBody: { required: false, content: json(RotateSecretSchema) },
          responses: { 200: { description: 'The subscription with its whole secrets.', content: json(SubscriptionSchema) }, ...BODY_ERRORS }
        })
      },
      '/v1/subscriptions/{id}/enable': {
        post: onOne({
          operationId: 'enableSubscription',
          summary: 'Enable a subscription (again)',
          responses: { 200: { description: 'The subscription, secrets shortened.', content: json(SubscriptionSchema) } }
        })
      },
      '/v1/subscriptions/{id}/disable': {
        post: onOne({
          operationId: 'disableSubscription',
          summary: 'Disable a subscription',
          description: 'Its events go to wa.webhooks.failed instead of the endpoint (replay sends them later).',
          responses: { 200: { description: 'The subscription, secrets shortened.', content: json(SubscriptionSchema) } }
        })
      },
      '/v1/subscriptions/{id}/replay': {
        post: onOne({
          operationId: 'replaySubscription',
          summary: 'Send the subscription\'s failed deliveries again',
          description: 'Reads wa.webhooks.failed and parks the subscription\'s deliveries as never tried: they are sent at once, in order per conversation.',
          requestBody: { required: false, content: json(ReplaySchema) },
          responses: { 200: { description: 'What was read and parked.', content: json(ReplayResultSchema) }, ...BODY_ERRORS }
        })
      },
      ...commonPaths({
        openApiSummary: 'This document (open: no token)',
        readySummary: 'Readiness: the producer connected and the sources consumed'
      })
    }
  })
}
