export { meetsFloor, NODE_FLOOR, nodeFloorProblem } from './node-floor.ts'
