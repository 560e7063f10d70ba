{{/*
The Deployment of one part (ingress, egress, metrics, api, notifier, webhooks, scheduler, campaigns,
conversations or media), and its ConfigMap. Every part runs the same
image with `serve <part>`; what differs is the port, the Secret it reads and its values block.
Takes (dict "root" $ "part" "ingress").
*/}}
{{- define "wabridge.configMap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "wabridge.partName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "wabridge.partLabels" . | nindent 4 }}
data:
  {{- include "wabridge.configData" . | nindent 2 }}
{{- end }}

{{- define "wabridge.deployment" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
{{- $part := .part }}
{{- $values := index $v $part }}
{{- $ports := include "wabridge.ports" . | fromYaml }}
{{- $preStopSleepSeconds := int (default 0 $values.preStopSleepSeconds) }}
{{- /* The media worker's filesystem store: a PersistentVolumeClaim mounted where MEDIA_STORE_URL points. */}}
{{- $mediaVolume := and (eq $part "media") (not $v.media.store.url) $v.media.persistence.enabled }}
{{- $secretKeys := include "wabridge.secretKeys" . | fromYaml }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "wabridge.partName" . }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "wabridge.partLabels" . | nindent 4 }}
spec:
  replicas: {{ $values.replicas }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "wabridge.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      {{- if eq $part "egress" }}
      # Egress is ready only while it owns partitions: a surge pod beyond the partition count would
      # never become ready and stall the rollout, so an old pod drains (and hands over its
      # partitions) before its replacement joins.
      maxSurge: 0
      maxUnavailable: 1
      {{- else if and $mediaVolume (eq $v.media.persistence.accessMode "ReadWriteOnce") }}
      # A ReadWriteOnce volume attaches to one node: the old pod lets go of it before its
      # replacement mounts it (the worker resumes from its committed offsets).
      maxSurge: 0
      maxUnavailable: 1
      {{- else }}
      # A new pod is ready before an old one drains.
      maxSurge: 1
      maxUnavailable: 0
      {{- end }}
  template:
    metadata:
      labels:
        {{- include "wabridge.selectorLabels" . | nindent 8 }}
        {{- with $values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        # A change of the part's configuration or of the Secret it reads rolls its pods. (A change of the
        # Secret's content does not: restart them with kubectl rollout restart.)
        checksum/config: {{ include "wabridge.configData" . | sha256sum }}
        checksum/secret-ref: {{ printf "%s %v" (include "wabridge.secretName" .) $secretKeys | sha256sum }}
        {{- with $values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "wabridge.serviceAccountName" $root }}
      # wabridge never talks to the Kubernetes API.
      automountServiceAccountToken: false
      # Without this Kubernetes injects <SERVICE>_PORT=tcp://… for every Service in the namespace, which
      # would clash with the services' own *_PORT variables for a Service named e.g. `metrics`.
      enableServiceLinks: false
      {{- with $v.imagePullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      {{- with $values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      # Above the drain deadline (SHUTDOWN_TIMEOUT_MS) and the preStop sleep, so a draining pod is never killed early.
      terminationGracePeriodSeconds: {{ add $preStopSleepSeconds $v.shutdown.timeoutSeconds $v.shutdown.marginSeconds }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 1000
        fsGroup: 1000
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: {{ $part }}
          image: {{ include "wabridge.image" $root }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          args: ["serve", {{ $part | quote }}]
          ports:
            - name: http
              containerPort: {{ $ports.http }}
              protocol: TCP
            {{- if or $v.prometheus.enabled (eq $part "metrics") }}
            - name: metrics
              containerPort: {{ $ports.metrics }}
              protocol: TCP
            {{- end }}
          envFrom:
            - configMapRef:
                name: {{ include "wabridge.partName" . }}
          {{- if $secretKeys }}
          env:
            {{- range $name, $_ := $secretKeys }}
            - name: {{ $name }}_FILE
              value: {{ include "wabridge.secretDir" $root }}/{{ $name }}
            {{- end }}
          {{- end }}
          startupProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: {{ $v.probes.startup.periodSeconds }}
            timeoutSeconds: {{ $v.probes.startup.timeoutSeconds }}
            failureThreshold: {{ $v.probes.startup.failureThreshold }}
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            periodSeconds: {{ $v.probes.readiness.periodSeconds }}
            timeoutSeconds: {{ $v.probes.readiness.timeoutSeconds }}
            failureThreshold: {{ $v.probes.readiness.failureThreshold }}
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: {{ $v.probes.liveness.periodSeconds }}
            timeoutSeconds: {{ $v.probes.liveness.timeoutSeconds }}
            failureThreshold: {{ $v.probes.liveness.failureThreshold }}
          {{- if gt $preStopSleepSeconds 0 }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ $preStopSleepSeconds }}
          {{- end }}
          resources:
            {{- toYaml $values.resources | nindent 12 }}
          securityContext:
            runAsNonRoot: true
            runAsUser: 1000
            runAsGroup: 1000
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            capabilities:
              drop: ["ALL"]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            # The root filesystem is read-only; /tmp takes what Node may write (heap snapshots, reports).
            - name: tmp
              mountPath: /tmp
            {{- if $secretKeys }}
            - name: secrets
              mountPath: {{ include "wabridge.secretDir" $root }}
              readOnly: true
            {{- end }}
            {{- if $mediaVolume }}
            - name: media
              mountPath: {{ include "wabridge.mediaDir" $root }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- if $mediaVolume }}
        - name: media
          persistentVolumeClaim:
            claimName: {{ default (include "wabridge.partName" .) $v.media.persistence.existingClaim }}
        {{- end }}
        {{- if $secretKeys }}
        - name: secrets
          secret:
            secretName: {{ include "wabridge.secretName" . }}
            # Readable by the pod's group (fsGroup 1000) only.
            defaultMode: 0440
            items:
              {{- range $name, $key := $secretKeys }}
              - key: {{ $key }}
                path: {{ $name }}
              {{- end }}
        {{- end }}
      {{- if $values.spreadAcrossNodes }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "wabridge.selectorLabels" . | nindent 14 }}
      {{- end }}
      {{- with $values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}

{{/* The PodDisruptionBudget of one part. Takes (dict "root" $ "part" "ingress"). */}}
{{- define "wabridge.pdb" -}}
{{- $pdb := (index .root.Values .part).pdb }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "wabridge.partName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "wabridge.partLabels" . | nindent 4 }}
spec:
  {{- if not (kindIs "invalid" $pdb.minAvailable) }}
  minAvailable: {{ $pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $pdb.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "wabridge.selectorLabels" . | nindent 6 }}
{{- end }}
