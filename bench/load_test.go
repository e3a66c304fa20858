//go:build bench

package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/bench/internal/loadgen"
	"github.com/ratify-wasm/ratify-wasm/bench/internal/report"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/ratifytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

const (
	// Ratify's verificationRequestTimeout for the load test: far above the
	// Gatekeeper timeout, so the latency curve stays visible instead of
	// turning into Ratify timeouts at 2.9 s (its default).
	serveTimeout = 30 * time.Second
	// clientTimeout bounds one request; maxInFlight bounds the load
	// generator's concurrency (arrivals beyond it are dropped).
	clientTimeout = 15 * time.Second
	maxInFlight   = 32
)

// serveConfig is one verifier set given to `ratify serve`.
type serveConfig struct {
	name      string
	verifiers []map[string]any
	baseline  string // config compared with, "" for the baseline itself
}

// benchLoad drives `ratify serve` with Gatekeeper-shaped requests at
// rising rates, with Ratify's cache off and on, for the built-in verifiers
// and for the plugins.
func benchLoad(t *testing.T, w *world) []report.LoadSweep {
	configs := []serveConfig{
		{name: "built-in cosign + notation", verifiers: []map[string]any{w.builtinCosign(), w.builtinNotation()}},
		{name: "wasm-cosign + wasm-notation", verifiers: []map[string]any{w.wasmCosign(), w.wasmNotation()}, baseline: "built-in cosign + notation"},
		{name: "all four ratify-wasm plugins", verifiers: []map[string]any{w.wasmCosign(), w.wasmNotation(), w.wasmSLSA(), w.wasmComposition()}, baseline: "built-in cosign + notation"},
	}
	var out []report.LoadSweep
	for _, cache := range []bool{false, true} {
		rates := w.plan.ratesOff
		if cache {
			rates = w.plan.ratesOn
		}
		byName := map[string]*report.LoadSweep{}
		for _, c := range configs {
			sweep := w.sweep(t, c, cache, rates)
			if b := byName[c.baseline]; b != nil {
				sweep.Baseline = c.baseline
				sweep.Ratio = &report.ThroughputCompare{MaxThroughput: bestThroughput(sweep) / bestThroughput(*b)}
				if b.Crossing.LastGood > 0 {
					sweep.Ratio.LastGoodRate = sweep.Crossing.LastGood / b.Crossing.LastGood
				}
			}
			out = append(out, sweep)
			byName[c.name] = &out[len(out)-1]
		}
	}
	return out
}

func bestThroughput(s report.LoadSweep) float64 {
	var best float64
	for _, st := range s.Steps {
		best = max(best, st.Throughput)
	}
	return best
}

// sweep runs one configuration against a fresh `ratify serve`, raising
// the rate until a step fails admission (p99 over 3 s, or failures).
func (w *world) sweep(t *testing.T, c serveConfig, cache bool, rates []float64) report.LoadSweep {
	srv := w.serve(t, c, cache)
	defer srv.stop()
	n := len(w.images)
	k := w.plan.keysPerRequest
	tg := loadgen.Target{
		URL: srv.url, MaxInFlight: maxInFlight, Timeout: clientTimeout,
		Client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: maxInFlight}},
		Keys: func(i int) []string {
			keys := make([]string, k)
			for j := range keys {
				keys[j] = w.images[(i*k+j)%n].tagRef
			}
			return keys
		},
	}
	sweep := report.LoadSweep{Config: c.name, Cache: cache}
	for _, v := range c.verifiers {
		sweep.Verifiers = append(sweep.Verifiers, v["name"].(string))
	}
	sent := 0
	for _, rate := range rates {
		r := loadgen.Run(context.Background(), tg, loadgen.Step{Rate: rate, Duration: w.plan.step}, sent)
		sent += r.Sent
		sweep.Steps = append(sweep.Steps, r)
		t.Logf("load %s cache=%t %g req/s: %d sent, %.2f passed/s, p50 %.0f ms, p99 %.0f ms, %d failed, %d dropped %s",
			c.name, cache, rate, r.Sent, r.Throughput, r.LatencyMS.Median, r.P99MS, r.Failed, r.Dropped, r.FirstFailure)
		if loadgen.Crossed(r) {
			break
		}
	}
	sweep.Crossing = loadgen.FindCrossing(sweep.Steps)
	if srv.exited() {
		t.Fatalf("ratify serve exited during the load test:\n%s", srv.log.String())
	}
	return sweep
}

// server is a running `ratify serve`.
type server struct {
	url  string
	cmd  *exec.Cmd
	done chan struct{}
	log  *syncBuffer
}

func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM, then SIGKILL after 5 s, to the process group of the
// server started here, so plugin processes still running end with it.
func (s *server) stop() {
	pgid := -s.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
	}
	_ = syscall.Kill(pgid, syscall.SIGKILL)
	<-s.done
}

// serve starts `ratify serve --http 127.0.0.1:<free port>` with c and
// waits until it answers a ProviderRequest (for an image that does not
// exist, so the cache stays cold).
func (w *world) serve(t *testing.T, c serveConfig, cache bool) *server {
	env := ratifytest.NewEnv(t, ratifytest.Config{CosignEnabled: true, Verifiers: c.verifiers, Timeout: serveTimeout})
	for attempt := 1; ; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		args := []string{"serve", "--http", addr, "-c", env.ConfigPath}
		if cache {
			args = append(args, "--cache-enabled", "--cache-type", "ristretto")
		}
		cmd := exec.Command(testenv.Bin(t, "ratify"), args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Env = append(os.Environ(), "RATIFY_CONFIG="+env.Dir, "HOME="+filepath.Join(env.Dir, "home"), "DOCKER_CONFIG="+filepath.Join(env.Dir, "home", ".docker"))
		s := &server{url: "http://" + addr + "/ratify/gatekeeper/v1/verify", cmd: cmd, done: make(chan struct{}), log: &syncBuffer{}}
		cmd.Stdout, cmd.Stderr = s.log, s.log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { cmd.Wait(); close(s.done) }()
		if err := s.ready(w.reg.Host); err == nil {
			return s
		} else if attempt == 3 {
			s.stop()
			t.Fatalf("ratify serve on %s: %v\n%s", addr, err, s.log.String())
		} else {
			s.stop()
			t.Logf("ratify serve on %s, attempt %d: %v", addr, attempt, err)
		}
	}
}

// ready polls until this server answers with a ProviderResponse.
func (s *server) ready(registry string) error {
	key := registry + "/bench/absent:v0"
	body := fmt.Sprintf(`{"apiVersion":"externaldata.gatekeeper.sh/v1beta1","kind":"ProviderRequest","request":{"keys":[%q]}}`, key)
	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: 10 * time.Second}
	for time.Now().Before(deadline) {
		if s.exited() {
			return fmt.Errorf("exited")
		}
		resp, err := client.Post(s.url, "application/json", strings.NewReader(body))
		if err == nil {
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.Contains(buf.String(), `"ProviderResponse"`) && strings.Contains(buf.String(), key) {
				return nil
			}
			return fmt.Errorf("unexpected answer %s: %.300s", resp.Status, buf.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no answer within 30s")
}

// syncBuffer keeps the last logKeep bytes of a server's log, for error
// messages; Ratify logs every request, so the log is not kept whole.
type syncBuffer struct {
	mu sync.Mutex
	b  []byte
}

const logKeep = 256 << 10

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	if len(s.b) > 2*logKeep {
		s.b = append(s.b[:0], s.b[len(s.b)-logKeep:]...)
	}
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}
