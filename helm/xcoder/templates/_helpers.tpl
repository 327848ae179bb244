{{/* ---------------------------------------------------------------- names and labels */}}

{{- define "xcoder.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "xcoder.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's resources: <fullname>-<component>, within 63 characters. */}}
{{- define "xcoder.componentName" -}}
{{- $full := include "xcoder.fullname" .root | trunc (int (sub 62 (len .component))) | trimSuffix "-" -}}
{{- printf "%s-%s" $full .component -}}
{{- end -}}

{{- define "xcoder.selectorLabels" -}}
app.kubernetes.io/name: {{ include "xcoder.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "xcoder.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "xcoder.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: xcoder
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Labels of the whole release (for resources that are not one component's). */}}
{{- define "xcoder.releaseLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "xcoder.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: xcoder
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "xcoder.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "xcoder.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "xcoder.secretName" -}}
{{- default (include "xcoder.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* ---------------------------------------------------------------- images */}}

{{/* image reference: dict "root" $ "image" <component image values> */}}
{{- define "xcoder.image" -}}
{{- $repo := .image.repository -}}
{{- with .root.Values.image.registry -}}
{{- $repo = printf "%s/%s" (trimSuffix "/" .) $repo -}}
{{- end -}}
{{- $tag := .image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}

{{- define "xcoder.redisImage" -}}
{{- $repo := .Values.redis.image.repository -}}
{{- with .Values.image.registry -}}
{{- $repo = printf "%s/%s" (trimSuffix "/" .) $repo -}}
{{- end -}}
{{- printf "%s:%s" $repo .Values.redis.image.tag -}}
{{- end -}}

{{/* ---------------------------------------------------------------- redis */}}

{{- define "xcoder.redisHost" -}}
{{- include "xcoder.componentName" (dict "root" . "component" "redis") -}}
{{- end -}}

{{/* The parsed external URL (urlParse), or an empty dict. */}}
{{- define "xcoder.externalRedis" -}}
{{- if .Values.redis.enabled -}}
{{- dict | toJson -}}
{{- else -}}
{{- if not .Values.redis.external.url -}}
{{- fail "redis.enabled is false: set redis.external.url (redis://[:PASSWORD@]HOST:PORT/DB) or secrets.existingSecret" -}}
{{- end -}}
{{- $u := urlParse .Values.redis.external.url -}}
{{- if not (has $u.scheme (list "redis" "rediss")) -}}
{{- fail (printf "redis.external.url must start with redis:// or rediss://, not %s://" $u.scheme) -}}
{{- end -}}
{{- $u | toJson -}}
{{- end -}}
{{- end -}}

{{/* host:port KEDA connects to. */}}
{{- define "xcoder.redisAddress" -}}
{{- if .Values.redis.enabled -}}
{{- printf "%s.%s.svc:6379" (include "xcoder.redisHost" .) .Release.Namespace -}}
{{- else -}}
{{- $u := include "xcoder.externalRedis" . | fromJson -}}
{{- if contains ":" $u.host -}}{{ $u.host }}{{- else -}}{{ printf "%s:6379" $u.host }}{{- end -}}
{{- end -}}
{{- end -}}

{{- define "xcoder.redisDatabase" -}}
{{- if .Values.redis.enabled -}}
{{- .Values.redis.judgeDatabase -}}
{{- else -}}
{{- $u := include "xcoder.externalRedis" . | fromJson -}}
{{- default "0" (trimPrefix "/" $u.path) -}}
{{- end -}}
{{- end -}}

{{- define "xcoder.redisTLS" -}}
{{- if and (not .Values.redis.enabled) (eq ((include "xcoder.externalRedis" . | fromJson).scheme) "rediss") -}}true{{- else -}}false{{- end -}}
{{- end -}}

{{/* Whether Redis needs a password (bundled: always; external: when the URL carries one). */}}
{{- define "xcoder.redisHasPassword" -}}
{{- if .Values.redis.enabled -}}true
{{- else if .Values.secrets.existingSecret -}}true
{{- else -}}
{{- $u := include "xcoder.externalRedis" . | fromJson -}}
{{- if and $u.userinfo (contains ":" $u.userinfo) (ne (regexReplaceAll "^[^:]*:" $u.userinfo "") "") -}}true{{- else -}}false{{- end -}}
{{- end -}}
{{- end -}}

{{/* ---------------------------------------------------------------- probes and security */}}

{{/* Security context of every unprivileged container. */}}
{{- define "xcoder.restrictedContainerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "xcoder.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Readiness path of the judge API: /readyz needs a live worker, which a worker deployment
     scaled to zero never has, so then the API reports ready on /healthz. */}}
{{- define "xcoder.judgeApiReadinessPath" -}}
{{- if and .Values.judge.worker.keda.enabled (eq (int .Values.judge.worker.keda.minReplicaCount) 0) -}}/healthz{{- else -}}/readyz{{- end -}}
{{- end -}}

{{/* Whether the cluster has the AppArmor securityContext field (Kubernetes 1.30+). */}}
{{- define "xcoder.appArmorField" -}}
{{- if semverCompare ">=1.30-0" .Capabilities.KubeVersion.Version -}}true{{- end -}}
{{- end -}}

{{/* Environment shared by the SynthSmith API and workers. */}}
{{- define "xcoder.synthEnv" -}}
- name: XCODER_SYNTH_DATA_DIR
  value: /var/lib/xcoder-synth
- name: XCODER_SYNTH_JUDGE_URL
  value: {{ printf "http://%s:%v" (include "xcoder.componentName" (dict "root" . "component" "judge-api")) .Values.judge.api.service.port | quote }}
- name: XCODER_SYNTH_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "xcoder.secretName" . }}
      key: synth-redis-url
- name: XCODER_SYNTH_API_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ include "xcoder.secretName" . }}
      key: synth-api-keys
      optional: true
- name: XCODER_SYNTH_JUDGE_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "xcoder.secretName" . }}
      key: synth-judge-api-key
      optional: true
- name: XCODER_SYNTH_LLM_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "xcoder.secretName" . }}
      key: synth-llm-api-key
      optional: true
- name: MPLCONFIGDIR
  value: /tmp/matplotlib
{{- end -}}
