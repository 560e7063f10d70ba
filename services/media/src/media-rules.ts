// Meta's rules for media per message type (the shared WhatsApp Cloud API notes, media section):
// the MIME types each type may carry and the largest file.

const MB = 1024 * 1024

/** The message types that carry media. */
export const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const
export type MediaType = typeof MEDIA_TYPES[number]

export const isMediaType = (type: string): type is MediaType => (MEDIA_TYPES as readonly string[]).includes(type)

interface Rule { maxBytes: number, mimeTypes: Record<string, string> }

/** MIME type → file extension, per media type; the size limit of each. */
export const MEDIA_RULES: Readonly<Record<MediaType, Rule>> = {
  image: { maxBytes: 5 * MB, mimeTypes: { 'image/jpeg': 'jpg', 'image/png': 'png' } },
  video: { maxBytes: 16 * MB, mimeTypes: { 'video/mp4': 'mp4', 'video/3gpp': '3gp' } },
  audio: { maxBytes: 16 * MB, mimeTypes: { 'audio/aac': 'aac', 'audio/amr': 'amr', 'audio/mpeg': 'mp3', 'audio/mp4': 'm4a', 'audio/ogg': 'ogg' } },
  document: {
    maxBytes: 100 * MB,
    mimeTypes: {
      'text/plain': 'txt',
      'application/pdf': 'pdf',
      'application/msword': 'doc',
      'application/vnd.ms-excel': 'xls',
      'application/vnd.ms-powerpoint': 'ppt',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx'
    }
  },
  // 100 KB static, 500 KB animated: the larger, as the webhook does not always say which.
  sticker: { maxBytes: 500 * 1024, mimeTypes: { 'image/webp': 'webp' } }
}

/** 'audio/ogg; codecs=opus' → 'audio/ogg'. */
export const baseMimeType = (mime: string): string => (mime.split(';')[0] ?? '').trim().toLowerCase()

/** The file extension for an allowed MIME type of a media type; undefined when Meta does not allow it. */
export function extensionFor (type: MediaType, mime: string): string | undefined {
  return MEDIA_RULES[type].mimeTypes[baseMimeType(mime)]
}

/** The store key of a media: deterministic, so a redelivered message finds what it stored before. */
export const mediaKey = (phoneNumberId: string, mediaId: string, extension: string): string =>
  `${phoneNumberId}/${mediaId}.${extension}`
