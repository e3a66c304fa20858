{{/*
The four verifiers: values key -> plugin binary. The binary name is also the
Verifier's metadata.name, which Ratify passes to the plugin as "name" and
which the plugin echoes in its reports: the name the Rego policy matches.
*/}}
{{- define "ratify-wasm.plugins" -}}
{{- toJson (dict "cosign" "wasm-cosign" "notation" "wasm-notation" "slsa" "wasm-slsa" "composition" "wasm-composition") -}}
{{- end -}}

{{- define "ratify-wasm.labels" -}}
app.kubernetes.io/name: ratify-wasm
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/*
ratify-wasm.file resolves one file named in verifier parameters: absolute
paths stay as they are; "<source>" or "<source>/<file>" is a trust source
(trust.sources) mounted at trust.mountPath. Args: root, path, key (the values
path, for messages).
*/}}
{{- define "ratify-wasm.file" -}}
{{- $p := toString .path -}}
{{- if hasPrefix "/" $p -}}
{{- $p -}}
{{- else -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(/[-._a-zA-Z0-9]+)?$" $p) -}}
{{- fail (printf "%s is %q: expected an absolute path or \"<trust source>/<file>\" (a key of trust.sources, then a file in it)" .key $p) -}}
{{- end -}}
{{- $parts := splitList "/" $p -}}
{{- $name := first $parts -}}
{{- $source := get .root.Values.trust.sources $name -}}
{{- if not $source -}}
{{- fail (printf "%s is %q, but trust source %q is not defined in trust.sources (defined: %s)" .key $p $name (keys .root.Values.trust.sources | sortAlpha | join ", " | default "none")) -}}
{{- end -}}
{{- if and $source.files (eq (len $parts) 2) (not (hasKey $source.files (last $parts))) -}}
{{- fail (printf "%s is %q, but trust source %q has no file %q (it has: %s)" .key $p $name (last $parts) (keys $source.files | sortAlpha | join ", ")) -}}
{{- end -}}
{{- printf "%s/%s" (trimSuffix "/" .root.Values.trust.mountPath) $p -}}
{{- end -}}
{{- end -}}

{{/* Resolves the files of sigverify trust policies (wasm-cosign, wasm-slsa). */}}
{{- define "ratify-wasm.trustPolicies" -}}
{{- $root := .root -}}
{{- $key := .key -}}
{{- $out := list -}}
{{- range $i, $tp := .policies -}}
{{- $tp = deepCopy $tp -}}
{{- $at := printf "%s.trustPolicies[%d]" $key $i -}}
{{- if $tp.keys -}}
{{- $ks := list -}}
{{- range $j, $k := $tp.keys -}}
{{- $k = deepCopy $k -}}
{{- if $k.file -}}
{{- $_ := set $k "file" (include "ratify-wasm.file" (dict "root" $root "path" $k.file "key" (printf "%s.keys[%d].file" $at $j))) -}}
{{- end -}}
{{- $ks = append $ks $k -}}
{{- end -}}
{{- $_ := set $tp "keys" $ks -}}
{{- end -}}
{{- if $tp.trustedRoot -}}
{{- $_ := set $tp "trustedRoot" (include "ratify-wasm.file" (dict "root" $root "path" $tp.trustedRoot "key" (printf "%s.trustedRoot" $at))) -}}
{{- end -}}
{{- $out = append $out $tp -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
ratify-wasm.parameters: one verifier's parameters as JSON: common settings,
then its own (which win), with every file resolved. Args: root, key, v.
*/}}
{{- define "ratify-wasm.parameters" -}}
{{- $root := .root -}}
{{- $key := printf "verifiers.%s.parameters" .key -}}
{{- $p := merge (deepCopy (.v.parameters | default dict)) (deepCopy $root.Values.common) -}}
{{- if hasKey $p "trustPolicies" -}}
{{- $_ := set $p "trustPolicies" (include "ratify-wasm.trustPolicies" (dict "root" $root "key" $key "policies" $p.trustPolicies) | fromJsonArray) -}}
{{- end -}}
{{- if $p.trustPolicyFile -}}
{{- $_ := set $p "trustPolicyFile" (include "ratify-wasm.file" (dict "root" $root "path" $p.trustPolicyFile "key" (printf "%s.trustPolicyFile" $key))) -}}
{{- end -}}
{{- if $p.trustStores -}}
{{- $stores := dict -}}
{{- range $type, $named := $p.trustStores -}}
{{- $byName := dict -}}
{{- range $name, $files := $named -}}
{{- $resolved := list -}}
{{- range $i, $f := $files -}}
{{- $resolved = append $resolved (include "ratify-wasm.file" (dict "root" $root "path" $f "key" (printf "%s.trustStores.%s.%s[%d]" $key $type $name $i))) -}}
{{- end -}}
{{- $_ := set $byName $name $resolved -}}
{{- end -}}
{{- $_ := set $stores $type $byName -}}
{{- end -}}
{{- $_ := set $p "trustStores" $stores -}}
{{- end -}}
{{- if and $p.revocation $p.revocation.crlCacheDir -}}
{{- $rev := deepCopy $p.revocation -}}
{{- $_ := set $rev "crlCacheDir" (include "ratify-wasm.file" (dict "root" $root "path" $rev.crlCacheDir "key" (printf "%s.revocation.crlCacheDir" $key))) -}}
{{- $_ := set $p "revocation" $rev -}}
{{- end -}}
{{- if $p.allowlistPath -}}
{{- $_ := set $p "allowlistPath" (include "ratify-wasm.file" (dict "root" $root "path" $p.allowlistPath "key" (printf "%s.allowlistPath" $key))) -}}
{{- end -}}
{{- toJson $p -}}
{{- end -}}

{{/* The Verifier spec fields that say where Ratify finds the plugin binary. */}}
{{- define "ratify-wasm.pluginLocation" -}}
{{- $pl := .root.Values.plugins -}}
{{- if eq $pl.delivery "oci" -}}
{{- $digest := get $pl.oci.digests .plugin -}}
{{- $artifact := printf "%s/%s%s" $pl.oci.repository .plugin (ternary "-cloud" "" (eq $pl.flavour "cloud")) -}}
source:
  artifact: {{ ternary (printf "%s@%s" $artifact $digest) (printf "%s:%s" $artifact $pl.oci.tag) (ne $digest "") | quote }}
  {{- with $pl.oci.authProvider }}
  authProvider:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- else if eq $pl.delivery "initContainer" -}}
address: {{ $pl.path | quote }}
{{- else if eq $pl.delivery "preinstalled" -}}
address: {{ $pl.preinstalled.path | quote }}
{{- end -}}
{{- /* builtin: neither; ratify-builtin has the plugin name registered. */ -}}
{{- end -}}

{{/* Volume name of a trust source in Ratify's pod. */}}
{{- define "ratify-wasm.trustVolume" -}}
{{- printf "ratify-wasm-trust-%s" . -}}
{{- end -}}

{{/* Name of the ConfigMap the chart creates for a "files" trust source. */}}
{{- define "ratify-wasm.trustConfigMap" -}}
{{- printf "%s-trust-%s" .root.Release.Name .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
ratify-wasm.ratifyPatch: the strategic merge patch for Ratify's Deployment
(trust mounts, plugin init container, the ratify-builtin image), or nothing
when none is needed.
*/}}
{{- define "ratify-wasm.ratifyPatch" -}}
{{- $root := . -}}
{{- $sources := .Values.trust.sources -}}
{{- $init := eq .Values.plugins.delivery "initContainer" -}}
{{- $builtin := eq .Values.plugins.delivery "builtin" -}}
{{- if or $sources $init $builtin -}}
spec:
  template:
    spec:
      {{- if $init }}
      initContainers:
        - name: ratify-wasm-plugins
          image: {{ .Values.plugins.initContainer.image | quote }}
          imagePullPolicy: {{ .Values.plugins.initContainer.pullPolicy }}
          command: ["cp", "-R", "{{ trimSuffix "/" (ternary .Values.plugins.initContainer.cloudSourcePath .Values.plugins.initContainer.sourcePath (eq .Values.plugins.flavour "cloud")) }}/.", "/ratify-wasm-plugins/"]
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            runAsUser: 65532
            runAsGroup: 65532
            seccompProfile: {type: RuntimeDefault}
          volumeMounts:
            - name: ratify-wasm-plugins
              mountPath: /ratify-wasm-plugins
      {{- end }}
      containers:
        - name: {{ .Values.ratify.container }}
          {{- if $builtin }}
          image: {{ .Values.plugins.builtin.image | quote }}
          {{- end }}
          {{- if or $sources $init }}
          volumeMounts:
            {{- range $name, $s := $sources }}
            - name: {{ include "ratify-wasm.trustVolume" $name }}
              mountPath: {{ printf "%s/%s" (trimSuffix "/" $root.Values.trust.mountPath) $name | quote }}
              readOnly: true
            {{- end }}
            {{- if $init }}
            - name: ratify-wasm-plugins
              mountPath: {{ .Values.plugins.path | quote }}
              readOnly: true
            {{- end }}
          {{- end }}
      {{- if or $sources $init }}
      volumes:
        {{- range $name, $s := $sources }}
        - name: {{ include "ratify-wasm.trustVolume" $name }}
          {{- if $s.secret }}
          secret:
            secretName: {{ $s.secret | quote }}
          {{- else if $s.configMap }}
          configMap:
            name: {{ $s.configMap | quote }}
          {{- else }}
          configMap:
            name: {{ include "ratify-wasm.trustConfigMap" (dict "root" $root "name" $name) | quote }}
          {{- end }}
        {{- end }}
        {{- if $init }}
        - name: ratify-wasm-plugins
          emptyDir: {}
        {{- end }}
      {{- end }}
{{- end -}}
{{- end -}}

{{/*
ratify-wasm.checkPolicy fails the installation when the policy requires a
verifier the chart does not install: every subject would be refused.
*/}}
{{- define "ratify-wasm.checkPolicy" -}}
{{- $installed := list -}}
{{- range $key, $plugin := include "ratify-wasm.plugins" . | fromJson -}}
{{- if (index $.Values.verifiers $key).enabled -}}
{{- $installed = append $installed $plugin -}}
{{- end -}}
{{- end -}}
{{- $p := .Values.policy.parameters -}}
{{- $sig := $p.signature.verifiers -}}
{{- if eq $p.signature.require "all" -}}
{{- range $sig -}}
{{- if and (hasPrefix "wasm-" .) (not (has . $installed)) -}}
{{- fail (printf "policy.parameters.signature.require is \"all\" and lists %s, but that verifier is disabled; enable it or remove it from policy.parameters.signature.verifiers" .) -}}
{{- end -}}
{{- end -}}
{{- else if not (has true (list (has "wasm-cosign" $installed) (has "wasm-notation" $installed))) -}}
{{- $others := without $sig "wasm-cosign" "wasm-notation" -}}
{{- if not $others -}}
{{- fail "both signature verifiers (verifiers.cosign, verifiers.notation) are disabled, so no subject could pass policy.parameters.signature; enable one or list Ratify's own verifier in policy.parameters.signature.verifiers" -}}
{{- end -}}
{{- end -}}
{{- if and $p.provenance.required (not (has "wasm-slsa" $installed)) -}}
{{- fail "verifiers.slsa is disabled but policy.parameters.provenance.required is true, so every subject would be refused; enable verifiers.slsa or set policy.parameters.provenance.required=false" -}}
{{- end -}}
{{- if and $p.composition.required (not (has "wasm-composition" $installed)) -}}
{{- fail "verifiers.composition is disabled but policy.parameters.composition.required is true, so every subject would be refused; enable verifiers.composition or set policy.parameters.composition.required=false" -}}
{{- end -}}
{{- end -}}

{{/*
ratify-wasm.gatekeeperDocs: the YAML documents of the template.yaml and
constraint.yaml files under policies/gatekeeper as a JSON list of {file,
text, object}, read through the links in the chart's policies folder (one
copy of every template and sample constraint).
*/}}
{{- define "ratify-wasm.gatekeeperDocs" -}}
{{- $out := list -}}
{{- range $path, $_ := .Files.Glob "policies/gatekeeper/*/*.yaml" -}}
{{- range $text := regexSplit "(?m)^---[ \t]*$" ($.Files.Get $path) -1 -}}
{{- $obj := fromYaml $text -}}
{{- if hasKey $obj "Error" -}}
{{- fail (printf "%s: %s" $path $obj.Error) -}}
{{- end -}}
{{- if $obj.kind -}}
{{- $out = append $out (dict "file" $path "text" (trim $text) "object" $obj) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
ratify-wasm.constraints: the sample constraints of policies/gatekeeper with
the values applied, as a JSON list: enforcementAction and the pod selection
(runtimeClassNames, runtimeHandlers, denyUnknownRuntimeClasses,
verifyPodsWithoutRuntimeClass) for all; the verification constraint gets policy.parameters (so Gatekeeper
judges the reports with the same rules as Ratify's Policy) and the provider;
the image reference constraint gets policy.parameters.allowedRepositories
as its prefixes. gatekeeper.constraints.<name> has the last word.
*/}}
{{- define "ratify-wasm.constraints" -}}
{{- $gk := .Values.gatekeeper -}}
{{- $out := list -}}
{{- range $d := include "ratify-wasm.gatekeeperDocs" . | fromJsonArray -}}
{{- $obj := deepCopy $d.object -}}
{{- if hasPrefix "constraints.gatekeeper.sh/" (toString $obj.apiVersion) -}}
{{- $enabled := true -}}
{{- $params := $obj.spec.parameters | default dict -}}
{{- range $k := list "runtimeClassNames" "runtimeHandlers" "denyUnknownRuntimeClasses" "verifyPodsWithoutRuntimeClass" -}}
{{- if hasKey $params $k -}}
{{- $_ := set $params $k (get $gk $k) -}}
{{- end -}}
{{- end -}}
{{- if eq $obj.kind "RatifyWasmVerification" -}}
{{- $enabled = $gk.verification.enabled -}}
{{- $_ := set $params "provider" $gk.verification.provider -}}
{{- $_ := set $params "policy" (deepCopy $.Values.policy.parameters) -}}
{{- else if eq $obj.kind "WasmImageReferences" -}}
{{- $enabled = $gk.imageReferences.enabled -}}
{{- $_ := set $params "allowedPrefixes" $.Values.policy.parameters.allowedRepositories -}}
{{- $_ := set $params "requireDigest" $gk.imageReferences.requireDigest -}}
{{- end -}}
{{- $_ := set $obj.spec "parameters" $params -}}
{{- $_ := set $obj.spec "enforcementAction" $gk.enforcementAction -}}
{{- $o := get $gk.constraints $obj.metadata.name | default dict -}}
{{- if hasKey $o "enabled" -}}
{{- $enabled = $o.enabled -}}
{{- end -}}
{{- if $enabled -}}
{{- $obj = mergeOverwrite $obj (dict "spec" (deepCopy ($o.spec | default dict))) -}}
{{- $out = append $out $obj -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}
