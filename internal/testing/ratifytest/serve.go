package ratifytest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// VerifyPath is the external-data endpoint of `ratify serve`.
const VerifyPath = "/ratify/gatekeeper/v1/verify"

// ServeOptions is what varies in starting `ratify serve`.
type ServeOptions struct {
	// CertDir holds tls.crt and tls.key (`--cert-dir`) and CAPEM the CA
	// that signed them: the server speaks TLS 1.3 and only a server with a
	// certificate from that CA is taken for ours. Empty: plain HTTP.
	CertDir string
	CAPEM   []byte
	// Args are further flags (e.g. `--cache-enabled`).
	Args []string
	// ReadyKeys are the keys of the ProviderRequest that tells the server
	// is up; each must come back in the answer. None: an empty request,
	// answered without touching a registry.
	ReadyKeys []string
}

// Server is a running `ratify serve`, the Gatekeeper external-data provider.
type Server struct {
	// URL is http(s)://127.0.0.1:<port>/ratify/gatekeeper/v1/verify.
	URL string
	// CAPEM is the CA of its certificate (nil over plain HTTP).
	CAPEM  []byte
	client *http.Client
	*testenv.Process
}

// serveAttempts bounds retries on a new port when the port was taken
// between picking it and Ratify binding it.
const serveAttempts = 3

// Serve starts `ratify serve` for this environment on a free loopback port
// and waits until it answers a provider request for opts.ReadyKeys; the
// caller stops it with Stop. Its output goes to ratify-serve.log in e.Dir.
func (e *Env) Serve(ctx context.Context, opts ServeOptions) (*Server, error) {
	var errs []error
	for attempt := 1; attempt <= serveAttempts; attempt++ {
		s, err := e.serve(ctx, opts)
		if err == nil {
			return s, nil
		}
		errs = append(errs, fmt.Errorf("attempt %d: %w", attempt, err))
	}
	return nil, fmt.Errorf("ratify serve did not start:\n%w", errors.Join(errs...))
}

func (e *Env) serve(ctx context.Context, opts ServeOptions) (*Server, error) {
	addr, err := testenv.FreeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--http", addr}
	scheme, transport := "http", &http.Transport{}
	if opts.CertDir != "" {
		args = append(args, "--cert-dir", opts.CertDir)
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(opts.CAPEM)
		scheme, transport = "https", &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}}
	}
	args = append(append(args, "-c", e.ConfigPath), opts.Args...)
	p, err := testenv.Start("ratify-serve", e.Dir, e.env, e.ratify, args...)
	if err != nil {
		return nil, err
	}
	s := &Server{URL: scheme + "://" + addr + VerifyPath, CAPEM: opts.CAPEM, Process: p, client: &http.Client{Timeout: 30 * time.Second, Transport: transport}}
	err = p.WaitReady(ctx, 30*time.Second, func(ctx context.Context) error {
		b, err := s.Post(ctx, opts.ReadyKeys)
		if err != nil {
			return err
		}
		if !bytes.Contains(b, []byte(`"ProviderResponse"`)) {
			return fmt.Errorf("%s answered without a ProviderResponse: %.300s", s.URL, b)
		}
		for _, k := range opts.ReadyKeys {
			if !bytes.Contains(b, []byte(k)) {
				return fmt.Errorf("%s answered without key %s: %.300s", s.URL, k, b)
			}
		}
		return nil
	})
	if err != nil {
		p.Stop()
		return nil, err
	}
	return s, nil
}

// StartServe is Serve for a test: it fails the test if the server does not
// come up, stops it when the test ends and logs the end of its output if
// the test failed.
func (e *Env) StartServe(t testing.TB, opts ServeOptions) *Server {
	t.Helper()
	s, err := e.Serve(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("ratify serve output:\n%s", s.Tail())
		}
	})
	return s
}

// Post sends a provider request for keys and returns the raw response; an
// answer other than 200 is an error.
func (s *Server) Post(ctx context.Context, keys []string) ([]byte, error) {
	if keys == nil {
		keys = []string{}
	}
	body, _ := json.Marshal(map[string]any{
		"apiVersion": "externaldata.gatekeeper.sh/v1beta1", "kind": "ProviderRequest",
		"request": map[string]any{"keys": keys},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return b, fmt.Errorf("%s answered %s: %s", s.URL, resp.Status, strings.TrimSpace(string(b)))
	}
	return b, nil
}

// Environ is the process environment of this Ratify home (RATIFY_CONFIG,
// HOME and DOCKER_CONFIG over the test's own).
func (e *Env) Environ() []string { return e.env }
