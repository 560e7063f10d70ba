export { brokersFromEnv, connectedAdmin, createTopic, readAll, testKafka, uniqueName, waitFor } from '../src/testing.ts'
