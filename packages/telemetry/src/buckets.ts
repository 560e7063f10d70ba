/**
 * Bucket bounds of a request's duration, seconds, as OpenTelemetry's semantic conventions ask of
 * durations: 1 ms to 10 s, denser where a healthy request to a service of the gateway lands (a few
 * ms) and up to a producer's retry budget. The ingress's webhook requests and produces, the HTTP
 * API's requests.
 */
export const REQUEST_DURATION_BUCKETS_SECONDS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
