import type { GraphApiClient } from '@wabridge/graph-api'
import type { Logger } from '@wabridge/telemetry'
import type { TemplateLookup } from './routes/campaigns.ts'

/** The access token of a number: its own, its WABA's, else the default (as egress chooses). */
export function tokenFor (tokens: Readonly<Record<string, string>>, fallback: string | undefined, ...ids: Array<string | null | undefined>): string | undefined {
  for (const id of ids) if (id && Object.hasOwn(tokens, id)) return tokens[id]
  return fallback
}

/**
 * Templates from the Graph API (GET /{waba}/message_templates), for the check before a campaign
 * starts. Undefined (no check) without the number's WABA or a token, or when the call fails: the
 * campaign is not refused for what cannot be known.
 */
export function createGraphTemplateLookup (o: { client: GraphApiClient, tokens: Readonly<Record<string, string>>, token: string | undefined, wabaOf: (pn: string) => string | undefined, logger: Logger }): TemplateLookup {
  return {
    async find ({ phoneNumberId, wabaId, name, language }) {
      const waba = wabaId ?? o.wabaOf(phoneNumberId)
      const token = tokenFor(o.tokens, o.token, phoneNumberId, waba)
      if (!waba || !token) return undefined
      const outcome = await o.client.listTemplates(waba, token, { name, language })
      if (!outcome.ok) {
        o.logger.warn({ waba, name, language, error: outcome.error }, 'templates could not be listed: the campaign is not checked')
        return undefined
      }
      return outcome.templates[0] ?? null
    }
  }
}
