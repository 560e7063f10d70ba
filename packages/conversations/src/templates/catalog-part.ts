import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { ZodOpenApiPathsObject } from 'zod-openapi'
import type { ZodType } from 'zod'
import { templatePaths, templateRoutes } from './catalog-http.ts'
import type { TemplateCatalogView } from './catalog-view.ts'
import { createTemplateCatalogWriter, type TemplateCatalogWriter, type TemplateCatalogWriterOptions } from './catalog-writer.ts'

/** The WABAs to sync: CONVERSATIONS_WABAS and the values of WA_PHONE_WABAS, each once. */
export function configuredWabas (explicit: readonly string[] | undefined, phoneWabas: Readonly<Record<string, string>> | undefined): string[] {
  return [...new Set([...explicit ?? [], ...Object.values(phoneWabas ?? {})])].filter((w) => w.length > 0)
}

/**
 * The token of a WABA as egress resolves its numbers': the WABA's own in WA_ACCESS_TOKENS, else that
 * of one of its numbers (WA_PHONE_WABAS), else WA_ACCESS_TOKEN.
 */
export function wabaTokenResolver (tokens: Readonly<Record<string, string>> | undefined, fallback: string | undefined, phoneWabas?: Readonly<Record<string, string>>): (wabaId: string) => string | undefined {
  return (wabaId) => {
    if (tokens === undefined) return fallback
    if (Object.hasOwn(tokens, wabaId)) return tokens[wabaId]
    const number = Object.entries(phoneWabas ?? {}).find(([pn, waba]) => waba === wabaId && Object.hasOwn(tokens, pn))
    return number ? tokens[number[0]] : fallback
  }
}

export type TemplateCatalogPartDeps = TemplateCatalogWriterOptions & {
  /** Stop the Graph API client with the part (default true: the part owns it). */
  ownsGraph?: boolean
  /** The service's ErrorBody schema, for the error responses of the paths (default the catalogue's own). */
  errorBodySchema?: ZodType
}

/** The template catalogue as a part of the conversations service (MountedPart). */
export interface TemplateCatalogPart {
  start(): Promise<void>
  stop(): Promise<void>
  isReady(): boolean
  /** GET /v1/templates, GET /v1/templates/{waba_id}/{name}/{language}, POST /v1/templates/sync. */
  routes: FastifyPluginAsync
  /** The OpenAPI paths of the routes (the same object as `openapi`). */
  paths: ZodOpenApiPathsObject
  openapi: ZodOpenApiPathsObject
  readonly writer: TemplateCatalogWriter
  readonly view: TemplateCatalogView
}

/**
 * The catalogue's writer (sync + webhooks + alerts) with its HTTP routes, to mount into the
 * conversations service: `parts.push(createTemplateCatalogPart(deps))`.
 */
export function createTemplateCatalogPart (deps: TemplateCatalogPartDeps): TemplateCatalogPart {
  const writer = createTemplateCatalogWriter(deps)
  const routes: FastifyPluginAsync = async (app: FastifyInstance) => await templateRoutes(app, { view: writer.view, sync: writer.syncNow })
  const paths = templatePaths(deps.errorBodySchema)
  return {
    writer,
    view: writer.view,
    routes,
    paths,
    openapi: paths,
    isReady: () => writer.isReady(),
    start: () => writer.start(),
    async stop () {
      await writer.stop()
      if (deps.ownsGraph !== false) await deps.graph.stop()
    }
  }
}
