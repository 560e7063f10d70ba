#!/usr/bin/env node
// Which program `wabridge` runs is decided by what exists beside this file and what this Node can do:
//
//   src/main.ts present, outside node_modules,  → a development checkout: the TypeScript sources, with
//   and Node strips types (22.18 and later)       Node's type stripping and the workspace's `source`
//                                                 export condition (so a stale dist/ never runs), in a
//                                                 child node process;
//   otherwise, dist/main.js present             → a production install: the compiled program, with plain
//                                                 node, in this process (no child);
//   neither                                     → one line saying how to get one, exit code 1.
//
// Node never strips types below node_modules, so a package installed there always runs its dist/.
// Plain JavaScript on purpose: it must run before anything is compiled.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const source = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const dist = fileURLToPath(new URL('../dist/main.js', import.meta.url))

/** Whether the sources can run here: a checkout (not below node_modules) on a Node that strips types. */
function canRunSources () {
  return existsSync(source) && !source.split(sep).includes('node_modules') && Boolean(process.features.typescript)
}

/**
 * Runs the sources in a child node process (node flags can only be given at start). The child has
 * its own process group, so a Ctrl-C in the terminal reaches only this process, which passes each
 * signal on exactly once; the child's exit code, or the signal that ended it, becomes ours.
 */
function runSources () {
  const child = spawn(process.execPath, ['--conditions=source', source, ...process.argv.slice(2)], {
    stdio: 'inherit', detached: true
  })
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP']
  const forward = (signal) => { child.kill(signal) }
  for (const signal of signals) process.on(signal, forward)
  child.once('error', (err) => {
    process.stderr.write(`wabridge: cannot start node: ${err.message}\n`)
    process.exitCode = 1
  })
  child.once('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward)
    if (signal) process.kill(process.pid, signal)
    else process.exitCode = code ?? 1
  })
}

if (canRunSources()) {
  runSources()
} else if (existsSync(dist)) {
  await import(new URL('../dist/main.js', import.meta.url).href)
} else {
  process.stderr.write(`wabridge: no program to run: neither ${source} outside node_modules on Node 22.18 or later, nor ${dist} (run npm run build)\n`)
  process.exitCode = 1
}
