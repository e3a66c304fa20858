package ratifytest

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/ratify-project/ratify/pkg/ocispecs"
	rsconfig "github.com/ratify-project/ratify/pkg/referrerstore/config"
	"github.com/ratify-project/ratify/pkg/referrerstore/factory"
	_ "github.com/ratify-project/ratify/pkg/referrerstore/oras" // the store skel builds; the plugins no longer link it
	"github.com/ratify-project/ratify/pkg/utils"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
)

// Result is a plugin result as Ratify and Rego see it: extensions are
// round-tripped through JSON (numbers become float64).
type Result struct {
	IsSuccess  bool
	Name, Type string
	Message    string
	Extensions map[string]any
	Stderr     string
	Elapsed    time.Duration
}

// RunPlugin drives a plugin in process exactly as skel does: the stdin JSON
// with the verifier entry and the oras store configuration, the subject
// reference as Ratify passes it, the referrer descriptor Ratify listed, and
// Ratify's real oras store (plain HTTP, as the test registries speak).
func RunPlugin[C any](t testing.TB, def plugin.Definition[C], subject string, referrer ocispec.Descriptor, entry map[string]any) Result {
	t.Helper()
	store := map[string]any{"name": "oras", "useHttp": true, "localCachePath": t.TempDir()}
	desc := ocispecs.ReferenceDescriptor{Descriptor: referrer, ArtifactType: referrer.ArtifactType}
	stdin, err := json.Marshal(map[string]any{
		"config":        entry,
		"storeConfig":   map[string]any{"version": "1.0.0", "store": store},
		"referenceDesc": desc,
	})
	if err != nil {
		t.Fatal(err)
	}
	stores, err := factory.CreateStoresFromConfig(rsconfig.StoresConfig{Version: "1.0.0", Stores: []rsconfig.StorePluginConfig{store}}, "")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := utils.ParseSubjectReference(subject)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	start := time.Now()
	out := plugin.Run(def, stdin, ref, desc, stores[0].GetConfig().Store, &stderr)
	res := Result{IsSuccess: out.IsSuccess, Name: out.Name, Type: out.Type, Message: out.Message, Stderr: stderr.String(), Elapsed: time.Since(start)}
	if out.Extensions != nil {
		raw, err := json.Marshal(out.Extensions)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &res.Extensions); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%s: success=%t (%v) %s", res.Name, res.IsSuccess, res.Elapsed.Round(time.Millisecond), res.Message)
	CheckDeclared(t, def.Name, res.IsSuccess, res.Extensions)
	return res
}

// CheckDeclared fails the test when one of the four plugins reports a
// check that package failure does not list for it: the vocabulary (and
// the READMEs tested against it) must know every check a plugin produces.
func CheckDeclared(t testing.TB, name string, isSuccess bool, ext map[string]any) {
	t.Helper()
	check, _ := ext[plugin.ExtFailedCheck].(string)
	if isSuccess || check == "" {
		return
	}
	known := false
	for _, ps := range failure.Checks {
		known = known || slices.Contains(ps, name)
	}
	if known && !slices.Contains(failure.Checks[failure.Check(check)], name) {
		t.Errorf("%s reported failedCheck %q, which package failure does not list for it", name, check)
	}
}
