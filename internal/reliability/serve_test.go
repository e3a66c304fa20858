package reliability_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/reliability"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/faultproxy"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

// Load: serveClients concurrent clients each POST every key serveRounds
// times to one `ratify serve`.
const (
	serveClients = 6
	serveRounds  = 2
	// serveTimeout is Ratify's request timeout under load: two cores run
	// dozens of plugin processes at once, which is about capacity, not
	// correctness (the slow-registry case checks the timeout itself).
	serveTimeout = 30 * time.Second
)

// TestServeConcurrency runs every plugin on passing and failing subjects,
// first one `ratify verify` at a time, then all at once through one
// `ratify serve`: every answer must equal the sequential one.
//
// It is not parallel: the parallel cases run after it, so its load does not
// eat into their deadlines.
func TestServeConcurrency(t *testing.T) {
	reg := registrytest.StartReferrers(t)
	w := newWorld(t, reg)
	// Failing subjects: the same artifacts through a proxy that corrupts
	// each plugin's referrer (or, for the test plugin, its WASM layer).
	px := faultproxy.Start(t, reg.Host)
	var verifiers []map[string]any
	var keys []string
	for _, p := range w.plugins {
		px.Inject(w.object(p, slowObject(p.reads)), faultproxy.Corrupt())
		verifiers = append(verifiers, p.withEntry(map[string]any{"timeout": ratifyDeadline.String()}))
		keys = append(keys, w.ref(reg.Host, p), w.ref(px.Host, p))
	}
	// A subject whose registry answers Ratify slower than its timeout.
	slow := faultproxy.Start(t, reg.Host)
	slow.Inject(faultproxy.Match{Kind: faultproxy.Manifest, Method: "HEAD", Client: faultproxy.Ratify}, faultproxy.Delay(held))
	slowKey := w.ref(slow.Host, w.plugin("wasm-cosign"))

	env := ratifytest.NewEnv(t, ratifytest.Config{Verifiers: verifiers, PluginDirs: []string{w.smokeDir}, Timeout: serveTimeout})
	want := map[string]any{}
	for _, k := range keys {
		rep := env.Verify(t, k)
		want[k] = comparable(t, rep.Raw)
		if len(want[k].(map[string]any)["reports"].(map[string]any)) == 0 {
			t.Fatalf("%s: no verifier report to compare: %s", k, rep.Raw)
		}
	}

	url := env.StartServe(t, ratifytest.ServeOptions{}).URL
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, serveClients*serveRounds)
	for c := range serveClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range serveRounds {
				items, err := post(url, keys)
				if err != nil {
					errs <- fmt.Errorf("client %d round %d: %w", c, r, err)
					return
				}
				for _, k := range keys {
					got, ok := items[k]
					if !ok {
						errs <- fmt.Errorf("client %d round %d: no answer for %s", c, r, k)
						continue
					}
					if !reflect.DeepEqual(got, want[k]) {
						errs <- fmt.Errorf("client %d round %d: %s differs from the sequential run:\nserve:  %v\nverify: %v", c, r, k, got, want[k])
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	elapsed := time.Since(start)
	n := serveClients * serveRounds * len(keys)
	failing := 0
	for _, k := range keys {
		if !want[k].(map[string]any)["isSuccess"].(bool) {
			failing++
		}
	}
	t.Logf("%d verifications (%d clients x %d rounds x %d keys) in %v", n, serveClients, serveRounds, len(keys), elapsed.Round(time.Millisecond))
	recorder.Add(reliability.Outcome{Section: "serve", Case: "serve/parallel-equals-sequential", Registry: reg.Name,
		Input:  fmt.Sprintf("%d concurrent clients x %d rounds, %d keys each (every plugin, %d passing and %d failing subjects): %d verifications", serveClients, serveRounds, len(keys), len(keys)-failing, failing, n),
		Denied: true, Verdict: "identical to sequential", Check: "-", Message: fmt.Sprintf("every answer equal to the sequential `ratify verify` of the same key; the %d failing subjects were denied every time", failing), Elapsed: elapsed})

	// Ratify's timeout holds in serve mode.
	slowURL := ratifytest.NewEnv(t, ratifytest.Config{Verifiers: verifiers, PluginDirs: []string{w.smokeDir}, Timeout: ratifyTimeout}).StartServe(t, ratifytest.ServeOptions{}).URL
	start = time.Now()
	items, err := post(slowURL, []string{slowKey})
	elapsed = time.Since(start)
	msg := fmt.Sprint(items[slowKey])
	if err != nil {
		msg = err.Error()
	} else if v, ok := items[slowKey].(map[string]any); ok && v["isSuccess"] == true {
		t.Fatalf("slow registry accepted: %v", v)
	}
	t.Logf("slow registry: %v after %v", msg, elapsed.Round(time.Millisecond))
	if limit := ratifyTimeout + ratifyOverhead; elapsed > limit {
		t.Errorf("slow registry: answered after %v, more than %v", elapsed, limit)
	}
	recorder.Add(reliability.Outcome{Section: "serve", Case: "serve/registry-slower-than-timeout", Registry: reg.Name,
		Input: "Ratify's HEAD of the subject held for 30s; verificationRequestTimeout 3s", Denied: true, Check: "ratify",
		Message: msg, Elapsed: elapsed, Deadline: ratifyTimeout + ratifyOverhead})
}

var serveCaseIDs = []string{"serve/parallel-equals-sequential", "serve/registry-slower-than-timeout"}

// comparable is a verify output without what differs between runs: the
// verifier reports by name, subject and referrer, in a stable order.
func comparable(t testing.TB, raw []byte) any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return normalizeReport(v)
}

func normalizeReport(v map[string]any) map[string]any {
	ok, _ := v["isSuccess"].(bool)
	out := map[string]any{"isSuccess": ok}
	byKey := map[string]any{}
	reports, _ := v["verifierReports"].([]any)
	for _, r := range reports {
		m, _ := r.(map[string]any)
		delete(m, "traceID")
		byKey[fmt.Sprint(m["name"], "|", m["referenceDigest"])] = m
	}
	out["reports"] = byKey
	return out
}

// post sends a ProviderRequest and returns the items by key: the
// normalized value, or the error string.
func post(url string, keys []string) (map[string]any, error) {
	body, _ := json.Marshal(map[string]any{"apiVersion": "externaldata.gatekeeper.sh/v1beta1", "kind": "ProviderRequest", "request": map[string]any{"keys": keys}})
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	var out struct {
		Response struct {
			Items []struct {
				Key   string         `json:"key"`
				Value map[string]any `json:"value"`
				Error string         `json:"error"`
			} `json:"items"`
			SystemError string `json:"systemError"`
		} `json:"response"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, raw)
	}
	if out.Response.SystemError != "" {
		return nil, fmt.Errorf("HTTP %d: system error: %s", resp.StatusCode, out.Response.SystemError)
	}
	items := map[string]any{}
	for _, it := range out.Response.Items {
		if it.Error != "" {
			items[it.Key] = "error: " + it.Error
			continue
		}
		items[it.Key] = normalizeReport(it.Value)
	}
	return items, nil
}
