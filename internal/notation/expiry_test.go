package notation_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

// TestExpiry signs with a leaf that expires seconds later, with and without
// an RFC 3161 timestamp from a TSA on loopback, and with a signature expiry;
// then waits for the expiry and verifies. A timestamp made while the leaf
// was valid keeps the signature valid after the leaf expires, but only
// when the policy trusts the TSA (a tsa store).
func TestExpiry(t *testing.T) {
	t.Parallel()
	r := registrytest.StartReferrers(t)
	tsa := startTSA(t)
	tsaRoot := writePEM(t, t.TempDir(), "tsa-root.pem", tsa.root.cert)
	root := newRootCA(t, "Expiry Root")
	inter := root.newIntermediateCA(t, "Expiry Intermediate")
	short := newChainFrom(t, root, inter, "short.acme", leafOptions{notAfter: time.Now().Add(4 * time.Second)})
	long := newChainFrom(t, root, inter, "long.acme", leafOptions{})

	plain := pushWasm(t, r, "wasm/expired-plain")
	plainSig := short.sign(t, r, "wasm/expired-plain", plain)
	stamped := pushWasm(t, r, "wasm/expired-stamped")
	signedAt := time.Now()
	stampedSig := short.sign(t, r, "wasm/expired-stamped", stamped, "--timestamp-url", tsa.URL, "--timestamp-root-cert", tsaRoot)
	if tsa.hits.Load() == 0 {
		t.Fatal("notation sign did not ask the TSA")
	}
	expiring := pushWasm(t, r, "wasm/signature-expiry")
	expiringSig := long.sign(t, r, "wasm/signature-expiry", expiring, "--expiry", "2s")

	plainRef := r.Ref("wasm/expired-plain", plain.Digest.String())
	stampedRef := r.Ref("wasm/expired-stamped", stamped.Digest.String())
	stores := map[string]any{
		"ca":  map[string]any{"acme": []string{short.rootPath}},
		"tsa": map[string]any{"tsa": []string{tsaRoot}},
	}
	withTSA := func(verifyTimestamp string) map[string]any {
		v := map[string]any{"level": "strict", "verifyTimestamp": verifyTimestamp}
		return map[string]any{
			"trustPolicyDoc": policyDoc(statement("wasm", []string{"*"}, v, []string{"ca:acme", "tsa:tsa"}, short.identity)),
			"trustStores":    stores,
		}
	}
	timestampOf := func(t *testing.T, res result) map[string]any {
		t.Helper()
		ts, ok := res.Extensions["timestamp"].(map[string]any)
		if !ok {
			t.Fatalf("no timestamp extension: %v", res.Extensions)
		}
		at, err := time.Parse(time.RFC3339Nano, ts["time"].(string))
		if err != nil || at.Before(signedAt.Add(-2*time.Second)) || at.After(time.Now()) {
			t.Errorf("timestamp.time = %v, want the signing moment %v", ts["time"], signedAt)
		}
		if ts["accuracy"] != "1s" {
			t.Errorf("timestamp.accuracy = %v, want 1s (the TSA's)", ts["accuracy"])
		}
		if c, _ := ts["tsaCertificate"].(map[string]any); c["subject"] != "CN=Test TSA,O=ratify-wasm tests,ST=WA,C=US" {
			t.Errorf("timestamp.tsaCertificate = %v", ts["tsaCertificate"])
		}
		return ts
	}

	// Before the leaf expires.
	t.Run("valid-leaf/afterCertExpiry-does-not-check-timestamp", func(t *testing.T) {
		res := runPlugin(t, stampedRef, stampedSig, withTSA("afterCertExpiry"))
		ratifytest.WantPass(t, res)
		if ts := timestampOf(t, res); ts["verified"] != false {
			t.Errorf("timestamp.verified = %v before the leaf expired under afterCertExpiry, want false", ts["verified"])
		}
	})
	t.Run("valid-leaf/always-checks-timestamp", func(t *testing.T) {
		res := runPlugin(t, stampedRef, stampedSig, withTSA("always"))
		ratifytest.WantPass(t, res)
		if ts := timestampOf(t, res); ts["verified"] != true {
			t.Errorf("timestamp.verified = %v under always, want true", ts["verified"])
		}
	})

	// Wait for the leaf to expire (x509 times have whole seconds).
	time.Sleep(time.Until(short.leaf.NotAfter.Add(1100 * time.Millisecond)))

	t.Run("expired-leaf/no-timestamp", func(t *testing.T) {
		ratifytest.WantFail(t, runPlugin(t, plainRef, plainSig, short.config()), "authenticTimestamp", "expired", "short.acme")
	})
	t.Run("expired-leaf/no-timestamp/tsa-policy", func(t *testing.T) {
		ratifytest.WantFail(t, runPlugin(t, plainRef, plainSig, withTSA("always")), "authenticTimestamp", "no timestamp countersignature")
	})
	t.Run("expired-leaf/no-timestamp/permissive", func(t *testing.T) {
		cfg := with(short.config(), "trustPolicyDoc", policyDoc(statement("wasm", []string{"*"}, map[string]any{"level": "permissive"}, []string{"ca:acme"}, short.identity)))
		res := runPlugin(t, plainRef, plainSig, cfg)
		ratifytest.WantPass(t, res)
		if !failedValidation(res, "authenticTimestamp", "log") {
			t.Errorf("permissive pass does not list the logged authenticTimestamp failure: %v", res.Extensions["validations"])
		}
	})
	for _, vt := range []string{"always", "afterCertExpiry"} {
		t.Run("expired-leaf/timestamped/"+vt, func(t *testing.T) {
			res := runPlugin(t, stampedRef, stampedSig, withTSA(vt))
			ratifytest.WantPass(t, res)
			if ts := timestampOf(t, res); ts["verified"] != true {
				t.Errorf("timestamp.verified = %v, want true", ts["verified"])
			}
		})
	}
	t.Run("expired-leaf/timestamped/policy-without-tsa", func(t *testing.T) {
		res := runPlugin(t, stampedRef, stampedSig, short.config())
		ratifytest.WantFail(t, res, "authenticTimestamp", "expired")
		if ts := timestampOf(t, res); ts["verified"] != false {
			t.Errorf("timestamp.verified = %v without a tsa store, want false", ts["verified"])
		}
	})
	t.Run("expired-leaf/timestamped/untrusted-tsa", func(t *testing.T) {
		cfg := withTSA("always")
		cfg["trustStores"] = map[string]any{
			"ca":  map[string]any{"acme": []string{short.rootPath}},
			"tsa": map[string]any{"tsa": []string{writePEM(t, t.TempDir(), "other.pem", newRootCA(t, "Other TSA Root").cert)}},
		}
		ratifytest.WantFail(t, runPlugin(t, stampedRef, stampedSig, cfg), "authenticTimestamp", "timestamp")
	})

	// Signature expiry (notation sign --expiry), independent of certificates.
	expiringRef := r.Ref("wasm/signature-expiry", expiring.Digest.String())
	t.Run("signature-expired/strict", func(t *testing.T) {
		res := runPlugin(t, expiringRef, expiringSig, long.config())
		ratifytest.WantFail(t, res, "expiry", "digital signature has expired")
		if _, ok := res.Extensions["signatureExpiry"]; !ok {
			t.Errorf("no signatureExpiry extension: %v", res.Extensions)
		}
	})
	t.Run("signature-expired/override-log", func(t *testing.T) {
		v := map[string]any{"level": "strict", "override": map[string]any{"expiry": "log"}}
		cfg := with(long.config(), "trustPolicyDoc", policyDoc(statement("wasm", []string{"*"}, v, []string{"ca:acme"}, long.identity)))
		res := runPlugin(t, expiringRef, expiringSig, cfg)
		ratifytest.WantPass(t, res)
		if !failedValidation(res, "expiry", "log") || !strings.Contains(res.Message, "expiry: digital signature has expired") {
			t.Errorf("override expiry=log pass does not report the logged failure: %s %v", res.Message, res.Extensions["validations"])
		}
		if o, _ := res.Extensions["verificationOverride"].(map[string]any); res.Extensions["verificationLevel"] != "strict" || o["expiry"] != "log" {
			t.Errorf("verificationLevel %v, verificationOverride %v; want strict with expiry=log", res.Extensions["verificationLevel"], res.Extensions["verificationOverride"])
		}
	})
}
