package notation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/notaryproject/notation-core-go/revocation"
	corecrl "github.com/notaryproject/notation-core-go/revocation/crl"
	"github.com/notaryproject/notation-core-go/revocation/purpose"
	"github.com/notaryproject/notation-go/verifier"
	"github.com/notaryproject/notation-go/verifier/crl"
)

// notation-go's own network timeouts; the plugin deadline bounds them too.
const (
	ocspTimeout = 2 * time.Second
	crlTimeout  = 5 * time.Second
)

// verifierOptions builds the code-signing and timestamping revocation
// validators for r. They are the ones notation-go would build itself except
// for where CRLs come from (cache folder, offline) and, offline, OCSP.
func (r RevocationConfig) verifierOptions() (verifier.VerifierOptions, error) {
	var (
		fetcher    corecrl.Fetcher
		ocspClient = &http.Client{Timeout: ocspTimeout}
	)
	var cache *crl.FileCache
	if r.CRLCacheDir != "" {
		c, err := crl.NewFileCache(r.CRLCacheDir)
		if err != nil {
			return verifier.VerifierOptions{}, fmt.Errorf("revocation.crlCacheDir: %w", err)
		}
		cache = c
	}
	switch r.Mode {
	case RevocationOffline:
		fetcher = cacheOnlyFetcher{cache: cache}
		ocspClient = &http.Client{Transport: offlineTransport{}}
	default:
		f, err := corecrl.NewHTTPFetcher(&http.Client{Timeout: crlTimeout})
		if err != nil {
			return verifier.VerifierOptions{}, err
		}
		if cache != nil {
			f.Cache = cache
			// As the notation CLI does: an unreadable or unwritable cache
			// entry means a download, never a failed verification.
			f.DiscardCacheError = true
		}
		fetcher = f
	}
	codeSigning, err := revocation.NewWithOptions(revocation.Options{OCSPHTTPClient: ocspClient, CRLFetcher: fetcher, CertChainPurpose: purpose.CodeSigning})
	if err != nil {
		return verifier.VerifierOptions{}, err
	}
	timestamping, err := revocation.NewWithOptions(revocation.Options{OCSPHTTPClient: ocspClient, CRLFetcher: fetcher, CertChainPurpose: purpose.Timestamping})
	if err != nil {
		return verifier.VerifierOptions{}, err
	}
	return verifier.VerifierOptions{RevocationCodeSigningValidator: codeSigning, RevocationTimestampingValidator: timestamping}, nil
}

// hint explains, in failure messages, where revocation statuses came from
// when that is not the network.
func (r RevocationConfig) hint() string {
	if r.Mode != RevocationOffline {
		return ""
	}
	return fmt.Sprintf("revocation.mode is offline: no OCSP, and CRLs only from the cache folder %s while they are current", r.CRLCacheDir)
}

// cacheOnlyFetcher serves CRLs from the cache folder and never downloads.
// The cache drops a CRL once its nextUpdate has passed, so a stale CRL is
// a miss, and a miss makes the certificate's status unknown.
type cacheOnlyFetcher struct {
	cache *crl.FileCache
}

func (f cacheOnlyFetcher) Fetch(ctx context.Context, url string) (*corecrl.Bundle, error) {
	b, err := f.cache.Get(ctx, url)
	if errors.Is(err, corecrl.ErrCacheMiss) {
		return nil, fmt.Errorf("revocation mode is offline and the CRL cache folder has no current CRL for %s", url)
	}
	if err != nil {
		return nil, fmt.Errorf("revocation mode is offline and the cached CRL for %s is unusable: %w", url, err)
	}
	return b, nil
}

// offlineTransport refuses every OCSP request; notation-go then treats the
// status as unknown and falls back to the CRL when the certificate has one.
type offlineTransport struct{}

func (offlineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("revocation mode is offline: OCSP request to %s not sent", req.URL.Redacted())
}
