import type { InteractiveHeader, InteractiveMessage, InteractiveObject } from './message-types.ts'

/** Common parts of every interactive message. */
export interface InteractiveCommon {
  body: string
  header?: InteractiveHeader
  footer?: string
}

function interactive (common: InteractiveCommon, type: string, action: Record<string, unknown>): InteractiveMessage {
  const obj: InteractiveObject = { type, body: { text: common.body }, action }
  if (common.header) obj.header = common.header
  if (common.footer !== undefined) obj.footer = { text: common.footer }
  return { type: 'interactive', interactive: obj }
}

/** Up to 3 reply buttons (`id` comes back in the button_reply webhook). */
export function interactiveButtonMessage (options: InteractiveCommon & { buttons: Array<{ id: string, title: string }> }): InteractiveMessage {
  const buttons = options.buttons.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.title } }))
  return interactive(options, 'button', { buttons })
}

/** A list: one button that opens up to 10 rows in sections. */
export interface ListSection {
  title?: string
  rows: Array<{ id: string, title: string, description?: string }>
}

/** A list message (`buttonText` labels the button that opens the list). */
export function interactiveListMessage (options: InteractiveCommon & { buttonText: string, sections: ListSection[] }): InteractiveMessage {
  return interactive(options, 'list', { button: options.buttonText, sections: options.sections })
}

/** A call-to-action URL button. */
export function interactiveCtaUrlMessage (options: InteractiveCommon & { displayText: string, url: string }): InteractiveMessage {
  return interactive(options, 'cta_url', { name: 'cta_url', parameters: { display_text: options.displayText, url: options.url } })
}

/** A WhatsApp Flow; give `flowId` or `flowName`. */
export interface FlowOptions extends InteractiveCommon {
  flowId?: string
  flowName?: string
  flowCta: string
  flowToken?: string
  mode?: 'draft' | 'published'
  flowAction?: 'navigate' | 'data_exchange'
  screen?: string
  data?: Record<string, unknown>
}

/** A Flow message (`flow_message_version` 3). */
export function interactiveFlowMessage (options: FlowOptions): InteractiveMessage {
  const parameters: Record<string, unknown> = { flow_message_version: '3', flow_cta: options.flowCta }
  if (options.flowId !== undefined) parameters.flow_id = options.flowId
  if (options.flowName !== undefined) parameters.flow_name = options.flowName
  if (options.flowToken !== undefined) parameters.flow_token = options.flowToken
  if (options.mode !== undefined) parameters.mode = options.mode
  if (options.flowAction !== undefined) parameters.flow_action = options.flowAction
  if (options.screen !== undefined || options.data !== undefined) {
    parameters.flow_action_payload = { ...(options.screen === undefined ? {} : { screen: options.screen }), ...(options.data === undefined ? {} : { data: options.data }) }
  }
  return interactive(options, 'flow', { name: 'flow', parameters })
}
