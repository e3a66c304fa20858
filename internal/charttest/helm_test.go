package charttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// namespace is where the chart is installed: Ratify's (its chart's default).
const namespace = "gatekeeper-system"

// object is one rendered Kubernetes object, as JSON-compatible values.
type object map[string]any

func (o object) kind() string       { s, _ := o["kind"].(string); return s }
func (o object) apiVersion() string { s, _ := o["apiVersion"].(string); return s }
func (o object) name() string {
	m, _ := o["metadata"].(map[string]any)
	s, _ := m["name"].(string)
	return s
}
func (o object) String() string { return o.kind() + "/" + o.name() }

// spec returns o.spec (nil when absent).
func (o object) spec() map[string]any { m, _ := o["spec"].(map[string]any); return m }

func chartDir(t testing.TB) string {
	return filepath.Join(testenv.RepoRoot(t), "charts", "ratify-wasm")
}

// valueSets returns the chart's CI value sets (charts/ratify-wasm/ci).
func valueSets(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join(chartDir(t), "ci", "*-values.yaml"))
	if err != nil || len(files) < 3 {
		t.Fatalf("want at least 3 value sets in charts/ratify-wasm/ci, got %v (%v)", files, err)
	}
	return files
}

// helm runs bin/helm with args and returns stdout, stderr and the error.
func helm(t testing.TB, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testenv.Bin(t, "helm"), args...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+home, "HELM_CONFIG_HOME="+home, "HELM_DATA_HOME="+home)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// render runs `helm template` of this chart with the value files and extra
// arguments (--set ...) and returns the objects.
func render(t testing.TB, valueFiles []string, extra ...string) []object {
	t.Helper()
	out, stderr, err := renderRaw(t, valueFiles, extra...)
	if err != nil {
		t.Fatalf("helm template %v %v: %v\n%s", valueFiles, extra, err, stderr)
	}
	return parseManifests(t, out)
}

func renderRaw(t testing.TB, valueFiles []string, extra ...string) (string, string, error) {
	args := []string{"template", "ratify-wasm", chartDir(t), "--namespace", namespace}
	for _, f := range valueFiles {
		args = append(args, "-f", f)
	}
	return helm(t, append(args, extra...)...)
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// parseManifests splits multi-document YAML into objects.
func parseManifests(t testing.TB, out string) []object {
	t.Helper()
	var objs []object
	for _, doc := range docSeparator.Split(out, -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var o object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatalf("rendered document is not YAML: %v\n%s", err, doc)
		}
		objs = append(objs, o)
	}
	return objs
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// byKind returns the objects of kind.
func byKind(objs []object, kind string) []object {
	var out []object
	for _, o := range objs {
		if o.kind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// find returns the object of kind and name, failing the test if missing.
func find(t testing.TB, objs []object, kind, name string) object {
	t.Helper()
	for _, o := range objs {
		if o.kind() == kind && o.name() == name {
			return o
		}
	}
	var have []string
	for _, o := range objs {
		have = append(have, o.String())
	}
	t.Fatalf("no %s/%s rendered; have %v", kind, name, have)
	return nil
}

// convert round-trips v through JSON into out, rejecting unknown fields.
func convert(v any, out any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(out)
}

// readValues reads a values file as JSON-compatible values.
func readValues(t testing.TB, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := yaml.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// mergeValues is Helm's coalescing of a values file over the chart's values:
// maps merge key by key, everything else (lists too) is replaced.
func mergeValues(base, over map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		bm, ok1 := out[k].(map[string]any)
		om, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			out[k] = mergeValues(bm, om)
		} else {
			out[k] = v
		}
	}
	return out
}

// effectiveValues returns the chart's values.yaml with the value files
// merged over it, in order.
func effectiveValues(t testing.TB, valueFiles ...string) map[string]any {
	v := readValues(t, filepath.Join(chartDir(t), "values.yaml"))
	for _, f := range valueFiles {
		v = mergeValues(v, readValues(t, f))
	}
	return v
}

// path returns the value at a dotted path in nested maps.
func path(v any, keys ...string) any {
	for _, k := range keys {
		if o, ok := v.(object); ok {
			v = map[string]any(o)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}
