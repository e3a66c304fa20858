package builtin

import (
	"context"
	"encoding/json"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ratify-project/ratify/pkg/common"
	"github.com/ratify-project/ratify/pkg/ocispecs"
	"github.com/ratify-project/ratify/pkg/referrerstore"
	rsconfig "github.com/ratify-project/ratify/pkg/referrerstore/config"
	"github.com/ratify-project/ratify/pkg/referrerstore/factory"
	_ "github.com/ratify-project/ratify/pkg/referrerstore/oras" // the store Ratify hands verifiers
	"github.com/ratify-project/ratify/pkg/utils"
	"github.com/ratify-project/ratify/pkg/verifier"
	"github.com/ratify-project/ratify/pkg/verifier/config"
	vfactory "github.com/ratify-project/ratify/pkg/verifier/factory"
	ratifyplugin "github.com/ratify-project/ratify/pkg/verifier/plugin"

	"github.com/ratify-wasm/ratify-wasm/internal/composition"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/compositiontest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/faultproxy"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

// Ratify's own external-plugin verifier is the oracle: the built-in
// reads the entry the same way and, for the same subject, referrer and
// store, returns the same result as the plugin binary run by Ratify.
func TestBuiltinIsThePluginWithoutExec(t *testing.T) {
	ctx := context.Background()
	ref, desc, store := composedWorld(t)
	pluginDir := ratifytest.PluginDir(t, "wasm-composition")

	for _, tc := range []struct {
		name string
		cfg  config.VerifierConfig
	}{
		{"pass", config.VerifierConfig{"name": "wasm-composition", "artifactTypes": mediatype.CompositionList}},
		{"capability denied", config.VerifierConfig{"name": "composition", "type": "wasm-composition", "denyImports": []any{"*"}}},
		{"unknown key", config.VerifierConfig{"name": "wasm-composition", "allowImport": []any{"wasi:*"}}},
		{"nested references and types", config.VerifierConfig{"name": "wasm-composition", "artifactTypes": "a,b", "nestedReferences": "x,y"}},
		{"unsupported version", config.VerifierConfig{"name": "wasm-composition", "version": "0.9.0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The plugin version as pkg/verifier/factory gives it to an
			// external plugin: the entry's "version", else the config's.
			version := "1.0.0"
			if v, ok := tc.cfg["version"].(string); ok {
				version = v
			}
			exec, err := ratifyplugin.NewVerifier(version, tc.cfg, []string{pluginDir})
			if err != nil {
				t.Fatal(err)
			}
			in, err := verifierFactory{plugin: composition.Plugin}.Create("1.0.0", tc.cfg, "", "")
			if err != nil {
				t.Fatal(err)
			}
			if in.Name() != exec.Name() || in.Type() != exec.Type() || !reflect.DeepEqual(in.GetNestedReferences(), exec.GetNestedReferences()) {
				t.Errorf("entry read differently: built-in %q %q %v, Ratify %q %q %v", in.Name(), in.Type(), in.GetNestedReferences(), exec.Name(), exec.Type(), exec.GetNestedReferences())
			}
			for _, at := range []string{mediatype.CompositionList, "a", "other"} {
				d := ocispecs.ReferenceDescriptor{ArtifactType: at}
				if in.CanVerify(ctx, d) != exec.CanVerify(ctx, d) {
					t.Errorf("CanVerify(%s): built-in %t, Ratify %t", at, in.CanVerify(ctx, d), exec.CanVerify(ctx, d))
				}
			}
			want, wantErr := exec.Verify(ctx, ref, desc, store)
			got, gotErr := in.Verify(ctx, ref, desc, store)
			if errString(gotErr) != errString(wantErr) {
				t.Fatalf("errors differ\nbuilt-in: %v\nplugin:   %v", gotErr, wantErr)
			}
			if g, w := roundTrip(t, got), roundTrip(t, want); !reflect.DeepEqual(g, w) {
				t.Fatalf("results differ\nbuilt-in: %v\nplugin:   %v", g, w)
			}
			t.Logf("success=%t %s %v", got.IsSuccess, got.Message, gotErr)
		})
	}

	// In process the plugin runs in Ratify's goroutines: concurrent
	// verifications must not share state (run with -race to see it).
	in, err := verifierFactory{plugin: composition.Plugin}.Create("1.0.0", config.VerifierConfig{"name": "wasm-composition"}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := in.Verify(ctx, ref, desc, store)
	var wg sync.WaitGroup
	results := make([]verifier.VerifierResult, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _ = in.Verify(ctx, ref, desc, store)
		}()
	}
	wg.Wait()
	for i, r := range results {
		if !first.IsSuccess || !reflect.DeepEqual(roundTrip(t, r), roundTrip(t, first)) {
			t.Errorf("concurrent verification %d: success=%t %s, want the first one's (success=%t %s)", i, r.IsSuccess, r.Message, first.IsSuccess, first.Message)
		}
	}
}

// composedWorld pushes nested.wasm with its composition list and returns
// the subject reference, the list's referrer descriptor and Ratify's oras
// store for it.
func composedWorld(t *testing.T) (common.Reference, ocispecs.ReferenceDescriptor, referrerstore.ReferrerStore) {
	t.Helper()
	ctx := context.Background()
	reg := registrytest.StartReferrers(t)
	wasm := compositiontest.Fixture(t, "nested.wasm")
	l := compositiontest.List(t, wasm)
	var layout registrytest.WasmLayout
	for _, e := range l.Imports {
		layout.Imports = append(layout.Imports, e.Name)
	}
	for _, e := range l.Exports {
		layout.Exports = append(layout.Exports, e.Name)
	}
	subject, err := registrytest.PushWasm(ctx, reg, "wasm/nested", "v1", wasm, layout)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := reg.Repository("wasm/nested")
	if err != nil {
		t.Fatal(err)
	}
	listDesc, err := list.Attach(ctx, rep, subject, compositiontest.Encoded(t, wasm))
	if err != nil {
		t.Fatal(err)
	}
	stores, err := factory.CreateStoresFromConfig(rsconfig.StoresConfig{Version: "1.0.0", Stores: []rsconfig.StorePluginConfig{
		{"name": "oras", "useHttp": true, "localCachePath": t.TempDir()},
	}}, "")
	if err != nil {
		t.Fatal(err)
	}
	store := stores[0]
	ref, err := utils.ParseSubjectReference(reg.Ref("wasm/nested", "v1"))
	if err != nil {
		t.Fatal(err)
	}
	desc := ocispecs.ReferenceDescriptor{Descriptor: listDesc, ArtifactType: mediatype.CompositionList}
	return ref, desc, store
}

// TestNoConnectionsLeftBehind: in process, every verification builds its
// registry client; they share the process's connections, so a server
// verifying all day does not pile up idle connections and their
// goroutines (a transport per client did, until each timed out).
func TestNoConnectionsLeftBehind(t *testing.T) {
	ref, desc, store := composedWorld(t)
	v, err := verifierFactory{plugin: composition.Plugin}.Create("1.0.0", config.VerifierConfig{"name": "wasm-composition"}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	verify := func() {
		if res, err := v.Verify(context.Background(), ref, desc, store); err != nil || !res.IsSuccess {
			t.Fatalf("%v %+v", err, res)
		}
	}
	verify()
	before := runtime.NumGoroutine()
	for range 20 {
		verify()
	}
	if after := runtime.NumGoroutine(); after > before+4 {
		t.Fatalf("%d goroutines after 20 more verifications, %d before: connections are left behind", after, before)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func roundTrip(t *testing.T, r verifier.VerifierResult) map[string]any {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRatifyCancellationEndsTheVerification: in process, when Ratify gives
// up on a request (its verificationRequestTimeout cancels the context), the
// verification ends with a failed result that says so, instead of running
// on to the plugin's own, longer deadline as a goroutine nobody waits for.
func TestRatifyCancellationEndsTheVerification(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	ctx := context.Background()
	subject, err := registrytest.PushWasm(ctx, reg, "wasm/slow", "v1", compositiontest.Fixture(t, "nested.wasm"), registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	proxy := faultproxy.Start(t, reg.Host)
	proxy.Inject(faultproxy.Match{Kind: faultproxy.Manifest}, faultproxy.Stall(time.Minute))
	ref, err := utils.ParseSubjectReference(proxy.Host + "/wasm/slow@" + subject.Digest.String())
	if err != nil {
		t.Fatal(err)
	}
	stores, err := factory.CreateStoresFromConfig(rsconfig.StoresConfig{Version: "1.0.0", Stores: []rsconfig.StorePluginConfig{
		{"name": "oras", "useHttp": true, "localCachePath": t.TempDir()},
	}}, "")
	if err != nil {
		t.Fatal(err)
	}
	v, err := verifierFactory{plugin: composition.Plugin}.Create("1.0.0", config.VerifierConfig{"name": "wasm-composition", "timeout": "1m"}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	desc := ocispecs.ReferenceDescriptor{Descriptor: subject, ArtifactType: mediatype.CompositionList}
	res, err := v.Verify(rctx, ref, desc, stores[0])
	if err != nil || res.IsSuccess || !strings.Contains(res.Message, "abandoned by Ratify") || !strings.Contains(res.Message, "verificationRequestTimeout") {
		t.Fatalf("want a failed result saying Ratify abandoned the request, got %v %+v", err, res)
	}
	t.Log(res.Message)
}

// TestVerificationsShareVerifiedContent: Ratify with the verifiers built
// in verifies the same images on every admission request. After Register,
// what one verification read and verified by digest (subject manifest and
// config, referrer, list, the parsed layer) is not read again by the next;
// the tag is resolved at the registry every time, so a moved tag is seen.
func TestVerificationsShareVerifiedContent(t *testing.T) {
	Register()
	named, desc, store := composedWorld(t)
	proxy := faultproxy.Start(t, strings.SplitN(named.Path, "/", 2)[0])
	ref, err := utils.ParseSubjectReference(proxy.Host + "/wasm/nested:v1")
	if err != nil {
		t.Fatal(err)
	}
	v, err := vfactory.CreateVerifierFromConfig(config.VerifierConfig{"name": "wasm-composition"}, "1.0.0", []string{t.TempDir()}, "")
	if err != nil {
		t.Fatal(err)
	}
	var before int
	for i := range 3 {
		res, err := v.Verify(context.Background(), ref, desc, store)
		if err != nil || !res.IsSuccess {
			t.Fatalf("verification %d: %v %+v", i, err, res)
		}
		log := proxy.Log()
		var calls []string
		for _, e := range log[before:] {
			calls = append(calls, e.Call.String())
		}
		// The first verification reads the tag, subject manifest, config,
		// referrer manifest and list (and the layer, unless an earlier
		// test in this process parsed it); each later one the tag only.
		if i > 0 && (len(calls) != 1 || calls[0] != "HEAD manifest wasm/nested/v1 (plugin)") {
			t.Fatalf("verification %d read %d times from the registry, want the tag only:\n%s", i, len(calls), strings.Join(calls, "\n"))
		}
		before = len(log)
	}
}
