import { fileURLToPath } from 'node:url'

/** The preload that keeps every verdict of a test file that force-exits (see the file). */
export const BLOCKING_REPORT_PIPE = fileURLToPath(new URL('./blocking-report-pipe.ts', import.meta.url))

/**
 * The arguments of the test command's `node --test` run over `files`, at most `concurrency` files
 * at once.
 * - --test-force-exit: a test file whose tests all ended exits even if a handle leaked (a client
 *   left connected); without it one leak holds the whole run until CI's time limit. Its exit drops
 *   queued report writes, hence the preload (blocking-report-pipe.ts).
 * - Test files run on Node's own type stripping, not tsx: the sources are erasable TypeScript with
 *   .ts imports (tsconfig: erasableSyntaxOnly, allowImportingTsExtensions; test/typecheck.test.ts
 *   holds them to it), and tsx's loader cost about a CPU-second more per test process that loads
 *   the services. The parts they spawn run the same way (packages/stack's part-entry.ts, as
 *   `npm start` launches them).
 */
export function testRunnerArgs (files: readonly string[], concurrency: number): string[] {
  return ['--conditions=source', '--import', BLOCKING_REPORT_PIPE, '--test', '--test-force-exit', `--test-concurrency=${concurrency}`, ...files]
}
