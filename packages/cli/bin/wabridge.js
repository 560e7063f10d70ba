#!/usr/bin/env node
// Which program `wabridge` runs is decided by what exists beside this file and what resolves from it:
//
//   src/main.ts present and tsx resolvable  → a development checkout: the TypeScript sources, through
//                                             tsx with the workspace's `source` export condition (so a
//                                             stale dist/ never runs), in a child node process;
//   otherwise, dist/main.js present         → a production install: the compiled program, with plain
//                                             node, in this process (no child, no tsx);
//   neither                                 → one line saying how to get one, exit code 1.
//
// Plain JavaScript on purpose: it must run before anything is compiled and without tsx.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const source = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const dist = fileURLToPath(new URL('../dist/main.js', import.meta.url))

/** tsx's loader as a URL resolved from here, so that the child finds it whatever its working directory. */
function resolveTsx () {
  try {
    return import.meta.resolve('tsx')
  } catch {
    return undefined
  }
}

/**
 * Runs the sources in a child node process (node flags can only be given at start). The child has
 * its own process group, so a Ctrl-C in the terminal reaches only this process, which passes each
 * signal on exactly once; the child's exit code, or the signal that ended it, becomes ours.
 */
function runSources (tsx) {
  const child = spawn(process.execPath, ['--import', tsx, '--conditions=source', source, ...process.argv.slice(2)], {
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

const tsx = existsSync(source) ? resolveTsx() : undefined
if (tsx !== undefined) {
  runSources(tsx)
} else if (existsSync(dist)) {
  await import(new URL('../dist/main.js', import.meta.url).href)
} else {
  process.stderr.write(`wabridge: no program to run: neither ${source} with tsx installed, nor ${dist} (run npm run build)\n`)
  process.exitCode = 1
}
