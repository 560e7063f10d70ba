import { z } from 'zod'
import { bool, durationMs, keyValueList, loggingEnv, parseEnv, port, positiveInt, secret, shutdownEnv } from '@wabridge/config'
import { adminTokenProblem } from '@wabridge/process'
import { faultRulesSchema, templatesSchema, tierSchema } from './control-schemas.ts'
import type { LatencyDistribution } from './latency.ts'
import type { GraphApiSimOptions } from './options.ts'
import type { PhoneNumberConfig } from './phone-numbers.ts'
import type { SimTemplateInput } from './templates.ts'

const share = () => z.coerce.number().min(0).max(1)

/** The sim's environment; every variable is optional. */
const simEnv = z.object({
  // Address the sim listens on.
  SIM_HOST: z.string().default('127.0.0.1'),
  // Bearer token of the /_sim control endpoints; required when SIM_HOST is not loopback. Secret: or SIM_ADMIN_TOKEN_FILE.
  SIM_ADMIN_TOKEN: secret(z.string()).optional(),
  // Port the sim listens on (0 = any free port).
  SIM_PORT: port().default(8090),
  // Where status and inbound webhooks are POSTed (the ingress); unset = no webhooks.
  SIM_WEBHOOK_URL: z.url().optional(),
  // App secret that signs webhooks (X-Hub-Signature-256); required with SIM_WEBHOOK_URL. Secret: or SIM_APP_SECRET_FILE.
  SIM_APP_SECRET: secret(z.string()).optional(),
  // Throughput of every number without its own limit, messages/s (Meta: 80).
  SIM_DEFAULT_MPS: positiveInt().default(80),
  // Per-number throughput, "phoneNumberId=mps,…" (e.g. 1000 after an upgrade, 20 for coexistence).
  SIM_PHONE_NUMBER_MPS: keyValueList().transform((pairs, ctx) => {
    const out: Record<string, number> = {}
    for (const [id, value] of Object.entries(pairs)) {
      out[id] = Number(value)
      if (!(out[id] > 0)) ctx.addIssue({ code: 'custom', message: `must give a positive number for ${id}` })
    }
    return out
  }).optional(),
  // Per-number access tokens, "phoneNumberId=token,…"; numbers not listed accept any non-empty token.
  // Secret: or SIM_ACCESS_TOKENS_FILE.
  SIM_ACCESS_TOKENS: secret(keyValueList()).optional(),
  // Per-number WABA ids, "phoneNumberId=wabaId,…"; others get a derived id.
  SIM_WABA_IDS: keyValueList().optional(),
  // Refuse phone number ids that are not configured above (code 100, subcode 33).
  SIM_STRICT_PHONE_NUMBERS: bool().default(false),
  // Response latency: "20" (fixed) or "10-80" (a range).
  SIM_LATENCY_MS: z.string().regex(/^\d+(-\d+)?$/, 'a number or min-max').default('0'),
  // Shape of a latency range: uniform or lognormal.
  SIM_LATENCY_DIST: z.enum(['uniform', 'lognormal']).default('uniform'),
  // Enforce the pair rate limit per recipient (131056).
  SIM_PAIR_RATE: bool().default(true),
  // Pair rate burst (Meta: 45) and sustained spacing (Meta: 6000 ms).
  SIM_PAIR_BURST: positiveInt().default(45),
  SIM_PAIR_PERIOD_MS: durationMs().default(6000),
  // Delays of the status webhooks, "sent,delivered,read" in ms, each after the previous one.
  SIM_STATUS_DELAYS_MS: z.string().regex(/^\d+,\d+,\d+$/, 'three comma-separated numbers').default('50,150,500'),
  // Share of delivered messages that get a read status.
  SIM_READ_SHARE: share().default(0.6),
  // Share of accepted messages that end in a failed status, and its error code.
  SIM_FAILED_SHARE: share().default(0),
  SIM_FAILED_CODE: positiveInt().default(131026),
  // Pricing category of template messages.
  SIM_TEMPLATE_CATEGORY: z.string().default('marketing'),
  // Webhook batching: collect for this long, at most this many events per POST.
  SIM_WEBHOOK_BATCH_MS: durationMs().default(20),
  SIM_WEBHOOK_MAX_BATCH: positiveInt().default(100),
  // Concurrent webhook POSTs, attempts per POST, and the retry backoff base.
  SIM_WEBHOOK_CONCURRENCY: positiveInt().default(8),
  SIM_WEBHOOK_MAX_ATTEMPTS: positiveInt().default(10),
  SIM_WEBHOOK_RETRY_BASE_MS: durationMs().default(1000),
  // Records kept per kind for /_sim/messages and stats; the oldest are dropped beyond it.
  SIM_MAX_RECORDS: positiveInt().default(500_000),
  // Rate card directory pricing_analytics costs come from (packages/pricing/README.md); unset = the example card.
  SIM_RATE_CARD_DIR: z.string().min(1).optional(),
  // Fault rules in force from the start, as a JSON array (see README).
  SIM_FAULTS: z.string().transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of fault rules' })
      return z.NEVER
    }
  }).pipe(faultRulesSchema).optional(),
  // Business portfolio of each WABA, "wabaId=portfolioId,…"; others each get their own (WABA id + 10^12).
  SIM_PORTFOLIOS: keyValueList().optional(),
  // Messaging limit tier per portfolio, "portfolioId=TIER_2K,…" (TIER_50, TIER_250, TIER_1K, TIER_2K, TIER_10K, TIER_100K, TIER_UNLIMITED).
  SIM_MESSAGING_TIERS: keyValueList().pipe(z.record(z.string(), tierSchema)).optional(),
  // Tier of portfolios not listed above; TIER_UNLIMITED counts but never limits.
  SIM_DEFAULT_MESSAGING_TIER: tierSchema.default('TIER_UNLIMITED'),
  // Past the limit: fail (accept, then a failed status with 131048) or refuse (answer 131048).
  SIM_MESSAGING_LIMIT_MODE: z.enum(['fail', 'refuse']).default('fail'),
  // Fail marketing templates to US numbers with 131049, as Meta does.
  SIM_BLOCK_US_MARKETING: bool().default(true),
  // Templates added to the catalogue, as a JSON array (see README); SIM_DEFAULT_TEMPLATES=false starts without the default ones.
  SIM_TEMPLATES: z.string().transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of templates' })
      return z.NEVER
    }
  }).pipe(templatesSchema).optional(),
  SIM_DEFAULT_TEMPLATES: bool().default(true),
  // New templates added through POST /_sim/templates start PENDING and are approved (with the webhook) after this long; unset = kept as given.
  SIM_TEMPLATE_APPROVAL_MS: durationMs().optional(),
  // Answer 131047 to a non-template send outside the user's 24 h customer service window with the number.
  SIM_ENFORCE_WINDOWS: bool().default(false),
  // How long a media download URL stays valid before it answers 404 (Meta: 5 min); tests shorten it.
  SIM_MEDIA_URL_TTL_MS: durationMs().default(300_000),
  ...loggingEnv,
  ...shutdownEnv
}).superRefine((env, ctx) => {
  const problem = adminTokenProblem(env.SIM_HOST, env.SIM_ADMIN_TOKEN)
  if (problem) ctx.addIssue({ code: 'custom', path: ['SIM_ADMIN_TOKEN'], message: problem })
}).refine((env) => env.SIM_WEBHOOK_URL === undefined || Boolean(env.SIM_APP_SECRET), {
  path: ['SIM_APP_SECRET'],
  message: 'is required when SIM_WEBHOOK_URL is set',
  // Run even when other variables are bad, so one error names them all.
  when: () => true
})

/** The parsed sim environment. */
export type SimConfig = z.output<typeof simEnv>

/** Parses the sim's environment; throws one ConfigError naming every bad variable. */
export function loadSimConfig (env: Record<string, string | undefined>): SimConfig {
  return parseEnv(simEnv, env)
}

function latency (config: SimConfig): LatencyDistribution {
  const [min = 0, max = min] = config.SIM_LATENCY_MS.split('-').map(Number)
  return min === max ? { kind: 'fixed', ms: min } : { kind: config.SIM_LATENCY_DIST, minMs: Math.min(min, max), maxMs: Math.max(min, max) }
}

function phoneNumbers (config: SimConfig): Record<string, PhoneNumberConfig> {
  const out: Record<string, PhoneNumberConfig> = {}
  const put = (id: string, c: PhoneNumberConfig): void => { out[id] = { ...out[id], ...c } }
  for (const [id, mps] of Object.entries(config.SIM_PHONE_NUMBER_MPS ?? {})) put(id, { mps })
  for (const [id, token] of Object.entries(config.SIM_ACCESS_TOKENS ?? {})) put(id, { token })
  for (const [id, wabaId] of Object.entries(config.SIM_WABA_IDS ?? {})) put(id, { wabaId })
  return out
}

/** Turns the parsed environment into createGraphApiSim options. */
export function toSimOptions (config: SimConfig): GraphApiSimOptions {
  const [sentAfterMs, deliveredAfterMs, readAfterMs] = config.SIM_STATUS_DELAYS_MS.split(',').map(Number) as [number, number, number]
  return {
    host: config.SIM_HOST,
    ...(config.SIM_ADMIN_TOKEN === undefined ? {} : { adminToken: config.SIM_ADMIN_TOKEN }),
    port: config.SIM_PORT,
    defaultMps: config.SIM_DEFAULT_MPS,
    phoneNumbers: phoneNumbers(config),
    strictPhoneNumbers: config.SIM_STRICT_PHONE_NUMBERS,
    pairRate: config.SIM_PAIR_RATE ? { burst: config.SIM_PAIR_BURST, periodMs: config.SIM_PAIR_PERIOD_MS } : false,
    latency: latency(config),
    faults: config.SIM_FAULTS ?? [],
    maxRecords: config.SIM_MAX_RECORDS,
    ...(config.SIM_RATE_CARD_DIR === undefined ? {} : { rateCardDir: config.SIM_RATE_CARD_DIR }),
    ...(config.SIM_PORTFOLIOS === undefined ? {} : { portfolios: config.SIM_PORTFOLIOS }),
    ...(config.SIM_MESSAGING_TIERS === undefined ? {} : { messagingTiers: config.SIM_MESSAGING_TIERS }),
    defaultMessagingTier: config.SIM_DEFAULT_MESSAGING_TIER,
    messagingLimitMode: config.SIM_MESSAGING_LIMIT_MODE,
    blockUsMarketing: config.SIM_BLOCK_US_MARKETING,
    ...(config.SIM_TEMPLATES === undefined ? {} : { templates: config.SIM_TEMPLATES as SimTemplateInput[] }),
    defaultTemplates: config.SIM_DEFAULT_TEMPLATES,
    ...(config.SIM_TEMPLATE_APPROVAL_MS === undefined ? {} : { templateApprovalMs: config.SIM_TEMPLATE_APPROVAL_MS }),
    enforceWindows: config.SIM_ENFORCE_WINDOWS,
    mediaUrlTtlMs: config.SIM_MEDIA_URL_TTL_MS,
    statuses: {
      sentAfterMs,
      deliveredAfterMs,
      readAfterMs,
      readShare: config.SIM_READ_SHARE,
      failedShare: config.SIM_FAILED_SHARE,
      failedCode: config.SIM_FAILED_CODE,
      templateCategory: config.SIM_TEMPLATE_CATEGORY
    },
    ...(config.SIM_WEBHOOK_URL === undefined ? {} : { webhookUrl: config.SIM_WEBHOOK_URL, appSecret: config.SIM_APP_SECRET as string }),
    webhook: {
      batchMs: config.SIM_WEBHOOK_BATCH_MS,
      maxBatch: config.SIM_WEBHOOK_MAX_BATCH,
      concurrency: config.SIM_WEBHOOK_CONCURRENCY,
      maxAttempts: config.SIM_WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: config.SIM_WEBHOOK_RETRY_BASE_MS
    }
  }
}
