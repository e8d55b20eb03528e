{{- define "switchboard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "switchboard.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* A name of its own, so the gateway's selector (name + instance, unchanged since 0.1.0) never matches Redis. */}}
{{- define "switchboard.redisSelectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}-redis
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* "true" when more than one gateway pod may run (a fixed count above 1, or autoscaling). */}}
{{- define "switchboard.multi" -}}
{{- if or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1) -}}true{{- end -}}
{{- end -}}

{{/* "true" when clients need session affinity: sessionAffinity.mode ClientIP, or auto without Redis and with
more than one pod. */}}
{{- define "switchboard.affinity" -}}
{{- $mode := .Values.sessionAffinity.mode -}}
{{- if or (eq $mode "ClientIP") (and (eq $mode "auto") (eq .Values.redis.mode "none") (include "switchboard.multi" .)) -}}true{{- end -}}
{{- end -}}

{{/* The Secret holding the gateway's secrets; fails when a value needs it and none is named. */}}
{{- define "switchboard.secretName" -}}
{{- required "secrets.existingSecret: name the Secret that holds the keys the values refer to" .Values.secrets.existingSecret -}}
{{- end -}}

{{/* Seconds the pod may take to stop: preStop sleep + gateway.shutdown_grace (config.gateway.shutdown_grace, a
duration as in the config schema; 25s, the gateway's default, when unset) + a margin for closing and exit. */}}
{{- define "switchboard.terminationGracePeriodSeconds" -}}
{{- $g := .Values.config.gateway | default dict -}}
{{- $grace := "25s" -}}
{{- if hasKey $g "shutdown_grace" -}}
{{- $v := $g.shutdown_grace -}}
{{- /* A number is milliseconds. Values arrive as float64, which toString writes as 1.2e+06 from a million up. */ -}}
{{- if or (kindIs "float64" $v) (kindIs "int64" $v) (kindIs "int" $v) }}{{ $grace = printf "%dms" (int64 $v) }}
{{- else }}{{ $grace = toString $v | nospace }}{{ end -}}
{{- end -}}
{{- $unit := get (dict "ms" 0.001 "s" 1.0 "m" 60.0 "h" 3600.0 "" 0.001) (regexFind "[a-z]*$" $grace) -}}
{{- add (int .Values.preStopSleepSeconds) (ceil (mulf (float64 (regexFind "^[0-9.]+" $grace)) $unit)) (int .Values.terminationGraceMarginSeconds) -}}
{{- end -}}

{{- define "switchboard.redisLabels" -}}
{{ include "switchboard.redisSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
