/**
 * Imported first by every entry point (services, simulator, CLI, npm start, npm test): refuses to
 * run on a Node.js older than the floor, with the reason and the fix, before anything else loads.
 */
import { nodeFloorProblem } from './node-floor.ts'

const problem = nodeFloorProblem()
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`)
  process.exit(1)
}
