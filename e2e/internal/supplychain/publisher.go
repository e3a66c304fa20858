// Package supplychain publishes WASM artifacts the way a release pipeline
// (or an attacker) does, with the real CLIs from ./bin: oras pushes the
// artifact, cosign signs it and attests SLSA provenance, notation signs it,
// and the project's ratify-wasm CLI creates and attaches composition lists.
// Scenarios builds the threat matrix on top of it.
package supplychain

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ratify-wasm/ratify-wasm/e2e/internal/harness"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/registrytest"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/slsatest"
)

// Release identity: the source repository and the release workflow that
// builds it (what wasm-slsa is configured to trust).
const (
	SourceRepo      = "github.com/myorg/payments"
	ReleaseWorkflow = "https://github.com/myorg/payments/.github/workflows/release.yml"
	// ForkWorkflow builds the same source in someone else's repository.
	ForkWorkflow = "https://github.com/attacker/payments/.github/workflows/release.yml"

	// NotationIdentity is the subject of `notation cert generate-test wasm.example`.
	NotationIdentity = "x509.subject: CN=wasm.example, O=Notary, L=Seattle, ST=WA, C=US"

	// Artifact and media types the verifiers are routed by.
	TypeCosignSignature   = "application/vnd.dev.cosign.artifact.sig.v1+json"
	TypeNotationSignature = "application/vnd.cncf.notary.signature"
	TypeCompositionList   = "application/vnd.ratify-wasm.composition.v1+json"
	typeWasmConfig        = "application/vnd.wasm.config.v0+json"
	typeWasmLayer         = "application/wasm"
)

// Publisher holds the signing material and talks to one registry.
type Publisher struct {
	tools *harness.Tools
	reg   *registrytest.Registry
	dir   string

	// CosignKey and CosignPub are the release key pair (no password).
	CosignKey, CosignPub string
	// NotationCert is the self-signed test certificate notation signs with.
	NotationCert string
	notationHome string
}

// NewPublisher makes a cosign key pair and a notation test certificate.
func NewPublisher(ctx context.Context, t *harness.Tools, reg *registrytest.Registry, dir string) (*Publisher, error) {
	p := &Publisher{tools: t, reg: reg, dir: dir, notationHome: filepath.Join(dir, "notation")}
	if err := os.MkdirAll(p.notationHome, 0o700); err != nil {
		return nil, err
	}
	prefix := filepath.Join(dir, "release")
	if _, err := p.cosign("generate-key-pair", "--output-key-prefix", prefix).Run(ctx); err != nil {
		return nil, err
	}
	p.CosignKey, p.CosignPub = prefix+".key", prefix+".pub"
	if _, err := p.notation("cert", "generate-test", "--default", "wasm.example").Run(ctx); err != nil {
		return nil, err
	}
	p.NotationCert = filepath.Join(p.notationHome, "notation", "localkeys", "wasm.example.crt")
	if _, err := os.Stat(p.NotationCert); err != nil {
		return nil, fmt.Errorf("notation cert generate-test: %w", err)
	}
	return p, nil
}

func (p *Publisher) cosign(args ...string) harness.Cmd {
	return harness.Cmd{Bin: p.tools.Path("cosign2"), Args: args, Dir: p.dir, Env: []string{
		"HOME=" + p.dir, "COSIGN_PASSWORD=", "TUF_ROOT=" + filepath.Join(p.dir, ".sigstore"), "DOCKER_CONFIG=" + filepath.Join(p.dir, ".docker"),
	}}
}

func (p *Publisher) notation(args ...string) harness.Cmd {
	return harness.Cmd{Bin: p.tools.Path("notation"), Args: args, Dir: p.dir, Env: []string{
		"HOME=" + p.dir, "XDG_CONFIG_HOME=" + p.notationHome, "XDG_CACHE_HOME=" + filepath.Join(p.dir, ".cache"),
	}}
}

func (p *Publisher) oras(args ...string) harness.Cmd {
	return harness.Cmd{Bin: p.tools.Path("oras"), Args: args, Dir: p.dir, Env: []string{
		"HOME=" + p.dir, "DOCKER_CONFIG=" + filepath.Join(p.dir, ".docker"),
	}}
}

func (p *Publisher) ratifyWasm(args ...string) harness.Cmd {
	return harness.Cmd{Bin: p.tools.Path("ratify-wasm"), Args: args, Dir: p.dir, Env: []string{"HOME=" + p.dir}}
}

// Artifact is a pushed WASM artifact.
type Artifact struct {
	Repository string // "<host>/<repo>"
	Tag        string
	Digest     string // manifest digest
	// List is the digest reference of its composition list, once attached.
	List string
}

// Ref is the digest reference "<host>/<repo>@sha256:…".
func (a *Artifact) Ref() string { return a.Repository + "@" + a.Digest }

// TagRef is "<host>/<repo>:<tag>".
func (a *Artifact) TagRef() string { return a.Repository + ":" + a.Tag }

// Push pushes wasm as a CNCF WASM artifact (config application/vnd.wasm.
// config.v0+json declaring the component's real imports and exports, one
// application/wasm layer) to repo:tag.
func (p *Publisher) Push(ctx context.Context, repo, tag string, wasm []byte) (*Artifact, error) {
	work, err := os.MkdirTemp(p.dir, "push-")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(work, "component.wasm"), wasm, 0o600); err != nil {
		return nil, err
	}
	list, err := p.createList(ctx, filepath.Join(work, "component.wasm"))
	if err != nil {
		return nil, err
	}
	cfg := map[string]any{"architecture": "wasm", "os": "wasip2", "layerDigests": []string{list.Layer.Digest},
		"component": map[string]any{"imports": names(list.Imports), "exports": names(list.Exports)}}
	raw, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(work, "config.json"), raw, 0o600); err != nil {
		return nil, err
	}
	a := &Artifact{Repository: p.reg.Host + "/" + repo, Tag: tag}
	// The version annotation keeps manifests of the same binary under
	// different tags apart: oras's creation time has one-second resolution,
	// and two equal manifests would share their referrers.
	cmd := p.oras("push", "--plain-http", "--config", "config.json:"+typeWasmConfig,
		"--annotation", "org.opencontainers.image.version="+tag,
		"--format", "go-template={{.digest}}", a.TagRef(), "component.wasm:"+typeWasmLayer)
	cmd.Dir = work
	out, err := cmd.Run(ctx)
	if err != nil {
		return nil, err
	}
	a.Digest = strings.TrimSpace(out)
	if !strings.HasPrefix(a.Digest, "sha256:") {
		return nil, fmt.Errorf("oras push %s printed %q, not a digest", a.TagRef(), out)
	}
	return a, nil
}

// list is the part of a composition list Push needs.
type list struct {
	Layer struct {
		Digest string `json:"digest"`
	} `json:"layer"`
	Imports []struct {
		Name string `json:"name"`
	} `json:"imports"`
	Exports []struct {
		Name string `json:"name"`
	} `json:"exports"`
}

func names(es []struct {
	Name string `json:"name"`
}) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Name)
	}
	return out
}

func (p *Publisher) createList(ctx context.Context, wasmPath string) (*list, error) {
	out := strings.TrimSuffix(wasmPath, ".wasm") + ".composition.json"
	if _, err := p.ratifyWasm("composition", "create", wasmPath, "-o", out).Run(ctx); err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	var l list
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, fmt.Errorf("composition list %s: %w", out, err)
	}
	return &l, nil
}

// CosignSign signs ref (a digest reference) with the release key: a legacy
// sha256-<hex>.sig tag, no transparency log (offline).
func (p *Publisher) CosignSign(ctx context.Context, ref string) error {
	_, err := p.cosign("sign", "--key", p.CosignKey, "--tlog-upload=false", "--allow-http-registry", "-y", ref).Run(ctx)
	return err
}

// NotationSign signs ref with the notation test certificate (JWS).
func (p *Publisher) NotationSign(ctx context.Context, ref string) error {
	_, err := p.notation("sign", "--insecure-registry", ref).Run(ctx)
	return err
}

// Provenance is what the SLSA provenance says about a build.
type Provenance struct {
	Builder string // workflow URL; the builder ID is Builder@refs/tags/<Tag>
	Tag     string // e.g. "v1.2.0"
}

// Attest attaches SLSA v1 provenance for b, signed with the release key
// (cosign attest: a sha256-<hex>.att tag).
func (p *Publisher) Attest(ctx context.Context, ref string, b Provenance) error {
	predicate := slsatest.PredicateV1(SourceRepo, b.Builder, b.Tag)
	f, err := os.CreateTemp(p.dir, "provenance-*.json")
	if err != nil {
		return err
	}
	defer f.Close()
	if err := json.NewEncoder(f).Encode(predicate); err != nil {
		return err
	}
	_, err = p.cosign("attest", "--key", p.CosignKey, "--tlog-upload=false", "--allow-http-registry", "-y",
		"--type", "slsaprovenance1", "--predicate", f.Name(), ref).Run(ctx)
	return err
}

// AttachList creates the composition list of describes (the binary the
// list is made from) and attaches it to a. When describes is a's own
// binary the project CLI attaches it; otherwise (a list that does not
// match the artifact) oras does, as the CLI refuses.
func (p *Publisher) AttachList(ctx context.Context, a *Artifact, describes []byte, own bool) error {
	work, err := os.MkdirTemp(p.dir, "list-")
	if err != nil {
		return err
	}
	wasmPath := filepath.Join(work, "described.wasm")
	if err := os.WriteFile(wasmPath, describes, 0o600); err != nil {
		return err
	}
	if _, err := p.createList(ctx, wasmPath); err != nil {
		return err
	}
	listPath := filepath.Join(work, "described.composition.json")
	if own {
		_, err = p.ratifyWasm("composition", "attach", "--plain-http", a.Ref(), listPath).Run(ctx)
	} else {
		cmd := p.oras("attach", "--plain-http", "--artifact-type", TypeCompositionList, a.Ref(), "described.composition.json:"+TypeCompositionList)
		cmd.Dir = work
		_, err = cmd.Run(ctx)
	}
	if err != nil {
		return err
	}
	d, err := p.referrer(ctx, a, TypeCompositionList)
	if err != nil {
		return err
	}
	a.List = a.Repository + "@" + d
	return nil
}

// referrer returns the digest of a's only referrer of artifactType.
func (p *Publisher) referrer(ctx context.Context, a *Artifact, artifactType string) (string, error) {
	out, err := p.oras("discover", "--plain-http", "--format", "json", "--artifact-type", artifactType, a.Ref()).Run(ctx)
	if err != nil {
		return "", err
	}
	var tree struct {
		Referrers []struct {
			Digest string `json:"digest"`
		} `json:"referrers"`
		Manifests []struct {
			Digest string `json:"digest"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal([]byte(out), &tree); err != nil {
		return "", fmt.Errorf("oras discover %s: %w: %s", a.Ref(), err, out)
	}
	var ds []string
	for _, r := range tree.Referrers {
		ds = append(ds, r.Digest)
	}
	for _, r := range tree.Manifests {
		ds = append(ds, r.Digest)
	}
	if len(ds) != 1 {
		return "", fmt.Errorf("%s has %d referrers of type %s, want 1: %s", a.Ref(), len(ds), artifactType, out)
	}
	return ds[0], nil
}

// PushContainerImage pushes a minimal Linux container image (one gzip
// layer holding one file), not a WASM artifact, to repo:tag.
func (p *Publisher) PushContainerImage(ctx context.Context, repo, tag string) (*Artifact, error) {
	work, err := os.MkdirTemp(p.dir, "image-")
	if err != nil {
		return nil, err
	}
	var tarball bytes.Buffer
	tw := tar.NewWriter(&tarball)
	body := []byte("#!/bin/sh\necho hello\n")
	if err := tw.WriteHeader(&tar.Header{Name: "hello.sh", Mode: 0o755, Size: int64(len(body))}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(body); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(tarball.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	diffID := sha256.Sum256(tarball.Bytes())
	cfg, _ := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux",
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + hex.EncodeToString(diffID[:])}}})
	if err := os.WriteFile(filepath.Join(work, "config.json"), cfg, 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(work, "layer.tar.gz"), gz.Bytes(), 0o600); err != nil {
		return nil, err
	}
	a := &Artifact{Repository: p.reg.Host + "/" + repo, Tag: tag}
	cmd := p.oras("push", "--plain-http", "--config", "config.json:application/vnd.oci.image.config.v1+json",
		"--annotation", "org.opencontainers.image.version="+tag, "--format", "go-template={{.digest}}", a.TagRef(), "layer.tar.gz:application/vnd.oci.image.layer.v1.tar+gzip")
	cmd.Dir = work
	out, err := cmd.Run(ctx)
	if err != nil {
		return nil, err
	}
	a.Digest = strings.TrimSpace(out)
	return a, nil
}
