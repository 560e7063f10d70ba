// Copies the .avsc files the client reads and writes from @wabridge/schemas (the project's single
// source of the wire contract) into ./avro, so the published package needs no private workspace.
// Run by `npm run build`; test/bundled-schemas.test.ts fails when the copies are stale.
import { copyFile, mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

export const BUNDLED_SCHEMA_FILES = ['inbound-message.avsc', 'inbound-status.avsc', 'outbound-request.avsc', 'outbound-result.avsc']

const from = new URL('../../schemas/avro/', import.meta.url)
const to = new URL('../avro/', import.meta.url)

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await mkdir(to, { recursive: true })
  for (const file of BUNDLED_SCHEMA_FILES) await copyFile(new URL(file, from), new URL(file, to))
}
