// Command demo is the main job on built-in defaults: a local registry, a
// real WASM component (examples/fixtures/hello.component.wasm, Go + jco)
// published, signed (cosign and notation), attested (SLSA provenance) and
// listed (signed composition list), `ratify verify` (Ratify v1.4.6, the
// four plugins, policies/ratify/wasm.rego) showing it pass, then two
// tampered variants showing it fail; then the same three through
// `ratify-builtin verify` (the verifiers compiled in, the same config.json,
// an empty plugin directory) with the same verdicts and verifier results,
// and through `ratify-wasm pull` (the release's layers and record written
// and loaded with package admitted, the variants refused with one line and
// nothing written), with a summary. It exits 1 unless all of that holds.
// `make policy-demo`.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/ratify-wasm/ratify-wasm/admitted"
	"github.com/ratify-wasm/ratify-wasm/e2e/internal/harness"
	"github.com/ratify-wasm/ratify-wasm/e2e/internal/supplychain"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

func main() {
	ok, err := run(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

// variant is one artifact the demo asks Ratify about.
type variant struct {
	name, story, image string
	wantPass           bool
}

func run(ctx context.Context) (bool, error) {
	tools, err := harness.FindTools()
	if err != nil {
		return false, err
	}
	dir, err := os.MkdirTemp("", "ratify-wasm-demo-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	reg, err := registrytest.LaunchDistribution(tools.Path("registry"), filepath.Join(dir, "registry"))
	if err != nil {
		return false, err
	}
	defer reg.Close()
	fmt.Printf("registry     distribution v3.1.2 at %s (no referrers API: tag-schema fallback)\n", reg.Host)

	pub, err := supplychain.NewPublisher(ctx, tools, reg, dir)
	if err != nil {
		return false, err
	}
	hello, err := os.ReadFile(tools.Fixture("hello.component.wasm"))
	if err != nil {
		return false, err
	}
	release := supplychain.Provenance{Builder: supplychain.ReleaseWorkflow, Tag: "v1.2.0"}

	step := func(what string, f func() error) error {
		start := time.Now()
		if err := f(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		fmt.Printf("  %-58s %6s\n", what, time.Since(start).Round(time.Millisecond))
		return nil
	}

	// 1. The release, as the pipeline publishes it.
	fmt.Printf("\nrelease      hello.component.wasm (%d bytes, Go wasip1 + jco) as %s/demo/hello:v1.2.0\n", len(hello), reg.Host)
	var a *supplychain.Artifact
	if err := step("oras push (CNCF WASM artifact)", func() (err error) {
		a, err = pub.Push(ctx, "demo/hello", "v1.2.0", hello)
		return err
	}); err != nil {
		return false, err
	}
	for _, s := range []struct {
		what string
		f    func() error
	}{
		{"cosign sign (key, legacy .sig)", func() error { return pub.CosignSign(ctx, a.Ref()) }},
		{"notation sign (test certificate, JWS)", func() error { return pub.NotationSign(ctx, a.Ref()) }},
		{"cosign attest (SLSA v1 provenance, refs/tags/v1.2.0)", func() error { return pub.Attest(ctx, a.Ref(), release) }},
		{"ratify-wasm composition create + attach", func() error { return pub.AttachList(ctx, a, hello, true) }},
		{"cosign sign (the composition list)", func() error { return pub.CosignSign(ctx, a.List) }},
	} {
		if err := step(s.what, s.f); err != nil {
			return false, err
		}
	}

	// 2. Tampered: the Go module's data changed ("ratify-wasm" ->
	// "ratify-w4sm"), rebuilt and re-signed with the stolen release key
	// and provenance, with the trusted build's signed composition list.
	patched := bytes.Replace(hello, []byte("from ratify-wasm"), []byte("from ratify-w4sm"), 1)
	if bytes.Equal(patched, hello) {
		return false, fmt.Errorf("hello.component.wasm: the string to tamper with is gone")
	}
	fmt.Printf("\ntampered     the same component with one string changed in its Go core module, re-signed with the release key\n")
	var b *supplychain.Artifact
	if err := step("oras push + cosign sign + notation sign + cosign attest", func() (err error) {
		if b, err = pub.Push(ctx, "demo/hello", "v1.2.0-patched", patched); err != nil {
			return err
		}
		if err = pub.CosignSign(ctx, b.Ref()); err == nil {
			err = pub.NotationSign(ctx, b.Ref())
		}
		if err == nil {
			err = pub.Attest(ctx, b.Ref(), release)
		}
		return err
	}); err != nil {
		return false, err
	}
	if err := step("oras attach (the release's list) + cosign sign it", func() error {
		if err := pub.AttachList(ctx, b, hello, false); err != nil {
			return err
		}
		return pub.CosignSign(ctx, b.List)
	}); err != nil {
		return false, err
	}

	// 3. Replaced: the release tag pushed over with another binary.
	nested, err := os.ReadFile(tools.Fixture("nested.wasm"))
	if err != nil {
		return false, err
	}
	fmt.Printf("\nreplaced     %s pushed over with another component (same tag, new digest)\n", a.TagRef())
	if err := step("oras push", func() error {
		_, err := pub.Push(ctx, "demo/hello", "v1.2.0", nested)
		return err
	}); err != nil {
		return false, err
	}

	policy, err := tools.RatifyPolicy(map[string]any{})
	if err != nil {
		return false, err
	}
	ratify, err := harness.NewRatify(tools, filepath.Join(dir, "ratify"), harness.RatifyConfig{
		Verifiers: pub.Verifiers(), Policy: policy, Timeout: 20 * time.Second,
	})
	if err != nil {
		return false, err
	}
	variants := []variant{
		{"release", "signed, attested, listed", a.Ref(), true},
		{"tampered", "changed part, re-signed", b.Ref(), false},
		{"replaced", "tag moved to another binary", a.TagRef(), false},
	}
	fmt.Printf("\nratify verify (Ratify v1.4.6; wasm-cosign, wasm-notation, wasm-slsa, wasm-composition; policies/ratify/wasm.rego)\n")
	ok := true
	stock := map[string]*ratifytest.Report{}
	for _, v := range variants {
		res, err := ratify.TryVerify(v.image)
		if err != nil {
			return false, err
		}
		stock[v.name] = res
		verdict := verdictOf(res.IsSuccess)
		ok = ok && res.IsSuccess == v.wantPass
		fmt.Printf("\n%s  %-9s %s  (%s)\n", verdict, v.name, v.image, res.Elapsed.Round(time.Millisecond))
		printReports(res.Raw)
		if !res.IsSuccess {
			reasons, err := tools.PolicyReasons(ctx, dir, policy, res.Raw)
			if err != nil {
				return false, err
			}
			fmt.Println("      why:")
			for _, r := range reasons {
				fmt.Printf("        - %s\n", shorten(r, 1000))
			}
		}
	}

	// 4. The same config.json through Ratify with the verifiers compiled
	// in, and no plugin binary to fall back on.
	builtin, err := harness.NewRatifyBuiltin(tools, filepath.Join(dir, "ratify-builtin"), harness.RatifyConfig{
		Verifiers: pub.Verifiers(), Policy: policy, Timeout: 20 * time.Second,
	})
	if err != nil {
		return false, err
	}
	fmt.Printf("\nratify-builtin verify (bin/ratify-builtin: Ratify v1.4.6 with the four verifiers compiled in; the same config.json, an empty plugin directory)\n")
	inProcess := map[string]*ratifytest.Report{}
	for _, v := range variants {
		res, err := builtin.TryVerify(v.image)
		if err != nil {
			return false, err
		}
		inProcess[v.name] = res
		same, why := agree(res, stock[v.name])
		ok = ok && res.IsSuccess == v.wantPass && same
		fmt.Printf("\n%s  %-9s %s  (%s)\n", verdictOf(res.IsSuccess), v.name, v.image, res.Elapsed.Round(time.Millisecond))
		switch {
		case same && len(res.Verifiers) == 0:
			fmt.Println("      no verifier results, as with the plugin binaries: nothing is signed, attested or listed for this digest")
		case same:
			fmt.Printf("      the same %d verifier results as ratify verify with the plugin binaries (messages and extensions)\n", len(res.Verifiers))
		default:
			fmt.Printf("      DIFFERS from ratify verify with the plugin binaries: %s\n", why)
			printReports(res.Raw)
		}
	}

	// 5. ratify-wasm pull: verified in process, then the WASM layers
	// written by the verified digest; a refusal writes nothing.
	fmt.Printf("\nratify-wasm pull (Ratify's executor in process, the same config.json; the tag resolved once, each WASM layer fetched by the verified digest)\n")
	pulled := map[string]string{}
	for _, v := range variants {
		out := filepath.Join(dir, "pulled", v.name)
		written, note, err := pullOne(ctx, tools, ratify.ConfigPath, v.image, out)
		if err != nil {
			return false, err
		}
		pulled[v.name] = "refused"
		if written {
			pulled[v.name] = "written"
		}
		ok = ok && written == v.wantPass
		fmt.Printf("\n%s  %-9s %s\n", verdictOf(written), v.name, v.image)
		fmt.Print(note)
	}

	fmt.Printf("\nsummary%33s %-6s %-14s %-16s\n", "", "ratify", "ratify-builtin", "ratify-wasm pull")
	for _, v := range variants {
		expected := stock[v.name].IsSuccess == v.wantPass && inProcess[v.name].IsSuccess == v.wantPass &&
			(pulled[v.name] == "written") == v.wantPass
		if same, _ := agree(inProcess[v.name], stock[v.name]); !same {
			expected = false
		}
		mark := "as expected"
		if !expected {
			mark = "UNEXPECTED"
		}
		fmt.Printf("  %-9s %-28s %-6s %-14s %-16s %s\n", v.name, v.story, verdictOf(stock[v.name].IsSuccess), verdictOf(inProcess[v.name].IsSuccess), pulled[v.name], mark)
	}
	return ok, nil
}

func verdictOf(pass bool) string {
	if pass {
		return "PASS"
	}
	return "FAIL"
}

// agree reports whether two runs gave the same verdict and the same
// verifier results, in any order (Ratify runs verifiers concurrently).
func agree(got, want *ratifytest.Report) (bool, string) {
	if got.IsSuccess != want.IsSuccess {
		return false, fmt.Sprintf("verdict %t, plugins %t", got.IsSuccess, want.IsSuccess)
	}
	key := func(v ratifytest.VerifierReport) string {
		return v.Subject + "\x00" + v.ArtifactType + "\x00" + v.ReferenceDigest + "\x00" + v.Name
	}
	order := func(vs []ratifytest.VerifierReport) []ratifytest.VerifierReport {
		out := append([]ratifytest.VerifierReport(nil), vs...)
		sort.SliceStable(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
		return out
	}
	g, w := order(got.Verifiers), order(want.Verifiers)
	if len(g) != len(w) {
		return false, fmt.Sprintf("%d verifier results, plugins %d", len(g), len(w))
	}
	for i := range g {
		if !reflect.DeepEqual(g[i], w[i]) {
			return false, fmt.Sprintf("%s on %s: %q, plugins %q", g[i].Name, g[i].ArtifactType, shorten(g[i].Message, 200), shorten(w[i].Message, 200))
		}
	}
	return true, ""
}

// pullOne runs `ratify-wasm pull image --config config -o out`. An
// admitted artifact must leave its layers and record in out, and the
// record must load with package admitted (the check a host makes before
// compiling); a refused one must exit non-zero with one line and leave
// out absent or empty. written says which; note is what to print; err is
// for anything else (the demo stops).
func pullOne(ctx context.Context, tools *harness.Tools, config, image, out string) (written bool, note string, err error) {
	start := time.Now()
	stdout, perr := harness.Cmd{Bin: tools.Path("ratify-wasm"), Args: []string{"pull", image, "--config", config, "-o", out}}.Run(ctx)
	elapsed := time.Since(start).Round(time.Millisecond)
	entries, rerr := os.ReadDir(out)
	if rerr != nil && !os.IsNotExist(rerr) {
		return false, "", rerr
	}
	var b strings.Builder
	if perr != nil {
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], "refused") {
			return false, "", fmt.Errorf("pull %s failed without a one-line refusal: %w", image, perr)
		}
		fmt.Fprintf(&b, "      refused (%s, exit status non-zero): %s\n", elapsed, shorten(lines[0], 400))
		if len(entries) != 0 {
			fmt.Fprintf(&b, "      UNEXPECTED: %d files left in %s\n", len(entries), out)
			return true, b.String(), nil
		}
		what := "absent"
		if rerr == nil {
			what = "empty"
		}
		fmt.Fprintf(&b, "      %s: %s, nothing written\n", filepath.Base(out), what)
		return false, b.String(), nil
	}
	fmt.Fprintf(&b, "      written (%s) to %s:\n", elapsed, filepath.Base(out))
	var record string
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return false, "", err
		}
		fmt.Fprintf(&b, "        %-82s %8d bytes\n", e.Name(), info.Size())
		if strings.HasSuffix(e.Name(), ".verified.json") {
			record = filepath.Join(out, e.Name())
		}
	}
	if record == "" {
		fmt.Fprintf(&b, "      UNEXPECTED: no record written\n")
		return false, b.String(), nil
	}
	wasm, layer, err := admitted.LoadLayer(record)
	if err != nil {
		fmt.Fprintf(&b, "      UNEXPECTED: admitted.LoadLayer refuses what pull wrote: %v\n", err)
		return false, b.String(), nil
	}
	fmt.Fprintf(&b, "      admitted.LoadLayer(%s): %d bytes, %s, as recorded\n", filepath.Base(record), len(wasm), layer.Digest)
	return true, b.String(), nil
}

// printReports prints one line per verifier report, nested ones indented.
func printReports(raw []byte) {
	var doc struct {
		VerifierReports []node `json:"verifierReports"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		fmt.Printf("      (report is not JSON: %v)\n", err)
		return
	}
	if len(doc.VerifierReports) == 0 {
		fmt.Println("      no referrers: nothing is signed, attested or listed for this digest")
	}
	for _, n := range sorted(doc.VerifierReports) {
		n.print("      ")
	}
}

// sorted orders referrers by artifact type (Ratify lists them in
// completion order) so the output reads the same every run.
func sorted(ns []node) []node {
	sort.SliceStable(ns, func(i, j int) bool { return ns[i].ArtifactType < ns[j].ArtifactType })
	for _, n := range ns {
		sort.SliceStable(n.VerifierReports, func(i, j int) bool { return n.VerifierReports[i].Name < n.VerifierReports[j].Name })
	}
	return ns
}

type node struct {
	ArtifactType    string `json:"artifactType"`
	VerifierReports []struct {
		Name       string         `json:"name"`
		IsSuccess  bool           `json:"isSuccess"`
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"verifierReports"`
	NestedReports []node `json:"nestedReports"`
}

func (n node) print(indent string) {
	for _, v := range n.VerifierReports {
		mark := "ok  "
		switch {
		case !v.IsSuccess:
			mark = "FAIL"
		case v.Extensions["skipped"] != nil:
			mark = "skip"
		}
		fmt.Printf("%s%s %-16s %s\n", indent, mark, v.Name, shorten(v.Message, 140))
	}
	for _, c := range sorted(n.NestedReports) {
		c.print(indent + "  ")
	}
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
