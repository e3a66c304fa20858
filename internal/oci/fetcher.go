package oci

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
)

// Default limits. Manifests are small JSON documents (oras-go and notation
// use 4 MiB); blobs hold WASM binaries, which reach tens of megabytes for
// interpreted-language components.
const (
	DefaultMaxManifestBytes int64 = 4 << 20
	DefaultMaxBlobBytes     int64 = 256 << 20
)

// Fetcher reads content from a registry. A repository is named
// "host[:port]/path"; references are "repository:tag" or "repository@digest".
type Fetcher interface {
	// Resolve returns the manifest descriptor a reference points to.
	Resolve(ctx context.Context, ref string) (ocispec.Descriptor, error)
	// FetchManifest returns the manifest bytes for desc, verified.
	FetchManifest(ctx context.Context, repository string, desc ocispec.Descriptor) ([]byte, error)
	// FetchBlob returns the blob bytes for desc, verified.
	FetchBlob(ctx context.Context, repository string, desc ocispec.Descriptor) ([]byte, error)
}

// Options configure a Client.
type Options struct {
	// PlainHTTP talks HTTP instead of HTTPS to every registry.
	PlainHTTP bool
	// InsecureTLS reports whether TLS certificate checks are skipped for a
	// registry host (Ratify does so for loopback hosts).
	InsecureTLS func(host string) bool
	// Credential supplies registry credentials; nil means anonymous.
	Credential auth.CredentialFunc
	// MaxManifestBytes and MaxBlobBytes bound every read; zero means default.
	MaxManifestBytes int64
	MaxBlobBytes     int64
	// Transport is the base HTTP transport; nil means a clone of the default.
	Transport http.RoundTripper
	// CacheDir is an OCI image layout (Ratify's oras store cache,
	// localCachePath) read before the registry for content fetched by
	// digest; empty means none. Its content is checked exactly as the
	// registry's, and content that fails the check is an error (a
	// *CacheError), not a reason to ask the registry: whoever can write
	// there can also make the next read miss. Content the registry sent
	// that is at most MaxManifestBytes is added to it.
	CacheDir string
	// Memory, when set, answers reads this process already verified:
	// content fetched by digest up to MaxManifestBytes, and digest
	// references resolved before. nil means every read goes to CacheDir
	// or the registry.
	Memory *Memory
}

// Client implements Fetcher over the OCI distribution API with oras-go.
type Client struct {
	opts     Options
	cache    *layoutCache // nil without Options.CacheDir
	secure   *http.Client
	insecure *http.Client
	// authCache keeps tokens and auth schemes across the requests of this
	// client, so one verification does not negotiate auth per read.
	authCache auth.Cache
}

var _ Fetcher = (*Client)(nil)

// New returns a Client.
func New(opts Options) *Client {
	if opts.MaxManifestBytes <= 0 {
		opts.MaxManifestBytes = DefaultMaxManifestBytes
	}
	if opts.MaxBlobBytes <= 0 {
		opts.MaxBlobBytes = DefaultMaxBlobBytes
	}
	var base, insecure http.RoundTripper
	if opts.Transport == nil {
		base, insecure = sharedTransports()
	} else {
		base, insecure = opts.Transport, insecureVariant(opts.Transport)
	}
	c := &Client{
		opts:      opts,
		secure:    &http.Client{Transport: base, CheckRedirect: limitRedirects},
		insecure:  &http.Client{Transport: insecure, CheckRedirect: limitRedirects},
		authCache: auth.NewCache(),
	}
	if opts.CacheDir != "" {
		c.cache = &layoutCache{dir: opts.CacheDir, maxWrite: opts.MaxManifestBytes}
	}
	return c
}

// sharedTransports are the transports of every Client built without
// Options.Transport: one pool of connections per process. A plugin binary
// makes one Client and exits; Ratify with the verifiers built in makes one
// per verification, and a transport per Client would leave each one's
// idle connections (and their goroutines) behind until they time out.
var sharedTransports = sync.OnceValues(func() (http.RoundTripper, http.RoundTripper) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	return base, insecureVariant(base)
})

// insecureVariant is base without certificate checks, for the hosts
// Options.InsecureTLS names; a transport that is not an *http.Transport
// is used as it is.
func insecureVariant(base http.RoundTripper) http.RoundTripper {
	t, ok := base.(*http.Transport)
	if !ok {
		return base
	}
	t = t.Clone()
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = tlsConfigSkipVerify()
	} else {
		t.TLSClientConfig = t.TLSClientConfig.Clone()
		t.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // only for hosts InsecureTLS names
	}
	return t
}

// maxRedirects bounds redirect chains (registries redirect blob reads to
// storage); a loop ends with an error instead of running to the deadline.
const maxRedirects = 5

func limitRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects (last to %s)", maxRedirects, req.URL.Redacted())
	}
	return nil
}

func (c *Client) repository(name string) (*remote.Repository, error) {
	repo, err := remote.NewRepository(name)
	if err != nil {
		return nil, fmt.Errorf("invalid repository %q: %w", name, err)
	}
	httpClient := c.secure
	if c.opts.PlainHTTP || (c.opts.InsecureTLS != nil && c.opts.InsecureTLS(repo.Reference.Registry)) {
		httpClient = c.insecure
	}
	repo.PlainHTTP = c.opts.PlainHTTP
	repo.MaxMetadataBytes = c.opts.MaxManifestBytes
	repo.Client = &auth.Client{
		Client:     httpClient,
		Cache:      c.authCache,
		Credential: c.opts.Credential,
	}
	return repo, nil
}

// Resolve implements Fetcher.
func (c *Client) Resolve(ctx context.Context, ref string) (ocispec.Descriptor, error) {
	parsed, err := registry.ParseReference(ref)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("invalid reference %q: %w", ref, err)
	}
	repo, err := c.repository(parsed.Registry + "/" + parsed.Repository)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	// Only a digest reference is remembered: a tag can move.
	d, derr := parsed.Digest()
	remember := derr == nil && c.opts.Memory != nil
	name := parsed.Registry + "/" + parsed.Repository
	if remember {
		if desc, ok := c.opts.Memory.resolution(name, d); ok {
			return desc, nil
		}
	}
	desc, err := repo.Resolve(ctx, parsed.ReferenceOrDefault())
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("resolve %s: %w", ref, err)
	}
	if derr == nil && d != desc.Digest {
		return ocispec.Descriptor{}, &MismatchError{What: "manifest", Ref: ref, Expected: d, Got: desc.Digest}
	}
	if remember {
		c.opts.Memory.putResolution(name, desc)
	}
	return desc, nil
}

// FetchManifest implements Fetcher.
func (c *Client) FetchManifest(ctx context.Context, repository string, desc ocispec.Descriptor) ([]byte, error) {
	return c.fetch(ctx, repository, desc, c.opts.MaxManifestBytes, true)
}

// FetchBlob implements Fetcher.
func (c *Client) FetchBlob(ctx context.Context, repository string, desc ocispec.Descriptor) ([]byte, error) {
	return c.fetch(ctx, repository, desc, c.opts.MaxBlobBytes, false)
}

func (c *Client) fetch(ctx context.Context, repository string, desc ocispec.Descriptor, limit int64, manifest bool) ([]byte, error) {
	what := "blob"
	if manifest {
		what = "manifest"
	}
	ref := repository + "@" + desc.Digest.String()
	if err := desc.Digest.Validate(); err != nil {
		return nil, fmt.Errorf("%s %s: invalid digest: %w", what, ref, err)
	}
	if desc.Size < 0 || desc.Size > limit {
		return nil, &TooLargeError{What: what, Ref: ref, Size: desc.Size, Limit: limit}
	}
	remember := c.opts.Memory != nil && desc.Size <= c.opts.MaxManifestBytes
	if remember {
		if b, ok := c.opts.Memory.get(repository, desc); ok {
			return b, nil
		}
	}
	b, err := c.fetchVerified(ctx, repository, desc, what, ref, manifest)
	if err == nil && remember {
		c.opts.Memory.put(repository, desc, b)
	}
	return b, err
}

// fetchVerified reads desc from CacheDir, else from the registry.
func (c *Client) fetchVerified(ctx context.Context, repository string, desc ocispec.Descriptor, what, ref string, manifest bool) ([]byte, error) {
	if c.cache != nil {
		if b, ok, err := c.cache.read(desc); ok {
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", what, ref, err)
			}
			return b, nil
		}
	}
	b, err := c.fetchRemote(ctx, repository, desc, what, ref, manifest)
	if err == nil && c.cache != nil {
		c.cache.write(desc, b)
	}
	return b, err
}

// fetchRemote reads desc from the registry.
func (c *Client) fetchRemote(ctx context.Context, repository string, desc ocispec.Descriptor, what, ref string, manifest bool) ([]byte, error) {
	repo, err := c.repository(repository)
	if err != nil {
		return nil, err
	}
	var rc io.ReadCloser
	if manifest {
		rc, err = repo.Manifests().Fetch(ctx, desc)
	} else {
		rc, err = repo.Blobs().Fetch(ctx, desc)
	}
	if err != nil {
		return nil, fmt.Errorf("fetch %s %s: %w", what, ref, err)
	}
	defer rc.Close()
	b, err := readExactly(rc, desc)
	switch {
	case err == nil:
		return b, nil
	case errors.Is(err, content.ErrMismatchedDigest):
		return nil, &MismatchError{What: what, Ref: ref, Expected: desc.Digest}
	case errors.Is(err, content.ErrTrailingData):
		return nil, fmt.Errorf("%s %s: registry sent more than the %d bytes the descriptor declares: %w", what, ref, desc.Size, content.ErrTrailingData)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Errorf("%s %s: truncated: registry sent fewer than the %d bytes the descriptor declares: %w", what, ref, desc.Size, io.ErrUnexpectedEOF)
	default:
		return nil, fmt.Errorf("read %s %s: %w", what, ref, err)
	}
}

// readExactly reads desc.Size bytes and checks that nothing follows and
// that the digest matches. content.ReadAll would do the same checks, but it
// grows its buffer from 32 MiB by doubling, so a 100 MB blob peaked at about
// 2.5 times its size in memory; desc.Size is already within the limit, and
// untouched capacity costs no resident memory if the body is short.
func readExactly(r io.Reader, desc ocispec.Descriptor) ([]byte, error) {
	vr := content.NewVerifyReader(r, desc)
	b := make([]byte, desc.Size)
	if _, err := io.ReadFull(vr, b); err != nil {
		return nil, err
	}
	if err := vr.Verify(); err != nil {
		return nil, err
	}
	return b, nil
}

// MismatchError reports content whose digest is not the one asked for.
type MismatchError struct {
	What     string
	Ref      string
	Expected digest.Digest
	Got      digest.Digest // empty when unknown
}

func (e *MismatchError) Error() string {
	if e.Got != "" {
		return fmt.Sprintf("%s %s: digest mismatch: registry answered with %s", e.What, e.Ref, e.Got)
	}
	return fmt.Sprintf("%s %s: digest mismatch: the bytes the registry sent do not hash to %s", e.What, e.Ref, e.Expected)
}

// Unwrap returns content.ErrMismatchedDigest.
func (e *MismatchError) Unwrap() error { return content.ErrMismatchedDigest }

// TooLargeError reports a descriptor above the configured limit.
type TooLargeError struct {
	What  string
	Ref   string
	Size  int64
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s %s: size %d is outside the limit of %d bytes", e.What, e.Ref, e.Size, e.Limit)
}

// Unwrap returns errdef.ErrSizeExceedsLimit.
func (e *TooLargeError) Unwrap() error { return errdef.ErrSizeExceedsLimit }

// Repository returns the "host/path" part of a reference.
func Repository(ref string) string {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	// A tag follows the last ':' after the last '/'.
	if slash := strings.LastIndexByte(ref, '/'); slash >= 0 {
		if colon := strings.LastIndexByte(ref[slash:], ':'); colon >= 0 {
			ref = ref[:slash+colon]
		}
	}
	return ref
}
