/**
 * Message templates as `GET /{waba-id}/message_templates` returns them (whatsapp-cloud-api-more.md
 * §3.1): the definition with `{{n}}` (positional) or `{{name}}` (named) placeholders, not a send.
 */

/** A button of a template definition (QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, OTP, FLOW …); other fields pass through. */
export interface TemplateDefinitionButton {
  type: string
  text?: string
  url?: string
  phone_number?: string
  [field: string]: unknown
}

/** A component of a template definition: HEADER (with `format`), BODY, FOOTER or BUTTONS; other fields pass through. */
export interface TemplateDefinitionComponent {
  type: string
  /** HEADER only: TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION. */
  format?: string
  text?: string
  buttons?: TemplateDefinitionButton[]
  [field: string]: unknown
}

/** One template (one name in one language) of a WABA. */
export interface MessageTemplate {
  id: string
  name: string
  /** As the templates API spells it, e.g. `en_US` (webhooks may say `en-US`: compare with normalizeTemplateLanguage). */
  language: string
  /** APPROVED, PENDING, REJECTED, PAUSED, DISABLED, … (other strings pass through). */
  status: string
  /** MARKETING, UTILITY or AUTHENTICATION. */
  category: string
  subCategory?: string
  /** POSITIONAL ({{1}}) or NAMED ({{first_name}}). */
  parameterFormat?: string
  /** Empty when the call asked for fields without `components`. */
  components: TemplateDefinitionComponent[]
}

/** How many parameters a send of the template needs: header, body, and per button index. */
export interface TemplateParameterCounts {
  header: number
  body: number
  /** Button index → parameters (a URL button with `{{1}}` in its url needs one). */
  buttons: Record<number, number>
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g

/** Distinct placeholders in a text, in order of first appearance. */
export function templatePlaceholders (text: string | undefined): string[] {
  const seen: string[] = []
  for (const m of (text ?? '').matchAll(PLACEHOLDER)) if (!seen.includes(m[1] as string)) seen.push(m[1] as string)
  return seen
}

/**
 * The parameters a send must give per component: a TEXT header and the body one per distinct
 * placeholder, a media header (IMAGE, VIDEO, DOCUMENT) one, a URL button one per placeholder in its
 * url, a COPY_CODE button one; other buttons none.
 */
export function countTemplateParameters (template: Pick<MessageTemplate, 'components'>): TemplateParameterCounts {
  const out: TemplateParameterCounts = { header: 0, body: 0, buttons: {} }
  for (const c of template.components) {
    const type = c.type.toUpperCase()
    if (type === 'HEADER') {
      const format = (c.format ?? 'TEXT').toUpperCase()
      out.header = format === 'TEXT' ? templatePlaceholders(c.text).length : ['IMAGE', 'VIDEO', 'DOCUMENT'].includes(format) ? 1 : 0
    } else if (type === 'BODY') {
      out.body = templatePlaceholders(c.text).length
    } else if (type === 'BUTTONS') {
      for (const [index, b] of (c.buttons ?? []).entries()) {
        const bt = b.type.toUpperCase()
        const n = bt === 'URL' ? templatePlaceholders(b.url).length : bt === 'COPY_CODE' ? 1 : 0
        if (n > 0) out.buttons[index] = n
      }
    }
  }
  return out
}

/** `en-US` and `en_US` are the same language (webhooks and the templates API spell them differently). */
export function normalizeTemplateLanguage (code: string): string {
  return code.trim().replace(/-/g, '_')
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseComponent (value: unknown): TemplateDefinitionComponent | undefined {
  if (!isObject(value) || typeof value.type !== 'string') return undefined
  const c = { ...value } as TemplateDefinitionComponent
  if (c.buttons !== undefined) c.buttons = Array.isArray(c.buttons) ? c.buttons.filter((b): b is TemplateDefinitionButton => isObject(b) && typeof b.type === 'string') : []
  return c
}

/** One `data[]` item; undefined without a name. Fields the call did not ask for come back empty. */
export function parseMessageTemplate (value: unknown): MessageTemplate | undefined {
  if (!isObject(value) || typeof value.name !== 'string') return undefined
  const s = (v: unknown): string => typeof v === 'string' ? v : ''
  return {
    id: s(value.id),
    name: value.name,
    language: s(value.language),
    status: s(value.status),
    category: s(value.category),
    ...(typeof value.sub_category === 'string' && { subCategory: value.sub_category }),
    ...(typeof value.parameter_format === 'string' && { parameterFormat: value.parameter_format }),
    components: Array.isArray(value.components) ? value.components.map(parseComponent).filter((c) => c !== undefined) : []
  }
}
