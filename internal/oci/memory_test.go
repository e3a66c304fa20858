package oci_test

import (
	"context"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/oci"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/faultproxy"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
)

// With a Memory, content read and verified by digest, and digest
// references resolved, are answered without the registry by every Client
// that shares it; tags are resolved every time, content is not taken from
// another repository's memory, content over MaxManifestBytes is not kept,
// and a read that failed its check leaves nothing behind.
func TestMemory(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.StartReferrers(t)
	wasm := []byte("\x00asm\x01\x00\x00\x00 the memory test")
	desc, err := registrytest.PushWasm(ctx, reg, "wasm/app", "v1", wasm, registrytest.WasmLayout{})
	if err != nil {
		t.Fatal(err)
	}
	repo := reg.Host + "/wasm/app"
	small := []byte(`{"payload":"a signature, say"}`)
	smallDesc := pushBlob(t, reg, "wasm/app", small)
	big := make([]byte, 2048)
	bigDesc := pushBlob(t, reg, "wasm/app", big)
	mem := oci.NewMemory(1 << 20)
	client := func() (*oci.Client, *countingTransport) {
		tr := &countingTransport{}
		return oci.New(oci.Options{PlainHTTP: true, Transport: tr, Memory: mem, MaxManifestBytes: 1024}), tr
	}

	first, tr := client()
	if _, err := first.Resolve(ctx, repo+"@"+desc.Digest.String()); err != nil {
		t.Fatal(err)
	}
	if _, err := first.FetchManifest(ctx, repo, desc); err != nil {
		t.Fatal(err)
	}
	if _, err := first.FetchBlob(ctx, repo, smallDesc); err != nil {
		t.Fatal(err)
	}
	if _, err := first.FetchBlob(ctx, repo, bigDesc); err != nil {
		t.Fatal(err)
	}
	if tr.n.Load() != 4 {
		t.Fatalf("first client: %d registry requests, want 4", tr.n.Load())
	}

	second, tr := client()
	got, err := second.Resolve(ctx, repo+"@"+desc.Digest.String())
	if err != nil || got.Digest != desc.Digest || got.Size != desc.Size {
		t.Fatalf("resolve from memory: %v %v", got, err)
	}
	b, err := second.FetchBlob(ctx, repo, smallDesc)
	if err != nil || string(b) != string(small) {
		t.Fatalf("blob from memory: %q %v", b, err)
	}
	b[0] = 'X' // callers get copies
	if _, err := second.FetchManifest(ctx, repo, desc); err != nil {
		t.Fatal(err)
	}
	if tr.n.Load() != 0 {
		t.Fatalf("second client: %d registry requests for remembered content, want 0", tr.n.Load())
	}
	if b, _ := second.FetchBlob(ctx, repo, smallDesc); string(b) != string(small) {
		t.Fatalf("a caller's change reached the memory: %q", b)
	}
	if _, err := second.FetchBlob(ctx, repo, bigDesc); err != nil || tr.n.Load() != 1 {
		t.Fatalf("content over MaxManifestBytes: %v, %d requests, want it read from the registry", err, tr.n.Load())
	}
	if _, err := second.Resolve(ctx, repo+":v1"); err != nil || tr.n.Load() != 2 {
		t.Fatalf("tag: %v, %d requests, want it resolved at the registry", err, tr.n.Load())
	}

	// Another repository is asked itself, whatever it answers (this
	// registry serves blobs of any repository).
	_, _ = second.FetchBlob(ctx, reg.Host+"/wasm/typo", smallDesc)
	_, _ = second.Resolve(ctx, reg.Host+"/wasm/typo@"+desc.Digest.String())
	if tr.n.Load() != 4 {
		t.Fatalf("another repository was answered from memory: %d requests, want 4", tr.n.Load())
	}

	// A descriptor of another size is not the remembered content: the
	// registry is asked, and the read fails its check.
	lying := smallDesc
	lying.Size++
	third, tr := client()
	if _, err := third.FetchBlob(ctx, repo, lying); err == nil || tr.n.Load() != 1 {
		t.Fatalf("descriptor with another size: %v, %d requests", err, tr.n.Load())
	}

	// Content that failed its check is not remembered: once the registry
	// serves it right, it is read again.
	proxy := faultproxy.Start(t, reg.Host)
	fresh := pushBlob(t, reg, "wasm/app", []byte(`{"payload":"corrupted once"}`))
	proxy.Inject(faultproxy.Match{Kind: faultproxy.Blob, Ref: fresh.Digest.String()}, faultproxy.Corrupt())
	viaProxy := proxy.Host + "/wasm/app"
	if _, err := third.FetchBlob(ctx, viaProxy, fresh); err == nil {
		t.Fatal("corrupted blob accepted")
	}
	proxy.Clear()
	fourth, tr := client()
	if _, err := fourth.FetchBlob(ctx, viaProxy, fresh); err != nil || tr.n.Load() != 1 {
		t.Fatalf("after a failed read: %v, %d requests, want the registry asked", err, tr.n.Load())
	}
}
