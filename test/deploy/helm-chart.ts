/**
 * The Helm chart under test (deploy/helm/wabridge) and the tools that check it: helm 4 built from the Go
 * module proxy, kubernetes-validate from PyPI. Renders the chart and parses what it renders.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { goTool, pipTool, sh } from './tools.ts'

export const chartDir = resolve(fileURLToPath(import.meta.url), '../../../deploy/helm/wabridge')
export const productionValues = join(chartDir, 'ci', 'production-values.yaml')

/** The newest helm 4 on the Go module proxy (`go list -m -versions helm.sh/helm/v4`). */
const helmVersion = 'v4.3.2'
/** kubernetes-validate 1.37.0 bundles the schemas of Kubernetes 1.37 (the newest), strict and lenient. */
const kubernetesValidateVersion = '1.37.0'
export const kubernetesVersion = '1.37.0'

/** helm's executable; the first run builds it (about 3–7 minutes on 2 cores), later runs find it cached. */
export async function helm (): Promise<string> {
  return await goTool('helm.sh/helm/v4/cmd/helm', helmVersion, 'helm')
}

export interface Manifest {
  apiVersion: string
  kind: string
  metadata: { name: string, labels?: Record<string, string>, annotations?: Record<string, string> }
  data?: Record<string, string>
  spec?: any
}

/** Every object `helm template` renders, in order; `args` are extra flags (`-f file`, `--set k=v`). */
export async function render (args: string[] = []): Promise<{ text: string, manifests: Manifest[] }> {
  const text = await sh(await helm(), ['template', 'wa', chartDir, '--namespace', 'wa', ...args])
  const manifests = parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]?.message}`)
    return doc.toJS() as Manifest | null
  }).filter((m): m is Manifest => m !== null)
  return { text, manifests }
}

/** helm's own error message of a `helm template` that must fail (not the command line); throws when it renders. */
export async function renderError (args: string[]): Promise<string> {
  try {
    await render(args)
  } catch (err) {
    const message = (err as Error).message
    const start = message.indexOf('\nError: ')
    if (start === -1) throw err
    return message.slice(start + 1)
  }
  throw new Error(`helm template ${args.join(' ')} rendered, but it should have failed`)
}

export function find (manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name)
  if (!found) throw new Error(`no ${kind} ${name} among ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`)
  return found
}

/**
 * Runs `kubernetes-validate --strict -k 1.37.0` over YAML text (every object is checked against the
 * Kubernetes OpenAPI schema, unknown fields rejected). Returns its exit code and its report lines.
 */
export async function kubernetesValidate (yamlText: string): Promise<{ code: number, lines: string[] }> {
  const tool = await pipTool('kubernetes-validate', kubernetesValidateVersion, 'kubernetes-validate')
  const dir = await mkdtemp(join(tmpdir(), 'wabridge-helm-'))
  try {
    const file = join(dir, 'manifests.yaml')
    await writeFile(file, yamlText)
    let code = 0
    let output: string
    try {
      output = await sh(tool.bin, ['--strict', '-k', kubernetesVersion, file], { env: tool.env })
    } catch (err) {
      // A failed validation exits 1 with the report on stdout; sh() carries it in the message.
      code = 1
      output = (err as Error).message
    }
    return { code, lines: output.split('\n').filter((l) => /^(INFO|WARN|ERROR|FATAL) /.test(l)) }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
