import type { MediaKind, MediaMessage, MediaObject, MediaSource } from './message-types.ts'

/** Options of a media message; Meta ignores `caption` on audio/sticker and `filename` off documents. */
export interface MediaMessageOptions {
  caption?: string
  filename?: string
}

/**
 * A media message by uploaded id (`{ id }`) or public link (`{ link }`). For throughput, upload once
 * and send by id (Meta caches a link for 10 minutes per URL).
 */
export function mediaMessage (kind: MediaKind, source: MediaSource, options: MediaMessageOptions = {}): MediaMessage {
  const media: MediaObject = { ...source }
  if (options.caption !== undefined && kind !== 'audio' && kind !== 'sticker') media.caption = options.caption
  if (options.filename !== undefined && kind === 'document') media.filename = options.filename
  return { type: kind, [kind]: media } as MediaMessage
}
