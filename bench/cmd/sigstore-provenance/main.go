// Command sigstore-provenance is the benchmark's baseline for wasm-slsa:
// the check of one SLSA provenance bundle done directly with sigstore-go
// (v1.3.0), as a small CLI would do it. Given the subject and the bundle
// referrer, it fetches the referrer manifest and its bundle layer
// (oras-go), verifies the bundle against a public key bound to the subject
// digest, and checks the predicate type, builder and source repository.
// It exits 0 and prints PASS only when every check holds.
//
//	sigstore-provenance -key cosign.pub -subject host/repo@sha256:… -bundle sha256:… \
//	    -builder-prefix https://github.com/o/r/.github/workflows/release.yml -source github.com/o/r [-plain-http]
package main

import (
	"context"
	"crypto"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/ratify-wasm/ratify-wasm/internal/mediatype"
)

const (
	slsaV1   = "https://slsa.dev/provenance/v1"
	maxBytes = 8 << 20
)

func main() {
	keyPath := flag.String("key", "", "PEM public key that signed the provenance")
	subject := flag.String("subject", "", "subject reference host/repo@sha256:…")
	bundleDigest := flag.String("bundle", "", "digest of the bundle referrer manifest")
	builder := flag.String("builder-prefix", "", "required builder ID prefix")
	source := flag.String("source", "", "required source repository, e.g. github.com/org/repo")
	plainHTTP := flag.Bool("plain-http", false, "talk HTTP to the registry")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, *keyPath, *subject, *bundleDigest, *builder, *source, *plainHTTP); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		os.Exit(1)
	}
	fmt.Println("PASS")
}

func run(ctx context.Context, keyPath, subject, bundleDigest, builder, source string, plainHTTP bool) error {
	repoName, subjectDigest, ok := strings.Cut(subject, "@")
	if !ok {
		return errors.New("-subject must be host/repo@sha256:…")
	}
	sd, err := digest.Parse(subjectDigest)
	if err != nil {
		return err
	}
	bd, err := digest.Parse(bundleDigest)
	if err != nil {
		return err
	}
	repo, err := remote.NewRepository(repoName)
	if err != nil {
		return err
	}
	repo.PlainHTTP = plainHTTP

	manifestDesc, rc, err := repo.FetchReference(ctx, bd.String())
	if err != nil {
		return fmt.Errorf("fetch bundle manifest: %w", err)
	}
	raw, err := content.ReadAll(rc, manifestDesc)
	rc.Close()
	if err != nil {
		return err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	if m.Subject == nil || m.Subject.Digest != sd {
		return fmt.Errorf("bundle %s is not attached to %s", bd, sd)
	}
	if len(m.Layers) != 1 || m.Layers[0].MediaType != mediatype.SigstoreBundle || m.Layers[0].Size > maxBytes {
		return fmt.Errorf("bundle manifest %s: want one %s layer", bd, mediatype.SigstoreBundle)
	}
	lrc, err := repo.Blobs().Fetch(ctx, m.Layers[0])
	if err != nil {
		return err
	}
	layer, err := content.ReadAll(lrc, m.Layers[0])
	lrc.Close()
	if err != nil {
		return err
	}
	var b bundle.Bundle
	if err := b.UnmarshalJSON(layer); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}

	pem, err := os.ReadFile(keyPath)
	if err != nil {
		return err
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(pem)
	if err != nil {
		return err
	}
	sv, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		return err
	}
	key := root.NewExpiringKey(sv, time.Time{}, time.Time{})
	tm := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) { return key, nil })
	v, err := verify.NewVerifier(tm, verify.WithNoObserverTimestamps())
	if err != nil {
		return err
	}
	sum, err := hex.DecodeString(sd.Encoded())
	if err != nil {
		return err
	}
	res, err := v.Verify(&b, verify.NewPolicy(verify.WithArtifactDigest("sha256", sum), verify.WithKey()))
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	st := res.Statement
	if st == nil || st.GetPredicateType() != slsaV1 {
		return fmt.Errorf("predicate type %q, want %s", st.GetPredicateType(), slsaV1)
	}
	pred := st.GetPredicate().AsMap()
	runDetails, _ := pred["runDetails"].(map[string]any)
	builderMap, _ := runDetails["builder"].(map[string]any)
	if id, _ := builderMap["id"].(string); !strings.HasPrefix(id, builder) {
		return fmt.Errorf("builder %q, want prefix %q", id, builder)
	}
	def, _ := pred["buildDefinition"].(map[string]any)
	deps, _ := def["resolvedDependencies"].([]any)
	if len(deps) == 0 {
		return errors.New("no resolved dependencies")
	}
	dep, _ := deps[0].(map[string]any)
	if uri, _ := dep["uri"].(string); !strings.HasPrefix(uri, "git+https://"+source+"@") {
		return fmt.Errorf("source %q, want %s", uri, source)
	}
	return nil
}
