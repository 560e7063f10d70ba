/**
 * buildah on this machine: installed from Debian's packages on first use, and always run with the same
 * environment, so the base-image stand-in, the image build and the image rehearsal share one image store.
 */
import { aptTools, sh } from './tools.ts'

/**
 * buildah's environment.
 * - `BUILDAH_ISOLATION=chroot`: `RUN` steps and `buildah run` need no OCI runtime (Debian's buildah only
 *   recommends crun/runc, and aptTools installs without recommends), and a chroot shares the host's
 *   network, which the build (`npm ci` against the registry) and the rehearsal (the test's broker on
 *   127.0.0.1) both need.
 * - The storage driver is buildah's default (overlay, native on this machine's ext4 as root). Where the
 *   root file system cannot carry overlay mounts (e.g. inside a container on overlayfs), run with
 *   `STORAGE_DRIVER=vfs`: slower and bigger, but works anywhere.
 */
export function buildahEnv (): NodeJS.ProcessEnv {
  return { ...process.env, BUILDAH_ISOLATION: process.env.BUILDAH_ISOLATION ?? 'chroot' }
}

/** Installs buildah and debootstrap when missing (apt-get, as root). */
export async function ensureBuildah (): Promise<void> {
  await aptTools({ buildah: 'buildah', debootstrap: 'debootstrap' })
}

/** Runs buildah and returns its stdout; a failure carries its stderr. */
export async function buildah (args: string[], options: { timeoutMs?: number, cwd?: string } = {}): Promise<string> {
  return await sh('buildah', args, { env: buildahEnv(), timeoutMs: options.timeoutMs ?? 10 * 60_000, cwd: options.cwd })
}

/** The labels of a local image, or undefined when buildah has no image by that name. */
export async function imageLabels (name: string): Promise<Record<string, string> | undefined> {
  let out: string
  try {
    out = await buildah(['inspect', '--type', 'image', name])
  } catch (err) {
    if (err instanceof Error && err.message.includes('image not known')) return undefined
    throw err
  }
  // buildah 1.28 (Debian 12) has no `json` template function: read the whole inspection instead.
  const inspection = JSON.parse(out) as { OCIv1?: { config?: { Labels?: Record<string, string> } } }
  return inspection.OCIv1?.config?.Labels ?? {}
}
