import { z } from 'zod'

/** A TCP port, 0–65535 (0 = pick a free one). */
export const port = () => z.coerce.number().int().min(0).max(65535)

/** A duration in milliseconds, a whole number ≥ 0. */
export const durationMs = () => z.coerce.number().int().min(0)

/** A positive whole number. */
export const positiveInt = () => z.coerce.number().int().positive()

/** A comma-separated list of non-empty strings, trimmed: "a, b" → ['a', 'b']. */
export const csv = () => z.string().transform((s) => s.split(',').map((p) => p.trim()).filter((p) => p.length > 0))
  .pipe(z.array(z.string()).min(1))

/** "true"/"false"/"1"/"0"/"yes"/"no"/"on"/"off". */
export const bool = () => z.stringbool()

/** "key=value,key=value" → Record. Values may contain '=' after the first one. */
export const keyValueList = () => z.string().transform((s, ctx) => {
  const out: Record<string, string> = {}
  for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=')
    if (eq <= 0 || eq === part.length - 1) {
      ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of key=value pairs' })
      return z.NEVER
    }
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim()
  }
  return out
})

export const logLevel = () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

const SECRETS = new WeakSet<z.ZodType>()

/**
 * Marks a variable's schema as a secret: parseEnv then also accepts it as `<NAME>_FILE`, the path
 * of a file holding the value (Docker and Kubernetes secrets). Returns the same schema.
 */
export function secret<S extends z.ZodType> (schema: S): S {
  SECRETS.add(schema)
  return schema
}

/** True when `schema`, or the schema inside its optional/default/pipe wrappers, is marked secret(). */
export function isSecret (schema: z.ZodType): boolean {
  let s: z.ZodType | undefined = schema
  while (s) {
    if (SECRETS.has(s)) return true
    const def = s._zod.def as { innerType?: z.ZodType, in?: z.ZodType }
    s = def.innerType ?? def.in
  }
  return false
}
