/** A part of a multipart/form-data body. */
export interface MultipartPart {
  name: string
  filename?: string
  contentType?: string
  data: Buffer
}

/** The boundary of a multipart content type, or undefined. */
export function multipartBoundary (contentType: string | undefined): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '')
  return m?.[1] ?? m?.[2]
}

/** Splits a multipart/form-data body into parts (RFC 7578); enough for the media upload endpoint. */
export function parseMultipart (body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`)
  const parts: MultipartPart[] = []
  let pos = body.indexOf(delimiter)
  while (pos !== -1) {
    const start = pos + delimiter.length
    if (body.subarray(start, start + 2).toString() === '--') break
    const next = body.indexOf(delimiter, start)
    if (next === -1) break
    const raw = body.subarray(start + 2, next - 2) // skip CRLF after the delimiter and before the next
    const split = raw.indexOf('\r\n\r\n')
    if (split !== -1) {
      const head = raw.subarray(0, split).toString('utf8')
      const disposition = /content-disposition:[^\r\n]*/i.exec(head)?.[0] ?? ''
      const name = /\bname="([^"]*)"/i.exec(disposition)?.[1]
      const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1]
      const contentType = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1]?.trim()
      if (name !== undefined) {
        parts.push({ name, data: raw.subarray(split + 4), ...(filename === undefined ? {} : { filename }), ...(contentType === undefined ? {} : { contentType }) })
      }
    }
    pos = next
  }
  return parts
}
