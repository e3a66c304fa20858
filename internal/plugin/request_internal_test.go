package plugin

import (
	"context"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/oci"
)

// recorder records which repository each read asked for. Docker Hub's
// aliases cannot be served on loopback, so this is how the mapping is seen.
type recorder struct{ asked []string }

func (r *recorder) Resolve(_ context.Context, ref string) (ocispec.Descriptor, error) {
	r.asked = append(r.asked, ref)
	return ocispec.Descriptor{}, nil
}

func (r *recorder) FetchManifest(_ context.Context, repo string, _ ocispec.Descriptor) ([]byte, error) {
	r.asked = append(r.asked, repo)
	return nil, nil
}

func (r *recorder) FetchBlob(_ context.Context, repo string, _ ocispec.Descriptor) ([]byte, error) {
	r.asked = append(r.asked, repo)
	return nil, nil
}

func TestNamedRegistryReadsWhereTheSubjectPoints(t *testing.T) {
	named := "registry-1.docker.io/library/app"
	canonical, err := oci.CanonicalRepository(named)
	if err != nil || canonical != "docker.io/library/app" {
		t.Fatalf("canonical %q, %v", canonical, err)
	}
	rec := &recorder{}
	var f oci.Fetcher = namedRegistry{Fetcher: rec, canonical: canonical, named: named}
	ctx := context.Background()
	f.Resolve(ctx, canonical+":v1")
	f.FetchManifest(ctx, canonical, ocispec.Descriptor{})
	f.FetchBlob(ctx, canonical, ocispec.Descriptor{})
	f.FetchBlob(ctx, "ghcr.io/other/repo", ocispec.Descriptor{})
	want := []string{named + ":v1", named, named, "ghcr.io/other/repo"}
	for i := range want {
		if i >= len(rec.asked) || rec.asked[i] != want[i] {
			t.Fatalf("reads went to %v, want %v", rec.asked, want)
		}
	}
}
