import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { ConfigError, type ConfigIssue } from './errors.ts'
import { isSecret } from './fields.ts'

type Env = Record<string, string | undefined>

function deepFreeze<T> (value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

/** zod's messages can quote the received input; keep only the part that names the expectation. */
function describe (issue: z.core.$ZodIssue, present: boolean): string {
  switch (issue.code) {
    case 'invalid_type': return present ? `must be ${issue.expected}` : 'is required'
    case 'invalid_value': return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
    case 'too_small': return issue.inclusive === false ? `must be greater than ${String(issue.minimum)}` : `must be at least ${String(issue.minimum)}`
    case 'too_big': return issue.inclusive === false ? `must be less than ${String(issue.maximum)}` : `must be at most ${String(issue.maximum)}`
    case 'invalid_format': return `must be a valid ${issue.format}`
    default: return issue.message.replace(/received .*/i, '').trim() || 'is invalid'
  }
}

/** The variables of `schema` marked secret(), each of which may also be given as `<NAME>_FILE`. */
export function secretVariables (schema: z.ZodType): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape).filter((key) => isSecret(schema.shape[key] as z.ZodType)) : []
}

/**
 * Replaces each secret `<NAME>_FILE` in `env` by `<NAME>` with the file's content (trailing line
 * breaks trimmed, as `echo` and editors add them). Problems become issues that name the variable
 * and the path, never the content.
 */
function readSecretFiles (secrets: string[], env: Env, issues: ConfigIssue[]): { env: Env, fromFile: Set<string> } {
  const out = { ...env }
  const fromFile = new Set<string>()
  for (const name of secrets) {
    const fileVar = `${name}_FILE`
    const path = out[fileVar]
    delete out[fileVar]
    if (path === undefined) continue
    if (out[name] !== undefined) {
      issues.push({ variable: name, reason: `is set both directly and as ${fileVar}; set only one` })
      continue
    }
    let content: string
    try {
      content = readFileSync(path, 'utf8')
    } catch (err) {
      issues.push({ variable: fileVar, reason: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})` })
      continue
    }
    content = content.replace(/(\r?\n)+$/, '')
    if (content !== '') out[name] = content
    fromFile.add(name)
  }
  return { env: out, fromFile }
}

/**
 * Parses `env` with `schema` (keys are env var names). Empty strings count as unset, so
 * `FOO=` falls back to the default. A variable marked secret() may instead be given as
 * `<NAME>_FILE`, the path of a file holding its value; setting both is an error. Throws one
 * ConfigError naming every bad variable and why, never its value. Returns the result deep-frozen.
 */
export function parseEnv<S extends z.ZodType> (schema: S, env: Env): z.output<S> {
  const cleaned: Env = {}
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') cleaned[key] = value
  const fileIssues: ConfigIssue[] = []
  const secrets = readSecretFiles(secretVariables(schema), cleaned, fileIssues)
  const result = schema.safeParse(secrets.env)
  if (result.success && fileIssues.length === 0) return deepFreeze(result.data)
  const failed = new Set(fileIssues.map((i) => i.variable.replace(/_FILE$/, '')))
  const issues: ConfigIssue[] = [...fileIssues]
  for (const issue of result.success ? [] : result.error.issues) {
    const variable = issue.path.map(String).join('.') || '(environment)'
    // A secret whose file could not be read is reported once, as that problem.
    if (failed.has(variable)) continue
    const reason = describe(issue, String(issue.path[0]) in secrets.env)
    issues.push({ variable, reason: secrets.fromFile.has(variable) ? `${reason} (read from ${variable}_FILE)` : reason })
  }
  throw new ConfigError(issues)
}
