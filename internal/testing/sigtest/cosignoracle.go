package sigtest

import (
	"context"
	"crypto"
	"encoding/json"
	"fmt"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/opencontainers/go-digest"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	"github.com/sigstore/cosign/v2/pkg/cosign/bundle"
	"github.com/sigstore/cosign/v2/pkg/oci/static"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// CosignTrust is what cosign's verifier is told to trust in CosignVerify.
type CosignTrust struct {
	// TrustedRoot is a trusted_root.json (Fulcio CAs, Rekor, CT logs,
	// TSAs); it may be nil for a key with IgnoreTlog.
	TrustedRoot []byte
	// KeyPEM is the trusted public key; empty for keyless.
	KeyPEM []byte
	// Identity or IdentityRegExp, and Issuer, for keyless.
	Identity, IdentityRegExp, Issuer string
	// IgnoreTlog is cosign's --insecure-ignore-tlog.
	IgnoreTlog bool
}

// CosignVerify is the oracle for differential tests: it verifies a cosign
// legacy signature layer (payload and annotations) for subject with
// cosign's own pkg/cosign.VerifyImageSignature, offline, as `cosign
// verify` does with its default flags plus --use-signed-timestamps when the
// layer carries a timestamp. It returns cosign's refusal, or nil.
func CosignVerify(t testing.TB, payload []byte, ann map[string]string, subject digest.Digest, tr CosignTrust) (err error) {
	t.Helper()
	// cosign v2.6.4 indexes an empty slice when the only RFC 3161 timestamp
	// fails against TrustedMaterial (VerifyRFC3161Timestamp): a crash is a
	// refusal.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("cosign panicked: %v", p)
		}
	}()
	var opts []static.Option
	if cert := ann[annCertificate]; cert != "" {
		opts = append(opts, static.WithCertChain([]byte(cert), []byte(ann[annChain])))
	}
	if raw := ann[annBundle]; raw != "" {
		var rb bundle.RekorBundle
		if err := json.Unmarshal([]byte(raw), &rb); err != nil {
			return fmt.Errorf("bundle annotation: %w", err)
		}
		opts = append(opts, static.WithBundle(&rb))
	}
	if raw := ann[annRFC3161]; raw != "" {
		var ts bundle.RFC3161Timestamp
		if err := json.Unmarshal([]byte(raw), &ts); err != nil {
			return fmt.Errorf("timestamp annotation: %w", err)
		}
		opts = append(opts, static.WithRFC3161Timestamp(&ts))
	}
	sig, err := static.NewSignature(payload, ann[annSignature], opts...)
	if err != nil {
		return err
	}
	co := &cosign.CheckOpts{
		// Without a ClaimVerifier cosign accepts a signature for any digest.
		ClaimVerifier:       cosign.SimpleClaimVerifier,
		Offline:             true,
		UseSignedTimestamps: ann[annRFC3161] != "",
		IgnoreTlog:          tr.IgnoreTlog,
	}
	if tr.TrustedRoot != nil {
		if co.TrustedMaterial, err = root.NewTrustedRootFromJSON(tr.TrustedRoot); err != nil {
			t.Fatal(err)
		}
	}
	if tr.KeyPEM != nil {
		pub, err := cryptoutils.UnmarshalPEMToPublicKey(tr.KeyPEM)
		if err != nil {
			t.Fatal(err)
		}
		if co.SigVerifier, err = signature.LoadVerifier(pub, crypto.SHA256); err != nil {
			t.Fatal(err)
		}
	} else {
		co.Identities = []cosign.Identity{{Issuer: tr.Issuer, Subject: tr.Identity, SubjectRegExp: tr.IdentityRegExp}}
	}
	h, err := v1.NewHash(subject.String())
	if err != nil {
		t.Fatal(err)
	}
	_, err = cosign.VerifyImageSignature(context.Background(), sig, h, co)
	return err
}
