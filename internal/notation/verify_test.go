package notation_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/notaryproject/notation-core-go/signature/cose"
	"github.com/notaryproject/notation-core-go/signature/jws"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

func readCert(t testing.TB, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("%s: no PEM", path)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCLISignatures verifies JWS and COSE signatures made by the notation
// CLI with a `notation cert generate-test` certificate, on a registry
// without the Referrers API (tag schema) and on one with it.
func TestCLISignatures(t *testing.T) {
	t.Parallel()
	cli := testCertCLI(t)
	cert := readCert(t, cli.testCertPath())
	registrytest.ForEach(t, func(t *testing.T, r *registrytest.Registry) {
		for _, format := range []struct{ name, mediaType string }{{"jws", jws.MediaTypeEnvelope}, {"cose", cose.MediaTypeEnvelope}} {
			t.Run(format.name, func(t *testing.T) {
				repo := "wasm/cli-" + format.name
				subject := pushWasm(t, r, repo)
				args := []string{"--signature-format", format.name, "-m", "buildId=42"}
				if r.ReferrersAPI {
					args = append(args, "--force-referrers-tag=false")
				}
				sig := cli.sign(t, r, repo, subject, args...)
				// Which path notation took: the sha256-<hex> referrers tag
				// exists exactly when the registry has no Referrers API.
				_, _, tagErr := registrytest.Fetch(context.Background(), r, repo, strings.Replace(subject.Digest.String(), ":", "-", 1))
				if (tagErr == nil) == r.ReferrersAPI {
					t.Errorf("referrers tag present=%t on a registry with ReferrersAPI=%t", tagErr == nil, r.ReferrersAPI)
				}
				cfg := map[string]any{
					"trustPolicyDoc": strictPolicy([]string{"ca:wasm.example"}, identity),
					"trustStores":    map[string]any{"ca": map[string]any{"wasm.example": []string{cli.testCertPath()}}},
				}
				res := runPlugin(t, r.Ref(repo, subject.Digest.String()), sig, cfg)
				ratifytest.WantPass(t, res)
				ext := res.Extensions
				for k, want := range map[string]any{
					"trustPolicy":        "wasm",
					"verificationLevel":  "strict",
					"signatureMediaType": format.mediaType,
					"signingScheme":      "notary.x509",
				} {
					if ext[k] != want {
						t.Errorf("extension %s = %v, want %v", k, ext[k], want)
					}
				}
				sc, _ := ext["signingCertificate"].(map[string]any)
				if sc["subject"] != cert.Subject.String() || sc["issuer"] != cert.Issuer.String() || sc["serialNumber"] != cert.SerialNumber.Text(16) {
					t.Errorf("signingCertificate = %v, want subject %q issuer %q serial %s", sc, cert.Subject, cert.Issuer, cert.SerialNumber.Text(16))
				}
				st, err := time.Parse(time.RFC3339, ext["signingTime"].(string))
				if err != nil || time.Since(st) > 5*time.Minute || time.Since(st) < -time.Minute {
					t.Errorf("signingTime = %v (%v), want about now", ext["signingTime"], err)
				}
				if md, _ := ext["userMetadata"].(map[string]any); md["buildId"] != "42" {
					t.Errorf("userMetadata = %v, want buildId=42", ext["userMetadata"])
				}
				if _, ok := ext["timestamp"]; ok {
					t.Errorf("timestamp reported for a signature without one: %v", ext["timestamp"])
				}
				var types []string
				for _, v := range ext["validations"].([]any) {
					m := v.(map[string]any)
					if m["passed"] != true || m["action"] != "enforce" {
						t.Errorf("validation %v did not pass under enforce", m)
					}
					types = append(types, m["type"].(string))
				}
				if got := strings.Join(types, ","); got != "integrity,authenticity,expiry,authenticTimestamp,revocation" {
					t.Errorf("validations ran = %s", got)
				}
			})
		}
	})
}
