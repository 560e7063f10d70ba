import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi'
import { z } from 'zod'
import { suppressionPaths } from '@wabridge/outreach'
import { adminGuardResponses, commonPaths, errorResponse, jsonContent as json } from '@wabridge/process'
import { AudienceJsonSchema, AudienceQuerySchema, AudienceResultSchema, CampaignIdParamsSchema, CampaignListSchema, CampaignSchema, ErrorBodySchema, ListCampaignsQuerySchema, NewCampaignSchema, PendingCommandSchema } from './http-schemas.ts'

const error = (description: string) => errorResponse(ErrorBodySchema, description)

/** Errors every /v1 route can answer. */
const ADMIN_ERRORS: ZodOpenApiResponsesObject = {
  ...adminGuardResponses(ErrorBodySchema, {
    401: 'CAMPAIGNS_ADMIN_TOKEN is set and the request has no or another bearer token (CAMPAIGNS_UNAUTHORIZED).',
    403: 'No admin token is configured and the server is bound off loopback: /v1/* are disabled (CAMPAIGNS_ADMIN_TOKEN_MISSING).'
  }),
  500: error('An unexpected error, e.g. Kafka did not take the command (CAMPAIGNS_INTERNAL).')
}
const NOT_FOUND = { 404: error('No such campaign (CAMPAIGNS_NOT_FOUND).') }
const PENDING = { 202: { description: 'Written to the commands topic, not applied within CAMPAIGNS_COMMAND_TIMEOUT_MS (no instance owns the number\'s partition now).', content: json(PendingCommandSchema) } }
const security = [{ adminToken: [] }]

const lifecycle = (command: string, summary: string, description: string): ZodOpenApiOperationObject => ({
  operationId: `${command}Campaign`,
  summary,
  description,
  tags: ['campaigns'],
  security,
  requestParams: { path: CampaignIdParamsSchema },
  responses: {
    200: { description: 'The campaign with the command applied.', content: json(CampaignSchema) },
    ...PENDING,
    409: error('The campaign\'s state does not allow it (CAMPAIGNS_CONFLICT), e.g. resume a running campaign.'),
    ...NOT_FOUND,
    ...ADMIN_ERRORS
  }
})

/**
 * The OpenAPI 3.1 document of the campaigns service, generated from the zod schemas the routes
 * validate with. Every route of the server is in it (a test compares them).
 */
export function buildOpenApiDocument (options: { version: string }): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'wabridge campaigns API',
      version: options.version,
      description: 'Campaigns: one template message to an audience from one number, paced under the number\'s bulk budget so conversations go first; and the suppression list. See docs/campaigns.md.'
    },
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'CAMPAIGNS_ADMIN_TOKEN (not needed on loopback when it is unset).' } }
    },
    paths: {
      '/v1/campaigns': {
        get: {
          operationId: 'listCampaigns',
          summary: 'The campaigns, newest first',
          tags: ['campaigns'],
          security,
          requestParams: { query: ListCampaignsQuerySchema },
          responses: { 200: { description: 'The campaigns.', content: json(CampaignListSchema) }, 400: error('A query parameter is invalid (CAMPAIGNS_BAD_CAMPAIGN).'), ...ADMIN_ERRORS }
        },
        post: {
          operationId: 'createCampaign',
          summary: 'Create a campaign (draft), optionally with its audience inline or from a topic',
          description: 'The template is checked against Meta\'s when the service can list templates. Invalid recipients are reported with their line (position) and reason; the rest is kept.',
          tags: ['campaigns'],
          security,
          requestBody: { required: true, content: json(NewCampaignSchema) },
          responses: {
            201: { description: 'The new campaign (state draft).', content: json(CampaignSchema) },
            ...PENDING,
            400: error('The body is not a valid campaign (CAMPAIGNS_BAD_CAMPAIGN), the template is unknown (CAMPAIGNS_UNKNOWN_TEMPLATE) or its parameters do not match (CAMPAIGNS_TEMPLATE_MISMATCH).'),
            413: error('The body is too large (CAMPAIGNS_PAYLOAD_TOO_LARGE).'),
            415: error('The body is not application/json (CAMPAIGNS_UNSUPPORTED_MEDIA_TYPE).'),
            ...ADMIN_ERRORS
          }
        }
      },
      '/v1/campaigns/{id}': {
        get: {
          operationId: 'getCampaign',
          summary: 'One campaign with its live progress',
          tags: ['campaigns'],
          security,
          requestParams: { path: CampaignIdParamsSchema },
          responses: { 200: { description: 'The campaign.', content: json(CampaignSchema) }, ...NOT_FOUND, ...ADMIN_ERRORS }
        }
      },
      '/v1/campaigns/{id}/audience': {
        post: {
          operationId: 'setCampaignAudience',
          summary: 'Set the audience of a draft campaign: a CSV or NDJSON file, inline recipients or a topic',
          description: 'CSV: a header row; the number in a column named to, phone, phone_number, wa_id, number or msisdn; the other columns fill the template\'s {{column}} placeholders. NDJSON: one object per line, the same fields (or a params object). Numbers are normalised to E.164 (national ones with the campaign\'s default_region) and deduplicated; refused rows come back with their line numbers.',
          tags: ['campaigns'],
          security,
          requestParams: { path: CampaignIdParamsSchema, query: AudienceQuerySchema },
          requestBody: {
            required: true,
            content: {
              'text/csv': { schema: z.string() },
              'application/x-ndjson': { schema: z.string() },
              ...json(AudienceJsonSchema)
            }
          },
          responses: {
            200: { description: 'The audience in use, with the refused rows.', content: json(AudienceResultSchema) },
            ...PENDING,
            400: error('The file cannot be read or the format is not known (CAMPAIGNS_BAD_AUDIENCE).'),
            409: error('The campaign is not a draft (CAMPAIGNS_CONFLICT).'),
            413: error('The body is larger than CAMPAIGNS_MAX_AUDIENCE_BYTES (CAMPAIGNS_PAYLOAD_TOO_LARGE).'),
            415: error('Another content type (CAMPAIGNS_UNSUPPORTED_MEDIA_TYPE).'),
            ...NOT_FOUND,
            ...ADMIN_ERRORS
          }
        }
      },
      '/v1/campaigns/{id}/start': { post: lifecycle('start', 'Start a draft campaign', 'Running now, or scheduled until send_at.') },
      '/v1/campaigns/{id}/pause': { post: lifecycle('pause', 'Pause a running or scheduled campaign', 'No request is released after the owner\'s next tick (within about a second); requests already released are sent.') },
      '/v1/campaigns/{id}/resume': { post: lifecycle('resume', 'Resume a paused campaign', 'Running again (scheduled if send_at is still ahead), from where it stopped.') },
      '/v1/campaigns/{id}/cancel': { post: lifecycle('cancel', 'Cancel a campaign for good', 'Recipients not released yet are skipped; results of released ones still count.') },
      ...suppressionPaths({ errorBody: ErrorBodySchema, errors: ADMIN_ERRORS, security }),
      ...commonPaths({
        openApiSummary: 'This document (open: no token)',
        readySummary: 'Readiness: started, the campaigns view caught up, every owned commands partition restored, listening'
      })
    }
  })
}
