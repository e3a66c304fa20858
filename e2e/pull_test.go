package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/ratify-wasm/ratify-wasm/admitted"
	"github.com/ratify-wasm/ratify-wasm/e2e/internal/harness"
)

// pullGuards runs `ratify-wasm verify` and `ratify-wasm pull` on every
// threat-matrix scenario with the e2e Ratify configuration. Both resolve a
// tag once; their verdict must be stock `ratify verify`'s on the digest
// they verified. An admitted artifact's layers are written with a record
// the host package accepts; a refused one writes nothing and says why on
// one line.
func pullGuards(t *testing.T, e *env) {
	dir := t.TempDir()
	stock, err := harness.NewRatify(e.tools, filepath.Join(dir, "stock"), e.ratifyConfig)
	if err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) (string, error) {
		return harness.Cmd{Bin: e.tools.Path("ratify-wasm"), Args: args}.Run(context.Background())
	}
	admittedOnce := false
	for _, s := range e.world.Scenarios {
		t.Run(s.Name, func(t *testing.T) {
			out, verr := cli("verify", s.Image, "--config", stock.ConfigPath)
			var got verifyOutput
			if i := strings.Index(out, "{"); i < 0 || json.Unmarshal([]byte(out[i:strings.LastIndex(out, "}")+1]), &got) != nil {
				t.Fatalf("ratify-wasm verify printed no report: %v\n%s", verr, out)
			}
			want, err := stock.TryVerify(got.Subject)
			if err != nil {
				t.Fatal(err)
			}
			if got.IsSuccess != want.IsSuccess || (verr == nil) != got.IsSuccess {
				t.Fatalf("verify %s: isSuccess %t (error %v), stock ratify verify on the digest: %t", got.Subject, got.IsSuccess, verr, want.IsSuccess)
			}
			if !got.IsSuccess && len(got.Reasons) == 0 {
				t.Errorf("refused with no reason: %s", out)
			}

			outDir := filepath.Join(dir, "pulled", s.Name)
			pout, perr := cli("pull", s.Image, "--config", stock.ConfigPath, "-o", outDir)
			entries, _ := os.ReadDir(outDir)
			if !want.IsSuccess {
				lines := strings.Split(strings.TrimSpace(pout), "\n")
				if perr == nil || len(entries) != 0 || len(lines) != 1 || !strings.Contains(lines[0], "refused") || !strings.Contains(lines[0], got.Subject) {
					t.Fatalf("pull of a refused artifact: error %v, %d files written, output %q", perr, len(entries), pout)
				}
				t.Logf("refused: %s", lines[0])
				return
			}
			if perr != nil {
				t.Fatal(perr)
			}
			admittedOnce = true
			record := filepath.Join(outDir, admitted.RecordName(digest.Digest(strings.SplitN(got.Subject, "@", 2)[1])))
			b, layer, err := admitted.LoadLayer(record)
			if err != nil {
				t.Fatalf("the host package refuses what pull wrote: %v\n%s", err, pout)
			}
			if digest.FromBytes(b) != layer.Digest || !strings.Contains(pout, layer.Digest.String()) {
				t.Fatalf("pulled layer %s, printed %q", digest.FromBytes(b), pout)
			}
			// A swapped file is refused by the host package.
			if err := os.WriteFile(filepath.Join(outDir, layer.File), append(b, 0), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, _, err := admitted.LoadLayer(record); err == nil {
				t.Fatal("the host package accepted a swapped layer")
			}
			t.Logf("pulled: %s", strings.TrimSpace(pout))
		})
	}
	if !admittedOnce {
		t.Fatal("no scenario was pulled")
	}
}

type verifyOutput struct {
	Subject   string   `json:"subject"`
	IsSuccess bool     `json:"isSuccess"`
	Reasons   []string `json:"reasons"`
}
