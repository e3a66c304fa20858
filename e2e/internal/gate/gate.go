// Package gate is Gatekeeper's admission decision without a cluster: the
// project's ConstraintTemplates and constraints loaded into Gatekeeper's
// own engine (gator's test library, the same Rego driver the webhook
// runs), with the external-data provider cache pointing at a real
// `ratify serve`. gator's CLI cannot call external data; its library can.
package gate

import (
	"encoding/base64"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/open-policy-agent/frameworks/constraint/pkg/apis/externaldata/unversioned"
	constraintclient "github.com/open-policy-agent/frameworks/constraint/pkg/client"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/drivers/rego"
	"github.com/open-policy-agent/frameworks/constraint/pkg/externaldata"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/reader"
	gatortest "github.com/open-policy-agent/gatekeeper/v3/pkg/gator/test"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// ProviderName is the Provider the RatifyWasmVerification template calls.
const ProviderName = "ratify-provider"

// Templates are the generated ConstraintTemplates, relative to policies/gatekeeper.
var Templates = []string{"wasm-verification/template.yaml", "wasm-image-references/template.yaml"}

// Constraints are the sample constraints, relative to policies/gatekeeper.
var Constraints = []string{"wasm-verification/constraint.yaml", "wasm-image-references/constraint.yaml"}

// Gate holds templates, constraints and the provider cache.
type Gate struct {
	objs      []*unstructured.Unstructured
	providers *externaldata.ProviderCache
}

// Params are what a deployment sets in the sample constraints.
type Params struct {
	// Policy is RatifyWasmVerification's spec.parameters.policy.
	Policy map[string]any
	// AllowedPrefixes is WasmImageReferences' spec.parameters.allowedPrefixes.
	AllowedPrefixes []string
}

// New reads the templates and the sample constraints from dir
// (policies/gatekeeper), sets p in the constraints and points the
// ratify-provider Provider at url, trusting caPEM.
func New(dir string, p Params, url string, caPEM []byte) (*Gate, error) {
	var files []string
	for _, f := range append(append([]string{}, Templates...), Constraints...) {
		files = append(files, filepath.Join(dir, f))
	}
	objs, err := reader.ReadSources(files, nil, "")
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		var err error
		switch o.GetKind() {
		case "RatifyWasmVerification":
			err = unstructured.SetNestedField(o.Object, jsonValue(p.Policy), "spec", "parameters", "policy")
		case "WasmImageReferences":
			err = unstructured.SetNestedField(o.Object, jsonValue(p.AllowedPrefixes), "spec", "parameters", "allowedPrefixes")
		}
		if err != nil {
			return nil, fmt.Errorf("constraint %s: %w", o.GetName(), err)
		}
	}
	g := &Gate{objs: objs, providers: externaldata.NewCache()}
	return g, g.SetProvider(url, caPEM)
}

// SetProvider (re)points ratify-provider at url.
func (g *Gate) SetProvider(url string, caPEM []byte) error {
	return g.providers.Upsert(&unversioned.Provider{
		ObjectMeta: metav1.ObjectMeta{Name: ProviderName},
		Spec:       unversioned.ProviderSpec{URL: url, Timeout: 30, CABundle: base64.StdEncoding.EncodeToString(caPEM)},
	})
}

// Review runs admission for obj and returns the violation messages, sorted
// ("constraint kind: message"). Cluster objects in synced (e.g. RuntimeClass
// objects) are Gatekeeper's synced data (data.inventory).
func (g *Gate) Review(obj map[string]any, synced ...map[string]any) ([]string, error) {
	objs := append(append([]*unstructured.Unstructured{}, g.objs...), &unstructured.Unstructured{Object: obj})
	for _, s := range synced {
		objs = append(objs, &unstructured.Unstructured{Object: s})
	}
	resp, err := gatortest.Test(objs, func() ([]constraintclient.Opt, []rego.Arg, error) {
		return nil, []rego.Arg{rego.AddExternalDataProviderCache(g.providers)}, nil
	})
	if err != nil {
		return nil, err
	}
	var msgs []string
	for _, r := range resp.Results() {
		msgs = append(msgs, r.Constraint.GetKind()+": "+r.Msg)
	}
	sort.Strings(msgs)
	return msgs, nil
}

// Pod is a Pod on runtimeClass running image (and, if given, an init
// container running initImage).
func Pod(name, runtimeClass, image string) map[string]any {
	spec := map[string]any{"containers": []any{map[string]any{"name": "app", "image": image}}}
	if runtimeClass != "" {
		spec["runtimeClassName"] = runtimeClass
	}
	return map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "namespace": "default"},
		"spec":     spec,
	}
}

// jsonValue converts v to the JSON-compatible types unstructured accepts.
func jsonValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	case map[string]string:
		out := map[string]any{}
		for k, e := range x {
			out[k] = e
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	default:
		return v
	}
}
