package plugin

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/ratify-wasm/ratify-wasm/internal/credentials"
	"github.com/ratify-wasm/ratify-wasm/internal/oci"
)

// storeConfig is the part of Ratify's oras store configuration
// (OrasStoreConf) that decides how registries are reached.
type storeConfig struct {
	UseHTTP        bool           `json:"useHttp"`
	AuthProvider   map[string]any `json:"authProvider"`
	LocalCachePath string         `json:"localCachePath"`
}

// OptionsFromStore builds the registry client's options from the oras store
// entry that Ratify hands to every plugin (storeConfig.store), with Ratify's
// own auth provider so the plugins authenticate exactly as Ratify does.
// Ratify's referrer store itself is not used for reads: its
// GetReferenceManifest drops the config descriptor and the raw bytes, and
// its GetBlobContent reads without a bound.
func OptionsFromStore(store map[string]any) (oci.Options, error) {
	raw, err := json.Marshal(store)
	if err != nil {
		return oci.Options{}, fmt.Errorf("store configuration: %w", err)
	}
	var conf storeConfig
	if err := json.Unmarshal(raw, &conf); err != nil {
		return oci.Options{}, fmt.Errorf("store configuration: %w", err)
	}
	cred, err := credentials.New(conf.AuthProvider)
	if err != nil {
		return oci.Options{}, fmt.Errorf("store configuration key \"authProvider\": %w", err)
	}
	cache := conf.LocalCachePath
	if cache == "" {
		cache = defaultCachePath()
	}
	return oci.Options{
		PlainHTTP:   conf.UseHTTP,
		InsecureTLS: isLoopbackHost,
		Credential:  cred,
		CacheDir:    cache,
		Memory:      memory.Load(),
	}, nil
}

// memoryBytes bounds the content a process keeps (RememberVerifiedContent):
// referrer manifests, signatures and attestations of a few kilobytes each.
const memoryBytes = 32 << 20

// memory is the process's oci.Memory; nil in a plugin process.
var memory atomic.Pointer[oci.Memory]

// RememberVerifiedContent makes every verification of this process share
// one oci.Memory, so content read and verified once by digest (subject
// manifests and configs, referrers, signatures) is not read again. It is
// for processes that run many verifications: Ratify with the verifiers
// built in (package builtin) and ratify-wasm verify and pull. A plugin
// process runs one and gains nothing from it.
func RememberVerifiedContent() {
	memory.CompareAndSwap(nil, oci.NewMemory(memoryBytes))
}

// Remembering reports whether RememberVerifiedContent was called: verifiers
// with findings of their own worth keeping (what wasm-composition found in
// a layer) keep them only then.
func Remembering() bool { return memory.Load() != nil }

// defaultCachePath is where Ratify's oras store keeps its cache when
// localCachePath is not set (pkg/referrerstore/oras: the home directory,
// then .ratify/local_oras_cache); the plugins run as Ratify's children
// and see the same home. Empty when there is no home to find.
func defaultCachePath() string {
	home := os.Getenv("HOME")
	if home == "" {
		u, err := user.Current()
		if err != nil {
			return ""
		}
		home = u.HomeDir
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".ratify", "local_oras_cache")
}

// isLoopbackHost reports whether host[:port] is a loopback address; Ratify
// skips TLS verification for these (pkg/referrerstore/oras isInsecureRegistry).
func isLoopbackHost(host string) bool {
	h := host
	if sh, _, err := net.SplitHostPort(host); err == nil {
		h = sh
	}
	h = strings.Trim(h, "[]")
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
