package oci

import (
	"errors"
	"testing"
)

func TestCanonicalReference(t *testing.T) {
	const dg = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for in, want := range map[string]string{
		"ghcr.io/myorg/app" + dg:                    "ghcr.io/myorg/app" + dg,
		"GHCR.IO/myorg/app" + dg:                    "ghcr.io/myorg/app" + dg,
		"ghcr.io:443/myorg/app" + dg:                "ghcr.io/myorg/app" + dg,
		"Ghcr.Io:443/myorg/app:v1":                  "ghcr.io/myorg/app:v1",
		"index.docker.io/myorg/app:v1":              "docker.io/myorg/app:v1",
		"registry-1.docker.io/myorg/app" + dg:       "docker.io/myorg/app" + dg,
		"registry.hub.docker.com/nginx:1":           "docker.io/library/nginx:1",
		"docker.io/nginx" + dg:                      "docker.io/library/nginx" + dg,
		"127.0.0.1:5000/wasm/app:v1":                "127.0.0.1:5000/wasm/app:v1",
		"localhost:8443/a/b/c" + dg:                 "localhost:8443/a/b/c" + dg,
		"[::1]:5000/x:y":                            "[::1]:5000/x:y",
		"example.com:4430/app__x/a-b.c" + dg:        "example.com:4430/app__x/a-b.c" + dg,
		"example.com:443/app--x/a" + ":1.0-rc" + dg: "example.com/app--x/a:1.0-rc" + dg,
	} {
		got, err := CanonicalReference(in)
		if err != nil || got != want {
			t.Errorf("CanonicalReference(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestCanonicalRepositoryRefuses: spellings that name no valid repository
// are refused, never folded into a valid one.
func TestCanonicalRepositoryRefuses(t *testing.T) {
	for _, in := range []string{
		"ghcr.io/MyOrg/app", "ghcr.io/myorg//app", "ghcr.io", "ghcr.io/", "/myorg/app",
		"ghcr.io/myorg/app/", "ghcr.io/-app", "ghcr.io/app.", "ghcr.io/a..b", "ghcr.io/a___b",
	} {
		got, err := CanonicalRepository(in)
		if err == nil || !errors.Is(err, ErrNotCanonical) {
			t.Errorf("CanonicalRepository(%q) = %q, %v; want ErrNotCanonical", in, got, err)
		}
	}
}
