package reliability_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/reliability"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/clitest"
)

// WriteDocsEnv makes the run write docs/reliability.md from what it
// observed (make reliability-docs).
const WriteDocsEnv = "RATIFY_WASM_WRITE_DOCS"

func TestMain(m *testing.M) {
	// Most cases wait on child processes or on held requests, not on the
	// CPU: run more of them at once than GOMAXPROCS, unless -parallel says.
	flag.Parse()
	if f := flag.Lookup("test.parallel"); f != nil && f.Value.String() == f.DefValue {
		_ = flag.Set("test.parallel", "6")
	}
	code := m.Run()
	clitest.RemoveShared()
	if code == 0 && os.Getenv(WriteDocsEnv) == "1" {
		if err := writeDocs(); err != nil {
			fmt.Fprintln(os.Stderr, "reliability: writing docs:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// docsPath is docs/reliability.md in the repository.
func docsPath(t testing.TB) string {
	return filepath.Join(testenv.RepoRoot(t), "docs", "reliability.md")
}

// writeDocs renders the outcomes of this run. It refuses a partial run
// (-run, -short): the page must list every case.
func writeDocs() error {
	outcomes := recorder.Outcomes()
	want := expectedCases()
	var missing []string
	have := map[string]bool{}
	for _, o := range outcomes {
		have[o.Case] = true
	}
	for _, c := range want {
		if !have[c] {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("this run did not record %d cases (run the whole package), e.g. %s", len(missing), missing[0])
	}
	// go test runs in the package directory.
	mutation, err := reliability.MutationSection(filepath.Join("..", "..", "docs", "mutation"))
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := reliability.Render(&b, outcomes, limitsSection()+"\n"+mutation); err != nil {
		return err
	}
	path := filepath.Join("..", "..", "docs", "reliability.md")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "reliability: wrote %s (%d cases)\n", path, len(outcomes))
	return os.WriteFile(path, b.Bytes(), 0o644)
}
