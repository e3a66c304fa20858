package gate

import (
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// recorder is an external data provider that records the keys it is asked
// about and answers each with value, by default a refusal carrying no
// evidence.
type recorder struct {
	mu    sync.Mutex
	keys  []string
	value any
}

// answer sets what the provider answers for every key (nil: the default).
func (r *recorder) answer(v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.value = v
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var in struct {
		Request struct {
			Keys []string `json:"keys"`
		} `json:"request"`
	}
	if err := json.NewDecoder(req.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.keys = append(r.keys, in.Request.Keys...)
	value := r.value
	r.mu.Unlock()
	if value == nil {
		value = map[string]any{"isSuccess": false, "verifierReports": []any{}}
	}
	var items []map[string]any
	for _, k := range in.Request.Keys {
		items = append(items, map[string]any{"key": k, "value": value})
	}
	json.NewEncoder(w).Encode(map[string]any{"apiVersion": "externaldata.gatekeeper.sh/v1beta1", "kind": "ProviderResponse", "response": map[string]any{"items": items}}) //nolint:errcheck
}

func (r *recorder) asked() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.keys)
	r.keys = nil
	return out
}

func runtimeClass(name, handler string) map[string]any {
	return map[string]any{"apiVersion": "node.k8s.io/v1", "kind": "RuntimeClass", "metadata": map[string]any{"name": name}, "handler": handler}
}

const (
	allowed = "registry.example/myorg/app@sha256:1111111111111111111111111111111111111111111111111111111111111111"
	volume  = "registry.example/myorg/plugin@sha256:2222222222222222222222222222222222222222222222222222222222222222"
	foreign = "attacker.example:6443/x@sha256:3333333333333333333333333333333333333333333333333333333333333333"
)

// TestTemplatesInGatekeeper runs the templates in Gatekeeper's own engine
// for what the opa tests can only mock: RuntimeClass objects synced into
// data.inventory, and which images reach the external data provider.
func TestTemplatesInGatekeeper(t *testing.T) {
	provider := &recorder{}
	srv := httptest.NewTLSServer(provider)
	defer srv.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	prefixes := []string{"registry.example/myorg"}
	g, err := New("../../../policies/gatekeeper", Params{Policy: map[string]any{"allowedRepositories": prefixes}, AllowedPrefixes: prefixes}, srv.URL, ca)
	if err != nil {
		t.Fatal(err)
	}
	review := func(t *testing.T, pod map[string]any, synced ...map[string]any) []string {
		t.Helper()
		msgs, err := g.Review(pod, synced...)
		if err != nil {
			t.Fatal(err)
		}
		return msgs
	}

	t.Run("alias_of_a_wasm_handler", func(t *testing.T) {
		pod := Pod("app", "crun", allowed)
		if msgs := review(t, pod, runtimeClass("crun", "runc")); len(msgs) != 0 || len(provider.asked()) != 0 {
			t.Fatalf("a runc pod was looked at: %q", msgs)
		}
		msgs := review(t, pod, runtimeClass("crun", "wasmtime"))
		if got := provider.asked(); !slices.Equal(got, []string{allowed}) {
			t.Errorf("provider asked about %q, want %q", got, allowed)
		}
		want(t, msgs, "RatifyWasmVerification: image "+allowed+" in pod app: ", "no passing signature report")
		record(t, "pod with runtimeClassName crun, a RuntimeClass whose handler is wasmtime (an alias of a WASM class), and an image Ratify does not verify", msgs)
	})

	t.Run("image_volumes", func(t *testing.T) {
		pod := Pod("app", "spin", allowed)
		pod["spec"].(map[string]any)["volumes"] = []any{map[string]any{"name": "plugin", "image": map[string]any{"reference": volume}}}
		msgs := review(t, pod)
		if got := provider.asked(); !slices.Equal(got, []string{allowed, volume}) {
			t.Errorf("provider asked about %q, want the container image and the image volume", got)
		}
		want(t, msgs, "image "+volume)
		record(t, "WASM pod mounting an image volume (spec.volumes[].image.reference) that Ratify does not verify", msgs)
	})

	t.Run("foreign_images_are_not_sent", func(t *testing.T) {
		msgs := review(t, Pod("app", "wasmtime", foreign))
		if got := provider.asked(); len(got) != 0 {
			t.Errorf("provider asked about %q", got)
		}
		want(t, msgs, "RatifyWasmVerification: container \"app\" image "+foreign, "not sent to Ratify", "not under an allowed prefix")
		want(t, msgs, "WasmImageReferences: container \"app\" image "+foreign, "not under an allowed prefix")
		record(t, "WASM pod naming an image on a host outside allowedRepositories (would make Ratify and the plugins connect there)", msgs)
	})

	// The constraint's copy of the policy parameters differs from the one
	// Ratify judged with: the denial's wording changes, the verdict is
	// Ratify's isSuccess.
	t.Run("verdict_follows_ratify", func(t *testing.T) {
		defer provider.answer(nil)
		setPolicy := func(t *testing.T, policy map[string]any) {
			t.Helper()
			for _, o := range g.objs {
				if o.GetKind() == "RatifyWasmVerification" {
					if err := unstructured.SetNestedField(o.Object, policy, "spec", "parameters", "policy"); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		defer setPolicy(t, map[string]any{"allowedRepositories": []any{prefixes[0]}})

		// Ratify admits with no reports at all: the constraint's
		// parameters (the defaults) would find every piece of evidence
		// missing, and still the pod is admitted.
		provider.answer(map[string]any{"isSuccess": true, "verifierReports": []any{}})
		if msgs := review(t, Pod("app", "wasmtime", allowed)); len(msgs) != 0 {
			t.Errorf("Ratify admitted the image, the constraint's parameters denied it: %q", msgs)
		}

		// Ratify refuses; a constraint whose parameters ask for nothing
		// cannot admit it, it only words the denial differently.
		provider.answer(map[string]any{"isSuccess": false, "verifierReports": []any{}})
		want(t, review(t, Pod("app", "wasmtime", allowed)), "RatifyWasmVerification: image "+allowed, "no passing signature report")
		setPolicy(t, map[string]any{
			"allowedRepositories": []any{prefixes[0]},
			"signature":           map[string]any{"verifiers": []any{"anyone"}, "require": "all"},
			"provenance":          map[string]any{"required": false},
			"composition":         map[string]any{"required": false},
		})
		msgs := review(t, Pod("app", "wasmtime", allowed))
		want(t, msgs, "RatifyWasmVerification: image "+allowed, "no passing anyone signature report")
		provider.answer(map[string]any{"isSuccess": false, "verifierReports": []any{map[string]any{"subject": allowed, "verifierReports": []any{
			map[string]any{"name": "anyone", "isSuccess": true, "extensions": map[string]any{"manifestDigest": allowed[strings.Index(allowed, "@")+1:]}},
		}}}})
		want(t, review(t, Pod("app", "wasmtime", allowed)), "RatifyWasmVerification: image "+allowed, "Ratify's policy rejected it although no verifier failed")
	})

	t.Run("unknown_runtime_class", func(t *testing.T) {
		pod := Pod("app", "brand-new", allowed)
		if msgs := review(t, pod, runtimeClass("runc", "runc")); len(msgs) != 0 {
			t.Fatalf("denied without denyUnknownRuntimeClasses: %q", msgs)
		}
		for _, o := range g.objs {
			if strings.HasPrefix(o.GetAPIVersion(), "constraints.gatekeeper.sh/") {
				if err := unstructured.SetNestedField(o.Object, true, "spec", "parameters", "denyUnknownRuntimeClasses"); err != nil {
					t.Fatal(err)
				}
			}
		}
		msgs := review(t, pod, runtimeClass("runc", "runc"))
		want(t, msgs, "RatifyWasmVerification: pod app: runtimeClassName brand-new is not a RuntimeClass Gatekeeper has synced")
		want(t, msgs, "WasmImageReferences: pod app: runtimeClassName brand-new is not a RuntimeClass Gatekeeper has synced")
		record(t, "pod with a runtimeClassName that is not a synced RuntimeClass, with denyUnknownRuntimeClasses", msgs)
		if msgs := review(t, Pod("app", "runc", allowed), runtimeClass("runc", "runc")); len(msgs) != 0 {
			t.Errorf("a synced runc class was denied: %q", msgs)
		}
	})
}

// OutcomesEnv names a file to which the attack subtests append what they
// observed, one JSON object a line: the reliability suite runs this test
// with it set and lists the outcomes on docs/reliability.md.
const OutcomesEnv = "RATIFY_WASM_GATE_OUTCOMES"

// record appends the subtest's outcome to $RATIFY_WASM_GATE_OUTCOMES.
func record(t *testing.T, input string, msgs []string) {
	t.Helper()
	path := os.Getenv(OutcomesEnv)
	if path == "" {
		return
	}
	line, err := json.Marshal(map[string]any{"case": t.Name()[strings.LastIndex(t.Name(), "/")+1:], "input": input, "denied": len(msgs) > 0, "message": strings.Join(msgs, " | ")})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		t.Fatal(err)
	}
}

// want fails unless one message contains every part.
func want(t *testing.T, msgs []string, parts ...string) {
	t.Helper()
	for _, m := range msgs {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(m, p)
		}
		if ok {
			return
		}
	}
	t.Errorf("no message contains all of %q; got %q", parts, msgs)
}
