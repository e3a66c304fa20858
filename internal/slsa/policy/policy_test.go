package policy

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
	"github.com/ratify-wasm/ratify-wasm/internal/slsa/provenance"
	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

const (
	exampleRepo = "github.com/slsa-framework/example-package"
	exampleSHA  = "4d329c75e7ec1725f7c9ce917a8799d408d06be3"

	vecGeneric   = "gha_generic/v2.1.0/binary-linux-amd64-workflow_dispatch.intoto.jsonl"
	vecGo        = "gha_go/v2.1.0/binary-linux-amd64-push-v14.intoto.jsonl"
	vecContainer = "gha_container-based/v2.1.0/binary-linux-amd64-workflow_dispatch.intoto.build.slsa"
	vecBCR       = "bcr/MODULE.bazel.intoto.jsonl"
)

// vector reads one of the real slsa-verifier bundles: its provenance and
// its Fulcio certificate's claims. The signature is verified offline in
// internal/slsa's tests; here only the policy logic is under test.
func vector(t *testing.T, rel string) (*provenance.Provenance, *certificate.Summary) {
	t.Helper()
	raw, err := os.ReadFile(testenv.ThirdParty(t, "slsa-verifier/"+rel))
	if err != nil {
		t.Fatal(err)
	}
	type rawCert struct {
		RawBytes string `json:"rawBytes"`
	}
	var b struct {
		VM struct {
			Certificate *rawCert `json:"certificate"`
			Chain       *struct {
				Certificates []rawCert `json:"certificates"`
			} `json:"x509CertificateChain"`
		} `json:"verificationMaterial"`
		DSSE struct {
			Payload string `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	leaf := b.VM.Certificate
	if leaf == nil {
		leaf = &b.VM.Chain.Certificates[0]
	}
	der, _ := base64.StdEncoding.DecodeString(leaf.RawBytes)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := certificate.SummarizeCertificate(cert)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := base64.StdEncoding.DecodeString(b.DSSE.Payload)
	st, err := provenance.DecodeStatement(payload)
	if err != nil {
		t.Fatal(err)
	}
	p, err := provenance.Parse(st)
	if err != nil {
		t.Fatal(err)
	}
	return p, &sum
}

func mustPolicy(t *testing.T, cfg Config) *Policy {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return p
}

// wantCheck asserts err is a violation of check (or nil when check is "").
func wantCheck(t *testing.T, err error, check failure.Check) {
	t.Helper()
	var v *failure.Error
	switch {
	case check == "" && err != nil:
		t.Fatalf("unexpected violation: %v", err)
	case check == "":
	case !errors.As(err, &v):
		t.Fatalf("got %v, want a %s violation", err, check)
	case v.Check != check:
		t.Fatalf("got %s violation (%v), want %s", v.Check, err, check)
	}
}

// The test cases slsa-verifier runs on the same files
// (cli/slsa-verifier/main_regression_test.go), as policy settings.
func TestSlsaVerifierParity(t *testing.T) {
	type tc struct {
		name string
		cfg  Config
		want failure.Check
	}
	branchCases := func(builder string) []tc {
		return []tc{
			{"valid main branch default", Config{SourceURI: exampleRepo}, ""},
			{"valid main branch set", Config{SourceURI: exampleRepo, SourceRef: "refs/heads/main"}, ""},
			{"wrong branch master", Config{SourceURI: exampleRepo, SourceRef: "refs/heads/master"}, failure.SourceRef},
			{"invalid builderID", Config{SourceURI: exampleRepo, BuilderIDs: []string{workflows + "not-trusted.yml"}}, failure.Builder},
			{"wrong source append A", Config{SourceURI: exampleRepo + "A"}, failure.Source},
			{"wrong source prepend A", Config{SourceURI: "A" + exampleRepo}, failure.Source},
			{"wrong source middle A", Config{SourceURI: "github.com/Aslsa-framework/example-package"}, failure.Source},
			{"tag no match empty tag workflow_dispatch", Config{SourceURI: exampleRepo, SourceRef: "refs/tags/v1.2.3"}, failure.SourceRef},
			{"versioned tag no match empty tag workflow_dispatch", Config{SourceURI: exampleRepo, SourceVersionedTag: "v1"}, failure.SourceRef},
			{"builder at version", Config{SourceURI: exampleRepo, BuilderIDs: []string{builder + "@v2.1.0"}}, ""},
			{"builder at full ref", Config{SourceURI: exampleRepo, BuilderIDs: []string{builder + "@refs/tags/v2.1.0"}}, ""},
			{"builder at other version", Config{SourceURI: exampleRepo, BuilderIDs: []string{builder + "@v2.0.0"}}, failure.Builder},
			{"builder at version pattern", Config{SourceURI: exampleRepo, BuilderIDs: []string{builder + "@refs/tags/v2.*"}}, ""},
			{"builder at other major", Config{SourceURI: exampleRepo, BuilderIDs: []string{builder + "@refs/tags/v1.*"}}, failure.Builder},
		}
	}
	files := map[string]string{
		vecGeneric:   workflows + "generator_generic_slsa3.yml",
		vecContainer: workflows + "builder_container-based_slsa3.yml",
	}
	for file, builder := range files {
		prov, cert := vector(t, file)
		for _, c := range branchCases(builder) {
			t.Run(filepath.Base(file)+"/"+c.name, func(t *testing.T) {
				if c.cfg.BuilderIDs == nil {
					c.cfg.BuilderIDs = []string{builder}
				}
				_, err := mustPolicy(t, c.cfg).Check(prov, cert)
				wantCheck(t, err, c.want)
			})
		}
	}

	prov, cert := vector(t, vecGo)
	for tag, want := range map[string]failure.Check{
		"v14": "", "v14.0": "", "v14.0.0": "",
		"v14.1": failure.SourceRef, "v13": failure.SourceRef, "v15": failure.SourceRef, "v13.2": failure.SourceRef, "v0": failure.SourceRef,
	} {
		t.Run("go versioned tag "+tag, func(t *testing.T) {
			cfg := Config{SourceURI: exampleRepo, BuilderIDs: []string{workflows + "builder_go_slsa3.yml"}, SourceVersionedTag: tag}
			_, err := mustPolicy(t, cfg).Check(prov, cert)
			wantCheck(t, err, want)
		})
	}

	prov, cert = vector(t, vecBCR)
	for name, c := range map[string]tc{
		"module.bazel using publishing builder": {cfg: Config{SourceURI: "github.com/aspect-build/rules_lint", BuilderIDs: []string{"https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml"}}},
		"other builder":                         {cfg: Config{SourceURI: "github.com/aspect-build/rules_lint", BuilderIDs: []string{"https://github.com/bazel-contrib/.github/.github/workflows/release_ruleset.yaml"}}, want: failure.Builder},
		"branch":                                {cfg: Config{SourceURI: "https://github.com/aspect-build/rules_lint", BuilderIDs: []string{"https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@v0.0.1"}, SourceRef: "refs/heads/publish-to-*"}},
	} {
		t.Run("bcr/"+name, func(t *testing.T) {
			_, err := mustPolicy(t, c.cfg).Check(prov, cert)
			wantCheck(t, err, c.want)
		})
	}
}

func TestOutcomeListsComparedClaims(t *testing.T) {
	prov, cert := vector(t, vecBCR)
	out, err := mustPolicy(t, Config{SourceURI: "github.com/aspect-build/rules_lint", BuilderIDs: []string{"https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml"}}).Check(prov, cert)
	if err != nil {
		t.Fatal(err)
	}
	want := "buildSignerURI,sourceRepositoryURI,sourceRepositoryRef,sourceRepositoryDigest,buildConfigURI,buildTrigger,runnerEnvironment,runInvocationURI"
	if got := strings.Join(out.CertificateClaims, ","); got != want {
		t.Errorf("claims %s, want %s", got, want)
	}
	if out.BuilderRule != "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml" {
		t.Errorf("builder rule %q", out.BuilderRule)
	}
	// Key-signed provenance has no certificate to compare.
	out, err = mustPolicy(t, Config{SourceURI: "github.com/aspect-build/rules_lint", BuilderIDs: []string{"https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml"}}).Check(prov, nil)
	if err != nil || len(out.CertificateClaims) != 0 {
		t.Fatalf("without certificate: %+v, %v", out, err)
	}
}

// A predicate that disagrees with its Fulcio certificate fails even when it
// satisfies the policy: each field is altered in turn, and the policy is
// written to accept the altered predicate.
func TestCertificateConsistency(t *testing.T) {
	acceptAll := func(t *testing.T, p *provenance.Provenance) *Policy {
		repo, _ := provenance.SplitRef(p.SourceURI)
		return mustPolicy(t, Config{SourceURI: repo, BuilderIDs: []string{p.BuilderID}})
	}
	for _, file := range []string{vecBCR, vecGeneric, vecContainer} {
		orig, cert := vector(t, file)
		if _, err := acceptAll(t, orig).Check(orig, cert); err != nil {
			t.Fatalf("%s: unaltered: %v", file, err)
		}
		withRef := func(uri, ref string) string { repo, _ := provenance.SplitRef(uri); return repo + "@" + ref }
		alter := map[string]func(p *provenance.Provenance){
			"buildSignerURI": func(p *provenance.Provenance) {
				p.BuilderID = strings.Replace(p.BuilderID, "@refs/tags/v", "@refs/tags/v9", 1)
			},
			"sourceRepositoryURI": func(p *provenance.Provenance) {
				p.SourceURI = strings.Replace(p.SourceURI, "github.com/", "github.com/evil-", 1)
				p.TriggerURI = strings.Replace(p.TriggerURI, "github.com/", "github.com/evil-", 1)
			},
			"sourceRepositoryRef": func(p *provenance.Provenance) {
				p.SourceURI, p.TriggerURI, p.Ref = withRef(p.SourceURI, "refs/heads/evil"), withRef(p.TriggerURI, "refs/heads/evil"), "refs/heads/evil"
			},
			"sourceRepositoryDigest": func(p *provenance.Provenance) { p.SourceCommit = strings.Repeat("0", 40) },
			"buildConfigURI": func(p *provenance.Provenance) {
				p.Workflow = strings.Replace(p.Workflow, ".github/workflows/", ".github/workflows/evil-", 1)
			},
			"buildTrigger": func(p *provenance.Provenance) { p.Event = "pull_request_target" },
		}
		if orig.RunnerEnvironment != "" {
			alter["runnerEnvironment"] = func(p *provenance.Provenance) { p.RunnerEnvironment = "self-hosted" }
		}
		if strings.HasPrefix(orig.InvocationID, "https://") {
			alter["runInvocationURI"] = func(p *provenance.Provenance) { p.InvocationID += "0" }
		}
		for claim, f := range alter {
			t.Run(filepath.Base(file)+"/"+claim, func(t *testing.T) {
				p := *orig
				f(&p)
				_, err := acceptAll(t, &p).Check(&p, cert)
				wantCheck(t, err, failure.CertificateConsistency)
				if !strings.Contains(err.Error(), claim) {
					t.Errorf("message %q does not name %s", err, claim)
				}
			})
		}
	}
	// GitHub Actions certificates always carry every claim: one without a
	// claim is not skipped over, and neither is a predicate that omits
	// what every GitHub provenance format states.
	for _, file := range []string{vecBCR, vecGeneric, vecContainer} {
		orig, cert := vector(t, file)
		strip := map[string]func(c *certificate.Summary){
			"buildSignerURI":         func(c *certificate.Summary) { c.BuildSignerURI = "" },
			"sourceRepositoryURI":    func(c *certificate.Summary) { c.SourceRepositoryURI = "" },
			"sourceRepositoryRef":    func(c *certificate.Summary) { c.SourceRepositoryRef = "" },
			"sourceRepositoryDigest": func(c *certificate.Summary) { c.SourceRepositoryDigest = "" },
			"buildConfigURI":         func(c *certificate.Summary) { c.BuildConfigURI = "" },
			"buildTrigger":           func(c *certificate.Summary) { c.BuildTrigger = "" },
			"runnerEnvironment":      func(c *certificate.Summary) { c.RunnerEnvironment = "" },
			"runInvocationURI":       func(c *certificate.Summary) { c.RunInvocationURI = "" },
		}
		for claim, f := range strip {
			t.Run(filepath.Base(file)+"/certificate without "+claim, func(t *testing.T) {
				c := *cert
				f(&c)
				_, err := acceptAll(t, orig).Check(orig, &c)
				wantCheck(t, err, failure.CertificateConsistency)
				if !strings.Contains(err.Error(), claim) || !strings.Contains(err.Error(), "GitHub Actions") {
					t.Errorf("message %q does not name %s", err, claim)
				}
				// Another issuer's certificates need not carry the claim.
				c.Issuer = "https://gitlab.example.com"
				if _, err := acceptAll(t, orig).Check(orig, &c); err != nil {
					t.Errorf("other issuer: %v", err)
				}
			})
		}
		omit := map[string]func(p *provenance.Provenance){
			"sourceRepositoryDigest": func(p *provenance.Provenance) { p.SourceCommit = "" },
			"buildConfigURI":         func(p *provenance.Provenance) { p.Workflow = "" },
			"buildTrigger":           func(p *provenance.Provenance) { p.Event = "" },
		}
		for claim, f := range omit {
			t.Run(filepath.Base(file)+"/predicate without "+claim, func(t *testing.T) {
				p := *orig
				f(&p)
				_, err := acceptAll(t, &p).Check(&p, cert)
				wantCheck(t, err, failure.CertificateConsistency)
				if !strings.Contains(err.Error(), "does not state the "+claim) {
					t.Errorf("message %q does not name %s", err, claim)
				}
			})
		}
	}

	// The certificate of one build does not vouch for another build's predicate.
	goProv, _ := vector(t, vecGo)
	_, genericCert := vector(t, vecGeneric)
	_, err := mustPolicy(t, Config{SourceURI: exampleRepo, BuilderIDs: []string{workflows + "builder_go_slsa3.yml"}}).Check(goProv, genericCert)
	wantCheck(t, err, failure.CertificateConsistency)
}

func TestBuildTypes(t *testing.T) {
	prov, cert := vector(t, vecGo)
	base := Config{SourceURI: exampleRepo, BuilderIDs: []string{workflows + "builder_go_slsa3.yml"}}
	_, err := mustPolicy(t, base).Check(prov, cert)
	wantCheck(t, err, "")

	// Known builder, foreign build type: slsa-verifier's registered types apply.
	other := *prov
	other.BuildType = "https://github.com/slsa-framework/slsa-github-generator/generic@v1"
	_, err = mustPolicy(t, base).Check(&other, nil)
	wantCheck(t, err, failure.BuildType)

	withTypes := base
	withTypes.BuildTypes = []string{"https://example.com/build@v1"}
	_, err = mustPolicy(t, withTypes).Check(prov, cert)
	wantCheck(t, err, failure.BuildType)
	withTypes.BuildTypes = append(withTypes.BuildTypes, prov.BuildType)
	_, err = mustPolicy(t, withTypes).Check(prov, cert)
	wantCheck(t, err, "")

	// An unknown builder accepts any build type unless buildTypes is set.
	custom := &provenance.Provenance{BuilderID: "https://ci.example.com/builder@refs/tags/v1.0.0", BuildType: "tekton.dev/v1/PipelineRun", SourceURI: "git+https://example.com/o/r@refs/heads/main", Ref: "refs/heads/main"}
	_, err = mustPolicy(t, Config{SourceURI: "example.com/o/r", BuilderIDs: []string{"https://ci.example.com/builder"}}).Check(custom, nil)
	wantCheck(t, err, "")
}

func TestSourceChecks(t *testing.T) {
	prov, _ := vector(t, vecGo)
	base := Config{SourceURI: "git+https://" + exampleRepo, BuilderIDs: []string{workflows + "builder_go_slsa3.yml"}}
	cases := map[string]struct {
		mutate func(c *Config, p *provenance.Provenance)
		want   failure.Check
	}{
		"commit matches":       {func(c *Config, p *provenance.Provenance) { c.SourceCommit = strings.ToUpper(exampleSHA) }, ""},
		"commit differs":       {func(c *Config, p *provenance.Provenance) { c.SourceCommit = strings.Repeat("1", 40) }, failure.SourceCommit},
		"ref pattern":          {func(c *Config, p *provenance.Provenance) { c.SourceRef = "refs/tags/v1*" }, ""},
		"ref pattern no match": {func(c *Config, p *provenance.Provenance) { c.SourceRef = "refs/tags/v2*" }, failure.SourceRef},
		"no source material":   {func(c *Config, p *provenance.Provenance) { p.SourceURI = "" }, failure.ProvenanceConsistency},
		"trigger other repo": {func(c *Config, p *provenance.Provenance) {
			p.TriggerURI = "git+https://github.com/o/other@refs/tags/v14"
		}, failure.ProvenanceConsistency},
		"trigger other ref": {func(c *Config, p *provenance.Provenance) {
			p.TriggerURI = "git+https://" + exampleRepo + "@refs/tags/v15"
		}, failure.ProvenanceConsistency},
		"source without ref":   {func(c *Config, p *provenance.Provenance) { p.SourceURI = "git+https://" + exampleRepo }, failure.ProvenanceConsistency},
		"recorded ref differs": {func(c *Config, p *provenance.Provenance) { p.Ref = "refs/heads/main" }, failure.ProvenanceConsistency},
		"tag is a branch":      {func(c *Config, p *provenance.Provenance) { c.SourceVersionedTag = "v14"; p.RefType = "branch" }, failure.SourceRef},
		"tag is not semver": {func(c *Config, p *provenance.Provenance) {
			c.SourceVersionedTag = "v14"
			p.Ref, p.SourceURI, p.TriggerURI = "refs/tags/release", "git+https://"+exampleRepo+"@refs/tags/release", ""
		}, failure.SourceRef},
		"empty builder in prov": {func(c *Config, p *provenance.Provenance) { p.BuilderID = "" }, failure.Builder},
		// The BYOB exception covers a source with no ref only: a BYOB
		// source that names another ref than its trigger still fails.
		"byob source ref differs": {func(c *Config, p *provenance.Provenance) {
			c.BuilderIDs = []string{workflows + "delegator_generic_slsa3.yml"}
			p.BuilderID = workflows + "delegator_generic_slsa3.yml@refs/tags/v2.1.0"
			p.BuildType = buildTypeBYOB
			p.SourceURI = "git+https://" + exampleRepo + "@refs/tags/v15"
		}, failure.ProvenanceConsistency},
		"byob source without ref": {func(c *Config, p *provenance.Provenance) {
			c.BuilderIDs = []string{workflows + "delegator_generic_slsa3.yml"}
			p.BuilderID = workflows + "delegator_generic_slsa3.yml@refs/tags/v2.1.0"
			p.BuildType = buildTypeBYOB
			p.SourceURI = "git+https://" + exampleRepo
		}, ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, p := base, *prov
			tc.mutate(&c, &p)
			_, err := mustPolicy(t, c).Check(&p, nil)
			wantCheck(t, err, tc.want)
		})
	}
}

func TestBuilderMatching(t *testing.T) {
	const gen = workflows + "generator_generic_slsa3.yml"
	cases := []struct {
		entry, id string
		want      bool
	}{
		{gen, gen + "@refs/tags/v2.1.0", true},
		{gen, gen + "@refs/tags/v2.1.0-rc.1", false}, // builders must be at a release tag
		{gen, gen + "@refs/tags/v2.1", false},
		{gen, gen + "@refs/heads/main", false},
		{gen, gen + "X@refs/tags/v2.1.0", false},
		// slsa-verifier parses the provenance's builder ID with
		// needVersion: an ID without a ref matches no entry.
		{gen, gen, false},
		{gen, gen + "@", false},
		{gen, gen + "@refs/tags/v2.1.0@refs/tags/v2.1.0", false},
		{gen + "@v2.1.0", gen + "@refs/tags/v2.1.0", true},
		{gen + "@refs/heads/main", gen + "@refs/heads/main", true},
		{gen + "@refs/tags/v2.*", gen + "@refs/tags/v2.1.0", true},
		{gen + "@refs/tags/v2.*", gen + "@refs/tags/v20.0.0", false},
		{gen + "@refs/tags/v2.*", gen + "@refs/tags/v2.1.0/evil", false},
		{gen + "@v2.1.0", gen, false},
		{"https://tekton.dev/chains/v2", "https://tekton.dev/chains/v2", false},
	}
	for _, tc := range cases {
		b, err := parseBuilder(tc.entry)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.matches(tc.id); got != tc.want {
			t.Errorf("%q matches %q = %t, want %t", tc.entry, tc.id, got, tc.want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	ok := Config{SourceURI: exampleRepo, BuilderIDs: []string{"b"}}
	cases := map[string]struct {
		mutate func(c *Config)
		key    string
	}{
		"no builders":       {func(c *Config) { c.BuilderIDs = nil }, "builderIds"},
		"empty builder":     {func(c *Config) { c.BuilderIDs = []string{""} }, "builderIds"},
		"bad builder ref":   {func(c *Config) { c.BuilderIDs = []string{"b@"} }, "builderIds"},
		"two @":             {func(c *Config) { c.BuilderIDs = []string{"b@v1@v2"} }, "builderIds"},
		"bad builder glob":  {func(c *Config) { c.BuilderIDs = []string{"b@refs/tags/["} }, "builderIds"},
		"empty build type":  {func(c *Config) { c.BuildTypes = []string{""} }, "buildTypes"},
		"no source":         {func(c *Config) { c.SourceURI = "" }, "sourceUri"},
		"source with ref":   {func(c *Config) { c.SourceURI = exampleRepo + "@refs/heads/main" }, "sourceUri"},
		"short ref":         {func(c *Config) { c.SourceRef = "main" }, "sourceRef"},
		"bad ref glob":      {func(c *Config) { c.SourceRef = "refs/[" }, "sourceRef"},
		"bad versioned tag": {func(c *Config) { c.SourceVersionedTag = "1.2" }, "sourceVersionedTag"},
		"short commit":      {func(c *Config) { c.SourceCommit = "abc" }, "sourceCommit"},
		"non-hex commit":    {func(c *Config) { c.SourceCommit = strings.Repeat("g", 40) }, "sourceCommit"},
		"50-digit commit":   {func(c *Config) { c.SourceCommit = strings.Repeat("a", 50) }, "sourceCommit"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := ok
			tc.mutate(&c)
			_, err := New(c)
			var ke *failure.ConfigError
			if !errors.As(err, &ke) || ke.Key != tc.key {
				t.Fatalf("err = %v, want a configuration error for %s", err, tc.key)
			}
		})
	}
	if _, err := New(ok); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{40, 64} { // SHA-1 and SHA-256 object names
		c := ok
		c.SourceCommit = strings.Repeat("a", n)
		if _, err := New(c); err != nil {
			t.Errorf("a %d-digit sourceCommit is refused: %v", n, err)
		}
	}
}

// A builder ID without exactly one "@" is refused saying a ref is needed;
// one that names a ref is refused without that hint.
func TestBuilderRefusalSaysWhy(t *testing.T) {
	prov, _ := vector(t, vecGo)
	pol := mustPolicy(t, Config{SourceURI: exampleRepo, BuilderIDs: []string{workflows + "builder_go_slsa3.yml"}})
	const hint = "it must name a ref"
	for id, wantHint := range map[string]bool{
		workflows + "builder_go_slsa3.yml":                    true,
		workflows + "other.yml@refs/tags/v2.1.0":              false,
		workflows + "builder_go_slsa3.yml@refs/tags/v1@extra": true,
	} {
		p := *prov
		p.BuilderID = id
		_, err := pol.Check(&p, nil)
		wantCheck(t, err, failure.Builder)
		if got := strings.Contains(err.Error(), hint); got != wantHint {
			t.Errorf("builder %q: message %q mentions the ref requirement = %t, want %t", id, err, got, wantHint)
		}
	}
}
