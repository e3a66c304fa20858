package sigverify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/oci"
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
	// Scopes must be written canonically (oci.CanonicalRepository), as
	// subjects are matched after canonicalisation.
	Scopes []string `json:"scopes"`
	// Keys are trusted public keys; several keys allow rotation.
	Keys []KeyConfig `json:"keys,omitempty"`
	// Keyless lists trusted certificate identities; any one must match.
	Keyless IdentityList `json:"keyless,omitempty"`
	// TrustedRoot is the path of a sigstore trusted_root.json (Fulcio CAs,
	// Rekor logs, CT logs, TSAs). Nothing is fetched from the network.
	TrustedRoot string `json:"trustedRoot,omitempty"`
	// TrustedRootJSON is a trusted root given as its contents, used when
	// TrustedRoot is empty (the CLI's embedded public-good root).
	TrustedRootJSON []byte `json:"-"`
	// InsecureIgnoreTlog accepts key-signed signatures that carry no
	// transparency-log entry or RFC 3161 timestamp (cosign's
	// --insecure-ignore-tlog). By default every signature needs one of them,
	// verified against TrustedRoot. Keyless signatures always need one.
	InsecureIgnoreTlog bool `json:"insecureIgnoreTlog,omitempty"`
	// RequireTlog narrows the evidence to a verified transparency-log entry
	// (an RFC 3161 timestamp alone is not enough).
	RequireTlog bool `json:"requireTlog,omitempty"`
	// RequireSCT is accepted for compatibility: keyless certificates always
	// need a verified SCT. false is refused rather than read as an opt-out.
	RequireSCT *bool `json:"requireSCT,omitempty"`
	// RequireSignedTimestamp narrows the evidence to a verified RFC 3161
	// timestamp (a log entry alone is not enough).
	RequireSignedTimestamp bool `json:"requireSignedTimestamp,omitempty"`

	// InsecureIgnoreSCT drops the SCT requirement; only the CLI sets it
	// (verify-bundle --insecure-ignore-sct), it is not configurable.
	InsecureIgnoreSCT bool `json:"-"`
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
	insecureIgnoreTlog     bool
	insecureIgnoreSCT      bool
	requireTlog            bool
	requireSignedTimestamp bool
}

// Compile checks p and loads what it names. path is the configuration path
// of p (e.g. "trustPolicies[0]") used in error messages.
func (p TrustPolicy) Compile(path string) (*Policy, error) {
	at := func(k string) string { return path + "." + k }
	if p.Name == "" {
		return nil, &failure.ConfigError{Key: at("name"), Reason: "is required"}
	}
	if len(p.Scopes) == 0 {
		return nil, &failure.ConfigError{Key: at("scopes"), Reason: `is required (use ["*"] for every subject)`}
	}
	for i, s := range p.Scopes {
		if err := checkScope(s); err != nil {
			return nil, &failure.ConfigError{Key: fmt.Sprintf("%s[%d]", at("scopes"), i), Reason: err.Error()}
		}
	}
	if p.RequireSCT != nil && !*p.RequireSCT {
		return nil, &failure.ConfigError{Key: at("requireSCT"), Reason: "is false, but keyless certificates always need a verified SCT; remove the key"}
	}
	if len(p.Keys) == 0 && len(p.Keyless) == 0 {
		return nil, &failure.ConfigError{Key: path, Reason: `trusts nobody: set "keys" and/or "keyless"`}
	}
	out := &Policy{Name: p.Name, scopes: p.Scopes, identities: p.Keyless,
		insecureIgnoreTlog: p.InsecureIgnoreTlog, insecureIgnoreSCT: p.InsecureIgnoreSCT,
		requireTlog: p.RequireTlog, requireSignedTimestamp: p.RequireSignedTimestamp}
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
	if raw := p.TrustedRootJSON; p.TrustedRoot != "" || raw != nil {
		if p.TrustedRoot != "" {
			var err error
			if raw, err = os.ReadFile(p.TrustedRoot); err != nil {
				return nil, &failure.ConfigError{Key: at("trustedRoot"), Reason: fmt.Sprintf("cannot be read: %v", err)}
			}
		}
		tr, err := root.NewTrustedRootFromJSON(raw)
		if err != nil {
			return nil, &failure.ConfigError{Key: at("trustedRoot"), Reason: fmt.Sprintf("is not a sigstore trusted root (%s): %v", p.TrustedRoot, err)}
		}
		out.trustedRoot = tr
	}
	// Keyless signatures, logs and timestamps can only be checked against a
	// trusted root; refuse a policy that could never pass rather than fail
	// every verification later.
	switch {
	case p.InsecureIgnoreTlog && len(p.Keys) == 0:
		return nil, &failure.ConfigError{Key: at("insecureIgnoreTlog"), Reason: `applies to "keys" only: keyless signatures always need a transparency-log entry or RFC 3161 timestamp`}
	case p.InsecureIgnoreTlog && (p.RequireTlog || p.RequireSignedTimestamp):
		return nil, &failure.ConfigError{Key: at("insecureIgnoreTlog"), Reason: `contradicts "requireTlog"/"requireSignedTimestamp"; set one or the other`}
	case out.trustedRoot != nil:
	case len(p.Keyless) > 0:
		return nil, &failure.ConfigError{Key: at("trustedRoot"), Reason: `is required with "keyless" (the Fulcio CAs, CT logs, Rekor logs and TSAs to check certificates, SCTs, log entries and timestamps against)`}
	case p.RequireTlog:
		return nil, &failure.ConfigError{Key: at("trustedRoot"), Reason: `is required with "requireTlog" (the Rekor keys to check log entries against)`}
	case p.RequireSignedTimestamp:
		return nil, &failure.ConfigError{Key: at("trustedRoot"), Reason: `is required with "requireSignedTimestamp" (the TSAs to check timestamps against)`}
	case !p.InsecureIgnoreTlog:
		return nil, &failure.ConfigError{Key: at("trustedRoot"), Reason: `is required: key-signed signatures need a transparency-log entry or RFC 3161 timestamp verified against it (set "insecureIgnoreTlog": true to accept unlogged signatures, as cosign --insecure-ignore-tlog)`}
	}
	if p.RequireSCT != nil && len(p.Keyless) == 0 {
		return nil, &failure.ConfigError{Key: at("requireSCT"), Reason: `applies to certificates only; set "keyless" too`}
	}
	if len(p.Keyless) > 0 && !p.InsecureIgnoreSCT && len(out.trustedRoot.CTLogs()) == 0 {
		return nil, &failure.ConfigError{Key: at("trustedRoot"), Reason: "lists no CT log, but keyless certificates need a verified SCT"}
	}
	return out, nil
}

func (id Identity) matcher(path string) (verify.CertificateIdentity, error) {
	switch {
	case (id.CertificateIdentity == "") == (id.CertificateIdentityRegExp == ""):
		return verify.CertificateIdentity{}, &failure.ConfigError{Key: path, Reason: `needs exactly one of "certificateIdentity" and "certificateIdentityRegExp"`}
	case (id.CertificateOIDCIssuer == "") == (id.CertificateOIDCIssuerRegExp == ""):
		return verify.CertificateIdentity{}, &failure.ConfigError{Key: path, Reason: `needs exactly one of "certificateOIDCIssuer" and "certificateOIDCIssuerRegExp"`}
	}
	for _, kv := range [][2]string{{"certificateIdentityRegExp", id.CertificateIdentityRegExp}, {"certificateOIDCIssuerRegExp", id.CertificateOIDCIssuerRegExp}} {
		k, re := kv[0], kv[1]
		if re == "" {
			continue
		}
		if _, err := regexp.Compile(re); err != nil {
			return verify.CertificateIdentity{}, &failure.ConfigError{Key: path + "." + k, Reason: fmt.Sprintf("is not a valid regular expression: %v", err)}
		}
		if !anchored(re) {
			return verify.CertificateIdentity{}, &failure.ConfigError{Key: path + "." + k, Reason: fmt.Sprintf(`%q is not anchored at both ends; write "^...$" (unanchored patterns match anywhere: alice@example\.com also matches malice@example.com.attacker.test)`, re)}
		}
	}
	m, err := verify.NewShortCertificateIdentity(id.CertificateOIDCIssuer, id.CertificateOIDCIssuerRegExp, id.CertificateIdentity, id.CertificateIdentityRegExp)
	if err != nil {
		return verify.CertificateIdentity{}, &failure.ConfigError{Key: path, Reason: err.Error()}
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

// anchored reports whether every string re matches must match it whole:
// each alternative starts with ^ (or \A) and ends with $ (or \z), outside
// multi-line mode. An unanchored identity pattern such as alice@example\.com
// also matches malice@example.com.attacker.test.
func anchored(re string) bool {
	t, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return false
	}
	var at func(t *syntax.Regexp, op syntax.Op, end bool) bool
	at = func(t *syntax.Regexp, op syntax.Op, end bool) bool {
		switch t.Op {
		case op:
			return true
		case syntax.OpCapture:
			return at(t.Sub[0], op, end)
		case syntax.OpConcat:
			if end {
				return at(t.Sub[len(t.Sub)-1], op, end)
			}
			return at(t.Sub[0], op, end)
		case syntax.OpAlternate:
			for _, s := range t.Sub {
				if !at(s, op, end) {
					return false
				}
			}
			return true
		}
		return false
	}
	return at(t, syntax.OpBeginText, false) && at(t, syntax.OpEndText, true)
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
	canon, err := canonicalScope(s)
	if err != nil {
		return err
	}
	if canon != s {
		return fmt.Errorf("%q is not in canonical form (subjects are matched canonically: host in lower case, no :443, Docker Hub as docker.io/library/...); write %q", s, canon)
	}
	return nil
}

// scopePrefixTail is the end of a prefix scope: part of a path component.
var scopePrefixTail = regexp.MustCompile(`^[a-z0-9._-]*$`)

// canonicalScope is oci.CanonicalRepository for scopes: repositories are
// canonicalised as they are, prefixes ("host/path*") component by
// component.
func canonicalScope(s string) (string, error) {
	prefix, wild := strings.CutSuffix(s, "*")
	if !wild {
		return oci.CanonicalRepository(s)
	}
	host, path, complete := strings.Cut(prefix, "/")
	host = strings.ToLower(host)
	if !complete {
		return host + "*", nil
	}
	comps := strings.Split(path, "/")
	last := comps[len(comps)-1]
	if !scopePrefixTail.MatchString(last) {
		return "", fmt.Errorf("%q: %q is not lower-case alphanumerics and separators", s, last)
	}
	// Canonicalise host and complete components through a placeholder last
	// component, which CanonicalRepository then keeps as it is.
	canon, err := oci.CanonicalRepository(host + "/" + strings.Join(append(comps[:len(comps)-1:len(comps)-1], "x"), "/"))
	if err != nil {
		return "", err
	}
	if len(comps) == 1 && strings.HasPrefix(canon, "docker.io/library/") {
		canon = "docker.io/x" // a Docker Hub prefix may name any namespace
	}
	return strings.TrimSuffix(canon, "x") + last + "*", nil
}

// Policies is a set of compiled trust policies.
type Policies []*Policy

// CompilePolicies compiles every policy and rejects a scope claimed twice,
// which would make the choice of policy ambiguous. key is the
// configuration key holding the list (e.g. "trustPolicies").
func CompilePolicies(key string, ps []TrustPolicy) (Policies, error) {
	if len(ps) == 0 {
		return nil, &failure.ConfigError{Key: key, Reason: "needs at least one trust policy"}
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
			return nil, &failure.ConfigError{Key: path + ".name", Reason: fmt.Sprintf("%q is used by another trust policy", c.Name)}
		}
		seenName[c.Name] = true
		for _, s := range c.scopes {
			if other, dup := seenScope[s]; dup {
				return nil, &failure.ConfigError{Key: path + ".scopes", Reason: fmt.Sprintf("scope %q is also claimed by trust policy %q", s, other)}
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
	repository, err := oci.CanonicalRepository(oci.Repository(repository))
	if err != nil {
		return nil, fmt.Errorf("cannot choose a trust policy: subject repository %v", err)
	}
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
