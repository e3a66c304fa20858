package registrytest

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestStartVerifiesInstance(t *testing.T) {
	ForEach(t, func(t *testing.T, r *Registry) {
		if !strings.HasPrefix(r.Host, "127.0.0.1:") {
			t.Fatalf("Host = %q, want 127.0.0.1:<port>", r.Host)
		}
		if err := r.Verify(); err != nil {
			t.Fatal(err)
		}
		// The marker header is on every answer, not only /v2/.
		resp, err := probeClient.Get(r.URL() + "/v2/nothing/here/manifests/latest")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get(instanceHeader) != r.instance {
			t.Fatalf("GET unknown manifest: %s, %s=%q", resp.Status, instanceHeader, resp.Header.Get(instanceHeader))
		}
		if want := r.Name == "referrers"; r.ReferrersAPI != want {
			t.Fatalf("ReferrersAPI = %v for %s", r.ReferrersAPI, r.Name)
		}
		t.Logf("%s start-up: %v", r.Name, r.Startup)
	})
}

// A registry-looking server that is not ours must be told apart.
func TestProbeRejectsForeignServer(t *testing.T) {
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
		w.Header().Set(instanceHeader, "someone-else")
	}))
	defer foreign.Close()
	err := probe(strings.TrimPrefix(foreign.URL, "http://"), newInstanceID())
	var fe errForeign
	if !errors.As(err, &fe) {
		t.Fatalf("probe of a foreign registry = %v, want errForeign", err)
	}
}

// If the probed port is taken by the time the binary binds it (here: by a
// registry-looking server, the lesson from §6), the start is retried on
// another port and the result is verified to be our process.
func TestDistributionRetriesTakenPort(t *testing.T) {
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	}))
	defer foreign.Close()
	_, p, _ := net.SplitHostPort(strings.TrimPrefix(foreign.URL, "http://"))
	taken, _ := strconv.Atoi(p)

	calls := 0
	pickPort = func() (int, error) {
		calls++
		if calls == 1 {
			return taken, nil
		}
		return probePort()
	}
	defer func() { pickPort = probePort }()

	r := StartDistribution(t)
	if calls < 2 {
		t.Fatalf("pickPort called %d times, want a retry", calls)
	}
	if r.Host == strings.TrimPrefix(foreign.URL, "http://") {
		t.Fatalf("registry reported the foreign server's address %s", r.Host)
	}
	if err := r.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestCloseStops(t *testing.T) {
	ForEach(t, func(t *testing.T, r *Registry) {
		if err := r.Verify(); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		r.Close()
		t.Logf("%s stop: %v", r.Name, time.Since(start))
		r.Close() // idempotent
		c, err := net.DialTimeout("tcp", r.Host, time.Second)
		if err == nil {
			c.Close()
			t.Fatalf("%s still accepts connections after Close", r.Host)
		}
		if err := r.Verify(); err == nil {
			t.Fatalf("registry still answers after Close")
		}
	})
}

func TestRef(t *testing.T) {
	r := &Registry{Host: "127.0.0.1:5000"}
	for in, want := range map[[2]string]string{
		{"wasm/app", "v1"}:          "127.0.0.1:5000/wasm/app:v1",
		{"wasm/app", "sha256:0123"}: "127.0.0.1:5000/wasm/app@sha256:0123",
	} {
		if got := r.Ref(in[0], in[1]); got != want {
			t.Errorf("Ref(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
}
