export { messageFromOptions } from './commands/send.ts'
export { decodeValue } from './commands/tail.ts'
export { toFilter } from './commands/dlq.ts'
export { printTable } from './commands/usage.ts'
