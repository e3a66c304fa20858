package plugin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/ratify-project/ratify/pkg/common"
	"github.com/ratify-project/ratify/pkg/ocispecs"
	"github.com/ratify-project/ratify/pkg/verifier"

	"github.com/ratify-wasm/ratify-wasm/internal/artifact"
	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
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
	switch c.Mode {
	case "pass", "fail", "panic", "hang", "big", "wasm", "signed", "bigskip", "bigfail", "longstring", "loud", "repo":
		return nil
	}
	return &failure.ConfigError{Key: "mode", Reason: "must be pass, fail, panic, hang, big or wasm"}
}

// bigList is 20,000 digests: about 1.4 MB, far over Ratify's line limit
// even with every string capped.
func bigList() []string {
	list := make([]string, 20000)
	for i := range list {
		list[i] = digest.FromString(string(rune(i))).String()
	}
	return list
}

// hostileString stands for a field copied from unverified input, such as
// the 70,000-character predicate type of a forged bundle.
var hostileString = strings.Repeat("https://example.com/p/", 70000/22)

var testPlugin = plugin.Definition[testConfig]{
	Name:      "wasm-test",
	NewConfig: func() *testConfig { return &testConfig{Mode: "pass"} },
	Verify: func(ctx context.Context, req *plugin.Request, cfg *testConfig) (plugin.Report, error) {
		switch cfg.Mode {
		case "fail":
			return plugin.Report{}, failure.New(failure.Signature, "no signature of %s verified", req.SubjectRef.Original)
		case "panic":
			var p *testConfig
			_ = p.Limit
		case "hang":
			for { // ignores ctx on purpose and keeps logging: the runtime must still return
				req.Log.Infof("still verifying")
				time.Sleep(time.Millisecond)
			}
		case "big":
			return plugin.Report{Message: "big", Extensions: map[string]any{"format": "bundle", "digests": bigList()}}, nil
		case "bigskip":
			return plugin.Report{Extensions: map[string]any{"digests": bigList()}}, &failure.Skip{Reason: "not-a-signature", Msg: "not a signature"}
		case "bigfail":
			return plugin.Report{Extensions: map[string]any{"digests": bigList()}}, failure.New(failure.Signature, "no signature of %s verified", req.SubjectRef.Original)
		case "longstring":
			// Strings nested in Go structs and map keys are capped too.
			type layer struct {
				PredicateType string `json:"predicateType"`
			}
			return plugin.Report{Extensions: map[string]any{"layers": []layer{{PredicateType: hostileString}}, "annotations": map[string]string{hostileString: "v"}}},
				&failure.Skip{Reason: "not-a-signature", Msg: "attestation"}
		case "loud":
			req.Log.Warnf("predicate type %s is not a signature", hostileString)
			req.Log.Infof("and %s", strings.Repeat("{", 70000))
			return plugin.Report{Message: "ok"}, nil
		case "repo":
			if _, err := req.LoadWasmSubject(ctx); err != nil {
				return plugin.Report{}, err
			}
			ref, err := req.SubjectDigestRef(ctx)
			if err != nil {
				return plugin.Report{}, failure.New(failure.Subject, "%w", err)
			}
			return plugin.Report{Message: "ok", Extensions: map[string]any{"repository": req.Repository(), "ref": ref}}, nil
		case "wasm", "signed":
			load := req.LoadWasmSubject
			if cfg.Mode == "signed" {
				load = req.LoadSignedSubject
			}
			s, err := load(ctx)
			if err != nil {
				return plugin.Report{}, err
			}
			return plugin.Report{Message: cfg.Mode, Extensions: map[string]any{"layout": string(s.Layout)}}, nil
		}
		return plugin.Report{Message: "ok", Extensions: map[string]any{"limit": cfg.Limit}}, nil
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
			if ext := res.Extensions; ext[plugin.ExtFailedCheck] != string(failure.Config) {
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
	checkLine(t, res)
	ext := res.Extensions
	if ext[plugin.ExtTruncated] != true || ext["format"] != "bundle" || ext["digests"] != nil {
		t.Errorf("want scalars kept, the list dropped and the truncation marked, got keys %v", keysOf(ext))
	}
	if res.IsSuccess || ext[plugin.ExtFailedCheck] != string(failure.Result) || !strings.HasPrefix(res.Message, "result: the report is ") || !strings.Contains(res.Message, "dropped digests") {
		t.Errorf("a pass whose report was cut must fail naming the check result, got %+v", res)
	}
}

// checkLine checks that the result fits the line Ratify reads.
func checkLine(t *testing.T, res ratifytest.Result) {
	t.Helper()
	line, err := json.Marshal(verifier.VerifierResult{Name: res.Name, Type: res.Type, IsSuccess: res.IsSuccess, Message: res.Message, Extensions: res.Extensions})
	if err != nil {
		t.Fatal(err)
	}
	if len(line) >= 64<<10 {
		t.Fatalf("result line is %d bytes; Ratify drops lines of 64 KiB", len(line))
	}
}

// TestResultThatCannotFitFails: a report the runtime must shorten is never
// passed on as a pass, and the keys a policy reads to tell a failure or a
// skip from a pass survive the cut.
func TestResultThatCannotFitFails(t *testing.T) {
	t.Run("skip-too-big", func(t *testing.T) {
		res, _ := run(t, someSubject, map[string]any{"name": "v", "mode": "bigskip"})
		checkLine(t, res)
		ext := res.Extensions
		if res.IsSuccess || ext[plugin.ExtFailedCheck] != string(failure.Result) || ext[plugin.ExtSkipped] != "not-a-signature" || ext[plugin.ExtTruncated] != true {
			t.Fatalf("a skip that does not fit must fail (check result) and keep skipped, got %+v keys %v", res, keysOf(ext))
		}
		if !strings.HasPrefix(res.Message, "result: ") || !strings.Contains(res.Message, "verdict was: skipped: not a signature") {
			t.Errorf("message does not say why: %s", res.Message)
		}
	})
	t.Run("failure-too-big", func(t *testing.T) {
		res, _ := run(t, someSubject, map[string]any{"name": "v", "mode": "bigfail"})
		checkLine(t, res)
		if res.IsSuccess || res.Extensions[plugin.ExtFailedCheck] != "signature" || res.Extensions[plugin.ExtTruncated] != true {
			t.Fatalf("a failure that does not fit must keep its failedCheck, got %+v keys %v", res, keysOf(res.Extensions))
		}
		if !strings.HasPrefix(res.Message, "signature: no signature of "+someSubject+" verified (the report is ") {
			t.Errorf("message lost its check or the reason: %s", res.Message)
		}
	})
	t.Run("hostile-string", func(t *testing.T) {
		res, _ := run(t, someSubject, map[string]any{"name": "v", "mode": "longstring"})
		checkLine(t, res)
		ext := res.Extensions
		if res.IsSuccess || ext[plugin.ExtFailedCheck] != string(failure.Result) || ext[plugin.ExtSkipped] != "not-a-signature" {
			t.Fatalf("a skip carrying a capped string must fail (check result), got %+v", res)
		}
		if !strings.Contains(res.Message, "longer than 1024 bytes (at annotations.") {
			t.Errorf("message does not name the capped string: %s", res.Message)
		}
		pt := ext["layers"].([]any)[0].(map[string]any)["predicateType"].(string)
		if len(pt) > plugin.MaxStringBytes+32 || !strings.HasSuffix(pt, "…[cut from 69982 bytes]") {
			t.Errorf("nested string not capped with a marker: %d bytes, ends %q", len(pt), pt[len(pt)-40:])
		}
		for k := range ext["annotations"].(map[string]any) {
			if len(k) > plugin.MaxStringBytes+32 {
				t.Errorf("map key not capped: %d bytes", len(k))
			}
		}
	})
}

// TestLogLinesAreBounded: Ratify reads stderr before stdout with a 64 KiB
// line limit, so one long log line would lose the plugin's result.
func TestLogLinesAreBounded(t *testing.T) {
	res, stderr := run(t, someSubject, map[string]any{"name": "v", "mode": "loud"})
	if !res.IsSuccess {
		t.Fatalf("got %+v", res)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 log lines, got %d", len(lines))
	}
	for _, l := range lines {
		if len(l) > plugin.MaxLogLineBytes+64 {
			t.Errorf("log line of %d bytes, more than %d", len(l), plugin.MaxLogLineBytes)
		}
		if _, msg, _ := strings.Cut(l, ": "); strings.HasPrefix(msg, "{") {
			t.Errorf("log line reads as JSON: %.40q", l)
		}
	}
	if !strings.HasSuffix(lines[0], "…[cut from 70016 bytes]") {
		t.Errorf("cut line has no marker: …%q", lines[0][len(lines[0])-40:])
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
	list, err := registrytest.Attach(ctx, reg, "app/wasm", w, mediatype.CompositionList, []registrytest.Blob{{MediaType: mediatype.CompositionList, Data: []byte(`{}`)}}, nil)
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

// TestManifestDigestOnEveryResult: once the subject is resolved, every
// result (pass, skip, failure) names the manifest it is about; verifying a
// tag reports the digest the tag resolved to.
func TestManifestDigestOnEveryResult(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	ctx := context.Background()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "examples", "fixtures", "nested.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := registrytest.PushWasm(ctx, reg, "app/wasm", "v1", b, registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	img, err := registrytest.PushWasm(ctx, reg, "app/container", "v1", []byte("not wasm"), registrytest.WasmLayout{Format: registrytest.ContainerImage})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, subject string
		cfg           map[string]any
		success       bool
		want          any
	}{
		{"pass", reg.Ref("app/wasm", "v1"), map[string]any{"mode": "wasm"}, true, w.Digest.String()},
		{"skip", reg.Ref("app/container", "v1"), map[string]any{"mode": "wasm", "nonWasmSubjects": "skip"}, true, img.Digest.String()},
		{"fail", reg.Ref("app/container", "v1"), map[string]any{"mode": "wasm"}, false, img.Digest.String()},
		{"unresolvable", reg.Ref("app/wasm", img.Digest.String()), map[string]any{"mode": "wasm"}, false, nil}, // not in this repository
		{"not resolved", reg.Ref("app/wasm", "v1"), map[string]any{"mode": "fail"}, false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg["name"] = "v"
			res, _ := run(t, c.subject, c.cfg)
			if res.IsSuccess != c.success || res.Extensions[plugin.ExtManifestDigest] != c.want {
				t.Fatalf("want success=%t manifestDigest=%v, got %+v", c.success, c.want, res)
			}
		})
	}
}

// TestCanonicalRepository: verifiers see the subject's repository in its
// canonical spelling whatever spelling Ratify was given, while reads still
// reach the registry the subject names.
func TestCanonicalRepository(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "examples", "fixtures", "nested.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := registrytest.PushWasm(context.Background(), reg, "app/wasm", "v1", b, registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := strings.Cut(reg.Host, ":")
	for _, host := range []string{"localhost:" + port, "LOCALHOST:" + port, "LocalHost:" + port} {
		res, _ := run(t, host+"/app/wasm:v1", map[string]any{"name": "v", "mode": "repo"})
		want := "localhost:" + port + "/app/wasm"
		if !res.IsSuccess || res.Extensions["repository"] != want || res.Extensions["ref"] != want+"@"+w.Digest.String() {
			t.Errorf("%s: want repository %s, got %+v", host, want, res)
		}
	}

	// Ratify's parser refuses such names; the runtime does too, whoever calls it.
	bad := common.Reference{Original: "127.0.0.1:1/App/Wasm:v1", Path: "127.0.0.1:1/App/Wasm", Tag: "v1"}
	out := plugin.Run(testPlugin, []byte(`{"config":{"name":"v"}}`), bad, ocispecs.ReferenceDescriptor{}, nil, io.Discard)
	if ext, _ := out.Extensions.(map[string]any); out.IsSuccess || ext[plugin.ExtFailedCheck] != string(failure.Subject) || !strings.HasPrefix(out.Message, "subject: subject 127.0.0.1:1/App/Wasm:v1: ") {
		t.Fatalf("a repository with no canonical spelling must fail with check subject, got %+v", out)
	}
}
