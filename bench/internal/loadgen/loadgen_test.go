package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// provider answers ProviderRequests after delay; keys named "bad" fail.
func provider(delay time.Duration, inflight *atomic.Int32, peak *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		var req struct {
			Request struct {
				Keys []string `json:"keys"`
			} `json:"request"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		time.Sleep(delay)
		var items []map[string]any
		for _, k := range req.Request.Keys {
			items = append(items, map[string]any{"key": k, "value": map[string]any{"isSuccess": k != "bad"}})
		}
		json.NewEncoder(w).Encode(map[string]any{"kind": "ProviderResponse", "response": map[string]any{"items": items}})
	}
}

func target(url string, keys func(int) []string, maxInFlight int) Target {
	return Target{URL: url, Keys: keys, MaxInFlight: maxInFlight, Timeout: 2 * time.Second, Client: &http.Client{}}
}

func TestRunCountsAndLatency(t *testing.T) {
	var inflight, peak atomic.Int32
	srv := httptest.NewServer(provider(20*time.Millisecond, &inflight, &peak))
	defer srv.Close()
	keys := func(i int) []string { return []string{fmt.Sprintf("img%d", i%3), "other"} }
	r := Run(context.Background(), target(srv.URL, keys, 8), Step{Rate: 50, Duration: 400 * time.Millisecond}, 0)
	if r.Sent != 20 || r.Answered != 20 || r.Failed != 0 || r.Dropped != 0 || r.Keys != 2 {
		t.Fatalf("result %+v", r)
	}
	if r.LatencyMS.Median < 20 || r.P99MS < r.LatencyMS.Median {
		t.Fatalf("latency %+v p99 %v", r.LatencyMS, r.P99MS)
	}
	if r.Throughput <= 0 || Crossed(r) {
		t.Fatalf("throughput %v crossed %t", r.Throughput, Crossed(r))
	}
}

func TestRunFailuresAndDrops(t *testing.T) {
	var inflight, peak atomic.Int32
	srv := httptest.NewServer(provider(300*time.Millisecond, &inflight, &peak))
	defer srv.Close()
	keys := func(i int) []string {
		if i%2 == 0 {
			return []string{"bad"}
		}
		return []string{"good"}
	}
	r := Run(context.Background(), target(srv.URL, keys, 2), Step{Rate: 40, Duration: 250 * time.Millisecond}, 0)
	if peak.Load() > 2 {
		t.Fatalf("in-flight cap exceeded: %d", peak.Load())
	}
	if r.Dropped == 0 || r.Answered+r.Dropped != r.Sent {
		t.Fatalf("drops: %+v", r)
	}
	if r.Failed == 0 || r.FirstFailure != "key bad: isSuccess false" || !Crossed(r) {
		t.Fatalf("failures: %+v", r)
	}
}

func TestRunTimeoutIsFailure(t *testing.T) {
	var inflight, peak atomic.Int32
	srv := httptest.NewServer(provider(time.Second, &inflight, &peak))
	defer srv.Close()
	tg := target(srv.URL, func(int) []string { return []string{"k"} }, 4)
	tg.Timeout = 100 * time.Millisecond
	start := time.Now()
	r := Run(context.Background(), tg, Step{Rate: 10, Duration: 100 * time.Millisecond}, 0)
	if r.Failed != r.Sent || r.Answered != 0 || time.Since(start) > 900*time.Millisecond {
		t.Fatalf("timeouts: %+v after %v", r, time.Since(start))
	}
}

func TestFindCrossing(t *testing.T) {
	sweep := []Result{{Rate: 1, P99MS: 100}, {Rate: 2, P99MS: 2900}, {Rate: 4, P99MS: 3100}, {Rate: 8, P99MS: 100, Failed: 1}}
	if c := FindCrossing(sweep); c.Rate != 4 || c.LastGood != 2 {
		t.Fatalf("crossing %+v", c)
	}
	if c := FindCrossing(sweep[:2]); c.Rate != 0 || c.LastGood != 2 {
		t.Fatalf("no crossing %+v", c)
	}
}
