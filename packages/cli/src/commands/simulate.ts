import { CliError, endProgress, progress } from '../context.ts'

export interface SimulateOptions {
  sim: string
  /** The simulator's SIM_ADMIN_TOKEN, sent as a bearer token when set. */
  simToken?: string
  number: string
  rate: string
  seconds: string
  from?: string[]
}

async function call (url: string, token: string | undefined, init: RequestInit = {}): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(url, { ...init, headers: { ...init.headers as Record<string, string>, ...(token && { authorization: `Bearer ${token}` }) } })
  } catch {
    throw new CliError(`the Graph API simulator does not answer at ${new URL(url).origin} (npm start runs it; or --sim URL)`)
  }
  const body = await res.json().catch(() => ({})) as { error?: unknown }
  if (!res.ok) throw new CliError(`the simulator refused: ${JSON.stringify(body.error ?? body)}`)
  return body
}

/** Makes the simulator send inbound customer messages (signed webhooks to ingress) at a rate. */
export async function simulate (o: SimulateOptions): Promise<number> {
  const rate = Number(o.rate)
  const seconds = Number(o.seconds)
  if (!(rate > 0 && rate <= 10_000)) throw new CliError('--rate must be messages per second, 0 < rate ≤ 10000', 2)
  if (!(seconds > 0 && seconds <= 3600)) throw new CliError('--seconds must be between 0 and 3600', 2)
  const base = o.sim.replace(/\/$/, '')
  const started = await call(`${base}/_sim/inbound`, o.simToken, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phoneNumberId: o.number, rate, durationMs: seconds * 1000, ...(o.from?.length && { from: o.from }) })
  }) as { id?: string }
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    progress(`customers writing to ${o.number} at ${rate}/s… ${Math.ceil((deadline - Date.now()) / 1000)} s left`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  endProgress()
  const stats = await call(`${base}/_sim/stats`, o.simToken) as { inbound?: number }
  process.stdout.write(`simulated inbound messages for ${o.number} (run ${started.id ?? '?'}); the simulator has sent ${stats.inbound ?? '?'} inbound messages in all\n`)
  return 0
}
