package plugin

import (
	"bytes"
	"encoding/json"
	"os"
)

// privateStoreCache points the store's localCachePath in the plugin input
// at a fresh, private directory. skel rebuilds Ratify's oras store in the
// plugin process and opens that cache, an OCI layout whose index.json the
// Ratify process rewrites in place (os.WriteFile) whenever it caches a
// manifest; a plugin starting at that moment reads a torn index and dies
// with PLUGIN_INIT_FAILURE "failed to decode index file: EOF" (seen in the
// e2e suite with Ratify's built-in cosign verifier running alongside). The
// plugins read the registry through internal/oci, never through the
// store's cache, so nothing is lost. Input that is not a JSON object is
// returned as is (Run reports it).
func privateStoreCache(input []byte) ([]byte, func()) {
	noop := func() {}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return input, noop
	}
	sc, _ := doc["storeConfig"].(map[string]any)
	store, _ := sc["store"].(map[string]any)
	if store == nil {
		return input, noop
	}
	dir, err := os.MkdirTemp("", "ratify-wasm-plugin-cache-")
	if err != nil {
		return input, noop
	}
	store["localCachePath"] = dir
	out, err := json.Marshal(doc)
	if err != nil {
		os.RemoveAll(dir)
		return input, noop
	}
	return out, func() { os.RemoveAll(dir) }
}
