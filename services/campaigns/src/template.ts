import { countTemplateParameters, type MessageTemplate } from '@wabridge/graph-api'

/** The template part of a campaign: Meta's template object, whose strings may hold {{field}} placeholders. */
export interface CampaignTemplate {
  name: string
  language: { code: string, policy?: string }
  components?: Array<Record<string, unknown>>
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g

/** The {{field}} names the template's strings use (recipient parameters). */
export function placeholdersOf (template: CampaignTemplate): string[] {
  const names = new Set<string>()
  const visit = (v: unknown): void => {
    if (typeof v === 'string') for (const m of v.matchAll(PLACEHOLDER)) names.add(m[1]!)
    else if (Array.isArray(v)) v.forEach(visit)
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(visit)
  }
  visit(template.components ?? [])
  return [...names]
}

/** Fills {{field}} placeholders from the recipient's parameters; a missing one is left empty. */
function fill (v: unknown, params: Record<string, string>): unknown {
  if (typeof v === 'string') return v.replace(PLACEHOLDER, (_, name: string) => params[name] ?? '')
  if (Array.isArray(v)) return v.map((x) => fill(x, params))
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, params)]))
  return v
}

/** The `message` of one recipient's request: { type: 'template', template } with its parameters filled. */
export function renderMessage (template: CampaignTemplate, params: Record<string, string>): { type: 'template', template: unknown } {
  return { type: 'template', template: { name: template.name, language: template.language, ...(template.components && { components: fill(template.components, params) }) } }
}

/** Parameters the campaign gives per component type (body, header, button:0 …). */
export function parameterCounts (template: CampaignTemplate): Map<string, number> {
  const counts = new Map<string, number>()
  for (const c of template.components ?? []) {
    const type = String(c.type ?? '').toLowerCase()
    const key = type === 'button' ? `button:${String(c.index ?? 0)}` : type
    counts.set(key, Array.isArray(c.parameters) ? c.parameters.length : 0)
  }
  return counts
}

/** A template as Meta lists it (GET /{waba}/message_templates): what the check needs. */
export type KnownTemplate = Pick<MessageTemplate, 'name' | 'language' | 'components'>

/**
 * Why a campaign's template does not fit the template Meta knows, or undefined when it fits: each
 * component must give as many parameters as the definition needs (countTemplateParameters of
 * @wabridge/graph-api: TEXT header and body placeholders, a media header, URL and COPY_CODE buttons).
 */
export function templateMismatch (template: CampaignTemplate, known: KnownTemplate): string | undefined {
  const given = parameterCounts(template)
  const needed = countTemplateParameters(known)
  const problems: string[] = []
  const check = (key: string, expected: number) => {
    const got = given.get(key) ?? 0
    if (got !== expected) problems.push(`${key} has ${got} parameter(s), the template expects ${expected}`)
  }
  check('header', needed.header)
  check('body', needed.body)
  const buttons = new Set([...Object.keys(needed.buttons).map(Number), ...[...given.keys()].filter((k) => k.startsWith('button:')).map((k) => Number(k.slice(7)))])
  for (const i of [...buttons].sort((a, b) => a - b)) check(`button:${i}`, needed.buttons[i] ?? 0)
  return problems.length > 0 ? `template ${known.name} (${known.language}): ${problems.join('; ')}` : undefined
}
