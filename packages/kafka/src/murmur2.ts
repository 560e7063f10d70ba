/**
 * Kafka's murmur2 (the Java client's Utils.murmur2) of a record key, as a signed 32-bit int: what
 * kafkajs' DefaultPartitioner hashes, in 32-bit integer arithmetic. kafkajs computes the same
 * low 32 bits with its 64-bit Long class, several µs per key; this is a fraction of that. A string
 * is hashed as its UTF-8 bytes.
 */
export function murmur2 (key: string | Buffer): number {
  const data = typeof key === 'string' ? Buffer.from(key) : key
  const length = data.length
  const m = 0x5bd1e995
  let h = (0x9747b28c ^ length) | 0
  const length4 = length >>> 2
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24)
    k = Math.imul(k, m)
    k ^= k >>> 24
    k = Math.imul(k, m)
    h = Math.imul(h, m) ^ k
  }
  // The last 1–3 bytes (Java's switch falls through from case 3 to case 1).
  const tail = length & ~3
  const rest = length & 3
  if (rest === 3) h ^= data[tail + 2]! << 16
  if (rest >= 2) h ^= data[tail + 1]! << 8
  if (rest >= 1) {
    h ^= data[tail]!
    h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h | 0
}

/** The partition kafkajs' DefaultPartitioner (Java-compatible) gives a keyed record among `numPartitions`. */
export function partitionOfKey (key: string | Buffer, numPartitions: number): number {
  return (murmur2(key) & 0x7fffffff) % numPartitions
}
