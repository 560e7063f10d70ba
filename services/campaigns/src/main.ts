// The Node.js floor is checked before the rest of the program is linked: a dependency that needs a
// newer Node fails at link time, before any code of its could run and explain.
import '@wabridge/process/node-floor'
// kafkajs' producer groups messages in linear time only if this loads before kafkajs does.
import '@wabridge/kafka/preload'

await import('./run.ts')
