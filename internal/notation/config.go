package notation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/notaryproject/notation-go/verifier/trustpolicy"
	"github.com/notaryproject/notation-go/verifier/truststore"

	"github.com/ratify-wasm/ratify-wasm/internal/bounded"
	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/oci"
)

// Config is the plugin's part of a verifier entry (Ratify's keys and the
// runtime's common keys are handled by plugin.DecodeConfig).
type Config struct {
	// TrustPolicyDoc is an OCI trust policy document (version "1.0"), the
	// same document `notation policy import` takes. The key is the one
	// Ratify's built-in notation verifier uses.
	TrustPolicyDoc json.RawMessage `json:"trustPolicyDoc,omitempty"`
	// TrustPolicyFile is the absolute path of such a document; exactly one
	// of TrustPolicyDoc and TrustPolicyFile is required.
	TrustPolicyFile string `json:"trustPolicyFile,omitempty"`
	// TrustStores maps a store type (ca, signingAuthority, tsa) and a store
	// name to certificate files or folders, e.g.
	// {"ca": {"wasm.example": ["/etc/notation/wasm-root.pem"]}}. The trust
	// policy refers to them as "<type>:<name>".
	TrustStores map[string]map[string][]string `json:"trustStores,omitempty"`
	// Revocation configures how OCSP and CRL checks reach their servers.
	Revocation RevocationConfig `json:"revocation"`
	// UserMetadata lists annotations that every signature must carry in its
	// signed payload (what `notation sign -m key=value` adds).
	UserMetadata map[string]string `json:"userMetadata,omitempty"`

	// Loaded by Validate.
	policy *trustpolicy.Document
	stores *fileTrustStore
}

// Limits on files the configuration names.
const (
	maxPolicyFileBytes = 1 << 20
)

// NewConfig returns the defaults.
func NewConfig() *Config {
	return &Config{Revocation: RevocationConfig{Mode: RevocationOnline}}
}

// Validate loads the trust policy and the trust stores and checks that they
// fit together; every error names the configuration key at fault.
func (c *Config) Validate() error {
	doc, err := c.loadPolicy()
	if err != nil {
		return err
	}
	if err := doc.Validate(); err != nil {
		return &failure.ConfigError{Key: c.policyKey(), Reason: "is not a valid trust policy document: " + err.Error()}
	}
	if err := c.checkScopes(doc); err != nil {
		return err
	}
	stores, err := loadTrustStores(c.TrustStores)
	if err != nil {
		return err
	}
	// A statement naming a store that is not configured could never verify
	// anything: say so now rather than on every verification.
	for _, p := range doc.TrustPolicies {
		for _, ref := range p.TrustStores {
			typ, name, _ := strings.Cut(ref, ":")
			if _, ok := stores.certs[truststore.Type(typ)][name]; !ok {
				return &failure.ConfigError{Key: "trustStores", Reason: fmt.Sprintf("has no %s store %q, which trust policy statement %q uses (%q); expected trustStores.%s.%s to list certificate files or folders", typ, name, p.Name, ref, typ, name)}
			}
		}
	}
	if err := c.Revocation.validate(); err != nil {
		return err
	}
	for k := range c.UserMetadata {
		if k == "" {
			return &failure.ConfigError{Key: "userMetadata", Reason: "has an empty key"}
		}
	}
	c.policy, c.stores = doc, stores
	return nil
}

// checkScopes refuses registryScopes that are not in canonical form. The
// plugin matches scopes against the subject's canonical repository
// (oci.CanonicalRepository), so "GHCR.IO/myorg/app" or "ghcr.io:443/myorg/app"
// would never match anything and the subject would fall to another
// statement, often a catch-all at a weaker level. Refusing is clearer than
// rewriting: the document then reads the same to the notation CLI.
func (c *Config) checkScopes(doc *trustpolicy.Document) error {
	for _, p := range doc.TrustPolicies {
		for _, scope := range p.RegistryScopes {
			if scope == "*" {
				continue
			}
			canon, err := oci.CanonicalRepository(scope)
			switch {
			case err != nil:
				return &failure.ConfigError{Key: c.policyKey(), Reason: fmt.Sprintf("trust policy statement %q has registryScopes entry %q, which is not a repository name: %v", p.Name, scope, err)}
			case canon != scope:
				return &failure.ConfigError{Key: c.policyKey(), Reason: fmt.Sprintf("trust policy statement %q has registryScopes entry %q, which is not in canonical form; write %q (subjects are matched by their canonical repository: lower-case host, no \":443\", docker.io/library/… for Docker Hub)", p.Name, scope, canon)}
			}
		}
	}
	return nil
}

func (c *Config) policyKey() string {
	if c.TrustPolicyFile != "" {
		return "trustPolicyFile"
	}
	return "trustPolicyDoc"
}

// loadPolicy decodes the trust policy document strictly, so a misspelt
// field (say "trustedIdentity") is an error instead of a policy that
// silently means something else.
func (c *Config) loadPolicy() (*trustpolicy.Document, error) {
	inline := len(c.TrustPolicyDoc) > 0 && !bytes.Equal(bytes.TrimSpace(c.TrustPolicyDoc), []byte("null"))
	var raw []byte
	switch {
	case inline && c.TrustPolicyFile != "":
		return nil, &failure.ConfigError{Key: "trustPolicyFile", Reason: "cannot be combined with trustPolicyDoc; expected exactly one of them"}
	case inline:
		raw = c.TrustPolicyDoc
	case c.TrustPolicyFile != "":
		b, err := readAbsolute(c.TrustPolicyFile, maxPolicyFileBytes)
		if err != nil {
			return nil, &failure.ConfigError{Key: "trustPolicyFile", Reason: err.Error()}
		}
		raw = b
	default:
		return nil, &failure.ConfigError{Key: "trustPolicyDoc", Reason: "is required (or trustPolicyFile): an OCI trust policy document decides which signatures are trusted"}
	}
	var doc trustpolicy.Document
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, &failure.ConfigError{Key: c.policyKey(), Reason: "is not a trust policy document: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
	if dec.More() {
		return nil, &failure.ConfigError{Key: c.policyKey(), Reason: "has data after the trust policy document"}
	}
	return &doc, nil
}

// readAbsolute reads an absolute path, refusing files larger than limit.
func readAbsolute(path string, limit int64) ([]byte, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("path %q is not absolute; expected an absolute path (the plugin's working directory is Ratify's)", path)
	}
	return bounded.ReadFile(path, limit)
}

// Revocation modes.
const (
	// RevocationOnline fetches CRLs and asks OCSP responders as notation does,
	// reusing fresh CRLs from the cache folder when one is configured.
	RevocationOnline = "online"
	// RevocationOffline never touches the network: OCSP is not attempted and
	// CRLs come only from the cache folder, while they are fresh. A
	// certificate whose status cannot be established this way has status
	// "unknown", which fails the revocation validation.
	RevocationOffline = "offline"
)

// RevocationConfig is the "revocation" object.
type RevocationConfig struct {
	// Mode is "online" (default) or "offline".
	Mode string `json:"mode"`
	// CRLCacheDir is an absolute folder holding CRLs in notation-go's file
	// cache format (one JSON file per CRL URL), the same format and layout as
	// the notation CLI's $XDG_CACHE_HOME/notation/crl. Required offline.
	CRLCacheDir string `json:"crlCacheDir,omitempty"`
}

// UnmarshalJSON decodes strictly so an unknown key names "revocation".
func (r *RevocationConfig) UnmarshalJSON(b []byte) error {
	type plain RevocationConfig
	v := plain(*r)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return &failure.ConfigError{Key: "revocation." + typeErr.Field, Reason: fmt.Sprintf("has a %s value; expected a string", typeErr.Value)}
		}
		if rest, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return &failure.ConfigError{Key: "revocation." + strings.Trim(rest, `"`), Reason: "is not a known setting (known: crlCacheDir, mode)"}
		}
		return &failure.ConfigError{Key: "revocation", Reason: strings.TrimPrefix(err.Error(), "json: ")}
	}
	*r = RevocationConfig(v)
	return nil
}

func (r *RevocationConfig) validate() error {
	if r.Mode == "" {
		r.Mode = RevocationOnline
	}
	if err := failure.OneOf("revocation.mode", r.Mode, RevocationOnline, RevocationOffline); err != nil {
		return err
	}
	if r.CRLCacheDir != "" && !filepath.IsAbs(r.CRLCacheDir) {
		return &failure.ConfigError{Key: "revocation.crlCacheDir", Reason: fmt.Sprintf("is %q; expected an absolute path", r.CRLCacheDir)}
	}
	if r.Mode == RevocationOffline {
		if r.CRLCacheDir == "" {
			return &failure.ConfigError{Key: "revocation.crlCacheDir", Reason: "is required when revocation.mode is \"offline\": offline revocation checks read CRLs only from this folder"}
		}
		fi, err := os.Stat(r.CRLCacheDir)
		if err != nil || !fi.IsDir() {
			return &failure.ConfigError{Key: "revocation.crlCacheDir", Reason: fmt.Sprintf("%q is not a readable folder; offline revocation checks need the CRL cache there", r.CRLCacheDir)}
		}
	}
	return nil
}

// sortedKeys returns m's keys in order, for deterministic loading and errors.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
