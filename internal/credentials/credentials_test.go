package credentials_test

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/credentials"
)

// writeDockerConfig writes a docker config.json into dir.
func writeDockerConfig(t *testing.T, dir, body string) string {
	t.Helper()
	p := filepath.Join(dir, "config.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func basic(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

func TestDockerConfigFile(t *testing.T) {
	dir := t.TempDir()
	path := writeDockerConfig(t, dir, `{"auths":{"registry.example:5000":{"auth":"`+basic("alice", "s3cret")+`"}}}`)
	cred, err := credentials.New(map[string]any{"name": "dockerConfig", "configPath": path})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cred(context.Background(), "registry.example:5000")
	if err != nil || got.Username != "alice" || got.Password != "s3cret" {
		t.Fatalf("credential for a configured registry: %+v, %v", got, err)
	}
	got, err = cred(context.Background(), "other.example")
	if err != nil || got.Username != "" || got.Password != "" {
		t.Fatalf("a registry the file does not name must be anonymous: %+v, %v", got, err)
	}
}

// With no authProvider (nil) or no configPath, the file is Docker's own:
// $DOCKER_CONFIG/config.json, as Ratify's dockerConfig provider reads it.
func TestDockerConfigDefaultPath(t *testing.T) {
	dir := t.TempDir()
	writeDockerConfig(t, dir, `{"auths":{"registry.example":{"auth":"`+basic("bob", "pw")+`"}}}`)
	t.Setenv("DOCKER_CONFIG", dir)
	for _, conf := range []map[string]any{nil, {"name": "dockerConfig"}} {
		cred, err := credentials.New(conf)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cred(context.Background(), "registry.example")
		if err != nil || got.Username != "bob" {
			t.Fatalf("%v: %+v, %v", conf, got, err)
		}
	}
}

// Credential helpers named by the file are run (Ratify's own dockerConfig
// provider reads only the auths map).
func TestDockerConfigCredentialHelper(t *testing.T) {
	bin := t.TempDir()
	helper := "#!/bin/sh\nread server\n[ \"$1\" = get ] && [ \"$server\" = helper.example ] && printf '{\"ServerURL\":\"helper.example\",\"Username\":\"carol\",\"Secret\":\"from-helper\"}' && exit 0\necho 'credentials not found in native keychain'; exit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-rwtest"), []byte(helper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	path := writeDockerConfig(t, t.TempDir(), `{"credHelpers":{"helper.example":"rwtest"}}`)
	cred, err := credentials.New(map[string]any{"name": "dockerConfig", "configPath": path})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cred(context.Background(), "helper.example")
	if err != nil || got.Username != "carol" || got.Password != "from-helper" {
		t.Fatalf("credential from the helper: %+v, %v", got, err)
	}
}

// A docker config that cannot be read fails every fetch and names the key,
// instead of sending anonymous requests that fail with a bare 401.
func TestDockerConfigUnreadable(t *testing.T) {
	path := writeDockerConfig(t, t.TempDir(), `{"auths":`)
	cred, err := credentials.New(map[string]any{"name": "dockerConfig", "configPath": path})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cred(context.Background(), "registry.example")
	if err == nil || !strings.Contains(err.Error(), `"authProvider.configPath"`) {
		t.Fatalf("want an error naming authProvider.configPath, got %v", err)
	}
	if _, err := credentials.New(map[string]any{"name": "dockerConfig", "configPath": 5}); err == nil {
		t.Fatal("a configPath that is not a string must be refused")
	}
}

func TestProviderNames(t *testing.T) {
	if _, err := credentials.New(map[string]any{"configPath": "x"}); err == nil || !strings.Contains(err.Error(), "failed to find auth provider name") {
		t.Fatalf("an entry without a name: %v", err)
	}
	if _, err := credentials.New(map[string]any{"name": "nosuch"}); err == nil || !strings.Contains(err.Error(), "failed to find auth provider implementation with name nosuch") {
		t.Fatalf("an unknown name: %v", err)
	}
	for _, name := range credentials.CloudProviders {
		_, err := credentials.New(map[string]any{"name": name})
		inOther := errors.Is(err, credentials.ErrProviderNotInFlavour)
		switch credentials.Flavour {
		case "default":
			if !inOther || !strings.Contains(err.Error(), `"`+name+`"`) || !strings.Contains(err.Error(), "-tags cloudauth") || !strings.Contains(err.Error(), "plugins.flavour: cloud") {
				t.Errorf("%s in the default build: want the flavour that has it named, got %v", name, err)
			}
		case "cloud":
			// Ratify's own provider decides (most need their cloud's
			// environment and refuse without it); it must have been reached.
			if inOther {
				t.Errorf("%s in the cloud build: %v", name, err)
			}
		default:
			t.Fatalf("unknown flavour %q", credentials.Flavour)
		}
	}
}
