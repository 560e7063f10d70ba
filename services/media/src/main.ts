// The Node.js floor is checked before the rest of the program is linked: a dependency that needs a
// newer Node fails at link time, before any code of its could run and explain.
import '@wabridge/process/node-floor'

await import('./run.ts')
