package sigverify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/ratify-wasm/ratify-wasm/internal/oci"
	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
)

// TrustPolicy is the JSON configuration of one trust policy: which
// signatures are trusted for which subjects. Keys follow Ratify's built-in
// cosign verifier where they mean the same thing.
type TrustPolicy struct {
	// Name identifies the policy in results and messages.
	Name string `json:"name"`
	// Scopes are the subjects the policy applies to: "*" (everything),
	// "host/path" (one repository) or a prefix ending in "*"
	// ("127.0.0.1:5000/wasm/*"). The most specific matching scope wins.
	Scopes []string `json:"scopes"`
	// Keys are trusted public keys; several keys allow rotation.
	Keys []KeyConfig `json:"keys,omitempty"`
	// Keyless lists trusted certificate identities; any one must match.
	Keyless IdentityList `json:"keyless,omitempty"`
	// TrustedRoot is the path of a sigstore trusted_root.json (Fulcio CAs,
	// Rekor logs, CT logs, TSAs). Nothing is fetched from the network.
	TrustedRoot string `json:"trustedRoot,omitempty"`
	// RequireTlog requires a verified transparency-log entry.
	RequireTlog bool `json:"requireTlog,omitempty"`
	// RequireSCT requires a verified SCT in certificates (keyless only).
	RequireSCT bool `json:"requireSCT,omitempty"`
	// RequireSignedTimestamp requires a verified RFC 3161 timestamp.
	RequireSignedTimestamp bool `json:"requireSignedTimestamp,omitempty"`
}

// KeyConfig is one trusted public key, from a PEM file or inline PEM.
type KeyConfig struct {
	File string `json:"file,omitempty"`
	PEM  string `json:"pem,omitempty"`
}

// Identity is one trusted keyless signer: the certificate's subject
// alternative name and OIDC issuer, each given exactly or as a regexp.
type Identity struct {
	CertificateIdentity         string `json:"certificateIdentity,omitempty"`
	CertificateIdentityRegExp   string `json:"certificateIdentityRegExp,omitempty"`
	CertificateOIDCIssuer       string `json:"certificateOIDCIssuer,omitempty"`
	CertificateOIDCIssuerRegExp string `json:"certificateOIDCIssuerRegExp,omitempty"`
}

// IdentityList accepts a list of identities or, as Ratify's built-in
// verifier writes it, a single identity object.
type IdentityList []Identity

// UnmarshalJSON implements json.Unmarshaler.
func (l *IdentityList) UnmarshalJSON(b []byte) error {
	dec := func(b []byte, v any) error {
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		return d.Decode(v)
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		var one Identity
		if err := dec(b, &one); err != nil {
			return err
		}
		*l = IdentityList{one}
		return nil
	}
	var many []Identity
	if err := dec(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

// Policy is a compiled TrustPolicy: files loaded, keys parsed, identities
// and scopes checked. It is safe for concurrent use.
type Policy struct {
	Name                   string
	scopes                 []string
	keys                   []*Key
	identities             []Identity
	matchers               verify.CertificateIdentities
	trustedRoot            root.TrustedMaterial
	requireTlog            bool
	requireSCT             bool
	requireSignedTimestamp bool
}

// Compile checks p and loads what it names. path is the configuration path
// of p (e.g. "trustPolicies[0]") used in error messages.
func (p TrustPolicy) Compile(path string) (*Policy, error) {
	at := func(k string) string { return path + "." + k }
	if p.Name == "" {
		return nil, &plugin.ConfigError{Key: at("name"), Reason: "is required"}
	}
	if len(p.Scopes) == 0 {
		return nil, &plugin.ConfigError{Key: at("scopes"), Reason: `is required (use ["*"] for every subject)`}
	}
	for i, s := range p.Scopes {
		if err := checkScope(s); err != nil {
			return nil, &plugin.ConfigError{Key: fmt.Sprintf("%s[%d]", at("scopes"), i), Reason: err.Error()}
		}
	}
	if len(p.Keys) == 0 && len(p.Keyless) == 0 {
		return nil, &plugin.ConfigError{Key: path, Reason: `trusts nobody: set "keys" and/or "keyless"`}
	}
	out := &Policy{Name: p.Name, scopes: p.Scopes, identities: p.Keyless,
		requireTlog: p.RequireTlog, requireSCT: p.RequireSCT, requireSignedTimestamp: p.RequireSignedTimestamp}
	for i, kc := range p.Keys {
		key, err := loadKey(kc, fmt.Sprintf("%s[%d]", at("keys"), i))
		if err != nil {
			return nil, err
		}
		out.keys = append(out.keys, key)
	}
	for i, id := range p.Keyless {
		m, err := id.matcher(fmt.Sprintf("%s[%d]", at("keyless"), i))
		if err != nil {
			return nil, err
		}
		out.matchers = append(out.matchers, m)
	}
	if p.TrustedRoot != "" {
		raw, err := os.ReadFile(p.TrustedRoot)
		if err != nil {
			return nil, &plugin.ConfigError{Key: at("trustedRoot"), Reason: fmt.Sprintf("cannot be read: %v", err)}
		}
		tr, err := root.NewTrustedRootFromJSON(raw)
		if err != nil {
			return nil, &plugin.ConfigError{Key: at("trustedRoot"), Reason: fmt.Sprintf("is not a sigstore trusted root (%s): %v", p.TrustedRoot, err)}
		}
		out.trustedRoot = tr
	}
	// Keyless signatures, logs and timestamps can only be checked against a
	// trusted root; refuse a policy that could never pass rather than fail
	// every verification later.
	switch {
	case out.trustedRoot != nil:
	case len(p.Keyless) > 0:
		return nil, &plugin.ConfigError{Key: at("trustedRoot"), Reason: `is required with "keyless" (the Fulcio CAs to check certificates against)`}
	case p.RequireTlog:
		return nil, &plugin.ConfigError{Key: at("trustedRoot"), Reason: `is required with "requireTlog" (the Rekor keys to check log entries against)`}
	case p.RequireSignedTimestamp:
		return nil, &plugin.ConfigError{Key: at("trustedRoot"), Reason: `is required with "requireSignedTimestamp" (the TSAs to check timestamps against)`}
	}
	if p.RequireSCT && len(p.Keyless) == 0 {
		return nil, &plugin.ConfigError{Key: at("requireSCT"), Reason: `applies to certificates only; set "keyless" too`}
	}
	return out, nil
}

func (id Identity) matcher(path string) (verify.CertificateIdentity, error) {
	switch {
	case (id.CertificateIdentity == "") == (id.CertificateIdentityRegExp == ""):
		return verify.CertificateIdentity{}, &plugin.ConfigError{Key: path, Reason: `needs exactly one of "certificateIdentity" and "certificateIdentityRegExp"`}
	case (id.CertificateOIDCIssuer == "") == (id.CertificateOIDCIssuerRegExp == ""):
		return verify.CertificateIdentity{}, &plugin.ConfigError{Key: path, Reason: `needs exactly one of "certificateOIDCIssuer" and "certificateOIDCIssuerRegExp"`}
	}
	for k, re := range map[string]string{"certificateIdentityRegExp": id.CertificateIdentityRegExp, "certificateOIDCIssuerRegExp": id.CertificateOIDCIssuerRegExp} {
		if _, err := regexp.Compile(re); re != "" && err != nil {
			return verify.CertificateIdentity{}, &plugin.ConfigError{Key: path + "." + k, Reason: fmt.Sprintf("is not a valid regular expression: %v", err)}
		}
	}
	m, err := verify.NewShortCertificateIdentity(id.CertificateOIDCIssuer, id.CertificateOIDCIssuerRegExp, id.CertificateIdentity, id.CertificateIdentityRegExp)
	if err != nil {
		return verify.CertificateIdentity{}, &plugin.ConfigError{Key: path, Reason: err.Error()}
	}
	return m, nil
}

// String describes the identity for messages.
func (id Identity) String() string { return id.sanString() + " from " + id.issuerString() }

func (id Identity) sanString() string {
	if id.CertificateIdentityRegExp != "" {
		return "~" + id.CertificateIdentityRegExp
	}
	return fmt.Sprintf("%q", id.CertificateIdentity)
}

func (id Identity) issuerString() string {
	if id.CertificateOIDCIssuerRegExp != "" {
		return "~" + id.CertificateOIDCIssuerRegExp
	}
	return fmt.Sprintf("%q", id.CertificateOIDCIssuer)
}

func checkScope(s string) error {
	switch {
	case s == "*":
		return nil
	case s == "":
		return fmt.Errorf("is empty")
	case strings.Contains(s[:len(s)-1], "*"):
		return fmt.Errorf("%q: a wildcard is allowed only as the last character", s)
	case strings.ContainsAny(s, "@") || (!strings.HasSuffix(s, "*") && strings.Contains(s[strings.LastIndex(s, "/")+1:], ":")):
		return fmt.Errorf("%q must name a repository (host/path), not a tag or digest", s)
	}
	return nil
}

// Policies is a set of compiled trust policies.
type Policies []*Policy

// CompilePolicies compiles every policy and rejects a scope claimed twice,
// which would make the choice of policy ambiguous. key is the
// configuration key holding the list (e.g. "trustPolicies").
func CompilePolicies(key string, ps []TrustPolicy) (Policies, error) {
	if len(ps) == 0 {
		return nil, &plugin.ConfigError{Key: key, Reason: "needs at least one trust policy"}
	}
	var out Policies
	seenScope := map[string]string{}
	seenName := map[string]bool{}
	for i, p := range ps {
		path := fmt.Sprintf("%s[%d]", key, i)
		c, err := p.Compile(path)
		if err != nil {
			return nil, err
		}
		if seenName[c.Name] {
			return nil, &plugin.ConfigError{Key: path + ".name", Reason: fmt.Sprintf("%q is used by another trust policy", c.Name)}
		}
		seenName[c.Name] = true
		for _, s := range c.scopes {
			if other, dup := seenScope[s]; dup {
				return nil, &plugin.ConfigError{Key: path + ".scopes", Reason: fmt.Sprintf("scope %q is also claimed by trust policy %q", s, other)}
			}
			seenScope[s] = c.Name
		}
		out = append(out, c)
	}
	return out, nil
}

// ForSubject returns the policy for a subject repository ("host/path"; any
// tag or digest is ignored): an exact scope first, then the longest prefix
// scope, then "*". It returns an error naming the subject when no scope
// matches.
func (ps Policies) ForSubject(repository string) (*Policy, error) {
	repository = oci.Repository(repository)
	var best *Policy
	bestRank := -1
	for _, p := range ps {
		for _, s := range p.scopes {
			rank := -1
			switch {
			case s == repository:
				rank = 1 << 20
			case s == "*":
				rank = 0
			case strings.HasSuffix(s, "*") && strings.HasPrefix(repository, s[:len(s)-1]):
				rank = len(s)
			}
			if rank > bestRank {
				best, bestRank = p, rank
			}
		}
	}
	if best == nil {
		return nil, fmt.Errorf("no trust policy has a scope matching %s", repository)
	}
	return best, nil
}
