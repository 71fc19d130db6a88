{{/* The chart's name, overridable. */}}
{{- define "ims-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object's name. With the release named like the chart (`helm install
ims-operator`) it is `ims-operator`, so objects are named as config/default names them.
*/}}
{{- define "ims-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "ims-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "ims-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ims-operator
{{- end }}

{{/* Labels that select the manager's pods (the metrics Service, the NetworkPolicy). */}}
{{- define "ims-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ims-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
control-plane: controller-manager
{{- end }}

{{/* The manager's ServiceAccount. */}}
{{- define "ims-operator.serviceAccountName" -}}
{{- include "ims-operator.fullname" . }}-controller-manager
{{- end }}

{{/* The manager's image reference: repository:tag, or repository@digest. */}}
{{- define "ims-operator.image" -}}
{{- if .Values.manager.image.digest }}
{{- printf "%s@%s" .Values.manager.image.repository .Values.manager.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.manager.image.repository (.Values.manager.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}
