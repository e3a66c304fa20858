package harness

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Registry is a distribution v3 registry (bin/registry) on loopback, plain
// HTTP, without the referrers API: clients use the tag-schema fallback.
type Registry struct {
	Host string // "127.0.0.1:<port>"
	*Process
}

// StartRegistry starts a registry storing into dir.
func StartRegistry(ctx context.Context, t *Tools, dir string) (*Registry, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf("version: 0.1\nlog: {level: warn}\nstorage:\n  filesystem: {rootdirectory: %s}\n  delete: {enabled: true}\nhttp: {addr: %s}\n",
		filepath.Join(dir, "storage"), addr)
	cfgPath := filepath.Join(dir, "registry.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	p, err := Start("registry", dir, nil, t.Path("registry"), "serve", cfgPath)
	if err != nil {
		return nil, err
	}
	err = p.WaitReady(ctx, 30*time.Second, func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/v2/", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		// distribution answers /v2/ with this header; anything else on
		// the port is not our registry.
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Docker-Distribution-Api-Version") != "registry/2.0" {
			return fmt.Errorf("%s answered %s without the registry header: %w", addr, resp.Status, errNotReady)
		}
		return nil
	})
	if err != nil {
		p.Stop()
		return nil, err
	}
	return &Registry{Host: addr, Process: p}, nil
}

// Ref is "<host>/<repo><sep><tagOrDigest>", sep being "@" for digests.
func (r *Registry) Ref(repo, tagOrDigest string) string {
	sep := ":"
	if len(tagOrDigest) > 7 && tagOrDigest[:7] == "sha256:" {
		sep = "@"
	}
	return r.Host + "/" + repo + sep + tagOrDigest
}
