package harness

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// RatifyConfig is what varies in Ratify's config.json.
type RatifyConfig struct {
	// Verifiers are verifier entries exactly as in config.json.
	Verifiers []map[string]any
	// Policy is the Rego text of the regoPolicy provider (inline).
	Policy string
	// Timeout is Ratify's verificationRequestTimeout.
	Timeout time.Duration
}

// Ratify is a private Ratify home (RATIFY_CONFIG) with its config.json.
type Ratify struct {
	tools  *Tools
	Dir    string
	Config string
	env    []string
}

// NewRatify writes config.json for cfg into dir: the oras store over plain
// HTTP with cosign tags listed, the project's plugin directory and the
// regoPolicy provider with cfg.Policy inline.
func NewRatify(t *Tools, dir string, cfg RatifyConfig) (*Ratify, error) {
	if err := os.MkdirAll(filepath.Join(dir, "home"), 0o700); err != nil {
		return nil, err
	}
	doc := map[string]any{
		"executor": map[string]any{"verificationRequestTimeout": cfg.Timeout.Milliseconds(), "mutationRequestTimeout": 950},
		"store": map[string]any{"version": "1.0.0", "plugins": []any{map[string]any{
			"name": "oras", "useHttp": true, "cosignEnabled": true,
			"localCachePath": filepath.Join(dir, "oras-cache"),
		}}},
		"policy": map[string]any{"version": "1.0.0", "plugin": map[string]any{
			"name": "regoPolicy", "policy": cfg.Policy, "passthroughEnabled": false,
		}},
		"verifier": map[string]any{"version": "1.0.0", "pluginBinDirs": []string{t.Plugins}, "plugins": cfg.Verifiers},
		"logger":   map[string]any{"formatter": "text"},
	}
	raw, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return nil, err
	}
	home := filepath.Join(dir, "home")
	env := []string{"RATIFY_CONFIG=" + dir, "HOME=" + home, "DOCKER_CONFIG=" + filepath.Join(home, ".docker")}
	return &Ratify{tools: t, Dir: dir, Config: path, env: env}, nil
}

// Verification is one `ratify verify` run.
type Verification struct {
	// Report is Ratify's output (regoPolicy shape); a failing isSuccess
	// is absent from it (omitempty).
	Report  json.RawMessage
	Success bool
	Elapsed time.Duration
	Stderr  string
}

// Verify runs `ratify verify -s subject`. Ratify exits 0 whether or not
// verification passed; a non-zero exit (bad config, missing plugin) is an
// error.
func (r *Ratify) Verify(ctx context.Context, subject string) (*Verification, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.tools.Path("ratify"), "verify", "-c", r.Config, "-s", subject)
	cmd.Env = append(os.Environ(), r.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	v := &Verification{Report: bytes.TrimSpace(stdout.Bytes()), Elapsed: time.Since(start), Stderr: stderr.String()}
	if err != nil {
		return nil, fmt.Errorf("ratify verify -s %s: %v\nstdout: %s\nstderr: %s", subject, err, stdout.Bytes(), stderr.Bytes())
	}
	var top struct {
		IsSuccess bool `json:"isSuccess"`
	}
	if err := json.Unmarshal(v.Report, &top); err != nil {
		return nil, fmt.Errorf("ratify verify -s %s: output is not a report: %v\nstdout: %s\nstderr: %s", subject, err, stdout.Bytes(), stderr.Bytes())
	}
	v.Success = top.IsSuccess
	return v, nil
}

// Server is a running `ratify serve`, the Gatekeeper external-data provider.
type Server struct {
	URL    string // https://127.0.0.1:<port>/ratify/gatekeeper/v1/verify
	CAPEM  []byte
	client *http.Client
	*Process
}

// VerifyPath is the external-data endpoint of `ratify serve`.
const VerifyPath = "/ratify/gatekeeper/v1/verify"

// Serve starts `ratify serve` over TLS 1.3 with the certificates in tlsDir
// and waits until it answers a provider request.
func (r *Ratify) Serve(ctx context.Context, tlsDir *TLSDir) (*Server, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	p, err := Start("ratify-serve", r.Dir, r.env, r.tools.Path("ratify"), "serve", "--http", addr, "--cert-dir", tlsDir.Dir, "-c", r.Config)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(tlsDir.CAPEM)
	s := &Server{
		URL: "https://" + addr + VerifyPath, CAPEM: tlsDir.CAPEM, Process: p,
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}}},
	}
	// An empty key list is answered without touching a registry; only our
	// server has a certificate our CA signed.
	err = p.WaitReady(ctx, 30*time.Second, func(ctx context.Context) error {
		_, err := s.Post(ctx, nil)
		return err
	})
	if err != nil {
		p.Stop()
		return nil, err
	}
	return s, nil
}

// Post sends a provider request for keys and returns the raw response.
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
		return b, fmt.Errorf("%s answered %s: %s", s.URL, resp.Status, b)
	}
	return b, nil
}
