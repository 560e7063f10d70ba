import { request, type Dispatcher } from 'undici'
import { SchemaError } from './errors.ts'

/** Options of {@link createSchemaRegistryClient}. */
export interface SchemaRegistryClientOptions {
  /**
   * Base URL of a Confluent-compatible Schema Registry API, e.g. `http://127.0.0.1:8081` or
   * Apicurio's `…/apis/ccompat/v7`. `user:password@` in the URL is sent as Basic auth.
   */
  url: string
  /** undici dispatcher (pool, proxy, mock); default: undici's global dispatcher. */
  dispatcher?: Dispatcher
  /** Timeout of each HTTP call in milliseconds; default 10_000. */
  timeoutMs?: number
}

/** The two calls the codec needs. Results are cached: an id never changes its schema. */
export interface SchemaRegistryClient {
  /** Registers `schema` (JSON text) under `subject` (or finds it already there) and returns its global id. */
  register (subject: string, schema: string): Promise<number>
  /** The schema (JSON text) with global id `id`. */
  getSchema (id: number): Promise<string>
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json'

function describeFailure (status: number, body: unknown): string {
  const message = (body as { message?: unknown } | undefined)?.message
  return typeof message === 'string' ? `HTTP ${status}: ${message}` : `HTTP ${status}`
}

/**
 * A client of the Confluent Schema Registry REST API (`POST /subjects/{subject}/versions`,
 * `GET /schemas/ids/{id}`) on undici, caching ids both ways. Failures are SchemaErrors:
 * SCHEMA_REGISTRY_FAILED (retryable for network errors, 429 and 5xx), SCHEMA_UNKNOWN_ID,
 * SCHEMA_INCOMPATIBLE (409: the subject's compatibility rules refuse the schema).
 */
export function createSchemaRegistryClient (options: SchemaRegistryClientOptions): SchemaRegistryClient {
  const base = new URL(options.url)
  const headers: Record<string, string> = { accept: CONTENT_TYPE }
  if (base.username) {
    const credentials = `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`
    base.username = ''
    base.password = ''
  }
  const root = base.href.replace(/\/+$/, '')
  const timeoutMs = options.timeoutMs ?? 10_000
  const ids = new Map<string, Promise<number>>()
  const schemasById = new Map<number, Promise<string>>()

  async function call (method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number, json: unknown }> {
    try {
      const res = await request(`${root}${path}`, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': CONTENT_TYPE },
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher: options.dispatcher,
        signal: AbortSignal.timeout(timeoutMs)
      })
      const text = await res.body.text()
      let json: unknown
      try { json = text === '' ? undefined : JSON.parse(text) } catch { json = undefined }
      return { status: res.statusCode, json }
    } catch (err) {
      throw new SchemaError('SCHEMA_REGISTRY_FAILED', `schema registry ${method} ${path} failed: ${(err as Error).message}`, { cause: err, retryable: true })
    }
  }

  function failed (what: string, status: number, json: unknown): SchemaError {
    return new SchemaError('SCHEMA_REGISTRY_FAILED', `schema registry: ${what}: ${describeFailure(status, json)}`, {
      retryable: status === 429 || status >= 500
    })
  }

  async function fetchId (subject: string, schema: string): Promise<number> {
    const { status, json } = await call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema })
    if (status === 409) {
      throw new SchemaError('SCHEMA_INCOMPATIBLE', `schema registry refuses the schema for subject ${subject}: ${describeFailure(status, json)}`)
    }
    const id = (json as { id?: unknown } | undefined)?.id
    if (status !== 200 || typeof id !== 'number' || !Number.isInteger(id)) throw failed(`registering under ${subject}`, status, json)
    if (!schemasById.has(id)) schemasById.set(id, Promise.resolve(schema))
    return id
  }

  async function fetchSchema (id: number): Promise<string> {
    const { status, json } = await call('GET', `/schemas/ids/${id}`)
    if (status === 404) throw new SchemaError('SCHEMA_UNKNOWN_ID', `schema registry has no schema with id ${id}`)
    const { schema, schemaType } = (json ?? {}) as { schema?: unknown, schemaType?: unknown }
    if (status !== 200 || typeof schema !== 'string') throw failed(`fetching schema id ${id}`, status, json)
    if (schemaType !== undefined && schemaType !== 'AVRO') {
      throw new SchemaError('SCHEMA_REGISTRY_FAILED', `schema id ${id} is ${String(schemaType)}, not Avro`)
    }
    return schema
  }

  // Cache the promise so concurrent callers share one HTTP call; forget failures so they can be retried.
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
    register: (subject, schema) => memo(ids, `${subject}\n${schema}`, () => fetchId(subject, schema)),
    getSchema: (id) => memo(schemasById, id, () => fetchSchema(id))
  }
}
