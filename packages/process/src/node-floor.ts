/** The oldest Node.js every part runs on; the target is Node 24 LTS (`.nvmrc`). */
export const NODE_FLOOR = '22.18.0'

function parse (version: string): number[] {
  return version.replace(/^v/, '').split('.').map((n) => Number.parseInt(n, 10) || 0)
}

/** True when `version` (e.g. "20.20.2" or "v24.21.0") is at least `floor`. */
export function meetsFloor (version: string, floor = NODE_FLOOR): boolean {
  const have = parse(version)
  const need = parse(floor)
  for (let i = 0; i < need.length; i++) {
    const diff = (have[i] ?? 0) - need[i]!
    if (diff !== 0) return diff > 0
  }
  return true
}

/** The refusal printed by a part started on a Node older than the floor, or undefined when it is new enough. */
export function nodeFloorProblem (version = process.versions.node, floor = NODE_FLOOR): string | undefined {
  if (meetsFloor(version, floor)) return undefined
  return `wabridge needs Node.js >= ${floor} (Node 24 LTS recommended); this is Node.js ${version.replace(/^v/, '')}.\n` +
    '`npm install` brings Node 24 from the npm registry (the `node` package) and npm scripts run on it; ' +
    'if it ran with --ignore-scripts, run `npm rebuild node` (or `npm install` without that flag), ' +
    'or install Node.js 24 yourself (see .nvmrc).'
}
