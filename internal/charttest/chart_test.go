package charttest

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/ratify-wasm/ratify-wasm/internal/composition"
	"github.com/ratify-wasm/ratify-wasm/internal/cosign"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/notation"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

var dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// plugins maps the chart's verifiers.<key> to the plugin binary, which is
// also the Verifier's name.
var plugins = map[string]string{
	"cosign": "wasm-cosign", "notation": "wasm-notation", "slsa": "wasm-slsa", "composition": "wasm-composition",
}

// setupObjects returns the documents of the <release>-setup ConfigMap: the
// constraints and the patch of Ratify's Deployment (nil when absent).
func setupObjects(t testing.TB, objs []object) (constraints []object, patch map[string]any) {
	t.Helper()
	for _, cm := range byKind(objs, "ConfigMap") {
		if cm.name() != "ratify-wasm-setup" {
			continue
		}
		data, _ := cm["data"].(map[string]any)
		if s, ok := data["constraints.yaml"].(string); ok {
			constraints = parseManifests(t, s)
		}
		if s, ok := data["ratify-patch.yaml"].(string); ok {
			if err := yaml.Unmarshal([]byte(s), &patch); err != nil {
				t.Fatalf("ratify-patch.yaml: %v\n%s", err, s)
			}
		}
	}
	return constraints, patch
}

// TestRenderedObjectsValidate renders every value set and checks each
// object: custom resources against the CRD schemas of Ratify v1.4.6 (chart
// and generated) and Gatekeeper v3.23.1 (ConstraintTemplate, and the
// constraint CRDs Gatekeeper derives from the templates), Kubernetes
// objects by strict decoding into their k8s.io/api types.
func TestRenderedObjectsValidate(t *testing.T) {
	for _, vs := range valueSets(t) {
		t.Run(filepath.Base(vs), func(t *testing.T) {
			values := effectiveValues(t, vs)
			objs := render(t, []string{vs})
			schemas := map[string][]crdSchema{}
			schemasFor := func(apiVersion, kind string, files []string) []crdSchema {
				key := apiVersion + "/" + kind
				if schemas[key] == nil {
					for _, f := range files {
						schemas[key] = append(schemas[key], schemaFor(t, f, apiVersion))
					}
				}
				return schemas[key]
			}
			templates := map[string]object{}
			for _, o := range objs {
				if err := checkMetadata(o); err != nil {
					t.Error(err)
				}
				var typed any
				switch gvk := o.apiVersion() + " " + o.kind(); gvk {
				case "config.ratify.deislabs.io/v1beta1 Verifier", "config.ratify.deislabs.io/v1beta1 Policy":
					for _, s := range schemasFor(o.apiVersion(), o.kind(), ratifyCRDs(t, o.kind())) {
						if err := s.validate(o); err != nil {
							t.Error(err)
						}
					}
				case "templates.gatekeeper.sh/v1 ConstraintTemplate", "templates.gatekeeper.sh/v1beta1 ConstraintTemplate":
					for _, s := range schemasFor(o.apiVersion(), o.kind(), []string{gatekeeperTemplateCRD(t)}) {
						if err := s.validate(o); err != nil {
							t.Error(err)
						}
					}
					kind, _ := path(o, "spec", "crd", "spec", "names", "kind").(string)
					if strings.ToLower(kind) != o.name() {
						t.Errorf("%s: Gatekeeper requires metadata.name to be the lower-case constraint kind %q", o, strings.ToLower(kind))
					}
					templates[kind] = o
				case "syncset.gatekeeper.sh/v1alpha1 SyncSet":
					for _, s := range schemasFor(o.apiVersion(), o.kind(), []string{gatekeeperSyncSetCRD(t)}) {
						if err := s.validate(o); err != nil {
							t.Error(err)
						}
					}
				case "v1 ConfigMap":
					typed = &corev1.ConfigMap{}
				case "v1 ServiceAccount":
					typed = &corev1.ServiceAccount{}
				case "rbac.authorization.k8s.io/v1 Role":
					typed = &rbacv1.Role{}
				case "rbac.authorization.k8s.io/v1 RoleBinding":
					typed = &rbacv1.RoleBinding{}
				case "rbac.authorization.k8s.io/v1 ClusterRole":
					typed = &rbacv1.ClusterRole{}
				case "rbac.authorization.k8s.io/v1 ClusterRoleBinding":
					typed = &rbacv1.ClusterRoleBinding{}
				case "batch/v1 Job":
					typed = &batchv1.Job{}
				default:
					t.Errorf("%s: unexpected object %s", o, gvk)
				}
				if typed != nil {
					if err := convert(o, typed); err != nil {
						t.Errorf("%s is not a valid %s: %v", o, o.kind(), err)
					}
					if ns, _ := path(o, "metadata", "namespace").(string); ns != namespace && !strings.HasPrefix(o.kind(), "Cluster") {
						t.Errorf("%s: namespace %q, want %q (Ratify's, where the mounts must live)", o, ns, namespace)
					}
				}
			}

			// One Verifier per enabled plugin, nothing else.
			var want, got []string
			for key, name := range plugins {
				if path(values, "verifiers", key, "enabled") == true {
					want = append(want, name)
				}
			}
			for _, v := range byKind(objs, "Verifier") {
				got = append(got, v.name())
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(want, got) {
				t.Errorf("Verifiers %v, want %v", got, want)
			}
			// The templates select pods by RuntimeClass handler: Gatekeeper
			// must sync RuntimeClass objects for them.
			syncsRuntimeClasses := false
			for _, o := range byKind(objs, "SyncSet") {
				for _, g := range path(o, "spec", "gvks").([]any) {
					syncsRuntimeClasses = syncsRuntimeClasses || reflect.DeepEqual(g, map[string]any{"group": "node.k8s.io", "version": "v1", "kind": "RuntimeClass"})
				}
			}
			if want := path(values, "gatekeeper", "templates") == true && path(values, "gatekeeper", "syncRuntimeClasses") == true; syncsRuntimeClasses != want {
				t.Errorf("SyncSet of RuntimeClass objects rendered: %t, want %t", syncsRuntimeClasses, want)
			}
			if len(byKind(objs, "Policy")) != 1 {
				t.Errorf("want exactly one Policy, got %d", len(byKind(objs, "Policy")))
			}

			// Constraints, applied by the setup Job, against their CRDs.
			constraints, _ := setupObjects(t, objs)
			if path(values, "gatekeeper", "templates") == true && len(templates) == 0 {
				t.Error("gatekeeper.templates is true but no ConstraintTemplate was rendered from policies/gatekeeper")
			}
			for _, c := range constraints {
				tmpl, ok := templates[c.kind()]
				if !ok {
					t.Errorf("constraint %s has no rendered ConstraintTemplate of kind %s", c, c.kind())
					continue
				}
				if c.apiVersion() != "constraints.gatekeeper.sh/v1beta1" {
					t.Errorf("constraint %s has apiVersion %s; Gatekeeper serves constraints.gatekeeper.sh/v1beta1", c, c.apiVersion())
				}
				if err := checkMetadata(c); err != nil {
					t.Error(err)
				}
				if err := constraintSchema(t, tmpl).validate(c); err != nil {
					t.Error(err)
				}
			}
			checkSetupJob(t, objs, constraints, path(values, "setup", "enabled") == true)
		})
	}
}

// checkSetupJob checks that the Job waits for the CRD of every constraint
// it applies and patches the Deployment named in values.
func checkSetupJob(t *testing.T, objs []object, constraints []object, enabled bool) {
	jobs := byKind(objs, "Job")
	_, patch := setupObjects(t, objs)
	if !enabled || (len(constraints) == 0 && patch == nil) {
		if len(jobs) != 0 {
			t.Errorf("no setup Job expected, got %d", len(jobs))
		}
		return
	}
	if len(jobs) != 1 {
		t.Fatalf("want one setup Job, got %d", len(jobs))
	}
	var job batchv1.Job
	if err := convert(jobs[0], &job); err != nil {
		t.Fatal(err)
	}
	if job.Annotations["helm.sh/hook"] != "post-install,post-upgrade" {
		t.Errorf("setup Job hook annotation %q", job.Annotations["helm.sh/hook"])
	}
	var args []string
	for _, c := range append(job.Spec.Template.Spec.InitContainers, job.Spec.Template.Spec.Containers...) {
		args = append(args, strings.Join(c.Args, " "))
	}
	all := strings.Join(args, "\n")
	for _, c := range constraints {
		crd := "crd/" + strings.ToLower(c.kind()) + ".constraints.gatekeeper.sh"
		if !strings.Contains(all, "--for=create") || !strings.Contains(all, crd) {
			t.Errorf("setup Job does not wait for %s before applying constraint %s:\n%s", crd, c, all)
		}
	}
	if len(constraints) > 0 && !strings.Contains(all, "apply --server-side --field-manager=ratify-wasm --force-conflicts -f /setup/constraints.yaml") {
		t.Errorf("setup Job does not apply the constraints:\n%s", all)
	}
	if patch != nil && !strings.Contains(all, "patch deployment") {
		t.Errorf("setup Job does not patch Ratify's Deployment:\n%s", all)
	}
}

// TestPolicyIsThePolicyFile checks that the rendered Policy is exactly what
// policies/ratify/render.sh makes of policies/ratify/wasm.rego and the
// values' parameters (the file, then one `parameters := <JSON>` rule), and
// that OPA (bin/opa) reads the parameters the values say.
func TestPolicyIsThePolicyFile(t *testing.T) {
	root := testenv.RepoRoot(t)
	file, err := os.ReadFile(filepath.Join(root, "policies", "ratify", "wasm.rego"))
	if err != nil {
		t.Fatal(err)
	}
	chartDefaults := path(effectiveValues(t), "policy", "parameters")
	for _, vs := range valueSets(t) {
		t.Run(filepath.Base(vs), func(t *testing.T) {
			objs := render(t, []string{vs})
			pol := find(t, objs, "Policy", "ratify-policy")
			if path(pol, "spec", "type") != "regopolicy" || path(pol, "spec", "parameters", "passthroughEnabled") != false {
				t.Errorf("Policy must be a regopolicy without passthrough: %s", jsonString(pol["spec"]))
			}
			text, _ := path(pol, "spec", "parameters", "policy").(string)
			rest, ok := strings.CutPrefix(text, string(file))
			if !ok {
				t.Fatalf("rendered policy does not start with policies/ratify/wasm.rego\nrendered:\n%s", text)
			}
			assign, ok := strings.CutPrefix(rest, "\nparameters := ")
			if !ok || !strings.HasSuffix(assign, "\n") || strings.Count(assign, "\n") != 1 {
				t.Fatalf("the policy file is not followed by one `parameters := <JSON>` line: %q", rest)
			}
			var params map[string]any
			if err := json.Unmarshal([]byte(assign), &params); err != nil {
				t.Fatalf("parameters are not JSON: %v\n%s", err, assign)
			}
			if want := path(effectiveValues(t, vs), "policy", "parameters"); !reflect.DeepEqual(params, want) {
				t.Errorf("parameters %s, want the values' %s", jsonString(params), jsonString(want))
			}

			// The same text as render.sh, given the same parameters.
			paramsFile := filepath.Join(t.TempDir(), "params.json")
			if err := os.WriteFile(paramsFile, []byte(strings.TrimSuffix(assign, "\n")), 0o644); err != nil {
				t.Fatal(err)
			}
			script, err := exec.Command(filepath.Join(root, "policies", "ratify", "render.sh"), paramsFile).Output()
			if err != nil {
				t.Fatalf("render.sh: %v", err)
			}
			if string(script) != text {
				t.Fatalf("the chart and render.sh render different policies\n--- chart\n%s\n--- render.sh\n%s", text, script)
			}

			// What Ratify's OPA reads: the parameters merged over the
			// policy's defaults, which are the chart's defaults too.
			file := filepath.Join(t.TempDir(), "policy.rego")
			if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := opaEval(t, file, "data.ratify.policy.params"); !reflect.DeepEqual(got, params) {
				t.Errorf("OPA reads params %s, want %s", jsonString(got), jsonString(params))
			}
			if got := opaEval(t, file, "data.ratify.policy.defaults"); !reflect.DeepEqual(got, chartDefaults) {
				t.Errorf("the chart's default policy.parameters %s differ from the policy's own defaults %s", jsonString(chartDefaults), jsonString(got))
			}
		})
	}
}

// opaEval evaluates query with bin/opa over the policy file, with
// further opa eval flags (e.g. -i input.json).
func opaEval(t testing.TB, file, query string, flags ...string) map[string]any {
	t.Helper()
	args := append(append([]string{"eval", "--format", "json", "-d", file}, flags...), query)
	out, err := exec.Command(testenv.Bin(t, "opa"), args...).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("opa eval %s: %v\n%s%s", query, err, out, stderr)
	}
	var res struct {
		Result []struct {
			Expressions []struct {
				Value map[string]any `json:"value"`
			} `json:"expressions"`
		} `json:"result"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Result) != 1 || len(res.Result[0].Expressions) != 1 {
		t.Fatalf("opa eval %s: %s (%v)", query, out, err)
	}
	return res.Result[0].Expressions[0].Value
}

// TestGatekeeperTemplatesAreTheFiles checks that the ConstraintTemplates
// are the documents of policies/gatekeeper/<name>/template.yaml, unchanged,
// and that the constraints are the samples next to them with exactly the
// documented values applied: enforcementAction and runtimeClassNames; for
// RatifyWasmVerification the provider and the Policy's own parameters; for
// WasmImageReferences the allowed repositories and requireDigest; then
// gatekeeper.constraints.<name>.
func TestGatekeeperTemplatesAreTheFiles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testenv.RepoRoot(t), "policies", "gatekeeper", "*", "*.yaml"))
	var fileTemplates, fileConstraints []object
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range parseManifests(t, string(raw)) {
			switch {
			case o.kind() == "ConstraintTemplate":
				fileTemplates = append(fileTemplates, o)
			case strings.HasPrefix(o.apiVersion(), "constraints.gatekeeper.sh/"):
				fileConstraints = append(fileConstraints, o)
			}
		}
	}
	if len(fileTemplates) == 0 || len(fileConstraints) == 0 {
		t.Fatalf("policies/gatekeeper/*/*.yaml: %d templates, %d constraints", len(fileTemplates), len(fileConstraints))
	}
	for _, vs := range valueSets(t) {
		t.Run(filepath.Base(vs), func(t *testing.T) {
			values := effectiveValues(t, vs)
			objs := render(t, []string{vs})
			constraints, _ := setupObjects(t, objs)
			if path(values, "gatekeeper", "templates") != true {
				if len(byKind(objs, "ConstraintTemplate"))+len(constraints) != 0 {
					t.Error("gatekeeper.templates is false, yet Gatekeeper objects were rendered")
				}
				return
			}
			if rendered := byKind(objs, "ConstraintTemplate"); !reflect.DeepEqual(normalize(rendered), normalize(fileTemplates)) {
				t.Errorf("rendered ConstraintTemplates differ from policies/gatekeeper:\nrendered %s\nfiles    %s", jsonString(rendered), jsonString(fileTemplates))
			}
			gk := func(keys ...string) any { return path(values, append([]string{"gatekeeper"}, keys...)...) }
			var want []object
			for _, c := range normalize(fileConstraints) {
				c := object(c.(map[string]any))
				params, _ := path(c, "spec", "parameters").(map[string]any)
				enabled := true
				c.spec()["enforcementAction"] = gk("enforcementAction")
				for _, k := range []string{"runtimeClassNames", "runtimeHandlers", "denyUnknownRuntimeClasses", "verifyPodsWithoutRuntimeClass"} {
					if _, ok := params[k]; ok {
						params[k] = gk(k)
					}
				}
				switch c.kind() {
				case "RatifyWasmVerification":
					enabled = gk("verification", "enabled") == true
					params["provider"] = gk("verification", "provider")
					params["policy"] = path(values, "policy", "parameters")
				case "WasmImageReferences":
					enabled = gk("imageReferences", "enabled") == true
					params["allowedPrefixes"] = path(values, "policy", "parameters", "allowedRepositories")
					params["requireDigest"] = gk("imageReferences", "requireDigest")
				}
				over, _ := gk("constraints", c.name()).(map[string]any)
				if e, ok := over["enabled"].(bool); ok {
					enabled = e
				}
				if spec, ok := over["spec"].(map[string]any); ok {
					c = object(mergeValues(c, map[string]any{"spec": spec}))
				}
				if enabled {
					want = append(want, c)
				}
			}
			if !reflect.DeepEqual(normalize(constraints), normalize(want)) {
				t.Errorf("constraints in the setup ConfigMap:\n%s\nwant the samples with the values applied:\n%s", jsonString(constraints), jsonString(want))
			}
			// Gatekeeper words its denials with the Policy's parameters.
			for _, c := range byKind(constraints, "RatifyWasmVerification") {
				text, _ := path(find(t, objs, "Policy", "ratify-policy"), "spec", "parameters", "policy").(string)
				if !strings.Contains(text, "parameters := "+jsonString(path(c, "spec", "parameters", "policy"))+"\n") {
					t.Errorf("constraint %s has policy parameters %s, not those of the Policy", c, jsonString(path(c, "spec", "parameters", "policy")))
				}
			}
		})
	}
}

// normalize makes objects comparable whatever the order and number types.
func normalize(objs []object) []any {
	var out []any
	for _, o := range objs {
		var v any
		raw, _ := json.Marshal(o)
		_ = json.Unmarshal(raw, &v)
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b any) int { return strings.Compare(jsonString(a), jsonString(b)) })
	return out
}

// TestWrongValuesFailAtInstall checks that wrong values stop `helm install`
// (here `helm template`, which runs the same schema and template checks)
// with a message that names the value.
func TestWrongValuesFailAtInstall(t *testing.T) {
	ci := func(name string) string { return filepath.Join(chartDir(t), "ci", name) }
	full, inline := ci("01-oci-inline-trust-values.yaml"), ci("03-preinstalled-inline-keys-values.yaml")
	for _, c := range []struct {
		name  string
		files []string
		set   []string
		want  string
	}{
		{"defaults without trust", nil, nil, "at '/verifiers/cosign/parameters/trustPolicies': minItems: got 0, want 1"},
		{"notation without policy", []string{inline}, []string{"verifiers.notation.enabled=true"}, "at '/verifiers/notation/parameters'"},
		{"slsa without builder", []string{inline}, []string{"verifiers.slsa.parameters.builderIds=null"}, "at '/verifiers/slsa/parameters/builderIds'"},
		{"misspelt plugin setting", []string{full}, []string{"verifiers.cosign.parameters.layer=all"}, "additional properties 'layer' not allowed"},
		{"unknown top-level key", []string{full}, []string{"verifier.cosign.enabled=false"}, "additional properties 'verifier' not allowed"},
		{"non-WASM rule", []string{full}, []string{"common.nonWasmSubjects=allow"}, "at '/common/nonWasmSubjects'"},
		{"timeout as a number", []string{full}, []string{"common.timeout=5"}, "at '/common/timeout'"},
		{"layers value", []string{full}, []string{"verifiers.cosign.parameters.layers=some"}, "at '/verifiers/cosign/parameters/layers'"},
		{"init container without image", []string{full}, []string{"plugins.delivery=initContainer"}, "at '/plugins/initContainer"},
		{"builtin without image", []string{full}, []string{"plugins.delivery=builtin"}, "at '/plugins/builtin"},
		{"unknown delivery", []string{full}, []string{"plugins.delivery=http"}, "at '/plugins/delivery'"},
		{"short digest pin", []string{full}, []string{"plugins.oci.digests.wasm-cosign=sha256:abc"}, "at '/plugins/oci/digests/wasm-cosign'"},
		{"digest pin of an unknown plugin", []string{full}, []string{"plugins.oci.digests.wasm-sbom=sha256:" + strings.Repeat("a", 64)}, "invalid propertyName 'wasm-sbom'"},
		{"trust source with two kinds", []string{full}, []string{"trust.sources.extra.secret=a", "trust.sources.extra.configMap=b"}, "at '/trust/sources/extra'"},
		{"relative mount path", []string{full}, []string{"trust.mountPath=etc/trust"}, "at '/trust/mountPath'"},
		{"undefined trust source", []string{full}, []string{"verifiers.slsa.parameters.trustPolicies[0].keys[0].file=nope/key.pub"}, `verifiers.slsa.parameters.trustPolicies[0].keys[0].file is "nope/key.pub", but trust source "nope" is not defined in trust.sources`},
		{"file missing from a trust source", []string{full}, []string{"verifiers.composition.parameters.allowlistPath=composition/allow.json"}, `trust source "composition" has no file "allow.json" (it has: allowlist.json)`},
		{"nested path in a trust source", []string{full}, []string{"verifiers.notation.parameters.trustStores.ca.wasm-roots[0]=notation-roots/a/b.pem"}, `expected an absolute path or "<trust source>/<file>"`},
		{"provenance required but slsa off", []string{full}, []string{"verifiers.slsa.enabled=false"}, "verifiers.slsa is disabled but policy.parameters.provenance.required is true"},
		{"composition required but off", []string{full}, []string{"verifiers.composition.enabled=false"}, "verifiers.composition is disabled but policy.parameters.composition.required is true"},
		{"all signatures but notation off", []string{full}, []string{"verifiers.notation.enabled=false"}, `policy.parameters.signature.require is "all" and lists wasm-notation, but that verifier is disabled`},
		{"no signature verifier", []string{inline}, []string{"verifiers.cosign.enabled=false"}, "both signature verifiers (verifiers.cosign, verifiers.notation) are disabled"},
		{"policy require value", []string{full}, []string{"policy.parameters.signature.require=most"}, "at '/policy/parameters/signature/require'"},
		{"denied digest format", []string{full}, []string{"policy.parameters.deniedDigests[0]=abc"}, "at '/policy/parameters/deniedDigests/0'"},
		{"version floor format", []string{full}, []string{"policy.parameters.minimumVersions.ghcr\\.io/myorg/app=v1"}, "at '/policy/parameters/minimumVersions/ghcr.io~1myorg~1app'"},
		{"unknown policy parameter", []string{full}, []string{"policy.parameters.allowedRegistries[0]=ghcr.io"}, "additional properties 'allowedRegistries' not allowed"},
		{"enforcement action", []string{full}, []string{"gatekeeper.constraints.x.spec.enforcementAction=block"}, "at '/gatekeeper/constraints/x/spec/enforcementAction'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var extra []string
			for _, s := range c.set {
				extra = append(extra, "--set", s)
			}
			out, stderr, err := renderRaw(t, c.files, extra...)
			if err == nil {
				t.Fatalf("helm template succeeded; want an error containing %q\n%s", c.want, out)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("error does not contain %q:\n%s", c.want, stderr)
			}
		})
	}
}

// TestSchemaCoversPluginSettings checks values.schema.json against the
// plugins' configuration types: every setting a plugin accepts is allowed
// in verifiers.<plugin>.parameters and nothing else is, so the schema and
// the plugins cannot drift apart.
func TestSchemaCoversPluginSettings(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(chartDir(t), "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	configs := map[string]any{
		"cosign": cosign.Plugin.NewConfig(), "notation": notation.Plugin.NewConfig(),
		"slsa": slsa.Plugin.NewConfig(), "composition": composition.Plugin.NewConfig(),
	}
	// Keys Ratify sets from the Verifier resource, not from parameters.
	ratifyOwned := []string{"name", "type", "artifactTypes", "nestedReferences", "version", "source"}
	common := jsonKeys(reflect.TypeOf(plugin.Common{}))
	for key, cfg := range configs {
		props, _ := path(schema, "properties", "verifiers", "properties", key, "properties", "parameters", "properties").(map[string]any)
		var want []string
		for _, k := range append(jsonKeys(reflect.TypeOf(cfg)), common...) {
			if !slices.Contains(ratifyOwned, k) {
				want = append(want, k)
			}
		}
		slices.Sort(want)
		got := sortedKeys(props)
		if !slices.Equal(got, want) {
			t.Errorf("schema verifiers.%s.parameters allows %v; the plugin %s accepts %v", key, got, plugins[key], want)
		}
	}
	if got := sortedKeys(path(schema, "properties", "common", "properties").(map[string]any)); !slices.Equal(got, func() []string {
		var keys []string
		for _, k := range common {
			if !slices.Contains(ratifyOwned, k) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		return keys
	}()) {
		t.Errorf("schema common allows %v; the plugin runtime's common keys are %v", got, common)
	}
}

// jsonKeys lists the JSON keys of a struct type, following embedded structs.
func jsonKeys(typ reflect.Type) []string {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	var keys []string
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported():
		case f.Anonymous && name == "":
			keys = append(keys, jsonKeys(f.Type)...)
		case name == "":
			keys = append(keys, f.Name)
		default:
			keys = append(keys, name)
		}
	}
	return keys
}

// TestDefaultArtifactTypesMatchPlugins checks the chart's default
// artifactTypes against the types the plugins are written for.
func TestDefaultArtifactTypesMatchPlugins(t *testing.T) {
	values := effectiveValues(t)
	for key, want := range map[string][]string{
		"cosign":      {mediatype.CosignSignature, mediatype.SigstoreBundle},
		"notation":    {mediatype.NotationSignature},
		"slsa":        {mediatype.CosignSignature, mediatype.SigstoreBundle},
		"composition": {mediatype.CompositionList},
	} {
		var got []string
		for _, v := range path(values, "verifiers", key, "artifactTypes").([]any) {
			got = append(got, v.(string))
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("verifiers.%s.artifactTypes %v lacks %s, which %s verifies", key, got, w, plugins[key])
			}
		}
	}
	if got := path(values, "common", "nonWasmSubjects"); got != plugin.NonWasmSkip {
		t.Errorf("common.nonWasmSubjects is %v", got)
	}
}

// TestChartLint runs `helm lint --strict` with every value set, as
// `make chart-lint` does.
func TestChartLint(t *testing.T) {
	for _, vs := range valueSets(t) {
		out, stderr, err := helm(t, "lint", "--strict", chartDir(t), "--namespace", namespace, "-f", vs)
		if err != nil || !strings.Contains(out, "1 chart(s) linted, 0 chart(s) failed") {
			t.Errorf("helm lint with %s: %v\n%s%s", filepath.Base(vs), err, out, stderr)
		}
	}
}

// TestPolicyFilesAreLinks checks that the chart holds no copy of a policy:
// every file under charts/ratify-wasm/policies is a symbolic link to the
// file at the same path in the repository's policies/.
func TestPolicyFilesAreLinks(t *testing.T) {
	root := testenv.RepoRoot(t)
	dir := filepath.Join(chartDir(t), "policies")
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(chartDir(t), p)
		target, err := os.Readlink(p)
		if err != nil {
			t.Errorf("%s is a copy, not a link to %s", rel, rel)
			return nil
		}
		if got := filepath.Join(filepath.Dir(p), target); got != filepath.Join(root, rel) {
			t.Errorf("%s links to %s, want %s", rel, got, filepath.Join(root, rel))
		}
		n++
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("walking %s: %v (%d links)", dir, err, n)
	}
}

// TestPackagedChartIsSelfContained packages the chart (`helm package`
// follows the policy links) and checks that the archive holds the
// policy files the templates read and nothing else of policies/, and
// renders exactly as the folder.
func TestPackagedChartIsSelfContained(t *testing.T) {
	dir := t.TempDir()
	if out, stderr, err := helm(t, "package", chartDir(t), "--destination", dir); err != nil {
		t.Fatalf("helm package: %v\n%s%s", err, out, stderr)
	}
	archives, _ := filepath.Glob(filepath.Join(dir, "ratify-wasm-*.tgz"))
	if len(archives) != 1 {
		t.Fatalf("helm package wrote %v", archives)
	}
	root := testenv.RepoRoot(t)
	var want []string
	for _, pattern := range []string{"policies/ratify/wasm.rego", "policies/gatekeeper/*/template.yaml", "policies/gatekeeper/*/constraint.yaml"} {
		matches, _ := filepath.Glob(filepath.Join(root, pattern))
		for _, m := range matches {
			rel, _ := filepath.Rel(root, m)
			want = append(want, "ratify-wasm/"+rel)
		}
	}
	var got []string
	for _, n := range tarNames(t, archives[0]) {
		if strings.HasPrefix(n, "ratify-wasm/policies/") {
			got = append(got, n)
		}
		if strings.Contains(n, "/ci/") {
			t.Errorf("%s should not be packaged", n)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("packaged policy files %v, want %v", got, want)
	}
	vs := filepath.Join(chartDir(t), "ci", "01-oci-inline-trust-values.yaml")
	fromDir, _, err1 := renderRaw(t, []string{vs})
	fromArchive, stderr, err2 := helm(t, "template", "ratify-wasm", archives[0], "--namespace", namespace, "-f", vs)
	if err1 != nil || err2 != nil {
		t.Fatalf("render: %v %v\n%s", err1, err2, stderr)
	}
	if fromDir != fromArchive {
		t.Error("the packaged chart renders differently from charts/ratify-wasm")
	}
}

func tarNames(t testing.TB, archive string) []string {
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
}

// TestCRDValidationIsStrict is the control for TestRenderedObjectsValidate:
// the CRD checks refuse what the API server would refuse.
func TestCRDValidationIsStrict(t *testing.T) {
	vs := filepath.Join(chartDir(t), "ci", "01-oci-inline-trust-values.yaml")
	verifier := find(t, render(t, []string{vs}), "Verifier", "wasm-cosign")
	chartCRD, baseCRD := ratifyCRDs(t, "Verifier")[0], ratifyCRDs(t, "Verifier")[1]
	chartSchema := schemaFor(t, chartCRD, "config.ratify.deislabs.io/v1beta1")
	baseSchema := schemaFor(t, baseCRD, "config.ratify.deislabs.io/v1beta1")
	with := func(edit func(spec map[string]any)) object {
		var o object
		raw, _ := json.Marshal(verifier)
		_ = json.Unmarshal(raw, &o)
		edit(o.spec())
		return o
	}
	for _, c := range []struct {
		name         string
		obj          object
		chart, bases bool // valid against each
	}{
		{"as rendered", verifier, true, true},
		{"spec.type, absent from the chart's CRD", with(func(s map[string]any) { s["type"] = "wasm-cosign" }), false, true},
		{"unknown spec field", with(func(s map[string]any) { s["parameter"] = map[string]any{} }), false, false},
		{"artifactTypes as a list", with(func(s map[string]any) { s["artifactTypes"] = []any{"a"} }), false, false},
		{"missing artifactTypes", with(func(s map[string]any) { delete(s, "artifactTypes") }), false, false},
		{"free-form parameters", with(func(s map[string]any) { s["parameters"].(map[string]any)["anything"] = 1 }), true, true},
	} {
		if err := chartSchema.validate(c.obj); (err == nil) != c.chart {
			t.Errorf("%s against the chart's CRD: %v, want valid=%v", c.name, err, c.chart)
		}
		if err := baseSchema.validate(c.obj); (err == nil) != c.bases {
			t.Errorf("%s against config/crd/bases: %v, want valid=%v", c.name, err, c.bases)
		}
	}
	bad := with(func(map[string]any) {})
	bad["metadata"].(map[string]any)["name"] = "Wasm_Cosign"
	if checkMetadata(bad) == nil {
		t.Error("metadata check accepts the name Wasm_Cosign")
	}
}

// TestRuntimeClassDefaultsAreOneList checks that the runtime classes and
// handlers the chart sets and the sample constraints name are the
// templates' own default list (policies/gatekeeper/lib/pods.rego), so a
// class added there is not missed where the list is written out.
func TestRuntimeClassDefaultsAreOneList(t *testing.T) {
	root := testenv.RepoRoot(t)
	lib := opaEval(t, filepath.Join(root, "policies", "gatekeeper", "lib"), `{"runtimes": data.lib.ratifywasmpods.default_runtimes}`)["runtimes"]
	if l, _ := lib.([]any); len(l) == 0 {
		t.Fatalf("lib.ratifywasmpods.default_runtimes: %v", lib)
	}
	values := effectiveValues(t)
	for _, k := range []string{"runtimeClassNames", "runtimeHandlers"} {
		if got := path(values, "gatekeeper", k); !reflect.DeepEqual(got, lib) {
			t.Errorf("chart default gatekeeper.%s %v, want pods.rego's default_runtimes %v", k, got, lib)
		}
	}
	samples, _ := filepath.Glob(filepath.Join(root, "policies", "gatekeeper", "*", "constraint.yaml"))
	if len(samples) == 0 {
		t.Fatal("no sample constraints")
	}
	for _, f := range samples {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range parseManifests(t, string(raw)) {
			for _, k := range []string{"runtimeClassNames", "runtimeHandlers"} {
				if got := path(c, "spec", "parameters", k); !reflect.DeepEqual(got, lib) {
					t.Errorf("%s: spec.parameters.%s %v, want pods.rego's default_runtimes %v", f, k, got, lib)
				}
			}
		}
	}
}
