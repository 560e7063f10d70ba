/**
 * The workspaces as the Dockerfile must see them: every workspace's manifest (npm ci checks the
 * lockfile against all of them) and the compiled dist/ of every workspace a part runs.
 */
import { readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { glob } from 'glob'

export interface Workspace {
  name: string
  /** Folder relative to the repository root, e.g. `services/ingress`. */
  dir: string
  dependencies: string[]
}

export async function readWorkspaces (root: string): Promise<Workspace[]> {
  const rootManifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }
  const dirs = (await Promise.all(rootManifest.workspaces.map((w) => glob(w, { cwd: root, absolute: true })))).flat()
  const workspaces: Workspace[] = []
  for (const dir of dirs.sort()) {
    let manifest: { name: string, dependencies?: Record<string, string> }
    try {
      manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
    } catch {
      continue // a folder without a manifest is not a workspace
    }
    workspaces.push({ name: manifest.name, dir: relative(root, dir), dependencies: Object.keys(manifest.dependencies ?? {}) })
  }
  return workspaces
}

/** The given workspaces and every workspace they depend on at run time (dependencies, not devDependencies). */
export function runtimeClosure (workspaces: Workspace[], names: string[]): Workspace[] {
  const byName = new Map(workspaces.map((w) => [w.name, w]))
  const seen = new Set<string>()
  const visit = (name: string): void => {
    const workspace = byName.get(name)
    if (!workspace || seen.has(name)) return
    seen.add(name)
    workspace.dependencies.forEach(visit)
  }
  names.forEach(visit)
  return workspaces.filter((w) => seen.has(w.name))
}
