{{/*
Names and labels. They follow the reference chart's rules exactly so that `helm upgrade` from a
csi-secrets-store-provider-azure release keeps the DaemonSet's name and its (immutable) selector.
*/}}

{{/* The reference chart's name, used where it used its chart name. */}}
{{- define "keyvault-csi.baseName" -}}
{{- .Values.nameOverride | default "csi-secrets-store-provider-azure" -}}
{{- end -}}

{{/* app and app.kubernetes.io/name: the base name cut to a DNS label. */}}
{{- define "keyvault-csi.name" -}}
{{- include "keyvault-csi.baseName" . | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The DaemonSet's name: fullnameOverride, else the release name when it already contains the base
name, else "<release>-<base name>"; always cut to a DNS label.
*/}}
{{- define "keyvault-csi.fullname" -}}
{{- $base := include "keyvault-csi.baseName" . -}}
{{- $full := printf "%s-%s" .Release.Name $base -}}
{{- if .Values.fullnameOverride -}}
{{- $full = .Values.fullnameOverride -}}
{{- else if contains $base .Release.Name -}}
{{- $full = .Release.Name -}}
{{- end -}}
{{- $full | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The ServiceAccount keeps the reference's fixed name (the reference manifests use it too). */}}
{{- define "keyvault-csi.serviceAccountName" -}}csi-secrets-store-provider-azure{{- end -}}

{{- define "keyvault-csi.labels" -}}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name (.Chart.Version | replace "+" "_") | quote }}
app.kubernetes.io/name: {{ include "keyvault-csi.name" . | quote }}
app: {{ include "keyvault-csi.name" . | quote }}
{{- end -}}
