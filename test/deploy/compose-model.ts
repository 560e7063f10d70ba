/**
 * compose.yaml as Compose reads it: YAML with merge keys (`<<: *anchor`), then `${NAME:-default}`
 * interpolation of every string against an environment. Enough of Compose's loader for the
 * checks in compose.test.ts; anything it does not understand is an error, never a guess.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { parse } from 'yaml'

export interface ComposeHealthcheck {
  test?: string[] | string
  interval?: string
  timeout?: string
  retries?: number
  start_period?: string
}

export interface ComposeService {
  image?: string
  build?: string | { context: string }
  command?: string[]
  environment?: Record<string, string | number | boolean | null>
  secrets?: string[]
  ports?: string[]
  volumes?: string[]
  profiles?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: ComposeHealthcheck
  restart?: string
  user?: string
  read_only?: boolean
  cap_drop?: string[]
  security_opt?: string[]
  tmpfs?: string[]
  stop_grace_period?: string
}

export interface ComposeFile {
  name?: string
  services: Record<string, ComposeService>
  secrets?: Record<string, { file?: string, environment?: string }>
  volumes?: Record<string, unknown>
}

/**
 * Replaces `${NAME}`, `${NAME:-default}`, `${NAME-default}` and `$$` the way Compose does.
 * `:-` also takes the default when the variable is empty; `-` only when it is unset.
 */
export function interpolate (text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\$|\$\{([^}]*)\}|\$([A-Za-z_]\w*)/g, (match, braced: string | undefined, bare: string | undefined) => {
    if (match === '$$') return '$'
    if (bare !== undefined) return env[bare] ?? ''
    const m = /^([A-Za-z_]\w*)(?:(:?-)(.*))?$/s.exec(braced ?? '')
    if (!m) throw new Error(`unsupported interpolation ${match}`)
    const [, name, op, fallback] = m
    const value = env[name!]
    if (op === ':-') return value === undefined || value === '' ? fallback! : value
    if (op === '-') return value === undefined ? fallback! : value
    return value ?? ''
  })
}

function interpolateAll (value: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof value === 'string') return interpolate(value, env)
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, env))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, env)]))
  }
  return value
}

/** Parses Compose YAML text; `env` plays the shell environment (default: nothing set). */
export function parseCompose (text: string, env: Record<string, string | undefined> = {}): ComposeFile {
  const raw = parse(text, { merge: true }) as Record<string, unknown>
  // Extension fields (x-…) only carry anchors; Compose ignores them after merging.
  const model = Object.fromEntries(Object.entries(raw).filter(([key]) => !key.startsWith('x-')))
  return interpolateAll(model, env) as ComposeFile
}

export async function loadCompose (path: string, env: Record<string, string | undefined> = {}): Promise<ComposeFile> {
  return parseCompose(await readFile(path, 'utf8'), env)
}

/** An env file (`KEY=VALUE` lines, `#` comments) as Compose's --env-file reads it. */
export function parseEnvFile (text: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#')) continue
    const eq = trimmed.indexOf('=')
    if (eq < 1) throw new Error(`not KEY=VALUE: ${line}`)
    env[trimmed.slice(0, eq)] = trimmed.slice(eq + 1)
  }
  return env
}

/** A Compose duration (`15s`, `1m30s`, `500ms`) in milliseconds. */
export function durationMs (text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 }
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g)]
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`not a duration: ${text}`)
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit!]!, 0)
}

/** `source:target[:mode]` of a short-syntax volume. */
export function parseVolume (spec: string): { source: string, target: string, mode?: string } {
  const [source, target, mode] = spec.split(':')
  if (!source || !target) throw new Error(`not source:target: ${spec}`)
  return { source, target, mode }
}

/** A service of the file; fails the test when it is missing. */
export function service (compose: { services: Record<string, ComposeService> }, name: string): ComposeService {
  const s = compose.services[name]
  assert.ok(s, `compose.yaml has no service ${name}`)
  return s
}

/** A service's variable as a string (undefined when unset). */
export function envOf (s: ComposeService, name: string): string | undefined {
  const value = s.environment?.[name]
  return value === undefined || value === null ? undefined : String(value)
}

/** Services that run the wabridge image (`serve <part>` and the operator CLI). */
export function wabridgeServices (compose: { services: Record<string, ComposeService> }): Array<[string, ComposeService]> {
  const image = service(compose, 'ingress').image
  return Object.entries(compose.services).filter(([, s]) => s.image === image)
}
