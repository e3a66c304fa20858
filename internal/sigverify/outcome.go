package sigverify

import (
	"crypto/x509"
	"encoding/json"
	"time"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"

	"github.com/ratify-wasm/ratify-wasm/internal/plugin"
)

// Timestamp sources reported in Timestamp.Source.
const (
	SourceTlog        = "tlog"         // a verified transparency-log integrated time (SET)
	SourceRFC3161     = "rfc3161"      // a verified RFC 3161 timestamp from a trusted TSA
	SourceCurrentTime = "current-time" // no trusted time: the certificate was checked now
)

// Outcome says what was verified. Every field is set from verified data.
type Outcome struct {
	// Policy is the name of the trust policy that verified the entity.
	Policy string
	Kind   Kind

	// KeyID and KeySource name the trusted key that verified a key-signed
	// entity ("sha256:<hex>" of the PKIX key; file path or "inline").
	KeyID     string
	KeySource string

	// Certificate is the verified leaf of a keyless entity; CertSummary
	// holds its Fulcio extensions (e.g. GitHub workflow repository, ref,
	// SHA, build signer URI), Identity its subject alternative name and
	// Issuer its OIDC issuer.
	Certificate *x509.Certificate
	CertSummary *certificate.Summary
	Identity    string
	Issuer      string

	// Tlog lists the verified transparency-log entries.
	Tlog []TlogEntry
	// Timestamps lists the verified times the signature existed at.
	Timestamps []Timestamp

	// PredicateType and Statement are the verified in-toto statement of a
	// DSSE entity (the raw JSON statement bytes).
	PredicateType string
	Statement     []byte
	// SignedReference is the docker-reference a simple-signing payload
	// names (informational; registries and repositories may change).
	SignedReference string

	// Unlogged is set when a key signature carried no log entry or
	// timestamp and passed only because of insecureIgnoreTlog.
	Unlogged bool

	// Notes list material that was present but not checked because the
	// trust policy has nothing to check it against.
	Notes []string
}

// TlogEntry is a verified transparency-log entry.
type TlogEntry struct {
	LogIndex int64
	LogID    string // hex
	// IntegratedTime is zero for entries with only an inclusion proof.
	IntegratedTime time.Time
}

// Timestamp is a verified time.
type Timestamp struct {
	Source string // SourceTlog, SourceRFC3161 or SourceCurrentTime
	URI    string
	Time   time.Time
}

// Signer describes who signed: "key sha256:…" or "<identity> (issuer <issuer>)".
func (o *Outcome) Signer() string {
	if o.KeyID != "" {
		return "key " + o.KeyID
	}
	return o.Identity + " (issuer " + o.Issuer + ")"
}

// SignerReport is who signed, for the signer extension (plugin.Signer).
func (o *Outcome) SignerReport() plugin.Signer {
	s := plugin.Signer{Summary: o.Signer(), TrustPolicy: o.Policy, KeyID: o.KeyID, Unlogged: o.Unlogged}
	if o.KeyID == "" {
		s.Identity, s.Issuer = o.Identity, o.Issuer
	}
	if o.CertSummary != nil {
		// The Fulcio claims come from the CI's OIDC token, not from the
		// build: Rego can rely on them where a predicate is forgeable.
		var claims map[string]any
		if raw, err := json.Marshal(o.CertSummary.Extensions); err == nil && json.Unmarshal(raw, &claims) == nil && len(claims) > 0 {
			s.Certificate = claims
		}
	}
	if len(o.Tlog) > 0 {
		idx := o.Tlog[0].LogIndex
		s.RekorLogIndex = &idx
	}
	return s
}
