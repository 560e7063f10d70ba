import { countTemplateParameters, type TemplateDefinitionComponent } from '@wabridge/graph-api'
import { normalizeLanguageCode, type TemplateEntry } from '@wabridge/schemas'

/** The `template` of a template message as a request carries it (Meta's send shape). */
export interface TemplateMessage {
  name: string
  language: { code: string, policy?: string }
  components?: ReadonlyArray<{ type: string, sub_type?: string, index?: number | string, parameters?: readonly unknown[] }>
}

/** A template message object as it arrives (a request's JSON): read defensively. */
export type TemplateMessageInput = TemplateMessage | Readonly<Record<string, unknown>>

interface GivenComponent { type: string, index: number, parameters: number }

function readMessage (template: TemplateMessageInput): { name: string, language: string, components: GivenComponent[] } {
  const t = template as Record<string, unknown>
  const name = typeof t.name === 'string' ? t.name : ''
  const code = (t.language as { code?: unknown } | undefined)?.code
  const components = Array.isArray(t.components) ? t.components as unknown[] : []
  return {
    name,
    language: normalizeLanguageCode(typeof code === 'string' ? code : ''),
    components: components.filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null).map((c) => ({
      type: String(c.type ?? '').toLowerCase(),
      index: Number(c.index ?? 0),
      parameters: Array.isArray(c.parameters) ? c.parameters.length : 0
    }))
  }
}

export interface TemplateCheckOptions {
  /** Languages the catalogue knows for this name (in the refusal of an unknown language). */
  knownLanguages?: readonly string[]
}

export type TemplateCheck = { ok: true } | { ok: false, code: number, reason: string }

/** Meta's send-time template errors (whatsapp-cloud-api-more.md §3.4). */
export const TEMPLATE_ERRORS = {
  /** Number of parameters does not match the template's. */
  parameterMismatch: 132000,
  /** Template not in that language, or not approved. */
  notFound: 132001,
  /** Paused for low quality. */
  paused: 132015,
  /** Paused too many times: permanently disabled. */
  disabled: 132016
} as const

const iso = (ms: number | null) => ms === null ? 'an unknown time' : new Date(ms).toISOString()
const plural = (n: number) => `${n} parameter${n === 1 ? '' : 's'}`

function definitionOf (entry: TemplateEntry): TemplateDefinitionComponent[] | undefined {
  if (entry.components_json === null) return undefined
  try {
    const parsed = JSON.parse(entry.components_json) as unknown
    return Array.isArray(parsed) ? parsed.filter((c): c is TemplateDefinitionComponent => typeof c === 'object' && c !== null && typeof (c as { type?: unknown }).type === 'string') : undefined
  } catch {
    return undefined
  }
}

/**
 * Whether Meta would accept a send of `template` as the catalogue knows it (`entry`: the catalogue's
 * entry of that WABA, name and language; undefined when it has none). Refusals carry Meta's code:
 * 132001 unknown in that language or not APPROVED (132015 PAUSED, 132016 DISABLED), 132000 a
 * component given another number of parameters than its definition declares (header, body, each
 * button with placeholders). An entry whose components are unknown (first seen in a webhook) passes
 * the parameter check: what cannot be known is not refused.
 */
export function checkTemplateSend (entry: TemplateEntry | undefined, template: TemplateMessageInput, options: TemplateCheckOptions = {}): TemplateCheck {
  const message = readMessage(template)
  const { language } = message
  if (entry === undefined) {
    const known = options.knownLanguages ?? []
    return {
      ok: false,
      code: TEMPLATE_ERRORS.notFound,
      reason: `template ${message.name} does not exist in ${language}` + (known.length > 0 ? ` (languages known: ${[...known].sort().join(', ')})` : '')
    }
  }
  if (entry.status !== 'APPROVED') {
    const code = entry.status === 'PAUSED' ? TEMPLATE_ERRORS.paused : entry.status === 'DISABLED' ? TEMPLATE_ERRORS.disabled : TEMPLATE_ERRORS.notFound
    return {
      ok: false,
      code,
      reason: `template ${entry.name} (${entry.language}) is ${entry.status} since ${iso(entry.status_changed_at ?? entry.synced_at)}, not APPROVED` + (entry.reason ? ` (reason: ${entry.reason})` : '')
    }
  }
  const definition = definitionOf(entry)
  if (definition === undefined) return { ok: true }
  const problems = parameterProblems(definition, message.components)
  if (problems.length > 0) return { ok: false, code: TEMPLATE_ERRORS.parameterMismatch, reason: `template ${entry.name} (${entry.language}): ${problems.join('; ')}` }
  return { ok: true }
}

/** What the send's parameters get wrong against the definition, as readable sentences. */
function parameterProblems (definition: TemplateDefinitionComponent[], given: readonly GivenComponent[]): string[] {
  const needed = countTemplateParameters({ components: definition })
  const header = definition.find((c) => c.type.toUpperCase() === 'HEADER')
  const headerFormat = (header?.format ?? 'TEXT').toUpperCase()
  let givenHeader = 0
  let givenBody = 0
  const givenButtons = new Map<number, number>()
  for (const c of given) {
    if (c.type === 'header') givenHeader = c.parameters
    else if (c.type === 'body') givenBody = c.parameters
    else if (c.type === 'button') givenButtons.set(c.index, c.parameters)
  }
  const problems: string[] = []
  if (givenBody !== needed.body) problems.push(`body needs ${plural(needed.body)}, got ${givenBody}`)
  // A LOCATION header takes a location parameter its definition does not count: only other formats are checked both ways.
  if (givenHeader !== needed.header && (needed.header > 0 || headerFormat !== 'LOCATION')) problems.push(`header needs ${plural(needed.header)}, got ${givenHeader}`)
  // Buttons without placeholders (quick replies with a payload, OTP) are not checked.
  for (const [index, n] of Object.entries(needed.buttons)) {
    const given = givenButtons.get(Number(index)) ?? 0
    if (given !== n) problems.push(`button ${index} needs ${plural(n)}, got ${given}`)
  }
  return problems
}
