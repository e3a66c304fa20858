package allowlist_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/allowlist"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

const (
	digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func TestAllowlist(t *testing.T) {
	a, err := allowlist.Decode([]byte(`{"mediaType":"application/vnd.ratify-wasm.allowlist.v1+json","parts":[
		{"digest":"` + digestA + `","description":"WASI adapter from jco 1.35.0"},
		{"digest":"` + digestB + `","kind":"component"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		part list.Part
		want bool
	}{
		{list.Part{Digest: digestA, Kind: wasm.KindModule}, true},
		{list.Part{Digest: digestA, Kind: wasm.KindComponent}, true},
		{list.Part{Digest: digestB, Kind: wasm.KindComponent}, true},
		{list.Part{Digest: digestB, Kind: wasm.KindModule}, false},
		{list.Part{Digest: "sha256:" + strings.Repeat("c", 64), Kind: wasm.KindModule}, false},
	} {
		if got := a.Allows(tc.part); got != tc.want {
			t.Errorf("Allows(%+v) = %v", tc.part, got)
		}
	}
	var none *allowlist.Allowlist
	if none.Allows(list.Part{Digest: digestA}) {
		t.Error("nil allowlist allows")
	}
}

func TestAllowlistRejects(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{`{"parts":[]}`, "missing property 'mediaType'"},
		{`{"mediaType":"application/vnd.ratify-wasm.allowlist.v1+json","parts":[{"digest":"sha256:abc"}]}`, "at /parts/0/digest"},
		{`{"mediaType":"application/vnd.ratify-wasm.allowlist.v1+json","parts":[{"digest":"` + digestA + `","trusted":true}]}`, "additional properties 'trusted'"},
		{`{"mediaType":"application/vnd.ratify-wasm.composition.v1+json","parts":[]}`, "at /mediaType"},
	} {
		if _, err := allowlist.Decode([]byte(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: want error containing %q, got %v", tc.doc, tc.want, err)
		}
	}
}

func TestLoadAllowlist(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "allow.json")
	if err := os.WriteFile(good, []byte(`{"mediaType":"application/vnd.ratify-wasm.allowlist.v1+json","parts":[{"digest":"`+digestA+`"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if a, err := allowlist.Load(good); err != nil || !a.Allows(list.Part{Digest: digestA, Kind: wasm.KindModule}) {
		t.Fatalf("LoadAllowlist: %v", err)
	}
	if _, err := allowlist.Load(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
	big := filepath.Join(dir, "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(allowlist.MaxBytes + 10); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := allowlist.Load(big); err == nil || !strings.Contains(err.Error(), "more than the limit") {
		t.Errorf("oversized file: %v", err)
	}
	// Exactly the limit is read (and refused for what it says).
	atLimit := append([]byte(`{"x":"`), append(bytes.Repeat([]byte("a"), int(allowlist.MaxBytes)-8), `"}`...)...)
	if _, err := allowlist.Decode(atLimit); err == nil || strings.Contains(err.Error(), "more than the limit") {
		t.Errorf("allowlist of exactly %d bytes: %v, want it read and refused by the schema", allowlist.MaxBytes, err)
	}
}
