/** Development secrets: only ever used against the simulator, and printed at start. */
export const DEV_SECRETS = {
  WA_APP_SECRETS: 'dev-app-secret',
  WA_VERIFY_TOKEN: 'dev-verify-token',
  WA_ACCESS_TOKEN: 'dev-access-token'
} as const

type SecretName = keyof typeof DEV_SECRETS

/** Each secret, and the other variables that provide it (the `_FILE` form, per-WABA tokens). */
const PROVIDERS: Record<SecretName, string[]> = {
  WA_APP_SECRETS: ['WA_APP_SECRETS', 'WA_APP_SECRETS_FILE'],
  WA_VERIFY_TOKEN: ['WA_VERIFY_TOKEN', 'WA_VERIFY_TOKEN_FILE'],
  WA_ACCESS_TOKEN: ['WA_ACCESS_TOKEN', 'WA_ACCESS_TOKEN_FILE', 'WA_ACCESS_TOKENS', 'WA_ACCESS_TOKENS_FILE']
}

export interface StackSecrets {
  /** Variables to add to the parts' environment: the development secrets that were not given. */
  env: Partial<Record<SecretName, string>>
  /** Which secrets are the development ones (printed at start). */
  dev: SecretName[]
}

/** Thrown when a real Graph API is configured and a secret is missing. */
export class StackConfigError extends Error {
  override readonly name = 'StackConfigError'
  readonly code = 'STACK_SECRETS_MISSING'
}

/**
 * The secrets of the stack. Against the simulator (GRAPH_API_BASE_URL unset) a secret that is not
 * given falls back to its development value; with a real Graph API every secret must be given (or
 * its `_FILE` form): development secrets never leave this machine.
 */
export function resolveSecrets (env: Record<string, string | undefined>): StackSecrets {
  const isGiven = (name: SecretName) => PROVIDERS[name].some((v) => Boolean(env[v]))
  const names = Object.keys(DEV_SECRETS) as SecretName[]
  const missing = names.filter((name) => !isGiven(name))
  if (env.GRAPH_API_BASE_URL && missing.length > 0) {
    throw new StackConfigError(`GRAPH_API_BASE_URL is set (${env.GRAPH_API_BASE_URL}), so the real secrets are required and ` +
      `development secrets are never used; missing: ${missing.map((name) => PROVIDERS[name].join(' or ')).join('; ')}`)
  }
  return { env: Object.fromEntries(missing.map((name) => [name, DEV_SECRETS[name]])), dev: missing }
}
