import { randomBytes } from 'node:crypto'

/** A file part of a multipart/form-data body. */
export interface MultipartFile {
  field: string
  filename: string
  contentType: string
  data: Uint8Array
}

/** A multipart/form-data body and its content type (with the boundary). */
export interface MultipartBody {
  contentType: string
  body: Buffer
}

function quote (value: string): string {
  return value.replace(/["\r\n\\]/g, (c) => encodeURIComponent(c))
}

/** Encodes text fields and one file as multipart/form-data (RFC 7578). */
export function encodeMultipart (fields: Record<string, string>, file: MultipartFile): MultipartBody {
  const boundary = `----wabridge${randomBytes(12).toString('hex')}`
  const parts: Buffer[] = []
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`))
  }
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(file.field)}"; filename="${quote(file.filename)}"\r\n` +
    `Content-Type: ${file.contentType}\r\n\r\n`))
  parts.push(Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength))
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`))
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts) }
}
