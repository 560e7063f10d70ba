/**
 * The sim's message templates: what `GET /{waba-id}/message_templates` lists and what a template
 * send is checked against (whatsapp-cloud-api-more.md §3). A template belongs to one WABA, or to
 * every WABA when `wabaId` is absent (the default catalogue); a WABA's own template shadows a shared
 * one of the same name and language. Sends of templates the catalogue does not name at all are
 * accepted unchecked, as before this catalogue existed.
 */
import { metaError, type MetaErrorReply } from './meta-errors.ts'

export type TemplateCategory = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION'

/** A template's quality rating (`message_template_quality_update`). */
export type TemplateQuality = 'GREEN' | 'YELLOW' | 'RED' | 'UNKNOWN'
export const TEMPLATE_QUALITIES: readonly TemplateQuality[] = ['GREEN', 'YELLOW', 'RED', 'UNKNOWN']

/** One template definition, in Meta's shape (components with `{{n}}` or `{{name}}` placeholders). */
export interface SimTemplate {
  id: string
  /** The WABA that owns it; absent: every WABA has it. */
  wabaId?: string
  name: string
  /** As the templates API spells it, e.g. en_US. */
  language: string
  category: TemplateCategory
  /** APPROVED (default), PENDING, REJECTED, PAUSED, DISABLED, … */
  status: string
  subCategory?: string
  parameterFormat: 'POSITIONAL' | 'NAMED'
  /** HEADER (format TEXT/IMAGE/VIDEO/DOCUMENT/LOCATION), BODY, FOOTER, BUTTONS: Meta's definition objects. */
  components: Array<Record<string, unknown>>
  /** Quality rating; absent until set (Meta: UNKNOWN for a new template). */
  qualityScore?: TemplateQuality
  /** How often the template was paused (the first pause is FIRST_PAUSE, later ones SECOND_PAUSE). */
  pauses?: number
}

/** A template to add: id, status and parameter format may be left to defaults. */
export type SimTemplateInput = Omit<SimTemplate, 'id' | 'status' | 'parameterFormat'> & Partial<Pick<SimTemplate, 'id' | 'status' | 'parameterFormat'>>

/** Every WABA has these unless told otherwise (`defaultTemplates: false`). */
export const DEFAULT_TEMPLATES: readonly SimTemplateInput[] = [
  {
    name: 'hello_world',
    language: 'en_US',
    category: 'UTILITY',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Hello World' },
      { type: 'BODY', text: 'Welcome! This sample message shows that this number can send template messages.' },
      { type: 'FOOTER', text: 'Sample template of the simulator' }
    ]
  },
  {
    name: 'appointment_reminder',
    language: 'en_US',
    category: 'UTILITY',
    components: [
      { type: 'BODY', text: 'Hi {{1}}, this is a reminder of your appointment on {{2}} at {{3}}. Reply to change it.', example: { body_text: [['Ana', 'May 4', '10:30']] } }
    ]
  },
  {
    name: 'seasonal_promotion',
    language: 'en_US',
    category: 'MARKETING',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Our {{1}} is on!', example: { header_text: ['Summer Sale'] } },
      { type: 'BODY', text: 'Shop now through {{1}} and use code {{2}} to get {{3}} off all merchandise.', example: { body_text: [['the end of August', '25OFF', '25%']] } },
      { type: 'FOOTER', text: 'Not interested in any of our sales? Tap Stop promotions' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Stop promotions' }] }
    ]
  },
  {
    name: 'seasonal_promotion',
    language: 'it',
    category: 'MARKETING',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'I nostri {{1}} sono iniziati!', example: { header_text: ['saldi estivi'] } },
      { type: 'BODY', text: 'Acquista entro {{1}} con il codice {{2}} per avere il {{3}} di sconto.', example: { body_text: [['fine agosto', '25OFF', '25%']] } },
      { type: 'FOOTER', text: 'Non ti interessano le nostre offerte? Tocca Stop promozioni' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Stop promozioni' }] }
    ]
  },
  {
    name: 'verification_code',
    language: 'en_US',
    category: 'AUTHENTICATION',
    components: [
      { type: 'BODY', text: '{{1}} is your verification code. For your security, do not share this code.', example: { body_text: [['123456']] } },
      { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE', text: 'Copy code' }] }
    ]
  }
]

/** `en-US` and `en_US` name one language. */
export function normalizeLanguage (code: string): string {
  return code.trim().replace(/-/g, '_')
}

/** The language as Meta's template webhooks spell it: `en-US` for the templates API's `en_US`. */
export function webhookLanguage (code: string): string {
  return code.trim().replace(/_/g, '-')
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g

function placeholders (text: unknown): number {
  if (typeof text !== 'string') return 0
  return new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1])).size
}

/** Parameters a send must give for the header and the body of a definition. */
export function expectedParameters (t: Pick<SimTemplate, 'components'>): { header: number, body: number } {
  const out = { header: 0, body: 0 }
  for (const c of t.components) {
    const type = String(c.type).toUpperCase()
    if (type === 'BODY') out.body = placeholders(c.text)
    if (type === 'HEADER') {
      const format = String(c.format ?? 'TEXT').toUpperCase()
      out.header = format === 'TEXT' ? placeholders(c.text) : ['IMAGE', 'VIDEO', 'DOCUMENT'].includes(format) ? 1 : 0
    }
  }
  return out
}

/** Parameters a send gave for the header and the body (`components[].parameters`). */
function givenParameters (template: Record<string, unknown>): { header: number, body: number } {
  const out = { header: 0, body: 0 }
  const components = Array.isArray(template.components) ? template.components as Array<Record<string, unknown>> : []
  for (const c of components) {
    const n = Array.isArray(c.parameters) ? c.parameters.length : 0
    const type = String(c.type).toLowerCase()
    if (type === 'body') out.body = n
    if (type === 'header') out.header = n
  }
  return out
}

/** The templates of every WABA, with send-time checks. */
export interface TemplateCatalogue {
  /** Adds a template, or replaces the one with the same WABA (or none), name and language. */
  add (input: SimTemplateInput): SimTemplate
  remove (id: string): boolean
  /** The template with this id. */
  get (id: string): SimTemplate | undefined
  /** Changes fields of the template with this id (not its WABA, name or language); undefined when there is none. */
  update (id: string, patch: Partial<Pick<SimTemplate, 'status' | 'category' | 'qualityScore' | 'pauses'>>): SimTemplate | undefined
  /** The templates a WABA sees (its own and the shared ones), by name then language; all of them without a WABA. */
  list (wabaId?: string): SimTemplate[]
  /** The template a send names, and whether the name exists in any language. */
  find (wabaId: string, name: string, language: string): { template?: SimTemplate, nameKnown: boolean }
  /** WABAs that own templates. */
  wabaIds (): string[]
}

export function createTemplateCatalogue (initial: readonly SimTemplateInput[]): TemplateCatalogue {
  const byKey = new Map<string, SimTemplate>()
  let nextId = 1
  const key = (wabaId: string | undefined, name: string, language: string): string => `${wabaId ?? '*'}\u0000${name}\u0000${normalizeLanguage(language)}`
  const sort = (list: SimTemplate[]): SimTemplate[] => list.sort((a, b) => a.name.localeCompare(b.name) || a.language.localeCompare(b.language))

  function add (input: SimTemplateInput): SimTemplate {
    const k = key(input.wabaId, input.name, input.language)
    const previous = byKey.get(k)
    const t: SimTemplate = {
      // A replacement keeps the quality and pause count it had unless told otherwise.
      ...(previous?.qualityScore === undefined ? {} : { qualityScore: previous.qualityScore }),
      ...(previous?.pauses === undefined ? {} : { pauses: previous.pauses }),
      ...input,
      id: input.id ?? previous?.id ?? String(900_000_000_000_000 + nextId++),
      status: input.status ?? 'APPROVED',
      parameterFormat: input.parameterFormat ?? 'POSITIONAL'
    }
    byKey.set(k, t)
    return t
  }

  function visible (wabaId: string): SimTemplate[] {
    const out = new Map<string, SimTemplate>()
    for (const t of byKey.values()) {
      if (t.wabaId !== undefined && t.wabaId !== wabaId) continue
      const k = key(undefined, t.name, t.language)
      // A WABA's own template shadows the shared one.
      if (t.wabaId !== undefined || !out.has(k)) out.set(k, t)
    }
    return [...out.values()]
  }

  for (const t of initial) add(t)
  return {
    add,
    remove (id) {
      for (const [k, t] of byKey) if (t.id === id) return byKey.delete(k)
      return false
    },
    get (id) {
      for (const t of byKey.values()) if (t.id === id) return t
      return undefined
    },
    update (id, patch) {
      for (const [k, t] of byKey) {
        if (t.id !== id) continue
        const updated = { ...t, ...patch }
        byKey.set(k, updated)
        return updated
      }
      return undefined
    },
    list: (wabaId) => sort(wabaId === undefined ? [...byKey.values()] : visible(wabaId)),
    find (wabaId, name, language) {
      const own = visible(wabaId).filter((t) => t.name === name)
      const lang = normalizeLanguage(language)
      const template = own.find((t) => normalizeLanguage(t.language) === lang)
      return { ...(template === undefined ? {} : { template }), nameKnown: own.length > 0 }
    },
    wabaIds: () => [...new Set([...byKey.values()].flatMap((t) => t.wabaId === undefined ? [] : [t.wabaId]))]
  }
}

/**
 * Meta's synchronous refusals of a template send the catalogue knows: 132001 (no such language, or
 * not approved), 132015 (paused), 132016 (disabled), and a parameter count that does not match the
 * header or body (132000; 132018 from v23.0, as Meta answers since). Undefined when the send passes
 * or names a template the catalogue does not know.
 */
export function checkTemplateSend (found: { template?: SimTemplate, nameKnown: boolean }, template: Record<string, unknown>, apiVersion: string): MetaErrorReply | undefined {
  const t = found.template
  if (!t) return found.nameKnown ? metaError(132001, { details: `template name (${String(template.name)}) does not exist in the translation` }) : undefined
  if (t.status === 'PAUSED') return metaError(132015)
  if (t.status === 'DISABLED') return metaError(132016)
  if (t.status !== 'APPROVED') return metaError(132001, { details: `template (${t.name}) is not approved: ${t.status}` })
  const want = expectedParameters(t)
  const got = givenParameters(template)
  if (want.body !== got.body || want.header !== got.header) {
    const details = `body: number of localizable_params (${got.body}) does not match the expected number of params (${want.body})` +
      (want.header === got.header ? '' : `; header: ${got.header} given, ${want.header} expected`)
    const major = Number(/^v(\d+)/.exec(apiVersion)?.[1] ?? 23)
    return metaError(major >= 23 ? 132018 : 132000, { details })
  }
  return undefined
}
