package plugin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/ratify-project/ratify/pkg/verifier"

	"github.com/ratify-wasm/ratify-wasm/internal/artifact"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testenv"
)

type testConfig struct {
	Mode  string          `json:"mode"`
	Limit int             `json:"limit"`
	Keys  []string        `json:"keys"`
	Wait  plugin.Duration `json:"wait"`
	Rules []struct {
		Pattern string `json:"pattern"`
	} `json:"rules"`
}

func (c *testConfig) Validate() error {
	if c.Mode != "pass" && c.Mode != "fail" && c.Mode != "panic" && c.Mode != "hang" && c.Mode != "big" && c.Mode != "wasm" && c.Mode != "signed" {
		return &plugin.ConfigError{Key: "mode", Reason: "must be pass, fail, panic, hang, big or wasm"}
	}
	return nil
}

var testPlugin = plugin.Definition[testConfig]{
	Name: "wasm-test", Version: "0.0.0",
	NewConfig: func() *testConfig { return &testConfig{Mode: "pass"} },
	Verify: func(ctx context.Context, req *plugin.Request, cfg *testConfig) plugin.Result {
		switch cfg.Mode {
		case "fail":
			return plugin.Fail("signature", "no signature of %s verified", req.SubjectRef.Original)
		case "panic":
			var p *testConfig
			_ = p.Limit
		case "hang":
			for { // ignores ctx on purpose and keeps logging: the runtime must still return
				req.Log.Infof("still verifying")
				time.Sleep(time.Millisecond)
			}
		case "big":
			list := make([]string, 20000)
			for i := range list {
				list[i] = digest.FromString(string(rune(i))).String()
			}
			return plugin.Pass("big", map[string]any{"format": "bundle", "digests": list})
		case "wasm", "signed":
			load := req.LoadWasmSubject
			if cfg.Mode == "signed" {
				load = req.LoadSignedSubject
			}
			s, res := load(ctx)
			if res != nil {
				return *res
			}
			return plugin.Pass(cfg.Mode, map[string]any{"layout": string(s.Layout)})
		}
		return plugin.Pass("ok", map[string]any{"limit": cfg.Limit})
	},
}

// run drives the runtime in process like skel does, with a real oras store.
func run(t *testing.T, subject string, cfg map[string]any) (ratifytest.Result, string) {
	t.Helper()
	res := ratifytest.RunPlugin(t, testPlugin, subject, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString("referrer"), Size: 10}, cfg)
	return res, res.Stderr
}

const someSubject = "127.0.0.1:1/wasm/app@sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

func TestConfigIsStrict(t *testing.T) {
	cases := []struct {
		name string
		cfg  map[string]any
		want []string // substrings of the message
	}{
		{"unknown key", map[string]any{"name": "v", "modee": "pass"}, []string{`config: v: invalid configuration: key "modee" is not a known setting`, "known: keys, limit, mode, rules, wait"}},
		{"key in the wrong case", map[string]any{"name": "v", "Limit": 3}, []string{`key "Limit" is not a known setting (did you mean "limit"?)`}},
		{"common key in the wrong case", map[string]any{"name": "v", "TimeOut": "1s"}, []string{`key "TimeOut" is not a known setting (did you mean "timeout"?)`}},
		{"nested key in the wrong case", map[string]any{"name": "v", "rules": []any{map[string]any{"pattern": "a"}, map[string]any{"Pattern": "b"}}}, []string{`key "rules[1].Pattern" is not a known setting (did you mean "pattern"?)`}},
		{"mistyped key", map[string]any{"name": "v", "limit": "ten"}, []string{`key "limit" has a string value; expected a number`}},
		{"mistyped list", map[string]any{"name": "v", "keys": "a,b"}, []string{`key "keys" has a string value; expected a list`}},
		{"plugin validation", map[string]any{"name": "v", "mode": "maybe"}, []string{`key "mode" must be pass`}},
		{"common timeout number", map[string]any{"name": "v", "timeout": 5}, []string{`key "timeout" must be a duration string`}},
		{"common timeout bad", map[string]any{"name": "v", "timeout": "soon"}, []string{`key "timeout" must be a positive duration`}},
		{"common nonWasm", map[string]any{"name": "v", "nonWasmSubjects": "allow"}, []string{`key "nonWasmSubjects" is "allow"; expected "fail" or "skip"`}},
		{"common mistyped", map[string]any{"name": "v", "maxBlobBytes": "1GB"}, []string{`key "maxBlobBytes" has a string value; expected a number`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, _ := run(t, someSubject, c.cfg)
			if res.IsSuccess {
				t.Fatalf("bad config passed: %+v", res)
			}
			for _, w := range c.want {
				if !strings.Contains(res.Message, w) {
					t.Errorf("message %q does not contain %q", res.Message, w)
				}
			}
			if ext := res.Extensions; ext[plugin.ExtFailedCheck] != plugin.CheckConfig {
				t.Errorf("failedCheck = %v, want config", ext[plugin.ExtFailedCheck])
			}
		})
	}
}

func TestRatifyKeysAccepted(t *testing.T) {
	res, _ := run(t, someSubject, map[string]any{
		"name": "strict", "type": "wasm-test", "artifactTypes": "a,b", "nestedReferences": "c",
		"version": "1.0.0", "source": map[string]any{"artifact": "x"}, "limit": 3,
	})
	if !res.IsSuccess || res.Name != "strict" || res.Type != "wasm-test" {
		t.Fatalf("want success named strict of type wasm-test, got %+v", res)
	}
	if res.Extensions["limit"] != float64(3) {
		t.Errorf("plugin key not decoded: %+v", res.Extensions)
	}
}

func TestFailureMessageAndCheck(t *testing.T) {
	res, _ := run(t, someSubject, map[string]any{"name": "v", "mode": "fail"})
	if res.IsSuccess || res.Message != "signature: no signature of "+someSubject+" verified" {
		t.Fatalf("got %+v", res)
	}
}

func TestPanicBecomesFailure(t *testing.T) {
	res, stderr := run(t, someSubject, map[string]any{"name": "v", "mode": "panic"})
	if res.IsSuccess || !strings.HasPrefix(res.Message, "internal: wasm-test crashed while verifying "+someSubject) {
		t.Fatalf("got %+v", res)
	}
	if !strings.HasPrefix(stderr, "warn: panic: ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("want one warn: line with the panic, got %q", stderr)
	}
}

func TestDeadline(t *testing.T) {
	start := time.Now()
	res, _ := run(t, someSubject, map[string]any{"name": "v", "mode": "hang", "timeout": "300ms"})
	elapsed := time.Since(start)
	if res.IsSuccess || !strings.Contains(res.Message, "deadline: verification of "+someSubject) || !strings.Contains(res.Message, "within 300ms") {
		t.Fatalf("got %+v", res)
	}
	if elapsed > 5*time.Second {
		t.Errorf("hung for %s past a 300ms deadline", elapsed)
	}
}

func TestLargeExtensionsAreCut(t *testing.T) {
	res, _ := run(t, someSubject, map[string]any{"name": "v", "mode": "big"})
	line, err := json.Marshal(res.Extensions)
	if err != nil {
		t.Fatal(err)
	}
	if len(line)+len(res.Message) >= 64<<10 {
		t.Fatalf("result line is over %d bytes, Ratify drops lines of 64 KiB", len(line))
	}
	ext := res.Extensions
	if ext[plugin.ExtTruncated] != true || ext["format"] != "bundle" || ext["digests"] != nil {
		t.Errorf("want scalars kept, the list dropped and the truncation marked, got keys %v", keysOf(ext))
	}
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestNonWasmSubjects(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	ctx := context.Background()
	img, err := registrytest.PushWasm(ctx, reg, "app/container", "v1", []byte("not wasm"), registrytest.WasmLayout{Format: registrytest.ContainerImage})
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.Ref("app/container", img.Digest.String())

	res, _ := run(t, ref, map[string]any{"name": "v", "mode": "wasm"})
	if res.IsSuccess || !strings.HasPrefix(res.Message, "subject: subject "+ref+" is not a WASM artifact") {
		t.Fatalf("default must fail non-WASM subjects, got %+v", res)
	}
	res, _ = run(t, ref, map[string]any{"name": "v", "mode": "wasm", "nonWasmSubjects": "skip"})
	if !res.IsSuccess || res.Extensions[plugin.ExtSkipped] != "not-wasm" || !strings.HasPrefix(res.Message, "skipped: ") {
		t.Fatalf("skip must pass visibly marked as skipped, got %+v", res)
	}

	root := testenv.RepoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "examples", "fixtures", "nested.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := registrytest.PushWasm(ctx, reg, "app/wasm", "v1", b, registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	res, _ = run(t, reg.Ref("app/wasm", "v1"), map[string]any{"name": "v", "mode": "wasm", "nonWasmSubjects": "skip"})
	if !res.IsSuccess || res.Extensions["layout"] != "cncf" {
		t.Fatalf("a WASM subject is verified, not skipped: %+v (pushed %s)", res, w.Digest)
	}

	// A composition list is no WASM artifact, but signature verifiers accept
	// it: its signature is what makes the list trustworthy.
	list, err := registrytest.Attach(ctx, reg, "app/wasm", w, artifact.MediaTypeCompositionList, []registrytest.Blob{{MediaType: artifact.MediaTypeCompositionList, Data: []byte(`{}`)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	listRef := reg.Ref("app/wasm", list.Digest.String())
	res, _ = run(t, listRef, map[string]any{"name": "v", "mode": "wasm"})
	if res.IsSuccess || !strings.Contains(res.Message, "is not a WASM artifact: it is a composition list") {
		t.Fatalf("LoadWasmSubject must refuse a composition list, got %+v", res)
	}
	res, _ = run(t, listRef, map[string]any{"name": "v", "mode": "signed"})
	if !res.IsSuccess || res.Extensions["layout"] != string(artifact.LayoutCompositionList) {
		t.Fatalf("LoadSignedSubject must accept a composition list, got %+v", res)
	}
	res, _ = run(t, ref, map[string]any{"name": "v", "mode": "signed"})
	if res.IsSuccess {
		t.Fatalf("LoadSignedSubject must still refuse a container image, got %+v", res)
	}
}

// TestMainBoundsStdin runs a real plugin binary with more input than the
// runtime accepts: it must answer with a failed result, not read on.
func TestMainBoundsStdin(t *testing.T) {
	dir := ratifytest.BuildPackage(t, "./internal/plugin/testdata/wasm-smoke", "wasm-smoke")
	cmd := exec.Command(filepath.Join(dir, "wasm-smoke"))
	cmd.Env = append(os.Environ(), "RATIFY_VERIFIER_COMMAND=VERIFY", "RATIFY_VERIFIER_VERSION=1.0.0", "RATIFY_VERIFIER_SUBJECT="+someSubject)
	cmd.Stdin = bytes.NewReader(bytes.Repeat([]byte(" "), plugin.MaxInputBytes+10))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("plugin exited with %v: %s", err, out)
	}
	var res verifier.VerifierResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("output is not one result: %q", out)
	}
	if res.IsSuccess || !strings.Contains(res.Message, "plugin input is larger than") {
		t.Fatalf("got %+v", res)
	}
}

func TestLoggerPrefixes(t *testing.T) {
	var b bytes.Buffer
	l := plugin.NewLogger(&b, false)
	l.Infof("fetched %s\nin two lines", "x")
	l.Warnf(`{"isSuccess":true}`)
	l.Debugf("hidden")
	want := "info: fetched x in two lines\nwarn: ({\"isSuccess\":true})\n"
	if b.String() != want {
		t.Fatalf("got %q, want %q", b.String(), want)
	}
	b.Reset()
	plugin.NewLogger(&b, true).Debugf("shown")
	if b.String() != "debug: shown\n" {
		t.Fatalf("got %q", b.String())
	}
}
