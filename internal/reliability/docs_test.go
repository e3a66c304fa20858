package reliability_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/artifact"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/allowlist"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/oci"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/reliability"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa/provenance"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// expectedCases lists every case the suite records, from the same tables
// the tests iterate.
func expectedCases() []string {
	var out []string
	for _, reg := range []struct {
		name         string
		referrersAPI bool
	}{{"distribution", false}, {"referrers", true}} {
		for _, c := range ratifyFaultCases(reg.referrersAPI) {
			out = append(out, fmt.Sprintf("ratify/%s/%s/%s", reg.name, c.plugin, c.name()))
		}
		for _, c := range ratifyCalls {
			out = append(out, fmt.Sprintf("ratify-calls/%s/%s", reg.name, c.name))
		}
	}
	for _, c := range objectFaultCases() {
		out = append(out, fmt.Sprintf("objects/%s/%s/%s", c.plugin, c.obj, c.fault.name))
	}
	out = append(out, otherCases()...)
	slices.Sort(out)
	return out
}

// TestDocsUpToDate checks that docs/reliability.md lists exactly the cases
// of this suite, each denied; run `make reliability-docs` after changing
// the case tables.
func TestDocsUpToDate(t *testing.T) {
	if os.Getenv(WriteDocsEnv) == "1" {
		t.Skip("this run rewrites the page")
	}
	raw, err := os.ReadFile(docsPath(t))
	if err != nil {
		t.Fatalf("%v: run `make reliability-docs`", err)
	}
	page := reliability.PageCases(string(raw))
	want := expectedCases()
	var missing, extra, accepted []string
	for _, c := range want {
		denied, ok := page[c]
		switch {
		case !ok:
			missing = append(missing, c)
		case !denied:
			accepted = append(accepted, c)
		}
	}
	for c := range page {
		if !slices.Contains(want, c) {
			extra = append(extra, c)
		}
	}
	if len(missing)+len(extra)+len(accepted) > 0 {
		t.Fatalf("docs/reliability.md is out of date (run `make reliability-docs`):\nmissing %v\nno longer run %v\nnot denied %v", missing, extra, accepted)
	}
	if n := len(want); !strings.Contains(string(raw), fmt.Sprintf("**%d cases, %d held, 0 accepted**", n, n)) {
		t.Errorf("the page's summary does not say %d cases, all held", n)
	}
}

// TestPageRendering checks the page round-trips its cases and verdicts.
func TestPageRendering(t *testing.T) {
	var rec reliability.Recorder
	rec.Add(reliability.Outcome{Section: "hostile", Case: "b", Denied: true, Check: "parse", Message: "parse: 127.0.0.1:5000/x@sha256:" + strings.Repeat("a", 64) + " | bad"})
	rec.Add(reliability.Outcome{Section: "ratify", Case: "a", Denied: false, Message: "ok"})
	var b strings.Builder
	// The mutation section's package rows look like case rows.
	mutation := reliability.MutationBegin + "\n| `internal/x` | 1 | 1 | 0 | 0 | 0 | 100.0% | yes |\n" + reliability.MutationEnd + "\n"
	if err := reliability.Render(&b, rec.Outcomes(), mutation); err != nil {
		t.Fatal(err)
	}
	got := reliability.PageCases(b.String())
	if !reflect.DeepEqual(got, map[string]bool{"a": false, "b": true}) {
		t.Fatalf("cases read back: %v\n%s", got, b.String())
	}
	if !strings.Contains(b.String(), "<registry>/x@sha256:aaaaaaaaaaaa… \\| bad") {
		t.Errorf("message not normalized and escaped:\n%s", b.String())
	}
	if strings.Index(b.String(), "`a`") > strings.Index(b.String(), "`b`") {
		t.Error("sections out of order")
	}
}

// limitsSection documents the bounds from the code's own values.
func limitsSection() string {
	var b strings.Builder
	b.WriteString("## Limits\n\nThe bounds below are read from the code when the page is generated. Limits private to one plugin (signature layers per manifest, envelope sizes) are documented in that plugin's README.\n\n")
	b.WriteString("| limit | value | where | configurable |\n|---|---|---|---|\n")
	row := func(name string, v any, where, conf string) {
		fmt.Fprintf(&b, "| %s | %v | `%s` | %s |\n", name, v, where, conf)
	}
	row("manifest read from a registry", bytesize(oci.DefaultMaxManifestBytes), "oci.DefaultMaxManifestBytes", "`maxManifestBytes`")
	row("blob read from a registry", bytesize(oci.DefaultMaxBlobBytes), "oci.DefaultMaxBlobBytes", "`maxBlobBytes`")
	row("WASM artifact config blob", bytesize(artifact.DefaultMaxConfigBytes), "artifact.DefaultMaxConfigBytes", "no")
	row("plugin input (stdin)", bytesize(plugin.MaxInputBytes), "plugin.MaxInputBytes", "no")
	row("verification deadline", plugin.DefaultTimeout, "plugin.DefaultTimeout", "`timeout`")
	row("result message", bytesize(plugin.MaxMessageBytes), "plugin.MaxMessageBytes", "no")
	row("string in a result's extensions (longer: the result fails, check `result`)", bytesize(plugin.MaxStringBytes), "plugin.MaxStringBytes", "no")
	row("plugin log line", bytesize(plugin.MaxLogLineBytes), "plugin.MaxLogLineBytes", "no")
	row("composition list", bytesize(list.MaxBytes), "list.MaxBytes", "no")
	row("allowlist file", bytesize(allowlist.MaxBytes), "allowlist.MaxBytes", "no")
	row("in-toto statement", bytesize(provenance.MaxStatementBytes), "provenance.MaxStatementBytes", "no")
	l := reflect.ValueOf(wasm.DefaultLimits())
	for i := 0; i < l.NumField(); i++ {
		row("WASM parser: "+l.Type().Field(i).Name, l.Field(i).Interface(), "wasm.DefaultLimits()."+l.Type().Field(i).Name, "no")
	}
	b.WriteString("\n")
	return b.String()
}

func bytesize[T int | int64](n T) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// WriteMutationEnv makes TestMutationSectionUpToDate rewrite the page's
// mutation section from docs/mutation (make mutation).
const WriteMutationEnv = "RATIFY_WASM_WRITE_MUTATION"

// TestMutationSectionUpToDate checks that docs/reliability.md shows the
// mutation results committed in docs/mutation.
func TestMutationSectionUpToDate(t *testing.T) {
	root := testenv.RepoRoot(t)
	section, err := reliability.MutationSection(filepath.Join(root, "docs", "mutation"))
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv(WriteDocsEnv) == "1" {
		// make reliability-docs rewrites the whole page after the run,
		// this section included, from the same results.
		return
	}
	raw, err := os.ReadFile(docsPath(t))
	if err != nil {
		t.Fatal(err)
	}
	page, err := reliability.SpliceMutation(string(raw), section)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv(WriteMutationEnv) == "1" {
		if err := os.WriteFile(docsPath(t), []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if page != string(raw) {
		t.Errorf("docs/reliability.md does not show the results in docs/mutation: run `make mutation` (or RATIFY_WASM_WRITE_MUTATION=1 go test -run TestMutationSectionUpToDate ./internal/reliability)")
	}
}

func TestMutationSection(t *testing.T) {
	dir := t.TempDir()
	res := `{"test_efficacy":80,"mutations_coverage":90,"mutants_total":12,"mutants_killed":8,"mutants_lived":2,"mutants_not_covered":2,
	"files":[{"file_name":"policy.go","mutations":[{"type":"CONDITIONALS_NEGATION","status":"LIVED","line":7,"column":3},{"type":"ARITHMETIC_BASE","status":"KILLED","line":9,"column":1}]}]}`
	if err := os.WriteFile(filepath.Join(dir, "internal_sigverify.json"), []byte(res), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := reliability.MutationSection(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| `internal/sigverify` | 12 | 8 | 2 | 2 | 0 | 80.0% | **no** |", "- `internal/sigverify/policy.go:7:3` CONDITIONALS_NEGATION"} {
		if !strings.Contains(s, want) {
			t.Errorf("section lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "policy.go:9:1") {
		t.Errorf("a killed mutant is listed as lived:\n%s", s)
	}
	page := "# p\n\n" + reliability.MutationBegin + "\nold\n" + reliability.MutationEnd + "\ntail\n"
	got, err := reliability.SpliceMutation(page, s)
	if err != nil || got != "# p\n\n"+s+"tail\n" {
		t.Errorf("SpliceMutation = %q, %v", got, err)
	}
	if _, err := reliability.SpliceMutation("# no markers\n", s); err == nil {
		t.Error("SpliceMutation of a page without markers succeeded")
	}
	if _, err := reliability.MutationSection(t.TempDir()); err == nil {
		t.Error("MutationSection of an empty directory succeeded")
	}
}
