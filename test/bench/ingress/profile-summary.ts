/**
 * Summarises a V8 .cpuprofile (node --cpu-prof, or BENCH_CPU_PROF=<dir> with run.ts): the
 * functions with the most self time, self time per module (package or file), then inclusive time
 * per function and per module, each as a share of the samples of the whole profile.
 *
 *   node test/bench/ingress/profile-summary.ts <file.cpuprofile> [--top 30]
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface ProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }
interface Profile { nodes: ProfileNode[], samples: number[] }

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } })
if (positionals.length !== 1) throw new Error('usage: profile-summary.ts <file.cpuprofile> [--top 30]')
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile
const top = Number(values.top)

const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parentOf = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id)
const selfCount = new Map<number, number>()
for (const id of profile.samples) selfCount.set(id, (selfCount.get(id) ?? 0) + 1)
const total = profile.samples.length

/** node_modules/<pkg> or the path under the repository; V8's own entries as they are. */
function moduleOf (url: string): string {
  if (!url) return '(native)'
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  if (url.startsWith('node:')) return url
  const repo = url.indexOf('/work/main/')
  return repo >= 0 ? url.slice(repo + '/work/main/'.length) : url
}
const fnName = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${moduleOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`

const self = new Map<string, number>()
const selfModule = new Map<string, number>()
const inclusiveFn = new Map<string, number>()
const inclusiveModule = new Map<string, number>()
for (const [id, count] of selfCount) {
  const leaf = byId.get(id)!
  self.set(fnName(leaf), (self.get(fnName(leaf)) ?? 0) + count)
  const leafModule = moduleOf(leaf.callFrame.url)
  selfModule.set(leafModule, (selfModule.get(leafModule) ?? 0) + count)
  // Each name counts once per sample, however often it recurs on the stack.
  const fns = new Set<string>()
  const mods = new Set<string>()
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const n = byId.get(at)!
    fns.add(fnName(n))
    mods.add(moduleOf(n.callFrame.url))
  }
  for (const f of fns) inclusiveFn.set(f, (inclusiveFn.get(f) ?? 0) + count)
  for (const m of mods) inclusiveModule.set(m, (inclusiveModule.get(m) ?? 0) + count)
}

function print (title: string, counts: Map<string, number>): void {
  console.log(`\n${title}`)
  for (const [name, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(count / total * 100).toFixed(1).padStart(6)} %  ${name}`)
  }
}
console.log(`${total} samples`)
print('self time by function', self)
print('self time by module', selfModule)
print('inclusive time by function', inclusiveFn)
print('inclusive time by module', inclusiveModule)
