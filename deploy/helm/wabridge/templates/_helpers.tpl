{{/* Names and labels, as `helm create` makes them. */}}
{{- define "wabridge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "wabridge.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The name of one part's objects: <fullname>-<part>. Takes (dict "root" $ "part" "ingress"). */}}
{{- define "wabridge.partName" -}}
{{- printf "%s-%s" (include "wabridge.fullname" .root | trunc 54 | trimSuffix "-") .part }}
{{- end }}

{{- define "wabridge.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "wabridge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: wabridge
{{- end }}

{{/* Labels of one part's objects; takes (dict "root" $ "part" "ingress"). */}}
{{- define "wabridge.partLabels" -}}
{{ include "wabridge.labels" .root }}
app.kubernetes.io/component: {{ .part }}
{{- end }}

{{/* Selector of one part's pods (never changes across upgrades: Deployment selectors are immutable). */}}
{{- define "wabridge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "wabridge.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .part }}
{{- end }}

{{- define "wabridge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "wabridge.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "wabridge.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Each part's ports: its own HTTP port (API or webhooks, and the probes) and its Prometheus port. */}}
{{- define "wabridge.ports" -}}
{{- $ports := dict "ingress" (list 8080 9465) "egress" (list 8081 9466) "metrics" (list 8082 9464) "api" (list 8083 9467) "notifier" (list 8084 9468) "webhooks" (list 8085 9469) "scheduler" (list 8086 9470) "campaigns" (list 8087 9471) "conversations" (list 8088 9472) "media" (list 8089 9473) }}
{{- $p := index $ports .part }}
http: {{ index $p 0 }}
metrics: {{ index $p 1 }}
{{- end }}

{{/* The drain deadline every service gets, from the one value it derives from. */}}
{{- define "wabridge.shutdownTimeoutMs" -}}
{{- mul .Values.shutdown.timeoutSeconds 1000 }}
{{- end }}

{{/* Secret variables of each part: they only ever come from an existing Secret, as <NAME>_FILE. */}}
{{- define "wabridge.secretVariables" -}}
WA_APP_SECRETS: ingress
WA_VERIFY_TOKEN: ingress
WA_ACCESS_TOKEN: egress
WA_ACCESS_TOKENS: egress
EGRESS_ADMIN_TOKEN: egress
METRICS_ADMIN_TOKEN: metrics
NOTIFIER_ADMIN_TOKEN: notifier
NOTIFIER_RECEIVERS: notifier
NOTIFIER_WEBHOOK_URL: notifier
NOTIFIER_SLACK_WEBHOOK_URL: notifier
NOTIFIER_SMTP_URL: notifier
WEBHOOKS_ADMIN_TOKEN: webhooks
SCHEDULER_ADMIN_TOKEN: scheduler
CAMPAIGNS_ADMIN_TOKEN: campaigns
CONVERSATIONS_ADMIN_TOKEN: conversations
MEDIA_ADMIN_TOKEN: media
AWS_SHARED_CREDENTIALS: media
SIM_APP_SECRET: sim
SIM_ADMIN_TOKEN: sim
{{- end }}

{{/*
The Secret one part reads: secret.name, or <fullname>-<part>. The conversations service and the media
worker call the Graph API with egress's token, so an empty name is egress's Secret for them.
*/}}
{{- define "wabridge.secretName" -}}
{{- $secret := (index .root.Values .part).secret }}
{{- if and (not $secret.name) (has .part (list "conversations" "media")) }}
{{- include "wabridge.secretName" (dict "root" .root "part" "egress") }}
{{- else }}
{{- default (include "wabridge.partName" .) $secret.name }}
{{- end }}
{{- end }}

{{/*
The Secret keys one part reads, as YAML { NAME: key } (empty keys left out). The conversations service
and the media worker reading egress's Secret (no secret.name of their own) take egress's token keys
(WA_ACCESS_TOKEN, WA_ACCESS_TOKENS), so they read whatever token egress reads; their other keys are theirs.
Takes (dict "root" $ "part" "ingress").
*/}}
{{- define "wabridge.secretKeys" -}}
{{- $values := index .root.Values .part }}
{{- $keys := dict }}
{{- if hasKey $values "secret" }}
{{- range $name, $key := $values.secret.keys }}
{{- if $key }}{{ $_ := set $keys $name $key }}{{ end }}
{{- end }}
{{- if and (has .part (list "conversations" "media")) (not $values.secret.name) }}
{{- $_ := unset $keys "WA_ACCESS_TOKEN" }}
{{- $_ := unset $keys "WA_ACCESS_TOKENS" }}
{{- range $name := list "WA_ACCESS_TOKEN" "WA_ACCESS_TOKENS" }}
{{- $key := get $.root.Values.egress.secret.keys $name }}
{{- if $key }}{{ $_ := set $keys $name $key }}{{ end }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml $keys }}
{{- end }}

{{/* Where the media worker's filesystem store is mounted (MEDIA_STORE_URL file://… when media.persistence is on). */}}
{{- define "wabridge.mediaDir" -}}
/var/lib/wabridge/media
{{- end }}

{{/* Where a part's secret files are mounted (read-only, one file per variable, named after it). */}}
{{- define "wabridge.secretDir" -}}
/var/run/secrets/wabridge
{{- end }}

{{/*
A value as an environment variable. YAML numbers reach templates as float64, which toString would
print as 2.592e+08; whole numbers are printed as integers.
*/}}
{{- define "wabridge.envValue" -}}
{{- if and (kindIs "float64" .) (eq . (float64 (int64 .))) }}
{{- int64 . | toString }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}

{{/*
The environment of one part, as the data of its ConfigMap: the shared Kafka, logging, shutdown and
telemetry settings, the part's own derived settings, then `config` and `<part>.config`. Pods roll
when it changes (checksum/config annotation).
*/}}
{{- define "wabridge.configData" -}}
{{- $v := .root.Values }}
{{- $ports := include "wabridge.ports" . | fromYaml }}
{{- $upper := upper .part }}
{{- $env := dict
  "KAFKA_BROKERS" $v.kafka.brokers
  "TOPIC_PREFIX" $v.kafka.topicPrefix
  "KAFKA_TOPIC_PARTITIONS" (include "wabridge.envValue" $v.kafka.partitions)
  "KAFKA_REPLICATION_FACTOR" (include "wabridge.envValue" $v.kafka.replicationFactor)
  "LOG_LEVEL" $v.logLevel
  "SHUTDOWN_TIMEOUT_MS" (include "wabridge.shutdownTimeoutMs" .root)
  (printf "%s_HOST" $upper) "0.0.0.0"
  (printf "%s_PORT" $upper) (toString $ports.http)
}}
{{- if $v.kafka.schemaRegistryUrl }}
{{- $_ := set $env "SCHEMA_REGISTRY_URL" $v.kafka.schemaRegistryUrl }}
{{- end }}
{{- if $v.telemetry.otlpEndpoint }}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" $v.telemetry.otlpEndpoint }}
{{- end }}
{{- if or $v.prometheus.enabled (eq .part "metrics") }}
{{- $_ := set $env "PROMETHEUS_HOST" "0.0.0.0" }}
{{- $_ := set $env "PROMETHEUS_PORT" (toString $ports.metrics) }}
{{- end }}
{{- /*
Egress sends to the Graph API; campaigns reads message templates and the messaging limit there, the
conversations service the template catalogue, the media worker the media of inbound messages.
*/}}
{{- if has .part (list "egress" "campaigns" "conversations" "media") }}
{{- $_ := set $env "GRAPH_API_BASE_URL" $v.graphApi.baseUrl }}
{{- $_ := set $env "GRAPH_API_VERSION" $v.graphApi.version }}
{{- end }}
{{- /* Egress reads the media worker's S3 store to send its files by reference (store_uri); a volume it cannot share. */}}
{{- if and (eq .part "egress") $v.media.enabled $v.media.store.url }}
{{- $_ := set $env "MEDIA_STORE_URL" $v.media.store.url }}
{{- end }}
{{- if eq .part "media" }}
{{- if $v.media.store.url }}
{{- $_ := set $env "MEDIA_STORE_URL" $v.media.store.url }}
{{- else }}
{{- $_ := set $env "MEDIA_STORE_URL" (printf "file://%s" (include "wabridge.mediaDir" .root)) }}
{{- end }}
{{- end }}
{{- range $name, $value := $v.config }}
{{- $_ := set $env $name (include "wabridge.envValue" $value) }}
{{- end }}
{{- range $name, $value := (index $v .part).config }}
{{- $_ := set $env $name (include "wabridge.envValue" $value) }}
{{- end }}
{{- toYaml $env }}
{{- end }}
