// Package provenance decodes in-toto Statements (v0.1 and v1) that carry SLSA
// provenance (v0.2 and v1) and extracts the fields a provenance policy checks
// (builder, build type, source repository, ref, commit, trigger) into one
// version-independent Provenance.
//
// Statements are decoded with protojson into the in-toto/attestation
// protobuf types: encoding/json into those types silently yields empty
// fields (their Go json tags are snake_case), and protojson also rejects
// duplicate keys, so two parsers cannot read one document differently.
package provenance

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	ita1 "github.com/in-toto/attestation/go/v1"
	"github.com/opencontainers/go-digest"
	"google.golang.org/protobuf/encoding/protojson"
)

// In-toto statement types and SLSA predicate types (the DSSE payload type
// is mediatype.InToto).
const (
	StatementV01     = "https://in-toto.io/Statement/v0.1"
	StatementV1      = ita1.StatementTypeUri
	PredicateSLSAV02 = "https://slsa.dev/provenance/v0.2"
	PredicateSLSAV1  = "https://slsa.dev/provenance/v1"
)

// IsSLSA reports whether predicateType is SLSA build provenance.
func IsSLSA(predicateType string) bool {
	return predicateType == PredicateSLSAV02 || predicateType == PredicateSLSAV1
}

// MaxStatementBytes bounds a decoded statement. Real provenance is 10–30 KB
// (GitHub event payloads are the bulk); 4 MiB leaves room and bounds work.
const MaxStatementBytes = 4 << 20

// Statement is a decoded, structurally valid in-toto statement.
type Statement struct {
	*ita1.Statement
}

// DecodeStatement decodes an in-toto Statement v0.1 or v1 from its JSON.
// Unknown fields are ignored, as the in-toto spec asks of consumers.
func DecodeStatement(b []byte) (*Statement, error) {
	if len(b) > MaxStatementBytes {
		return nil, fmt.Errorf("in-toto statement is %d bytes, over the %d byte limit", len(b), MaxStatementBytes)
	}
	var st ita1.Statement
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("not an in-toto statement: %w", err)
	}
	if err := st.Validate(); err != nil {
		if errors.Is(err, ita1.ErrInvalidStatementType) {
			return nil, fmt.Errorf("in-toto statement _type is %q, expected %q or %q", st.GetType(), StatementV01, StatementV1)
		}
		return nil, fmt.Errorf("invalid in-toto statement: %w", err)
	}
	return &Statement{&st}, nil
}

// SubjectMatch is the statement subject that named an artifact digest.
type SubjectMatch struct {
	// Name is the subject's name (cosign bundle-mode statements have none).
	Name string
	// Digest is the matched digest, "sha256:<hex>".
	Digest digest.Digest
}

// MatchSubject returns the first of candidates (OCI digests, in order of
// preference) that some statement subject names. Only SHA-2 digests of at
// least 256 bits count, as in slsa-verifier; a subject listing a weaker
// algorithm for the same artifact does not help an attacker.
func (s *Statement) MatchSubject(candidates []digest.Digest) (SubjectMatch, bool) {
	for _, want := range candidates {
		alg := want.Algorithm().String()
		if alg != "sha256" && alg != "sha384" && alg != "sha512" {
			continue
		}
		for _, subj := range s.GetSubject() {
			if got, ok := subj.GetDigest()[alg]; ok && strings.EqualFold(got, want.Encoded()) {
				return SubjectMatch{Name: subj.GetName(), Digest: want}, true
			}
		}
	}
	return SubjectMatch{}, false
}

// SubjectDigests lists the statement's subject digests as "alg:hex", for
// messages that say what the provenance is about.
func (s *Statement) SubjectDigests() []string {
	var out []string
	for _, subj := range s.GetSubject() {
		for alg, hex := range subj.GetDigest() {
			out = append(out, alg+":"+hex)
		}
	}
	slices.Sort(out)
	return out
}
