package sigverify

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/bounded"
	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// maxKeyFileBytes bounds a PEM key file; a public key is well under 4 KiB.
const maxKeyFileBytes = 64 << 10

// Key is a trusted public key.
type Key struct {
	// ID is "sha256:<hex>" of the key's PKIX (SubjectPublicKeyInfo) DER
	// encoding: `openssl pkey -pubin -outform der | sha256sum`.
	ID string
	// Source is the file the key came from, or "inline".
	Source   string
	public   crypto.PublicKey
	verifier *anyVerifier
}

// ParsePublicKey parses one PEM public key (ECDSA, RSA or Ed25519).
func ParsePublicKey(pemBytes []byte, source string) (*Key, error) {
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(bytes.TrimSpace(pemBytes))
	if err != nil {
		return nil, fmt.Errorf("not a PEM public key: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	v, err := newAnyVerifier(pub)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(der)
	return &Key{ID: "sha256:" + hex.EncodeToString(sum[:]), Source: source, public: pub, verifier: v}, nil
}

// LoadKeyFile reads a PEM public key file.
func LoadKeyFile(path string) (*Key, error) {
	b, err := bounded.ReadFile(path, maxKeyFileBytes)
	if err != nil {
		return nil, err
	}
	return ParsePublicKey(b, path)
}

func loadKey(kc KeyConfig, path string) (*Key, error) {
	switch {
	case (kc.File == "") == (kc.PEM == ""):
		return nil, &failure.ConfigError{Key: path, Reason: `needs exactly one of "file" and "pem"`}
	case kc.File != "":
		k, err := LoadKeyFile(kc.File)
		if err != nil {
			return nil, &failure.ConfigError{Key: path + ".file", Reason: fmt.Sprintf("%s: %v", kc.File, err)}
		}
		return k, nil
	default:
		k, err := ParsePublicKey([]byte(kc.PEM), "inline")
		if err != nil {
			return nil, &failure.ConfigError{Key: path + ".pem", Reason: err.Error()}
		}
		return k, nil
	}
}

// anyVerifier accepts a signature that any of the usual schemes for its key
// type produced: cosign and other clients differ (ECDSA hashed with SHA-256
// or by curve size, RSA PKCS#1 v1.5 or PSS, Ed25519 pure or pre-hashed).
type anyVerifier struct {
	pub       crypto.PublicKey
	verifiers []signature.Verifier
}

func newAnyVerifier(pub crypto.PublicKey) (*anyVerifier, error) {
	var loads []func() (signature.Verifier, error)
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		h := crypto.SHA256
		switch k.Curve {
		case elliptic.P384():
			h = crypto.SHA384
		case elliptic.P521():
			h = crypto.SHA512
		}
		loads = append(loads, func() (signature.Verifier, error) { return signature.LoadECDSAVerifier(k, h) })
		if h != crypto.SHA256 {
			loads = append(loads, func() (signature.Verifier, error) { return signature.LoadECDSAVerifier(k, crypto.SHA256) })
		}
	case *rsa.PublicKey:
		loads = append(loads,
			func() (signature.Verifier, error) { return signature.LoadRSAPKCS1v15Verifier(k, crypto.SHA256) },
			func() (signature.Verifier, error) { return signature.LoadRSAPSSVerifier(k, crypto.SHA256, nil) })
	case ed25519.PublicKey:
		loads = append(loads,
			func() (signature.Verifier, error) { return signature.LoadED25519Verifier(k) },
			func() (signature.Verifier, error) { return signature.LoadED25519phVerifier(k) })
	default:
		return nil, fmt.Errorf("unsupported key type %T (want ECDSA, RSA or Ed25519)", pub)
	}
	v := &anyVerifier{pub: pub}
	for _, load := range loads {
		sv, err := load()
		if err != nil {
			return nil, err
		}
		v.verifiers = append(v.verifiers, sv)
	}
	return v, nil
}

// PublicKey implements signature.Verifier.
func (v *anyVerifier) PublicKey(...signature.PublicKeyOption) (crypto.PublicKey, error) {
	return v.pub, nil
}

// VerifySignature implements signature.Verifier.
func (v *anyVerifier) VerifySignature(sig, message io.Reader, opts ...signature.VerifyOption) error {
	s, err := io.ReadAll(sig)
	if err != nil {
		return err
	}
	var m []byte
	if message != nil {
		if m, err = io.ReadAll(message); err != nil {
			return err
		}
	}
	var errs []error
	for _, sv := range v.verifiers {
		// A digest-only check cannot work for pure Ed25519; skip it quietly.
		if _, pure := sv.(*signature.ED25519Verifier); pure && hasDigestOption(opts) {
			continue
		}
		err := sv.VerifySignature(bytes.NewReader(s), bytes.NewReader(m), opts...)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return fmt.Errorf("signature does not verify with the key: %w", errors.Join(errs...))
}

func hasDigestOption(opts []signature.VerifyOption) bool {
	for _, o := range opts {
		var d []byte
		o.ApplyDigest(&d)
		if d != nil {
			return true
		}
	}
	return false
}

// ValidAtTime implements root.TimeConstrainedVerifier; configured keys have
// no validity window.
func (v *anyVerifier) ValidAtTime(time.Time) bool { return true }

var _ root.TimeConstrainedVerifier = (*anyVerifier)(nil)
