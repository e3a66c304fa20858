package charttest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

// The CRDs custom resources are checked against come from the Go module
// cache (Apache-2.0, nothing copied into this repository): Ratify's from the
// module the root go.mod requires, Gatekeeper's downloaded on first use.
const (
	ratifyModule     = "github.com/ratify-project/ratify@v1.4.6"
	gatekeeperModule = "github.com/open-policy-agent/gatekeeper/v3@v3.23.1"
)

var (
	moduleDirsMu sync.Mutex
	moduleDirs   = map[string]string{}
)

// moduleDir returns the module cache directory of mod ("path@version"),
// downloading it through the Go module proxy when missing. It runs outside
// any module so the root go.mod stays as it is.
func moduleDir(t testing.TB, mod string) string {
	t.Helper()
	moduleDirsMu.Lock()
	defer moduleDirsMu.Unlock()
	if d, ok := moduleDirs[mod]; ok {
		return d
	}
	cmd := exec.Command("go", "mod", "download", "-json", mod)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GO111MODULE=on")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go mod download %s: %v\n%s%s", mod, err, out, stderr)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		t.Fatalf("go mod download %s: %s (%v)", mod, out, err)
	}
	moduleDirs[mod] = info.Dir
	return info.Dir
}

// crdFile is one CustomResourceDefinition, by file.
type crdFile struct {
	Spec struct {
		Group string `json:"group"`
		Names struct {
			Kind string `json:"kind"`
		} `json:"names"`
		Versions []struct {
			Name   string `json:"name"`
			Schema struct {
				OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
			} `json:"schema"`
		} `json:"versions"`
	} `json:"spec"`
}

func loadCRD(t testing.TB, path string) crdFile {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c crdFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

// crdSchema is the schema of one served version of a CRD.
type crdSchema struct {
	source string
	schema *jsonschema.Schema
}

// schemaFor compiles the openAPIV3Schema of apiVersion (group/version) in
// the CRD file, made strict as the API server is with kubectl's default
// field validation: unknown fields are errors wherever the schema lists
// properties and does not preserve unknown fields.
func schemaFor(t testing.TB, path, apiVersion string) crdSchema {
	t.Helper()
	c := loadCRD(t, path)
	group, version, _ := strings.Cut(apiVersion, "/")
	if c.Spec.Group != group {
		t.Fatalf("%s is for group %s, not %s", path, c.Spec.Group, group)
	}
	for _, v := range c.Spec.Versions {
		if v.Name == version {
			return crdSchema{source: path, schema: compileSchema(t, "file://"+path+"/"+version, strictSchema(v.Schema.OpenAPIV3Schema))}
		}
	}
	t.Fatalf("%s serves no version %s", path, version)
	return crdSchema{}
}

func compileSchema(t testing.TB, url string, s map[string]any) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(url, s); err != nil {
		t.Fatalf("schema %s: %v", url, err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("schema %s: %v", url, err)
	}
	return sch
}

// strictSchema converts a Kubernetes structural schema (OpenAPI v3 subset
// with x-kubernetes extensions) to JSON Schema.
func strictSchema(s map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range s {
		switch k {
		case "properties", "patternProperties":
			props := map[string]any{}
			for name, p := range v.(map[string]any) {
				props[name] = strictSchema(p.(map[string]any))
			}
			out[k] = props
		case "items", "not":
			if m, ok := v.(map[string]any); ok {
				out[k] = strictSchema(m)
			}
		case "additionalProperties":
			if m, ok := v.(map[string]any); ok {
				out[k] = strictSchema(m)
			} else {
				out[k] = v
			}
		case "allOf", "anyOf", "oneOf":
			var list []any
			for _, e := range v.([]any) {
				list = append(list, strictSchema(e.(map[string]any)))
			}
			out[k] = list
		case "type", "enum", "required", "pattern", "minimum", "maximum", "minItems", "maxItems",
			"minLength", "maxLength", "minProperties", "maxProperties", "multipleOf", "uniqueItems":
			out[k] = v
		}
	}
	if s["nullable"] == true {
		if typ, ok := out["type"].(string); ok {
			out["type"] = []any{typ, "null"}
		}
	}
	if s["x-kubernetes-int-or-string"] == true {
		delete(out, "type")
		out["anyOf"] = []any{map[string]any{"type": "integer"}, map[string]any{"type": "string"}}
	}
	_, hasProps := out["properties"]
	_, hasAdditional := out["additionalProperties"]
	if hasProps && !hasAdditional && s["x-kubernetes-preserve-unknown-fields"] != true {
		out["additionalProperties"] = false
	}
	return out
}

// validate checks obj against the schema; it returns nil or the error.
func (c crdSchema) validate(obj object) error {
	var v any
	raw, _ := json.Marshal(obj)
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	if err := c.schema.Validate(v); err != nil {
		return fmt.Errorf("%s does not validate against %s: %v", obj, c.source, err)
	}
	return nil
}

// ratifyCRDs returns, for a Ratify kind, the CRD files of Ratify v1.4.6 the
// object must validate against: the chart's (what `helm install` of the
// Ratify chart puts in a cluster) and config/crd/bases (the generated ones).
func ratifyCRDs(t testing.TB, kind string) []string {
	dir := moduleDir(t, ratifyModule)
	base := map[string]string{"Verifier": "verifiers", "Policy": "policies"}[kind]
	if base == "" {
		t.Fatalf("no Ratify CRD known for kind %s", kind)
	}
	return []string{
		filepath.Join(dir, "charts", "ratify", "crds", strings.ToLower(kind)+"-customresourcedefinition.yaml"),
		filepath.Join(dir, "config", "crd", "bases", "config.ratify.deislabs.io_"+base+".yaml"),
	}
}

// gatekeeperSyncSetCRD returns the SyncSet CRD of Gatekeeper's chart.
func gatekeeperSyncSetCRD(t testing.TB) string {
	return filepath.Join(moduleDir(t, gatekeeperModule), "charts", "gatekeeper", "crds", "syncset-customresourcedefinition.yaml")
}

// gatekeeperTemplateCRD returns the ConstraintTemplate CRD of Gatekeeper's chart.
func gatekeeperTemplateCRD(t testing.TB) string {
	return filepath.Join(moduleDir(t, gatekeeperModule), "charts", "gatekeeper", "crds", "constrainttemplate-customresourcedefinition.yaml")
}

// constraintSchema is the schema Gatekeeper gives the constraint CRD of a
// ConstraintTemplate: frameworks/constraint pkg/client/crds CreateSchema
// with the K8sValidation target's match schema (gatekeeper
// pkg/target/matchcrd_constant.go, the embeddedMatch of the match CRD).
func constraintSchema(t testing.TB, template object) crdSchema {
	t.Helper()
	mc := loadCRD(t, filepath.Join(moduleDir(t, gatekeeperModule), "config", "crd", "bases", "match.gatekeeper.sh_matchcrd.yaml"))
	match, _ := path(mc.Spec.Versions[0].Schema.OpenAPIV3Schema, "properties", "embeddedMatch").(map[string]any)
	if match == nil {
		t.Fatal("Gatekeeper's match CRD has no embeddedMatch schema")
	}
	props := map[string]any{
		"match":             match,
		"enforcementAction": map[string]any{"type": "string"},
		"scopedEnforcementActions": map[string]any{"type": "array", "items": map[string]any{
			"type": "object",
			"properties": map[string]any{
				"action":            map[string]any{"type": "string"},
				"enforcementPoints": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}}}},
			},
		}},
	}
	if params, ok := path(template, "spec", "crd", "spec", "validation", "openAPIV3Schema").(map[string]any); ok {
		props["parameters"] = params
	}
	s := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"apiVersion": map[string]any{"type": "string"},
			"kind":       map[string]any{"type": "string"},
			"metadata":   map[string]any{"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string", "maxLength": 63}}, "x-kubernetes-preserve-unknown-fields": true},
			"spec":       map[string]any{"type": "object", "properties": props},
			"status":     map[string]any{"x-kubernetes-preserve-unknown-fields": true},
		},
	}
	kind, _ := path(template, "spec", "crd", "spec", "names", "kind").(string)
	url := fmt.Sprintf("constraint:%s", kind)
	return crdSchema{source: "the constraint CRD Gatekeeper generates for " + kind, schema: compileSchema(t, url, strictSchema(s))}
}

// checkMetadata checks what every object's metadata needs: a DNS subdomain
// name and string labels and annotations.
func checkMetadata(o object) error {
	m, _ := o["metadata"].(map[string]any)
	name, _ := m["name"].(string)
	if len(name) == 0 || len(name) > 253 || !dnsSubdomain.MatchString(name) {
		return fmt.Errorf("%s: metadata.name %q is not a DNS subdomain", o, name)
	}
	for _, k := range []string{"labels", "annotations"} {
		vals, _ := m[k].(map[string]any)
		for key, v := range vals {
			if _, ok := v.(string); !ok {
				return fmt.Errorf("%s: metadata.%s[%s] is %v, not a string", o, k, key, v)
			}
		}
	}
	return nil
}
