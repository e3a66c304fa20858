package slsa

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/sigverify"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa/discover"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa/policy"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// The real GitHub-produced provenance that slsa-verifier tests itself with
// (testdata/third_party/slsa-verifier), verified offline against the
// public-good trusted root shipped in sigstore-go v1.3.0, with the source,
// builder and tag parameters of slsa-verifier's own tests.

const (
	githubIssuer = "https://token.actions.githubusercontent.com"
	generator    = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
	example      = "github.com/slsa-framework/example-package"
)

type realVector struct {
	file    string
	subject digest.Digest // the artifact's sha256 (README of the test data)
	builder string        // slsa-verifier's --builder-id
	source  string        // slsa-verifier's --source-uri
	tag     string        // a --source-versioned-tag that passes, if any
	branch  string        // a --source-branch that passes, if any
}

var realVectors = []realVector{
	{"bcr/MODULE.bazel.intoto.jsonl", "sha256:06ce330900a7d6403bc8d88e5dfad6aeeb8ae40179f66bb89e69c8bf6f6b1a0b",
		"https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml", "github.com/aspect-build/rules_lint", "", "publish-to-bcr"},
	{"gha_generic/v2.1.0/binary-linux-amd64-workflow_dispatch.intoto.jsonl", "sha256:376e7e01348585b6e6643bc6663146b9d525d9b41228bf180eaeb4d4a3706caa",
		generator + "generator_generic_slsa3.yml", example, "", "main"},
	{"gha_go/v2.1.0/binary-linux-amd64-push-v14.intoto.jsonl", "sha256:f6ab7ad0c7549b5a4942c3b0690519d791c28c4c0f8b286208cb40da3322a066",
		generator + "builder_go_slsa3.yml", example, "v14", ""},
	{"gha_container-based/v2.1.0/binary-linux-amd64-push-v14.intoto.build.slsa", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		generator + "builder_container-based_slsa3.yml", example, "v14", ""},
	{"gha_container-based/v2.1.0/binary-linux-amd64-workflow_dispatch.intoto.build.slsa", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		generator + "builder_container-based_slsa3.yml", example, "", "main"},
}

func readVector(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.ThirdParty(t, "slsa-verifier/"+rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// publicGoodTrust is a keyless trust policy for GitHub Actions workflows,
// anchored in the public-good trusted root copied into testdata.
func publicGoodTrust(t *testing.T, identityRegExp string) *sigverify.Policy {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("testdata", "trusted-root-public-good.json"))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := sigverify.CompilePolicies("trustPolicies", []sigverify.TrustPolicy{{
		Name: "github", Scopes: []string{"*"}, TrustedRoot: root, RequireTlog: true,
		Keyless: sigverify.IdentityList{{CertificateIdentityRegExp: identityRegExp, CertificateOIDCIssuer: githubIssuer}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return ps[0]
}

func bundleDoc(data []byte) *discover.Document {
	return &discover.Document{Format: discover.FormatBundle, Storage: discover.StorageBundleReferrer, Data: data,
		Layer: ocispec.Descriptor{Digest: digest.FromBytes(data)}, Manifest: digest.FromString("referrer")}
}

func verifyVector(t *testing.T, v realVector, data []byte, trust *sigverify.Policy, cfg policy.Config, subject digest.Digest) (map[string]any, *docFailure) {
	t.Helper()
	pol, err := policy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return verifyDocument(bundleDoc(data), trust, []target{{subject, SubjectManifest}}, pol)
}

func wantFailure(t *testing.T, f *docFailure, check failure.Check) {
	t.Helper()
	if f == nil {
		t.Fatalf("passed, want a %s failure", check)
	}
	if f.err.Check != check {
		t.Fatalf("failed check %s (%s), want %s", f.err.Check, f.err.Err, check)
	}
}

func TestRealProvenanceOffline(t *testing.T) {
	anyGitHub := publicGoodTrust(t, `^https://github\.com/.*$`)
	for _, v := range realVectors {
		t.Run(filepath.Base(v.file), func(t *testing.T) {
			data := readVector(t, v.file)
			base := policy.Config{BuilderIDs: []string{v.builder}, SourceURI: v.source}
			if v.tag != "" {
				base.SourceVersionedTag = v.tag
			}
			if v.branch != "" {
				base.SourceRef = "refs/heads/" + v.branch
			}

			ext, f := verifyVector(t, v, data, anyGitHub, base, v.subject)
			if f != nil {
				t.Fatalf("real provenance did not verify: %s", f.err)
			}
			if ext[ExtSubjectDigest] != v.subject.String() || ext[ExtSubjectMatch] != SubjectManifest {
				t.Errorf("subject extensions: %v %v", ext[ExtSubjectDigest], ext[ExtSubjectMatch])
			}
			if !strings.HasPrefix(ext[ExtBuilderID].(string), v.builder+"@refs/tags/v") {
				t.Errorf("builderId %v", ext[ExtBuilderID])
			}
			signer := ext[ExtSigner].(map[string]any)
			if signer["issuer"] != githubIssuer || !strings.HasPrefix(signer["identity"].(string), v.builder+"@") || signer["rekorLogIndex"] == nil {
				t.Errorf("signer %v", signer)
			}
			if claims := ext[ExtCertificateClaims].([]string); len(claims) < 5 || claims[0] != "buildSignerURI" {
				t.Errorf("certificate claims %v", claims)
			}
			if c := signer["certificate"].(map[string]any); c["sourceRepositoryDigest"] != ext[ExtSourceCommit] || c["buildSignerURI"] != ext[ExtBuilderID] || c["issuer"] != githubIssuer {
				t.Errorf("signer certificate claims %v", c)
			}

			// slsa-verifier's negative parameters.
			wrongSource := base
			wrongSource.SourceURI = v.source + "A"
			_, f = verifyVector(t, v, data, anyGitHub, wrongSource, v.subject)
			wantFailure(t, f, failure.Source)

			wrongBuilder := base
			wrongBuilder.BuilderIDs = []string{generator + "not-trusted.yml"}
			_, f = verifyVector(t, v, data, anyGitHub, wrongBuilder, v.subject)
			wantFailure(t, f, failure.Builder)

			wrongTag := base
			wrongTag.SourceRef, wrongTag.SourceVersionedTag = "", "v13"
			_, f = verifyVector(t, v, data, anyGitHub, wrongTag, v.subject)
			wantFailure(t, f, failure.SourceRef)

			// The provenance of another artifact.
			_, f = verifyVector(t, v, data, anyGitHub, base, digest.FromString("another artifact"))
			wantFailure(t, f, "subject")

			// A signer other than the configured identity.
			_, f = verifyVector(t, v, data, publicGoodTrust(t, `^https://github\.com/trusted-org/.*$`), base, v.subject)
			wantFailure(t, f, failure.Identity)
		})
	}
}

// Changing one byte of the signed predicate breaks the signature.
func TestRealProvenanceTampered(t *testing.T) {
	v := realVectors[2] // gha_go, tag v14
	data := readVector(t, v.file)
	var b map[string]any
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	env := b["dsseEnvelope"].(map[string]any)
	payload, _ := base64.StdEncoding.DecodeString(env["payload"].(string))
	tampered := bytes.Replace(payload, []byte("refs/tags/v14"), []byte("refs/tags/v15"), -1)
	if bytes.Equal(tampered, payload) {
		t.Fatal("nothing replaced")
	}
	env["payload"] = base64.StdEncoding.EncodeToString(tampered)
	data, _ = json.Marshal(b)
	cfg := policy.Config{BuilderIDs: []string{v.builder}, SourceURI: v.source, SourceVersionedTag: "v15"}
	_, f := verifyVector(t, v, data, publicGoodTrust(t, `^https://github\.com/.*$`), cfg, v.subject)
	wantFailure(t, f, failure.Signature)
}
