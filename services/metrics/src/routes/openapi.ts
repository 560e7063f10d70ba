// GET /openapi.json: the route every part shares (@wabridge/process).
export { openApiRoutes } from '@wabridge/process'
