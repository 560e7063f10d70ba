/**
 * Preloaded (`--import`) by the test command into `node --test` and so into every test file's
 * process. A test file's process reports each verdict to the runner over its stdout, a pipe, and
 * --test-force-exit ends it with process.exit() as soon as its tests have ended. Writes to a pipe
 * are queued on Linux and process.exit() drops what is still queued: when files end close together
 * on a busy machine the runner silently counts fewer tests than ran, still with exit code 0
 * (nodejs/node#64833; it cost one test of 1,087 in a run beside a benchmark). Blocking writes leave
 * nothing queued at exit.
 *
 * Only in a test file's own process: processes a test forks inherit the preload (and the runner's
 * NODE_TEST_CONTEXT), and one whose stdout a test pipes but does not read would block on a full pipe.
 */
const isTestFile = process.env.NODE_TEST_CONTEXT !== undefined && /\.test\.[cm]?[jt]s$/.test(process.argv[1] ?? '')
const stdout = process.stdout as typeof process.stdout & { _handle?: { setBlocking?: (blocking: boolean) => unknown } }
if (isTestFile) stdout._handle?.setBlocking?.(true)
