package plugin

import (
	"os"
)

// privateStoreCache points the store's localCachePath in the plugin input
// at a fresh, private directory; the skelparity build (main_skel.go) needs
// it. skel rebuilds Ratify's oras store in the plugin process and opens
// that cache, an OCI layout whose index.json the Ratify process rewrites
// in place (os.WriteFile) whenever it caches a manifest; a plugin starting
// at that moment reads a torn index and dies with PLUGIN_INIT_FAILURE
// "failed to decode index file: EOF" (seen in the e2e suite with Ratify's
// built-in cosign verifier running alongside). The native path reads
// Ratify's cache through internal/oci, which touches only content files,
// never index.json; the skel build only loses the cache hits. Input that is not a JSON object with a store entry is
// returned as is (skel reports it).
func privateStoreCache(input []byte) ([]byte, func()) {
	noop := func() {}
	var dir string
	out := normalizeInput(input, func(store map[string]any) {
		d, err := os.MkdirTemp("", "ratify-wasm-plugin-cache-")
		if err != nil {
			return
		}
		dir = d
		store["localCachePath"] = dir
	})
	if dir == "" {
		return input, noop
	}
	return out, func() { os.RemoveAll(dir) }
}
