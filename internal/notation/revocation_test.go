package notation_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

// TestRevocation: leaves with a CRL distribution point served on loopback
// by their issuing intermediate, one of them revoked.
func TestRevocation(t *testing.T) {
	t.Parallel()
	r := registrytest.StartReferrers(t)
	root := newRootCA(t, "CRL Root")
	inter := root.newIntermediateCA(t, "CRL Intermediate")
	crl := startCRLServer(t, inter)
	good := newChainFrom(t, root, inter, "good.acme", leafOptions{crlURL: crl.URL})
	bad := newChainFrom(t, root, inter, "revoked.acme", leafOptions{crlURL: crl.URL})
	crl.revoke(bad.leaf)

	goodSubject := pushWasm(t, r, "wasm/crl-good")
	goodSig := good.sign(t, r, "wasm/crl-good", goodSubject)
	goodRef := r.Ref("wasm/crl-good", goodSubject.Digest.String())
	badSubject := pushWasm(t, r, "wasm/crl-revoked")
	badSig := bad.sign(t, r, "wasm/crl-revoked", badSubject)
	badRef := r.Ref("wasm/crl-revoked", badSubject.Digest.String())
	// Both leaves come from the same CA: one store and one policy fit both.
	cfg := func() map[string]any {
		return map[string]any{
			"trustPolicyDoc": strictPolicy([]string{"ca:acme"}, "x509.subject: O=ratify-wasm tests, ST=WA, C=US"),
			"trustStores":    map[string]any{"ca": map[string]any{"acme": []string{good.rootPath}}},
		}
	}
	withLevel := func(v map[string]any) map[string]any {
		return with(cfg(), "trustPolicyDoc", policyDoc(statement("wasm", []string{"*"}, v, []string{"ca:acme"}, "x509.subject: O=ratify-wasm tests, ST=WA, C=US")))
	}

	// Subtests share the CRL server (its hit count, its up/down state): they
	// run in order.
	t.Run("good/online", func(t *testing.T) {
		before := crl.hits.Load()
		ratifytest.WantPass(t, runPlugin(t, goodRef, goodSig, cfg()))
		if crl.hits.Load() == before {
			t.Error("the CRL was not downloaded")
		}
	})
	t.Run("revoked/online", func(t *testing.T) {
		ratifytest.WantFail(t, runPlugin(t, badRef, badSig, cfg()), "revocation", "revoked.acme", "is revoked")
	})
	t.Run("revoked/permissive-logs", func(t *testing.T) {
		res := runPlugin(t, badRef, badSig, withLevel(map[string]any{"level": "permissive"}))
		ratifytest.WantPass(t, res)
		if !failedValidation(res, "revocation", "log") || !strings.Contains(res.Message, "revocation: signing certificate") {
			t.Errorf("permissive pass hides the revocation: %s", res.Message)
		}
	})
	t.Run("revoked/override-skip", func(t *testing.T) {
		res := runPlugin(t, badRef, badSig, withLevel(map[string]any{"level": "strict", "override": map[string]any{"revocation": "skip"}}))
		ratifytest.WantPass(t, res)
		for _, v := range res.Extensions["validations"].([]any) {
			if v.(map[string]any)["type"] == "revocation" {
				t.Errorf("revocation ran although skipped: %v", v)
			}
		}
	})

	cache := t.TempDir()
	t.Run("cache/online-fills-folder", func(t *testing.T) {
		ratifytest.WantFail(t, runPlugin(t, badRef, badSig, with(cfg(), "revocation", map[string]any{"crlCacheDir": cache})), "revocation", "is revoked")
		if files, _ := os.ReadDir(cache); len(files) != 1 {
			t.Fatalf("CRL cache folder has %d entries, want the one CRL", len(files))
		}
	})
	t.Run("cache/online-reuses-folder", func(t *testing.T) {
		before := crl.hits.Load()
		ratifytest.WantPass(t, runPlugin(t, goodRef, goodSig, with(cfg(), "revocation", map[string]any{"crlCacheDir": cache})))
		if crl.hits.Load() != before {
			t.Error("the CRL was downloaded again although the cache holds a current one")
		}
	})

	crl.setDown(true)
	t.Run("server-down/online", func(t *testing.T) {
		ratifytest.WantFail(t, runPlugin(t, goodRef, goodSig, cfg()), "revocation", "revocation status is unknown")
	})
	t.Run("server-down/offline-from-cache", func(t *testing.T) {
		before := crl.hits.Load()
		offline := with(cfg(), "revocation", map[string]any{"mode": "offline", "crlCacheDir": cache})
		ratifytest.WantPass(t, runPlugin(t, goodRef, goodSig, offline))
		ratifytest.WantFail(t, runPlugin(t, badRef, badSig, offline), "revocation", "is revoked")
		if crl.hits.Load() != before {
			t.Error("offline mode contacted the CRL server")
		}
	})
	crl.setDown(false)
	t.Run("offline/empty-cache", func(t *testing.T) {
		before := crl.hits.Load()
		offline := with(cfg(), "revocation", map[string]any{"mode": "offline", "crlCacheDir": t.TempDir()})
		res := runPlugin(t, goodRef, goodSig, offline)
		ratifytest.WantFail(t, res, "revocation", "revocation status is unknown", "revocation.mode is offline")
		if crl.hits.Load() != before {
			t.Error("offline mode contacted the CRL server")
		}
		if !strings.Contains(res.Stderr, "no current CRL for "+crl.URL) {
			t.Errorf("the log does not say which CRL was missing:\n%s", res.Stderr)
		}
	})
	t.Run("offline/notation-cli-cache", func(t *testing.T) {
		// `notation verify` fills $XDG_CACHE_HOME/notation/crl; the plugin
		// reads the same format offline.
		cli := good.cli
		cli.run(t, "cert", "add", "--type", "ca", "--store", "acme", good.rootPath)
		policy := filepath.Join(t.TempDir(), "trustpolicy.json")
		writeJSON(t, policy, strictPolicy([]string{"ca:acme"}, good.identity))
		cli.run(t, "policy", "import", "--force", policy)
		cli.run(t, "verify", "--insecure-registry", goodRef)
		cliCache := filepath.Join(cli.Home, "cache", "notation", "crl")
		crl.setDown(true)
		defer crl.setDown(false)
		ratifytest.WantPass(t, runPlugin(t, goodRef, goodSig, with(cfg(), "revocation", map[string]any{"mode": "offline", "crlCacheDir": cliCache})))
	})
	t.Run("cache/corrupt-entry", func(t *testing.T) {
		dir := t.TempDir()
		online := with(cfg(), "revocation", map[string]any{"crlCacheDir": dir})
		ratifytest.WantPass(t, runPlugin(t, goodRef, goodSig, online))
		files, _ := os.ReadDir(dir)
		if len(files) != 1 {
			t.Fatalf("CRL cache folder has %d entries, want 1", len(files))
		}
		entry := filepath.Join(dir, files[0].Name())
		corrupt := func() {
			if err := os.WriteFile(entry, []byte("not a cache entry"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		// Online, a broken entry means a fresh download, as in the CLI.
		corrupt()
		before := crl.hits.Load()
		ratifytest.WantPass(t, runPlugin(t, goodRef, goodSig, online))
		if crl.hits.Load() == before {
			t.Error("the CRL was not downloaded again after the cache entry broke")
		}
		// Offline, it means status unknown.
		corrupt()
		res := runPlugin(t, goodRef, goodSig, with(cfg(), "revocation", map[string]any{"mode": "offline", "crlCacheDir": dir}))
		ratifytest.WantFail(t, res, "revocation", "unknown")
		if !strings.Contains(res.Stderr, "cached CRL for "+crl.URL+" is unusable") {
			t.Errorf("the log does not say the cached CRL is unusable:\n%s", res.Stderr)
		}
	})
}

// TestOCSP: a leaf whose issuer runs an OCSP responder on loopback.
func TestOCSP(t *testing.T) {
	t.Parallel()
	r := registrytest.StartReferrers(t)
	root := newRootCA(t, "OCSP Root")
	inter := root.newIntermediateCA(t, "OCSP Intermediate")
	responder := startOCSPResponder(t, inter)
	good := newChainFrom(t, root, inter, "good.acme", leafOptions{ocspURL: responder.URL})
	bad := newChainFrom(t, root, inter, "revoked.acme", leafOptions{ocspURL: responder.URL})
	responder.revoke(bad.leaf)

	goodSubject := pushWasm(t, r, "wasm/ocsp-good")
	goodSig := good.sign(t, r, "wasm/ocsp-good", goodSubject)
	badSubject := pushWasm(t, r, "wasm/ocsp-revoked")
	badSig := bad.sign(t, r, "wasm/ocsp-revoked", badSubject)

	ratifytest.WantPass(t, runPlugin(t, r.Ref("wasm/ocsp-good", goodSubject.Digest.String()), goodSig, good.config()))
	if responder.hits.Load() == 0 {
		t.Fatal("the OCSP responder was not asked")
	}
	ratifytest.WantFail(t, runPlugin(t, r.Ref("wasm/ocsp-revoked", badSubject.Digest.String()), badSig, bad.config()), "revocation", "is revoked")

	// Offline, OCSP is not attempted; with no CRL to fall back on the
	// status is unknown.
	before := responder.hits.Load()
	offline := with(good.config(), "revocation", map[string]any{"mode": "offline", "crlCacheDir": t.TempDir()})
	ratifytest.WantFail(t, runPlugin(t, r.Ref("wasm/ocsp-good", goodSubject.Digest.String()), goodSig, offline), "revocation", "unknown")
	if responder.hits.Load() != before {
		t.Error("offline mode contacted the OCSP responder")
	}
}
