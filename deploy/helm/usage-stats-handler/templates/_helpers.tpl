{{- define "ush.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ush.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ush.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ include "ush.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component (api, worker, migrate, refresh). */}}
{{- define "ush.selector" -}}
app.kubernetes.io/name: {{ include "ush.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "ush.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "ush.secretName" -}}
{{- required "secrets.existingSecret is required: create a Secret with API_KEY, ANONYMIZATION_KEY, POSTGRES_PASSWORD, ... and name it here" .Values.secrets.existingSecret -}}
{{- end -}}

{{/* The environment every container gets: the config map of values, then the ports, then the secret. */}}
{{- define "ush.env" -}}
env:
{{- range $k, $v := .root.Values.config }}
  - name: {{ $k }}
    value: {{ $v | toString | quote }}
{{- end }}
  - name: HEALTH_CHECK_PORT
    value: {{ .root.Values.ports.health | quote }}
  - name: METRICS_PORT
    value: {{ .root.Values.ports.metrics | quote }}
{{- range $k, $v := .extra }}
  - name: {{ $k }}
    value: {{ $v | toString | quote }}
{{- end }}
envFrom:
  - secretRef:
      name: {{ include "ush.secretName" .root }}
{{- end -}}

{{- define "ush.podSecurity" -}}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The consumer groups, one per store: <KAFKA_CONSUMER_GROUP>-<store>. */}}
{{- define "ush.stores" -}}
{{- $stores := list -}}
{{- range (splitList "," (.Values.config.STORAGE_TYPE | default "postgres")) -}}
{{- $stores = append $stores (trim .) -}}
{{- end -}}
{{- join "," $stores -}}
{{- end -}}
