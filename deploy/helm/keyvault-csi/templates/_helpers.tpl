{{- define "keyvault-csi.name" -}}csi-secrets-store-provider-azure{{- end -}}
{{- define "keyvault-csi.labels" -}}
app: {{ include "keyvault-csi.name" . }}
app.kubernetes.io/name: keyvault-csi
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}
