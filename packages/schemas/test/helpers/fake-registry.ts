// A small in-process stand-in for a Confluent Schema Registry (no registry server installs here;
// kafka-notes.md §5.3). Only the registry is fake: the codec's HTTP calls are real.
import type { TestContext } from 'node:test'
import avro from 'avsc'
import Fastify from 'fastify'
import { toParsingCanonicalForm } from '../../src/index.ts'

export interface FakeRegistry {
  url: string
  /** Every request as 'METHOD /path', in order. */
  calls: string[]
  /** Authorization headers received. */
  authorizations: Array<string | undefined>
  /** Subject → ids of its versions. */
  subjects: Map<string, number[]>
  /** Puts a schema under an id directly (as another producer would have). */
  put (schema: string): number
  /** Makes every next request answer this status (e.g. 503). */
  failWith (status: number | undefined): void
}

/** Starts the fake registry on a free port; it stops when the test ends. */
export async function startFakeRegistry (t: TestContext): Promise<FakeRegistry> {
  const app = Fastify()
  const byId = new Map<number, string>()
  const idByCanonical = new Map<string, number>()
  const calls: string[] = []
  const authorizations: Array<string | undefined> = []
  const subjects = new Map<string, number[]>()
  let failure: number | undefined
  let nextId = 100

  function put (schema: string): number {
    const canonical = toParsingCanonicalForm(JSON.parse(schema))
    let id = idByCanonical.get(canonical)
    if (id === undefined) {
      id = nextId++
      idByCanonical.set(canonical, id)
      byId.set(id, schema)
    }
    return id
  }

  app.addContentTypeParser('application/vnd.schemaregistry.v1+json', { parseAs: 'string' }, (_req, body, done) => {
    try { done(null, JSON.parse(body as string)) } catch (err) { done(err as Error) }
  })
  app.addHook('onRequest', async (req, reply) => {
    calls.push(`${req.method} ${req.url}`)
    authorizations.push(req.headers.authorization)
    if (failure !== undefined) return reply.code(failure).send({ error_code: failure * 100, message: 'registry unavailable' })
  })
  app.post<{ Params: { subject: string }, Body: { schema?: unknown } }>('/subjects/:subject/versions', async (req, reply) => {
    const schema = req.body.schema
    try {
      if (typeof schema !== 'string') throw new Error('schema must be a string')
      avro.Type.forSchema(JSON.parse(schema) as avro.Schema)
    } catch {
      return reply.code(422).send({ error_code: 42201, message: 'Invalid schema' })
    }
    const id = put(schema)
    const versions = subjects.get(req.params.subject) ?? []
    if (!versions.includes(id)) versions.push(id)
    subjects.set(req.params.subject, versions)
    return { id }
  })
  app.get<{ Params: { id: string } }>('/schemas/ids/:id', async (req, reply) => {
    const schema = byId.get(Number(req.params.id))
    if (schema === undefined) return reply.code(404).send({ error_code: 40403, message: 'Schema not found' })
    return { schema }
  })

  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(() => app.close())
  return { url: address, calls, authorizations, subjects, put, failWith: (status) => { failure = status } }
}
