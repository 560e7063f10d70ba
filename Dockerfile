# syntax=docker/dockerfile:1
# One image for every part of wabridge: the command picks the part
# (`serve ingress|egress|metrics|api|notifier|webhooks|scheduler|campaigns|conversations|media|sim`)
# or an operator command of the CLI (`topics ensure`, `dlq list`, `usage …`). How to build and run it:
# deploy/image/README.md.

# The workspace manifests and the lockfile, alone, so that `npm ci` below is reused from the layer
# cache until a dependency changes. Every workspace's package.json must be here (npm ci checks the
# lockfile against all of them); test/deploy/image.test.ts fails when one is missing.
FROM node:24-bookworm-slim AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/cli/package.json packages/cli/
COPY packages/client/package.json packages/client/
COPY packages/config/package.json packages/config/
COPY packages/conversations/package.json packages/conversations/
COPY packages/graph-api/package.json packages/graph-api/
COPY packages/graph-api-sim/package.json packages/graph-api-sim/
COPY packages/kafka/package.json packages/kafka/
COPY packages/local-kafka/package.json packages/local-kafka/
COPY packages/local-s3/package.json packages/local-s3/
COPY packages/media-store/package.json packages/media-store/
COPY packages/outreach/package.json packages/outreach/
COPY packages/pricing/package.json packages/pricing/
COPY packages/process/package.json packages/process/
COPY packages/schemas/package.json packages/schemas/
COPY packages/stack/package.json packages/stack/
COPY packages/telemetry/package.json packages/telemetry/
COPY packages/webhook-signature/package.json packages/webhook-signature/
COPY services/api/package.json services/api/
COPY services/campaigns/package.json services/campaigns/
COPY services/conversations/package.json services/conversations/
COPY services/egress/package.json services/egress/
COPY services/ingress/package.json services/ingress/
COPY services/media/package.json services/media/
COPY services/metrics/package.json services/metrics/
COPY services/notifier/package.json services/notifier/
COPY services/scheduler/package.json services/scheduler/
COPY services/webhooks/package.json services/webhooks/
COPY test/package.json test/

# Behind a TLS-intercepting proxy, `npm ci` needs the proxy's CA: pass a PEM bundle as the build
# secret `ca_certs` (`--secret id=ca_certs,src=/etc/ssl/certs/ca-certificates.crt`). Without it,
# npm uses Node's own CA store. A secret is mounted for one step and never stored in a layer.

# Compile every workspace (turbo, tsc) into its dist/. Install scripts stay on: the root's `node`
# devDependency fetches its Node binary in one, and without it node_modules/.bin/node (first on the
# PATH of npm scripts) would be a stub that breaks `npm run build`.
FROM manifests AS build
ENV TURBO_TELEMETRY_DISABLED=1
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=ca_certs \
    if [ -s /run/secrets/ca_certs ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca_certs; fi \
  && npm ci --no-audit --no-fund
COPY . .
# turbo's cache survives between builds: only workspaces whose inputs changed are compiled again.
# tsc emits without type checking (--noCheck, about half the compile): the image packages sources
# that CI has type-checked already (npm test builds every workspace with full checks).
RUN --mount=type=cache,target=/app/.turbo npx turbo run build -- --noCheck

# Production dependencies of the workspaces the image runs, and nothing else: the CLI, the ten
# services and the Graph API simulator (their @wabridge/* dependencies are linked, not installed).
# The cross-service tests' manifest goes; the client package (@wabridge/client, published on its own)
# and the local S3 server of the tests (@wabridge/local-s3) are no part's dependency, so only their
# manifests are here. (The CLI depends on @wabridge/stack, and so on
# @wabridge/local-kafka, for `wabridge start`: both come along, though a container has no use for them.)
FROM manifests AS deps
RUN --mount=type=cache,target=/root/.npm --mount=type=secret,id=ca_certs \
    if [ -s /run/secrets/ca_certs ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca_certs; fi \
  && npm ci --omit=dev --no-audit --no-fund \
      --workspace=@wabridge/cli --workspace=@wabridge/ingress --workspace=@wabridge/egress \
      --workspace=@wabridge/metrics --workspace=@wabridge/api --workspace=@wabridge/notifier \
      --workspace=@wabridge/webhooks --workspace=@wabridge/scheduler --workspace=@wabridge/campaigns \
      --workspace=@wabridge/conversations-service --workspace=@wabridge/media \
      --workspace=@wabridge/graph-api-sim \
  && rm -r test

FROM node:24-bookworm-slim
# Inside a container every part listens on all interfaces (outside, they default to 127.0.0.1). Parts
# with admin routes then need their admin token (EGRESS_, WEBHOOKS_, SIM_ADMIN_TOKEN; without METRICS_,
# NOTIFIER_, SCHEDULER_, CAMPAIGNS_, CONVERSATIONS_ or MEDIA_ADMIN_TOKEN those answer 403).
ENV NODE_ENV=production \
    INGRESS_HOST=0.0.0.0 \
    EGRESS_HOST=0.0.0.0 \
    METRICS_HOST=0.0.0.0 \
    API_HOST=0.0.0.0 \
    NOTIFIER_HOST=0.0.0.0 \
    WEBHOOKS_HOST=0.0.0.0 \
    SCHEDULER_HOST=0.0.0.0 \
    CAMPAIGNS_HOST=0.0.0.0 \
    CONVERSATIONS_HOST=0.0.0.0 \
    MEDIA_HOST=0.0.0.0 \
    SIM_HOST=0.0.0.0 \
    PROMETHEUS_HOST=0.0.0.0
WORKDIR /app
# Owned by root and read-only to the `node` user the parts run as.
COPY --from=deps /app ./
COPY --from=build /app/packages/cli/bin packages/cli/bin
COPY --from=build /app/packages/cli/dist packages/cli/dist
COPY --from=build /app/packages/config/dist packages/config/dist
COPY --from=build /app/packages/conversations/dist packages/conversations/dist
COPY --from=build /app/packages/graph-api/dist packages/graph-api/dist
COPY --from=build /app/packages/graph-api-sim/dist packages/graph-api-sim/dist
COPY --from=build /app/packages/kafka/dist packages/kafka/dist
COPY --from=build /app/packages/local-kafka/dist packages/local-kafka/dist
COPY --from=build /app/packages/media-store/dist packages/media-store/dist
COPY --from=build /app/packages/outreach/dist packages/outreach/dist
COPY --from=build /app/packages/pricing/dist packages/pricing/dist
# The example rate card, what metrics and the simulator price with unless METRICS_RATE_CARD_DIR / SIM_RATE_CARD_DIR name another.
COPY --from=build /app/packages/pricing/rate-cards packages/pricing/rate-cards
COPY --from=build /app/packages/process/dist packages/process/dist
COPY --from=build /app/packages/schemas/dist packages/schemas/dist
COPY --from=build /app/packages/schemas/avro packages/schemas/avro
COPY --from=build /app/packages/stack/dist packages/stack/dist
COPY --from=build /app/packages/telemetry/dist packages/telemetry/dist
COPY --from=build /app/packages/webhook-signature/dist packages/webhook-signature/dist
COPY --from=build /app/services/api/dist services/api/dist
COPY --from=build /app/services/campaigns/dist services/campaigns/dist
COPY --from=build /app/services/conversations/dist services/conversations/dist
COPY --from=build /app/services/egress/dist services/egress/dist
COPY --from=build /app/services/ingress/dist services/ingress/dist
COPY --from=build /app/services/media/dist services/media/dist
COPY --from=build /app/services/metrics/dist services/metrics/dist
COPY --from=build /app/services/notifier/dist services/notifier/dist
COPY --from=build /app/services/scheduler/dist services/scheduler/dist
COPY --from=build /app/services/webhooks/dist services/webhooks/dist
# The media worker's filesystem store (MEDIA_STORE_URL=file:///var/lib/wabridge/media), owned by the
# user the parts run as: a volume mounted there (compose's media-data) starts with that owner.
RUN mkdir -p /var/lib/wabridge/media && chown 1000:1000 /var/lib/wabridge/media
# The base image's `node` user, by number: Kubernetes' runAsNonRoot can only verify a numeric user.
USER 1000:1000
# ingress, egress, metrics, api, notifier, webhooks, scheduler, campaigns, conversations, media (the
# simulator's 8090 and the Prometheus ports 9464–9473 are opt-in).
EXPOSE 8080 8081 8082 8083 8084 8085 8086 8087 8088 8089
ENTRYPOINT ["node", "/app/packages/cli/bin/wabridge.js"]
CMD ["--help"]

# Last, so that new label values (every commit has a new revision) rebuild only this metadata step.
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
ARG SOURCE=https://github.com/example/wabridge
ARG LICENSES=NOASSERTION
LABEL org.opencontainers.image.title="wabridge" \
      org.opencontainers.image.description="Self-hosted gateway between the WhatsApp Business Cloud API and Apache Kafka: ingress, egress, metrics, the HTTP API, the notifier, CRM webhooks, the scheduler, campaigns, the conversations service, the media worker and the wabridge CLI" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="${LICENSES}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
