import { ClientError } from './errors.ts'

/** The two Confluent Schema Registry calls the client makes. Results are cached: an id never changes its schema. */
export interface SchemaRegistry {
  /** Registers `schema` (JSON text) under `subject`, or finds it there, and returns its global id. */
  register (subject: string, schema: string): Promise<number>
  /** The schema (JSON text) with global id `id`. */
  getSchema (id: number): Promise<string>
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json'

/**
 * A client of a Confluent-compatible Schema Registry (`POST /subjects/{subject}/versions`,
 * `GET /schemas/ids/{id}`) on the global fetch. `user:password@` in the URL is sent as Basic auth.
 */
export function createSchemaRegistry (url: string, timeoutMs = 10_000): SchemaRegistry {
  const base = new URL(url)
  const headers: Record<string, string> = { accept: CONTENT_TYPE }
  if (base.username) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`
    base.username = ''
    base.password = ''
  }
  const root = base.href.replace(/\/+$/, '')
  const ids = new Map<string, Promise<number>>()
  const schemas = new Map<number, Promise<string>>()

  async function call (method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number, json: Record<string, unknown> }> {
    let res: Response
    let text: string
    try {
      res = await fetch(`${root}${path}`, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': CONTENT_TYPE },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs)
      })
      text = await res.text()
    } catch (err) {
      throw new ClientError('CLIENT_REGISTRY_FAILED', `schema registry ${method} ${path} failed: ${(err as Error).message}`, { cause: err })
    }
    let json: Record<string, unknown> = {}
    try { json = JSON.parse(text) as Record<string, unknown> } catch {}
    if (res.status !== 200) {
      const detail = typeof json.message === 'string' ? `: ${json.message}` : ''
      throw new ClientError('CLIENT_REGISTRY_FAILED', `schema registry ${method} ${path}: HTTP ${res.status}${detail}`)
    }
    return { status: res.status, json }
  }

  // One call per key even when callers ask at once; a failure is forgotten so it can be retried.
  function memo<K, V> (cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
    let pending = cache.get(key)
    if (!pending) {
      pending = load()
      cache.set(key, pending)
      pending.catch(() => cache.delete(key))
    }
    return pending
  }

  return {
    register: (subject, schema) => memo(ids, `${subject}\n${schema}`, async () => {
      const { json } = await call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema })
      if (typeof json.id !== 'number') throw new ClientError('CLIENT_REGISTRY_FAILED', `schema registry: no id in the answer to registering ${subject}`)
      return json.id
    }),
    getSchema: (id) => memo(schemas, id, async () => {
      const { json } = await call('GET', `/schemas/ids/${id}`)
      if (typeof json.schema !== 'string') throw new ClientError('CLIENT_REGISTRY_FAILED', `schema registry: no schema in the answer for id ${id}`)
      if (json.schemaType !== undefined && json.schemaType !== 'AVRO') throw new ClientError('CLIENT_DECODE_FAILED', `schema id ${id} is ${String(json.schemaType)}, not Avro`)
      return json.schema
    })
  }
}
