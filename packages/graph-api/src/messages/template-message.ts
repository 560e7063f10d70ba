import type { MediaSource, TemplateComponent, TemplateMessage, TemplateParameter } from './message-types.ts'

/** One button's parameters: `index` is the button's position in the template (0-based). */
export interface TemplateButton {
  subType: 'quick_reply' | 'url' | 'copy_code' | 'flow' | 'catalog' | 'otp'
  index: number
  parameters: TemplateParameter[]
}

/** What templateMessage needs; only `name` and `language` are required. */
export interface TemplateMessageOptions {
  name: string
  /** Language code of the approved template, e.g. 'en_US'. */
  language: string
  header?: TemplateParameter[]
  body?: TemplateParameter[]
  buttons?: TemplateButton[]
}

/** A template message with header, body and button parameters in Meta's `components` form. */
export function templateMessage (options: TemplateMessageOptions): TemplateMessage {
  const components: TemplateComponent[] = []
  if (options.header && options.header.length > 0) components.push({ type: 'header', parameters: options.header })
  if (options.body && options.body.length > 0) components.push({ type: 'body', parameters: options.body })
  for (const b of options.buttons ?? []) {
    components.push({ type: 'button', sub_type: b.subType, index: String(b.index), parameters: b.parameters })
  }
  const template = { name: options.name, language: { code: options.language }, ...(components.length > 0 ? { components } : {}) }
  return { type: 'template', template }
}

/** Template parameter helpers, so callers need not remember each wrapper object. */
export const templateParam = {
  text: (text: string, parameterName?: string): TemplateParameter =>
    parameterName === undefined ? { type: 'text', text } : { type: 'text', text, parameter_name: parameterName },
  currency: (fallbackValue: string, code: string, amount1000: number): TemplateParameter =>
    ({ type: 'currency', currency: { fallback_value: fallbackValue, code, amount_1000: amount1000 } }),
  dateTime: (fallbackValue: string): TemplateParameter => ({ type: 'date_time', date_time: { fallback_value: fallbackValue } }),
  image: (source: MediaSource): TemplateParameter => ({ type: 'image', image: source }),
  video: (source: MediaSource): TemplateParameter => ({ type: 'video', video: source }),
  document: (source: MediaSource): TemplateParameter => ({ type: 'document', document: source }),
  payload: (payload: string): TemplateParameter => ({ type: 'payload', payload }),
  couponCode: (code: string): TemplateParameter => ({ type: 'coupon_code', coupon_code: code })
}
