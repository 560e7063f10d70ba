// The Node.js floor is checked before the rest of the program is linked: a dependency that needs a
// newer Node fails at link time, before any code of its could run and explain.
import '@wabridge/process/node-floor'
// kafkajs' producer groups messages in linear time only if this loads before kafkajs does.
import '@wabridge/kafka/preload'

// Egress runs with a 64 MiB semi-space (young generation): it scavenges the requests in flight a
// third as often, +5 % at 100 numbers × 80 msg/s (docs/benchmarks.md). V8 sizes its heap when the
// process starts (v8.setFlagsFromString later changes nothing, measured), so a process started
// without the flag replaces itself, before anything else loaded, with the same command plus the
// flag: execve keeps the pid, stdio, environment and signal dispositions, so `node dist/main.js`,
// `wabridge serve egress` and `npm run egress` all get it. A value given on the command line or in
// NODE_OPTIONS wins. Not with an IPC channel (its fd does not survive the exec in a usable state): a
// launcher that talks to egress over IPC passes the flag itself, as @wabridge/stack does.
const SEMI_SPACE = /^--max[-_]semi[-_]space[-_]size\b/
const hasSemiSpace = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((arg) => SEMI_SPACE.test(arg))
if (!hasSemiSpace && process.channel === undefined && process.argv[1] !== undefined && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, '--max-semi-space-size=64', ...process.execArgv, ...process.argv.slice(1)])
}

await import('./run.ts')
