/**
 * The secret variables of every part, read from the parts' own configuration schemas (those marked
 * secret(), which may also come as <NAME>_FILE): what compose.yaml and the Helm chart must never set
 * as plain values. The simulator's schema is private to its package; its secrets are listed here.
 */
import { secretVariables } from '@wabridge/config'
import { ConfigSchema as apiSchema } from '../../services/api/src/config.ts'
import { ConfigSchema as campaignsSchema } from '../../services/campaigns/src/config.ts'
import { ConfigSchema as conversationsSchema } from '../../services/conversations/src/config.ts'
import { ConfigSchema as egressSchema } from '../../services/egress/src/config.ts'
import { ConfigSchema as ingressSchema } from '../../services/ingress/src/config.ts'
import { ConfigSchema as mediaSchema } from '../../services/media/src/config.ts'
import { ConfigSchema as metricsSchema } from '../../services/metrics/src/config.ts'
import { ConfigSchema as notifierSchema } from '../../services/notifier/src/config.ts'
import { ConfigSchema as schedulerSchema } from '../../services/scheduler/src/config.ts'
import { ConfigSchema as webhooksSchema } from '../../services/webhooks/src/config.ts'

const SIM_SECRETS = ['SIM_APP_SECRET', 'SIM_ACCESS_TOKENS', 'SIM_ADMIN_TOKEN']

/** Each part's secret variables, by part name (as in `serve <part>`). */
export function secretVariablesByPart (): Record<string, string[]> {
  return {
    ingress: secretVariables(ingressSchema),
    egress: secretVariables(egressSchema),
    metrics: secretVariables(metricsSchema),
    api: secretVariables(apiSchema),
    notifier: secretVariables(notifierSchema),
    webhooks: secretVariables(webhooksSchema),
    scheduler: secretVariables(schedulerSchema),
    campaigns: secretVariables(campaignsSchema),
    conversations: secretVariables(conversationsSchema),
    media: secretVariables(mediaSchema),
    sim: SIM_SECRETS
  }
}

/** Every part's secret variables, once each. */
export function allSecretVariables (): string[] {
  return [...new Set(Object.values(secretVariablesByPart()).flat())].sort()
}
