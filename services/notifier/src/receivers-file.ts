import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import type { SilenceMatcher } from '@wabridge/schemas'
import { parseMatcher } from './matchers.ts'

const rate = z.object({
  // Notifications per minute (token bucket refill).
  per_minute: z.number().positive(),
  // Bucket size.
  burst: z.number().int().positive()
}).strict()

const common = {
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ -'),
  rate: rate.optional(),
  timeout_ms: z.number().int().min(100).optional(),
  retries: z.number().int().min(0).max(20).optional()
}

const ReceiverSchema = z.discriminatedUnion('type', [
  z.object({ ...common, type: z.literal('webhook'), url: z.url(), headers: z.record(z.string(), z.string()).optional() }).strict(),
  z.object({ ...common, type: z.literal('slack'), url: z.url(), channel: z.string().optional(), username: z.string().optional() }).strict(),
  z.object({ ...common, type: z.literal('email'), smtp_url: z.url(), from: z.string().min(1), to: z.array(z.string().min(3)).min(1), subject_prefix: z.string().optional() }).strict()
])

const RouteSchema = z.object({
  // Which alerts: label matchers as in silences ("severity=critical", "name=~throughput_.*"); none = all.
  matchers: z.array(z.string().transform((s, ctx) => {
    try { return parseMatcher(s) } catch (err) { ctx.addIssue({ code: 'custom', message: (err as Error).message }); return z.NEVER }
  })).default([]),
  receivers: z.array(z.string()).min(1),
  group_by: z.array(z.string().min(1)).optional(),
  group_wait_ms: z.number().int().min(0).optional(),
  group_interval_ms: z.number().int().min(1).optional(),
  repeat_interval_ms: z.number().int().min(1).optional(),
  // Go on to the next routes after a match (default: the first matching route wins).
  continue: z.boolean().default(false)
}).strict()

/** The receivers file (JSON or YAML). */
export const ReceiversFileSchema = z.object({
  receivers: z.array(ReceiverSchema).default([]),
  routes: z.array(RouteSchema).default([])
}).strict()

export type ReceiverSpec = z.output<typeof ReceiverSchema>

/** A route with every timing resolved. */
export interface Route {
  index: number
  matchers: SilenceMatcher[]
  receivers: string[]
  groupBy: string[]
  groupWaitMs: number
  groupIntervalMs: number
  repeatIntervalMs: number
  isContinue: boolean
}

export interface RoutingTable {
  receivers: ReceiverSpec[]
  routes: Route[]
}

export interface RoutingDefaults {
  groupBy: string[]
  groupWaitMs: number
  groupIntervalMs: number
  repeatIntervalMs: number
}

/** Receivers from the env shortcuts (NOTIFIER_WEBHOOK_URL, NOTIFIER_SLACK_WEBHOOK_URL, NOTIFIER_SMTP_URL). */
export interface ReceiverShortcuts {
  webhookUrl?: string | undefined
  slackUrl?: string | undefined
  smtpUrl?: string | undefined
  emailTo?: string[] | undefined
  emailFrom: string
}

/** Parses the text of a receivers file: JSON when it starts with '{', else YAML. Throws naming each bad field. */
export function parseReceiversFile (text: string, source = 'receivers file'): z.output<typeof ReceiversFileSchema> {
  let raw: unknown
  try {
    raw = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    throw new Error(`${source}: not JSON or YAML: ${(err as Error).message}`, { cause: err })
  }
  const parsed = ReceiversFileSchema.safeParse(raw ?? {})
  if (!parsed.success) {
    throw new Error(`${source}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`)
  }
  return parsed.data
}

/**
 * The routing table: the file's receivers and routes, then one catch-all route per shortcut
 * receiver (so a shortcut gets every alert). Throws when a route names an unknown receiver or two
 * receivers share a name.
 */
export function toRoutingTable (file: z.output<typeof ReceiversFileSchema> | undefined, shortcuts: ReceiverShortcuts, defaults: RoutingDefaults): RoutingTable {
  const receivers: ReceiverSpec[] = [...(file?.receivers ?? [])]
  const fileRoutes = file?.routes ?? []
  const extra: string[] = []
  if (shortcuts.webhookUrl) { receivers.push({ type: 'webhook', name: 'webhook', url: shortcuts.webhookUrl }); extra.push('webhook') }
  if (shortcuts.slackUrl) { receivers.push({ type: 'slack', name: 'slack', url: shortcuts.slackUrl }); extra.push('slack') }
  if (shortcuts.smtpUrl) {
    receivers.push({ type: 'email', name: 'email', smtp_url: shortcuts.smtpUrl, from: shortcuts.emailFrom, to: shortcuts.emailTo ?? [] })
    extra.push('email')
  }
  const names = new Set<string>()
  for (const r of receivers) {
    if (names.has(r.name)) throw new Error(`receiver '${r.name}' is defined twice`)
    names.add(r.name)
  }
  const specs = [...fileRoutes, ...(extra.length > 0 ? [{ matchers: [], receivers: extra, continue: true }] : [])]
  // A file without routes sends everything to each of its receivers.
  if (fileRoutes.length === 0 && (file?.receivers.length ?? 0) > 0) specs.unshift({ matchers: [], receivers: file!.receivers.map((r) => r.name), continue: true })
  const routes = specs.map((s, index): Route => {
    for (const name of s.receivers) if (!names.has(name)) throw new Error(`route ${index} names unknown receiver '${name}'`)
    const timing = s as Partial<z.output<typeof RouteSchema>>
    return {
      index,
      matchers: s.matchers,
      receivers: s.receivers,
      groupBy: timing.group_by ?? defaults.groupBy,
      groupWaitMs: timing.group_wait_ms ?? defaults.groupWaitMs,
      groupIntervalMs: timing.group_interval_ms ?? defaults.groupIntervalMs,
      repeatIntervalMs: timing.repeat_interval_ms ?? defaults.repeatIntervalMs,
      isContinue: s.continue
    }
  })
  return { receivers, routes }
}

/** Reads and parses a receivers file from disk. */
export function loadReceiversFile (path: string): z.output<typeof ReceiversFileSchema> {
  return parseReceiversFile(readFileSync(path, 'utf8'), path)
}
