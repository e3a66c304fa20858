package reliability_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
	"github.com/ratify-wasm/ratify-wasm/internal/reliability"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/faultproxy"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

// Deadlines. Through Ratify the plugins get 2s (inside Ratify's default
// 2.9s request timeout); in process, slow faults use a short deadline and
// the others a long one, so a slow machine cannot turn a fault case into a
// deadline case.
const (
	ratifyDeadline = 2 * time.Second
	// ratifyOverhead is what a `ratify verify` run may add to the plugin's
	// own time: two process starts and Ratify's own registry calls, on a
	// busy two-core machine. The bound tells a deadline that held from a
	// hang (faults hold requests for held), not fast from slow.
	ratifyOverhead  = 3 * time.Second
	slowDeadline    = 400 * time.Millisecond
	fastDeadline    = 10 * time.Second
	inProcessMargin = 500 * time.Millisecond
	// held is how long slow faults hold a request: far past any deadline.
	held = 30 * time.Second
)

// fault is one kind of registry misbehaviour.
type fault struct {
	name string
	// desc says what the registry does, for the page.
	desc string
	// body faults need a GET answer; head faults apply to HEAD only.
	body, head bool
	// slow faults end in the deadline.
	slow bool
	make func(w *world, p *pluginSetup, obj string) faultproxy.Fault
	// want is what the message must say, so it names the fault.
	want *regexp.Regexp
}

var faults = []fault{
	{name: "status-503", desc: "HTTP 503 Service Unavailable", want: regexp.MustCompile(`503`),
		make: func(*world, *pluginSetup, string) faultproxy.Fault { return faultproxy.Status(503) }},
	{name: "reset", desc: "TCP connection reset (RST) instead of an answer", want: regexp.MustCompile(`connection reset|EOF`),
		make: func(*world, *pluginSetup, string) faultproxy.Fault { return faultproxy.Reset() }},
	{name: "delay", desc: "answer held for 30s, far past the deadline", slow: true, want: regexp.MustCompile(`did not finish within`),
		make: func(*world, *pluginSetup, string) faultproxy.Fault { return faultproxy.Delay(held) }},
	{name: "stall", desc: "headers and 16 bytes of the body, then nothing", body: true, slow: true, want: regexp.MustCompile(`did not finish within`),
		make: func(*world, *pluginSetup, string) faultproxy.Fault { return faultproxy.Stall(held) }},
	{name: "truncate", desc: "full Content-Length, half the body, connection dropped", body: true, want: regexp.MustCompile(`truncated`),
		make: func(*world, *pluginSetup, string) faultproxy.Fault { return faultproxy.Truncate() }},
	{name: "corrupt", desc: "one byte flipped: same size, bytes that do not match the digest", body: true, want: regexp.MustCompile(`digest mismatch`),
		make: func(*world, *pluginSetup, string) faultproxy.Fault { return faultproxy.Corrupt() }},
	{name: "substitute", desc: "another object's content and headers served under the digest asked for", body: true, want: regexp.MustCompile(`mismatch`),
		make: func(w *world, p *pluginSetup, obj string) faultproxy.Fault {
			return faultproxy.Substitute(w.substitute(p, obj))
		}},
	{name: "endless", desc: "no Content-Length and a body that never ends (up to 1 GiB)", body: true, want: regexp.MustCompile(`more than the [0-9]+ bytes`),
		make: func(*world, *pluginSetup, string) faultproxy.Fault { return faultproxy.Endless(1 << 30) }},
	{name: "redirect-loop", desc: "307 redirects to itself, forever", want: regexp.MustCompile(`redirects`),
		make: func(*world, *pluginSetup, string) faultproxy.Fault { return faultproxy.RedirectLoop() }},
	{name: "claim-digest", desc: "HEAD answers that the manifest has another digest", head: true, want: regexp.MustCompile(`digest mismatch`),
		make: func(w *world, p *pluginSetup, _ string) faultproxy.Fault {
			return faultproxy.ClaimDigest(w.other[p.repo].Digest)
		}},
	{name: "claim-size", desc: "HEAD answers that the manifest is 1 TiB", head: true, want: regexp.MustCompile(`outside the limit`),
		make: func(*world, *pluginSetup, string) faultproxy.Fault { return faultproxy.ClaimSize(1 << 40) }},
}

// applies reports whether f can hit obj.
func (f fault) applies(obj string) bool {
	if obj == objSubjectResolve {
		return !f.body
	}
	return !f.head
}

// ratifyObject is the object a fault hits in the `ratify verify` matrix:
// the referrer's layer (the signature, bundle or list) where the plugin
// reads one, else the WASM layer; the manifests for the rest.
func ratifyObject(reads []string, f fault) string {
	primary, manifest := objReferrerLayer, objReferrerManifest
	if !slices.Contains(reads, objReferrerLayer) {
		primary, manifest = objWasmLayer, objSubjectManifest
	}
	switch {
	case f.head:
		return objSubjectResolve
	case f.name == "status-503" || f.name == "delay":
		return objSubjectManifest
	case f.name == "reset":
		return objConfigBlob
	case f.name == "substitute" || f.name == "endless":
		return manifest
	}
	return primary
}

// TestRegistryFaults runs every plugin behind the fault proxy on both
// registries: first a clean run that must pass (so a denial below is the
// fault's doing), then every fault through `ratify verify`, then (on the
// referrers registry) every fault on every object each plugin reads, in
// process.
func TestRegistryFaults(t *testing.T) {
	t.Parallel()
	registrytest.ForEach(t, func(t *testing.T, reg *registrytest.Registry) {
		t.Parallel()
		w := newWorld(t, reg)
		t.Run("baseline", func(t *testing.T) {
			for _, p := range w.plugins {
				baseline(t, w, p)
			}
		})
		if t.Failed() {
			return
		}
		t.Run("ratify", func(t *testing.T) {
			for _, c := range ratifyFaultCases(reg.ReferrersAPI) {
				p := w.plugin(c.plugin)
				t.Run(c.plugin+"/"+c.name(), func(t *testing.T) {
					t.Parallel()
					if c.list != "" {
						runListFault(t, w, p, c.list)
					} else {
						runRatifyFault(t, w, p, c.fault, c.obj)
					}
				})
			}
		})
		if reg.ReferrersAPI {
			t.Run("objects", func(t *testing.T) {
				for _, c := range objectFaultCases() {
					p := w.plugin(c.plugin)
					t.Run(c.plugin+"/"+c.obj+"/"+c.fault.name, func(t *testing.T) {
						t.Parallel()
						runObjectFault(t, w, p, c.fault, c.obj)
					})
				}
			})
		}
	})
}

// faultCase is one fault on one object read by one plugin, or (list) an
// edit of the referrers list Ratify reads.
type faultCase struct {
	plugin string
	fault  fault
	obj    string
	list   string
}

func (c faultCase) name() string {
	if c.list != "" {
		return c.list
	}
	return c.fault.name + "@" + c.obj
}

// listFaults are the referrers-list edits, for plugins that read their
// referrer (the test plugin does not).
var listFaults = []string{"missing-referrer", "oversized-referrer"}

// ratifyFaultCases is the `ratify verify` matrix on one registry: every
// fault for every plugin on the referrers registry; the plugins' reads are
// the same on both registries, so on distribution only the list edits
// (tag-schema index instead of the referrers API).
func ratifyFaultCases(referrersAPI bool) []faultCase {
	var out []faultCase
	for _, name := range pluginNames {
		reads := pluginReads[name]
		if referrersAPI {
			for _, f := range faults {
				out = append(out, faultCase{plugin: name, fault: f, obj: ratifyObject(reads, f)})
			}
		}
		if slices.Contains(reads, objReferrerManifest) {
			for _, l := range listFaults {
				out = append(out, faultCase{plugin: name, list: l})
			}
		}
	}
	return out
}

// objectFaultCases is every fault on every object each in-process plugin
// reads (slow faults on one object per plugin).
func objectFaultCases() []faultCase {
	var out []faultCase
	for _, name := range pluginNames {
		if !inProcess(name) {
			continue
		}
		reads := pluginReads[name]
		for _, obj := range reads {
			for _, f := range faults {
				if f.applies(obj) && (!f.slow || obj == slowObject(reads)) {
					out = append(out, faultCase{plugin: name, fault: f, obj: obj})
				}
			}
		}
	}
	return out
}

// slowObject is the one object per plugin the in-process slow faults hit:
// the deadline is the runtime's, whichever read is slow.
func slowObject(reads []string) string {
	if slices.Contains(reads, objReferrerLayer) {
		return objReferrerLayer
	}
	return objWasmLayer
}

// baseline checks that p passes through a clean proxy, through Ratify and
// in process, and reads exactly the objects it declares.
func baseline(t *testing.T, w *world, p *pluginSetup) {
	t.Helper()
	px := faultproxy.Start(t, w.reg.Host)
	env := ratifytest.NewEnv(t, ratifytest.Config{Verifiers: []map[string]any{p.withEntry(map[string]any{"timeout": ratifyDeadline.String()})}, PluginDirs: []string{w.smokeDir}})
	start := time.Now()
	rep := env.Verify(t, w.ref(px.Host, p))
	elapsed := time.Since(start)
	got := rep.One(t, p.name)
	if !rep.IsSuccess || !got.IsSuccess {
		t.Fatalf("%s: clean run through the proxy failed: %s\nstderr: %s", p.name, got.Message, rep.Stderr)
	}
	t.Logf("%s: clean `ratify verify` in %v: %s", p.name, elapsed.Round(time.Millisecond), got.Message)
	var read []string
	for _, e := range px.Log() {
		if e.Call.Client != faultproxy.Plugin {
			continue
		}
		obj := w.objectOf(p, e.Call)
		if obj == "" {
			t.Errorf("%s read something this suite does not fault: %s", p.name, e.Call)
			continue
		}
		if !slices.Contains(read, obj) {
			read = append(read, obj)
		}
	}
	if !sameSet(read, p.reads) {
		t.Errorf("%s read %v; the suite faults %v: update pluginSetup.reads", p.name, read, p.reads)
	}
	if p.run != nil {
		res := p.run(t, w.ref(px.Host, p), p.referrer, p.withEntry(nil))
		if !res.IsSuccess {
			t.Fatalf("%s in process: clean run failed: %s", p.name, res.Message)
		}
	}
}

func sameSet(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(s string) bool { return !slices.Contains(b, s) })
}

var recorder reliability.Recorder

// runRatifyFault runs `ratify verify` with f on obj and checks the verdict.
func runRatifyFault(t *testing.T, w *world, p *pluginSetup, f fault, obj string) {
	px := faultproxy.Start(t, w.reg.Host)
	rule := px.Inject(w.object(p, obj), f.make(w, p, obj))
	env := ratifytest.NewEnv(t, ratifytest.Config{Verifiers: []map[string]any{p.withEntry(map[string]any{"timeout": ratifyDeadline.String()})}, PluginDirs: []string{w.smokeDir}})
	start := time.Now()
	rep := env.Verify(t, w.ref(px.Host, p))
	elapsed := time.Since(start)
	if rule.Hits() == 0 {
		t.Fatalf("the fault never hit %s:\n%s", obj, px.LogString())
	}
	got := rep.One(t, p.name)
	checkDenied(t, rep, got, f.want, elapsed, ratifyDeadline+ratifyOverhead)
	recorder.Add(reliability.Outcome{
		Section: "ratify", Case: fmt.Sprintf("ratify/%s/%s/%s@%s", w.reg.Name, p.name, f.name, obj),
		Plugin: p.name, Registry: w.reg.Name, Input: f.desc + ", on " + describe(p, obj),
		Denied: !got.IsSuccess && !rep.IsSuccess, Check: failedCheck(got.Extensions), Message: got.Message,
		Elapsed: elapsed, Deadline: ratifyDeadline + ratifyOverhead,
	})
}

// runListFault edits the referrers list Ratify reads; the plugin is invoked
// for what the list says.
func runListFault(t *testing.T, w *world, p *pluginSetup, name string) {
	var (
		desc string
		f    faultproxy.Fault
		want *regexp.Regexp
	)
	switch name {
	case "missing-referrer":
		desc, want = "the referrers list names a manifest that does not exist", regexp.MustCompile(`not found|404|unknown`)
		f = faultproxy.AddReferrers(ghost(p.referrer.ArtifactType))
	case "oversized-referrer":
		desc, want = "the referrers list says the plugin's referrer manifest is 1 TiB", regexp.MustCompile(`outside the limit`)
		f = faultproxy.ClaimReferrerSize(p.referrer.Digest, 1<<40)
	default:
		t.Fatalf("unknown list fault %s", name)
	}
	px := faultproxy.Start(t, w.reg.Host)
	rule := px.Inject(faultproxy.Match{Kind: faultproxy.Referrers, Repo: p.repo, Client: faultproxy.Ratify}, f)
	env := ratifytest.NewEnv(t, ratifytest.Config{Verifiers: []map[string]any{p.withEntry(map[string]any{"timeout": ratifyDeadline.String()})}, PluginDirs: []string{w.smokeDir}})
	start := time.Now()
	rep := env.Verify(t, w.ref(px.Host, p))
	elapsed := time.Since(start)
	if rule.Hits() == 0 {
		t.Fatalf("the fault never hit the referrers list:\n%s", px.LogString())
	}
	var denied *ratifytest.VerifierReport
	for _, r := range rep.Named(p.name) {
		if !r.IsSuccess {
			denied = &r
		}
	}
	if denied == nil {
		t.Fatalf("no failed %s report: %s", p.name, rep.Raw)
	}
	checkDenied(t, rep, *denied, want, elapsed, ratifyDeadline+ratifyOverhead)
	recorder.Add(reliability.Outcome{
		Section: "ratify", Case: fmt.Sprintf("ratify/%s/%s/%s", w.reg.Name, p.name, name),
		Plugin: p.name, Registry: w.reg.Name, Input: desc,
		Denied: !rep.IsSuccess, Check: failedCheck(denied.Extensions), Message: denied.Message,
		Elapsed: elapsed, Deadline: ratifyDeadline + ratifyOverhead,
	})
}

// checkDenied asserts a clear, timely denial without a crash.
func checkDenied(t *testing.T, rep *ratifytest.Report, got ratifytest.VerifierReport, want *regexp.Regexp, elapsed, limit time.Duration) {
	t.Helper()
	if rep.IsSuccess || got.IsSuccess {
		t.Fatalf("accepted: overall %t, %s %t: %s", rep.IsSuccess, got.Name, got.IsSuccess, got.Message)
	}
	check := failedCheck(got.Extensions)
	if check == "" || !strings.HasPrefix(got.Message, check+": ") {
		t.Errorf("message %q does not start with its failedCheck %q", got.Message, check)
	}
	if !want.MatchString(got.Message) {
		t.Errorf("message does not name the fault (want /%s/): %s", want, got.Message)
	}
	if strings.ContainsAny(got.Message, "\r\n") {
		t.Errorf("message spans lines: %q", got.Message)
	}
	if elapsed > limit {
		t.Errorf("took %v, more than %v", elapsed, limit)
	}
	if crashed(rep.Stderr) || strings.Contains(got.Message, "crashed") {
		t.Errorf("crash in the logs:\n%s", rep.Stderr)
	}
}

func crashed(logs string) bool {
	return strings.Contains(logs, "panic:") || strings.Contains(logs, "goroutine ") || strings.Contains(logs, "SIGSEGV")
}

func failedCheck(ext map[string]any) string {
	s, _ := ext[plugin.ExtFailedCheck].(string)
	return s
}

// runObjectFault runs the plugin in process with f on obj.
func runObjectFault(t *testing.T, w *world, p *pluginSetup, f fault, obj string) {
	px := faultproxy.Start(t, w.reg.Host)
	rule := px.Inject(w.object(p, obj), f.make(w, p, obj))
	deadline := fastDeadline
	if f.slow {
		deadline = slowDeadline
	}
	res := p.run(t, w.ref(px.Host, p), p.referrer, p.withEntry(map[string]any{"timeout": deadline.String()}))
	if rule.Hits() == 0 {
		t.Fatalf("the fault never hit %s:\n%s", obj, px.LogString())
	}
	if res.IsSuccess {
		t.Fatalf("accepted: %s", res.Message)
	}
	check := failedCheck(res.Extensions)
	if check == "" || !strings.HasPrefix(res.Message, check+": ") {
		t.Errorf("message %q does not start with its failedCheck %q", res.Message, check)
	}
	if !f.want.MatchString(res.Message) {
		t.Errorf("message does not name the fault (want /%s/): %s", f.want, res.Message)
	}
	limit := deadline + inProcessMargin
	if !f.slow {
		limit = 2 * time.Second // a fault is reported at once, not at the deadline
	}
	if res.Elapsed > limit {
		t.Errorf("took %v, more than %v", res.Elapsed, limit)
	}
	if crashed(res.Stderr) {
		t.Errorf("crash in the logs:\n%s", res.Stderr)
	}
	recorder.Add(reliability.Outcome{
		Section: "objects", Case: fmt.Sprintf("objects/%s/%s/%s", p.name, obj, f.name),
		Plugin: p.name, Registry: w.reg.Name, Input: f.desc + ", on " + describe(p, obj),
		Denied: !res.IsSuccess, Check: check, Message: res.Message, Elapsed: res.Elapsed, Deadline: limit,
	})
}

// describe names an object for the page.
func describe(p *pluginSetup, obj string) string {
	switch obj {
	case objSubjectResolve:
		return "the plugin's HEAD of the subject manifest"
	case objSubjectManifest:
		return "the subject manifest"
	case objConfigBlob:
		return "the subject's config blob"
	case objWasmLayer:
		return "the subject's WASM layer"
	case objReferrerManifest:
		return "the " + referrerWord(p) + " manifest"
	case objReferrerLayer:
		return "the " + referrerWord(p) + " blob"
	}
	return obj
}

func referrerWord(p *pluginSetup) string {
	switch p.name {
	case "wasm-cosign":
		return "cosign signature"
	case "wasm-notation":
		return "notation signature"
	case "wasm-composition":
		return "composition list"
	case "wasm-slsa":
		return "provenance bundle"
	}
	return "referrer"
}
