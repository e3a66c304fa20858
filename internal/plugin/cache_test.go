package plugin

import (
	"encoding/json"
	"os"
	"testing"
)

func TestPrivateStoreCache(t *testing.T) {
	shared := t.TempDir()
	in := []byte(`{"config":{"name":"x","maxBlobBytes":12345678901},"storeConfig":{"version":"1.0.0","store":{"name":"oras","useHttp":true,"localCachePath":"` + shared + `"}},"referenceDesc":{"digest":"sha256:00"}}`)
	out, cleanup := privateStoreCache(in)
	var doc struct {
		Config      map[string]json.RawMessage `json:"config"`
		StoreConfig struct {
			Version string         `json:"version"`
			Store   map[string]any `json:"store"`
		} `json:"storeConfig"`
		ReferenceDesc map[string]any `json:"referenceDesc"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	dir, _ := doc.StoreConfig.Store["localCachePath"].(string)
	if dir == "" || dir == shared {
		t.Fatalf("localCachePath = %q, want a private directory instead of %q", dir, shared)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("private cache %s: %v", dir, err)
	}
	// Everything else is kept, numbers verbatim.
	if string(doc.Config["maxBlobBytes"]) != "12345678901" || doc.StoreConfig.Version != "1.0.0" ||
		doc.StoreConfig.Store["useHttp"] != true || doc.StoreConfig.Store["name"] != "oras" || doc.ReferenceDesc["digest"] != "sha256:00" {
		t.Fatalf("input changed beyond localCachePath: %s", out)
	}
	cleanup()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("private cache %s not removed: %v", dir, err)
	}

	for _, bad := range []string{`not json`, `{"config":{}}`, `[1,2]`} {
		got, cleanup := privateStoreCache([]byte(bad))
		cleanup()
		if string(got) != bad {
			t.Errorf("input %q changed to %q", bad, got)
		}
	}
}
