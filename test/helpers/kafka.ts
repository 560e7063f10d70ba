export { brokersFromEnv, connectedAdmin, readAll, testKafka, uniqueName, waitFor } from '@wabridge/kafka/testing'
export type { ReadRecord } from '@wabridge/kafka/testing'
