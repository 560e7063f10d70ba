import type { TextMessage } from './message-types.ts'

/** A text message (≤ 4096 characters); `previewUrl` renders a link preview for the first URL. */
export function textMessage (body: string, options: { previewUrl?: boolean } = {}): TextMessage {
  return { type: 'text', text: options.previewUrl === undefined ? { body } : { body, preview_url: options.previewUrl } }
}
