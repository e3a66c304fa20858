// Package loadgen drives an external-data provider (ratify serve) the way
// Gatekeeper does: POSTs of ProviderRequests carrying several image keys,
// sent open-loop at a fixed arrival rate, with a cap on requests in flight
// and a client timeout, so every step ends by itself.
package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/ratify-wasm/ratify-wasm/bench/internal/stats"
)

// GatekeeperTimeout is Gatekeeper's default validating webhook timeout
// (3 s), which bounds the external-data call made during admission.
const GatekeeperTimeout = 3 * time.Second

// maxResponseBytes bounds a provider response read.
const maxResponseBytes = 8 << 20

// Target describes the provider and the keys each request carries.
type Target struct {
	// URL is the provider endpoint, e.g. http://127.0.0.1:p/ratify/gatekeeper/v1/verify.
	URL string
	// Keys returns the image keys of request i.
	Keys func(i int) []string
	// MaxInFlight caps concurrent requests; an arrival beyond it is dropped
	// and counted, as an overloaded webhook would refuse it.
	MaxInFlight int
	// Timeout bounds one request (client side).
	Timeout time.Duration
	Client  *http.Client
}

// Step is one constant-rate phase.
type Step struct {
	Rate     float64       // requests per second
	Duration time.Duration // how long arrivals are generated
}

// Result is the outcome of one step.
type Result struct {
	Rate     float64 `json:"rate"`
	Keys     int     `json:"keysPerRequest"`
	Sent     int     `json:"sent"`
	Dropped  int     `json:"dropped"`
	Answered int     `json:"answered"`
	// Failed counts requests that did not come back as a complete, passing
	// ProviderResponse: transport errors and timeouts, HTTP errors,
	// systemError, an item error, a missing key or isSuccess false.
	Failed int `json:"failed"`
	// OverGatekeeper counts answered requests slower than GatekeeperTimeout.
	OverGatekeeper int `json:"overGatekeeperTimeout"`
	// Throughput is passing requests per second of wall time (arrivals
	// plus draining).
	Throughput float64 `json:"throughput"`
	// LatencyMS summarises answered requests (failed ones included).
	LatencyMS stats.Summary `json:"latencyMs"`
	P99MS     float64       `json:"p99Ms"`
	Elapsed   float64       `json:"elapsedS"`
	// FirstFailure is one failure message, for the report.
	FirstFailure string `json:"firstFailure,omitempty"`
}

// Run sends requests at step.Rate for step.Duration and waits for the
// answers (at most Target.Timeout after the last arrival).
func Run(ctx context.Context, tg Target, step Step, offset int) Result {
	interval := time.Duration(float64(time.Second) / step.Rate)
	res := Result{Rate: step.Rate}
	var (
		mu        sync.Mutex
		latencies []float64
		wg        sync.WaitGroup
		sem       = make(chan struct{}, tg.MaxInFlight)
	)
	start := time.Now()
	end := start.Add(step.Duration)
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * interval)
		if !at.Before(end) {
			break
		}
		select {
		case <-ctx.Done():
			return res
		case <-time.After(time.Until(at)):
		}
		keys := tg.Keys(offset + i)
		res.Keys = len(keys)
		res.Sent++
		select {
		case sem <- struct{}{}:
		default:
			res.Dropped++
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			lat, err := send(ctx, tg, keys)
			mu.Lock()
			defer mu.Unlock()
			if lat > 0 {
				res.Answered++
				latencies = append(latencies, float64(lat)/float64(time.Millisecond))
				if lat > GatekeeperTimeout {
					res.OverGatekeeper++
				}
			}
			if err != nil {
				res.Failed++
				if res.FirstFailure == "" {
					res.FirstFailure = err.Error()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	res.Elapsed = elapsed.Seconds()
	res.Throughput = float64(res.Answered-failedAnswered(res)) / elapsed.Seconds()
	res.LatencyMS = stats.Summarize(latencies)
	slices.Sort(latencies)
	res.P99MS = stats.Quantile(latencies, 0.99)
	return res
}

// failedAnswered is the number of answered requests that failed: failures
// minus those that never got an answer (which have no latency).
func failedAnswered(r Result) int {
	unanswered := r.Sent - r.Dropped - r.Answered
	return r.Failed - unanswered
}

// providerResponse is Gatekeeper's externaldata ProviderResponse as Ratify
// writes it (Ratify v1.4.6 httpserver; Gatekeeper's
// externaldata.ProviderResponse).
type providerResponse struct {
	Kind     string `json:"kind"`
	Response struct {
		SystemError string `json:"systemError"`
		Items       []struct {
			Key   string `json:"key"`
			Error string `json:"error"`
			Value struct {
				IsSuccess bool `json:"isSuccess"`
			} `json:"value"`
		} `json:"items"`
	} `json:"response"`
}

// send posts one ProviderRequest. It returns the latency when an HTTP
// answer arrived, and an error unless every key passed.
func send(ctx context.Context, tg Target, keys []string) (time.Duration, error) {
	body, err := json.Marshal(map[string]any{
		"apiVersion": "externaldata.gatekeeper.sh/v1beta1",
		"kind":       "ProviderRequest",
		"request":    map[string]any{"keys": keys},
	})
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, tg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tg.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := tg.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	lat := time.Since(start)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return lat, fmt.Errorf("HTTP %s: %.200s", resp.Status, raw)
	}
	var pr providerResponse
	if err := json.Unmarshal(raw, &pr); err != nil {
		return lat, fmt.Errorf("not a ProviderResponse: %v", err)
	}
	if pr.Response.SystemError != "" {
		return lat, fmt.Errorf("systemError: %s", pr.Response.SystemError)
	}
	passed := map[string]bool{}
	for _, it := range pr.Response.Items {
		if it.Error != "" {
			return lat, fmt.Errorf("key %s: %s", it.Key, it.Error)
		}
		if !it.Value.IsSuccess {
			return lat, fmt.Errorf("key %s: isSuccess false", it.Key)
		}
		passed[it.Key] = true
	}
	for _, k := range keys {
		if !passed[k] {
			return lat, fmt.Errorf("key %s: missing from the response", k)
		}
	}
	return lat, nil
}

// Crossing is where a rising-rate sweep first fails admission.
type Crossing struct {
	// Rate is the first step rate whose p99 exceeded GatekeeperTimeout or
	// that had failures; 0 when no step crossed.
	Rate float64 `json:"rate"`
	// LastGood is the highest rate below it that stayed within the timeout
	// without failures; 0 when none did.
	LastGood float64 `json:"lastGood"`
}

// Crossed reports whether r fails admission: a p99 over the Gatekeeper
// timeout, or any request dropped or failed.
func Crossed(r Result) bool {
	return r.P99MS > float64(GatekeeperTimeout/time.Millisecond) || r.Failed > 0 || r.Dropped > 0
}

// FindCrossing scans a sweep in rate order.
func FindCrossing(sweep []Result) Crossing {
	var c Crossing
	for _, r := range sweep {
		if Crossed(r) {
			c.Rate = r.Rate
			return c
		}
		c.LastGood = r.Rate
	}
	return c
}
