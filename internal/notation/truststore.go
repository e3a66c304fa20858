package notation

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/notaryproject/notation-go/verifier/truststore"
	"github.com/ratify-wasm/ratify-wasm/internal/failure"
)

// Limits on trust store input: certificate files are small, and a folder
// with thousands of entries is a mistake (a mounted home directory, say).
const (
	maxCertFileBytes     = 1 << 20
	maxCertFilesInFolder = 256
)

// storeName is notation's rule for trust store names.
var storeName = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

// fileTrustStore is a truststore.X509TrustStore over certificates loaded
// from the configuration, keyed by store type and name. Unlike Ratify's
// built-in verifier (which hands every configured certificate to every
// store in CLI mode), a store holds only the certificates listed for it.
type fileTrustStore struct {
	certs map[truststore.Type]map[string][]*x509.Certificate
}

var _ truststore.X509TrustStore = (*fileTrustStore)(nil)

// GetCertificates implements truststore.X509TrustStore.
func (s *fileTrustStore) GetCertificates(_ context.Context, typ truststore.Type, name string) ([]*x509.Certificate, error) {
	certs, ok := s.certs[typ][name]
	if !ok {
		return nil, truststore.TrustStoreError{Msg: fmt.Sprintf("trust store %s:%s is not configured (expected certificates under trustStores.%s.%s)", typ, name, typ, name)}
	}
	return certs, nil
}

// loadTrustStores reads every configured store. Certificates must be what
// notation accepts in a trust store: CA certificates or self-signed signing
// certificates, and for tsa stores root CA certificates only.
func loadTrustStores(conf map[string]map[string][]string) (*fileTrustStore, error) {
	s := &fileTrustStore{certs: map[truststore.Type]map[string][]*x509.Certificate{}}
	for _, typ := range sortedKeys(conf) {
		if !isStoreType(typ) {
			return nil, &failure.ConfigError{Key: "trustStores." + typ, Reason: "is not a trust store type; expected ca, signingAuthority or tsa"}
		}
		stores := map[string][]*x509.Certificate{}
		for _, name := range sortedKeys(conf[typ]) {
			key := "trustStores." + typ + "." + name
			if !storeName.MatchString(name) {
				return nil, &failure.ConfigError{Key: key, Reason: "has a name notation does not allow; expected [a-zA-Z0-9_.-]+"}
			}
			paths := conf[typ][name]
			if len(paths) == 0 {
				return nil, &failure.ConfigError{Key: key, Reason: "is empty; expected certificate files or folders"}
			}
			var certs []*x509.Certificate
			for _, p := range paths {
				c, err := loadCertPath(truststore.Type(typ), p)
				if err != nil {
					return nil, &failure.ConfigError{Key: key, Reason: err.Error()}
				}
				certs = append(certs, c...)
			}
			stores[name] = certs
		}
		s.certs[truststore.Type(typ)] = stores
	}
	return s, nil
}

func isStoreType(t string) bool {
	for _, known := range truststore.Types {
		if string(known) == t {
			return true
		}
	}
	return false
}

// loadCertPath loads a certificate file, or every file of a folder. In a
// folder, names starting with "." and subfolders are ignored and symbolic
// links are followed, so a Kubernetes Secret or ConfigMap mount (files are
// links into a hidden ..data folder) works as is.
func loadCertPath(typ truststore.Type, path string) ([]*x509.Certificate, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("path %q is not absolute; expected an absolute path", path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return loadCertFile(typ, path)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	files := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(path, e.Name())
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		if files++; files > maxCertFilesInFolder {
			return nil, fmt.Errorf("folder %s has more than %d files; expected a folder of certificates", path, maxCertFilesInFolder)
		}
		c, err := loadCertFile(typ, p)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c...)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("folder %s holds no certificate files", path)
	}
	return certs, nil
}

func loadCertFile(typ truststore.Type, path string) ([]*x509.Certificate, error) {
	b, err := readAbsolute(path, maxCertFileBytes)
	if err != nil {
		return nil, err
	}
	certs, err := parseCertificates(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := truststore.ValidateCertificates(certs); err != nil {
		return nil, fmt.Errorf("%s: %w; a trust store holds CA certificates or self-signed signing certificates", path, err)
	}
	if typ == truststore.TypeTSA {
		for _, c := range certs {
			if !bytes.Equal(c.RawSubject, c.RawIssuer) || c.CheckSignatureFrom(c) != nil {
				return nil, fmt.Errorf("%s: certificate %q is not a root CA certificate; a tsa trust store holds the TSA's root certificates", path, c.Subject)
			}
		}
	}
	return certs, nil
}

// parseCertificates reads PEM CERTIFICATE blocks, or DER when there is no
// PEM at all.
func parseCertificates(b []byte) ([]*x509.Certificate, error) {
	if !bytes.Contains(b, []byte("-----BEGIN")) {
		certs, err := x509.ParseCertificates(b)
		if err != nil {
			return nil, fmt.Errorf("not a PEM or DER certificate file: %w", err)
		}
		if len(certs) == 0 {
			return nil, errors.New("no certificate in file")
		}
		return certs, nil
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %q is not a CERTIFICATE; a trust store holds certificates only", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM certificate in file")
	}
	return certs, nil
}
