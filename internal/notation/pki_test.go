package notation_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/ocsp"
)

// A test PKI in the shape notation requires (notation-core-go x509
// validations): CA certificates with critical key usage CertSign, leaves
// with DigitalSignature only, code-signing or (critical) time-stamping EKU.

type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

var (
	oidExtKeyUsage    = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidKPTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

func newKey(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	return n.Add(n, big.NewInt(1))
}

func create(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func subject(cn string) pkix.Name {
	return pkix.Name{CommonName: cn, Organization: []string{"ratify-wasm tests"}, Province: []string{"WA"}, Country: []string{"US"}}
}

// newRootCA returns a self-signed root valid from an hour ago for a day.
func newRootCA(t testing.TB, cn string) *testCA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               subject(cn),
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	return &testCA{cert: create(t, tmpl, tmpl, key.Public(), key), key: key}
}

// newIntermediateCA returns a CA issued by ca.
func (ca *testCA) newIntermediateCA(t testing.TB, cn string) *testCA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               subject(cn),
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	return &testCA{cert: create(t, tmpl, ca.cert, key.Public(), ca.key), key: key}
}

// leafOptions shape a leaf certificate.
type leafOptions struct {
	notAfter     time.Time // default: in a day
	crlURL       string    // CRL distribution point, if any
	ocspURL      string    // OCSP responder, if any
	timeStamping bool      // TSA leaf (critical EKU time-stamping) instead of code signing
}

// issueLeaf returns a leaf certificate issued by ca and its key.
func (ca *testCA) issueLeaf(t testing.TB, cn string, o leafOptions) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               subject(cn),
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              o.notAfter,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	}
	if o.crlURL != "" {
		tmpl.CRLDistributionPoints = []string{o.crlURL}
	}
	if o.ocspURL != "" {
		tmpl.OCSPServer = []string{o.ocspURL}
	}
	if o.timeStamping {
		// RFC 3161 2.3 wants the EKU extension critical; crypto/x509 writes
		// it non-critical, so add it by hand.
		eku, err := asn1.Marshal([]asn1.ObjectIdentifier{oidKPTimeStamping})
		if err != nil {
			t.Fatal(err)
		}
		tmpl.ExtKeyUsage = nil
		tmpl.ExtraExtensions = []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: eku}}
	}
	return create(t, tmpl, ca.cert, key.Public(), ca.key), key
}

// writePEM writes certificates to dir/name and returns the path.
func writePEM(t testing.TB, dir, name string, certs ...*x509.Certificate) string {
	t.Helper()
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeKey writes a PKCS #8 private key and returns the path.
func writeKey(t testing.TB, dir, name string, key crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// crlServer serves the CRL of one CA over HTTP on loopback, as a CA's CRL
// distribution point does.
type crlServer struct {
	URL  string // the distribution point URL to put into certificates
	hits atomic.Int32

	mu      sync.Mutex
	ca      *testCA
	revoked []x509.RevocationListEntry
	down    bool
}

func startCRLServer(t testing.TB, ca *testCA) *crlServer {
	t.Helper()
	s := &crlServer{ca: ca}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		down, revoked := s.down, append([]x509.RevocationListEntry(nil), s.revoked...)
		s.mu.Unlock()
		if down {
			http.Error(w, "CRL server down for this test", http.StatusServiceUnavailable)
			return
		}
		crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
			Number:                    big.NewInt(time.Now().UnixNano()),
			ThisUpdate:                time.Now().Add(-time.Minute),
			NextUpdate:                time.Now().Add(time.Hour),
			RevokedCertificateEntries: revoked,
		}, s.ca.cert, s.ca.key)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/pkix-crl")
		w.Write(crl)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL + "/ca.crl"
	return s
}

func (s *crlServer) revoke(c *x509.Certificate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked = append(s.revoked, x509.RevocationListEntry{SerialNumber: c.SerialNumber, RevocationTime: time.Now().Add(-time.Minute)})
}

func (s *crlServer) setDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// ocspResponder answers OCSP requests (GET and POST, as notation-core-go
// sends them) for certificates issued by one CA, signing the responses with
// the CA's key.
type ocspResponder struct {
	URL  string
	hits atomic.Int32

	mu      sync.Mutex
	ca      *testCA
	revoked map[string]bool // serial numbers
}

func startOCSPResponder(t testing.TB, ca *testCA) *ocspResponder {
	t.Helper()
	o := &ocspResponder{ca: ca, revoked: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		var der []byte
		switch r.Method {
		case http.MethodPost:
			der, _ = io.ReadAll(io.LimitReader(r.Body, 1<<16))
		case http.MethodGet:
			// The request is base64 in the (already unescaped) path.
			der, _ = base64.StdEncoding.DecodeString(strings.TrimPrefix(r.URL.Path, "/ocsp/"))
		}
		req, err := ocsp.ParseRequest(der)
		if err != nil {
			http.Error(w, "not an OCSP request", http.StatusBadRequest)
			return
		}
		o.mu.Lock()
		revoked := o.revoked[req.SerialNumber.String()]
		o.mu.Unlock()
		tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour)}
		if revoked {
			tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, time.Now().Add(-time.Hour), ocsp.KeyCompromise
		}
		resp, err := ocsp.CreateResponse(o.ca.cert, o.ca.cert, tmpl, o.ca.key)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/ocsp-response")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	o.URL = srv.URL + "/ocsp"
	return o
}

func (o *ocspResponder) revoke(c *x509.Certificate) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.revoked[c.SerialNumber.String()] = true
}

// testTSA is an RFC 3161 time-stamping authority on loopback: a root CA, a
// TSA certificate with the critical time-stamping EKU, and an HTTP
// endpoint answering application/timestamp-query with tokens built by
// github.com/digitorus/timestamp (the library sigstore's timestamp-authority
// is built on).
type testTSA struct {
	URL  string
	root *testCA
	hits atomic.Int32
}

func startTSA(t testing.TB) *testTSA {
	t.Helper()
	root := newRootCA(t, "Test TSA Root")
	cert, key := root.issueLeaf(t, "Test TSA", leafOptions{timeStamping: true})
	tsa := &testTSA{root: root}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tsa.hits.Add(1)
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || r.Header.Get("Content-Type") != "application/timestamp-query" {
			http.Error(w, "expected an application/timestamp-query", http.StatusBadRequest)
			return
		}
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ts := timestamp.Timestamp{
			HashAlgorithm:     req.HashAlgorithm,
			HashedMessage:     req.HashedMessage,
			Time:              time.Now(),
			Accuracy:          time.Second,
			Nonce:             req.Nonce,
			Policy:            asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1},
			AddTSACertificate: req.Certificates,
		}
		resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	tsa.URL = srv.URL
	return tsa
}
