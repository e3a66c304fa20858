package reliability_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/reliability"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// gatekeeperAttacks are the subtests of e2e's TestTemplatesInGatekeeper
// (the ConstraintTemplates in Gatekeeper's own engine, in the e2e module)
// that try to get a pod past them; the test records what each observed
// when RATIFY_WASM_GATE_OUTCOMES names a file.
var gatekeeperAttacks = []string{"alias_of_a_wasm_handler", "image_volumes", "foreign_images_are_not_sent", "unknown_runtime_class"}

func init() {
	for _, c := range gatekeeperAttacks {
		policyAttackCaseIDs = append(policyAttackCaseIDs, "policy/gatekeeper-"+c)
	}
}

// TestGatekeeperAttacks runs the e2e module's Gatekeeper test and lists its
// attacks on the page: each must be denied.
func TestGatekeeperAttacks(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "outcomes.jsonl")
	cmd := exec.Command("go", "test", "-count=1", "-run", "^TestTemplatesInGatekeeper$", "./internal/gate")
	cmd.Dir = filepath.Join(testenv.RepoRoot(t), "e2e")
	cmd.Env = append(os.Environ(), "RATIFY_WASM_GATE_OUTCOMES="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("e2e TestTemplatesInGatekeeper: %v\n%s", err, b)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var o struct {
			Case, Input, Message string
			Denied               bool
		}
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(gatekeeperAttacks, o.Case) {
			t.Errorf("e2e recorded %q, which this suite does not list (add it to gatekeeperAttacks)", o.Case)
			continue
		}
		seen = append(seen, o.Case)
		if !o.Denied {
			t.Errorf("%s: admitted (%s)", o.Case, o.Input)
		}
		recorder.Add(reliability.Outcome{Section: "policy", Case: "policy/gatekeeper-" + o.Case, Input: o.Input + " (Gatekeeper's engine, the project's ConstraintTemplates)",
			Denied: o.Denied, Check: "gatekeeper", Message: o.Message})
	}
	for _, c := range gatekeeperAttacks {
		if !slices.Contains(seen, c) {
			t.Errorf("e2e did not record %s", c)
		}
	}
}
