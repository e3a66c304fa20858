package provenance

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// vectorStatement returns the in-toto statement inside one of the real
// slsa-verifier bundles in testdata/third_party/slsa-verifier (signature not
// checked here; internal/slsa verifies them offline).
func vectorStatement(t testing.TB, rel string) []byte {
	t.Helper()
	raw, err := os.ReadFile(testenv.ThirdParty(t, "slsa-verifier/"+rel))
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		DSSE struct {
			Payload string `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	st, err := base64.StdEncoding.DecodeString(b.DSSE.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestParseRealProvenance(t *testing.T) {
	const (
		gen     = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
		example = "git+https://github.com/slsa-framework/example-package"
		commit  = "4d329c75e7ec1725f7c9ce917a8799d408d06be3"
		wf      = "https://github.com/slsa-framework/example-package/.github/workflows/verifier-e2e.all.workflow_dispatch.main.all.slsa3.yml"
	)
	tests := []struct {
		file      string
		statement string
		subject   string
		want      Provenance
	}{
		{
			file:      "bcr/MODULE.bazel.intoto.jsonl",
			statement: StatementV1,
			subject:   "sha256:06ce330900a7d6403bc8d88e5dfad6aeeb8ae40179f66bb89e69c8bf6f6b1a0b",
			want: Provenance{
				PredicateType:     PredicateSLSAV1,
				BuilderID:         "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1",
				BuildType:         "https://actions.github.io/buildtypes/workflow/v1",
				SourceURI:         "git+https://github.com/aspect-build/rules_lint@refs/heads/publish-to-bcr",
				SourceCommit:      "8f70009fde0c94ade6ce2a054b94718c819126ec",
				TriggerURI:        "git+https://github.com/aspect-build/rules_lint@refs/heads/publish-to-bcr",
				Ref:               "refs/heads/publish-to-bcr",
				Event:             "workflow_dispatch",
				Workflow:          "https://github.com/aspect-build/rules_lint/.github/workflows/release.yml@refs/heads/publish-to-bcr",
				RunnerEnvironment: "github-hosted",
				InvocationID:      "https://github.com/aspect-build/rules_lint/actions/runs/14095611671/attempts/1",
			},
		},
		{
			file:      "gha_generic/v2.1.0/binary-linux-amd64-workflow_dispatch.intoto.jsonl",
			statement: StatementV01,
			subject:   "sha256:376e7e01348585b6e6643bc6663146b9d525d9b41228bf180eaeb4d4a3706caa",
			want: Provenance{
				PredicateType: PredicateSLSAV02,
				BuilderID:     gen + "generator_generic_slsa3.yml@refs/tags/v2.1.0",
				BuildType:     "https://github.com/slsa-framework/slsa-github-generator/generic@v1",
				SourceURI:     example + "@refs/heads/main",
				SourceCommit:  commit,
				TriggerURI:    example + "@refs/heads/main",
				Ref:           "refs/heads/main",
				RefType:       "branch",
				Event:         "workflow_dispatch",
				Workflow:      wf + "@refs/heads/main",
			},
		},
		{
			file:      "gha_go/v2.1.0/binary-linux-amd64-push-v14.intoto.jsonl",
			statement: StatementV01,
			subject:   "sha256:f6ab7ad0c7549b5a4942c3b0690519d791c28c4c0f8b286208cb40da3322a066",
			want: Provenance{
				PredicateType: PredicateSLSAV02,
				BuilderID:     gen + "builder_go_slsa3.yml@refs/tags/v2.1.0",
				BuildType:     "https://github.com/slsa-framework/slsa-github-generator/go@v1",
				SourceURI:     example + "@refs/tags/v14",
				SourceCommit:  commit,
				TriggerURI:    example + "@refs/tags/v14",
				Ref:           "refs/tags/v14",
				RefType:       "tag",
				Event:         "push",
				Workflow:      wf + "@refs/tags/v14",
			},
		},
		{
			// SLSA v1 inside a v0.1 statement, upper-case GITHUB_* context.
			file:      "gha_container-based/v2.1.0/binary-linux-amd64-push-v14.intoto.build.slsa",
			statement: StatementV01,
			subject:   "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			want: Provenance{
				PredicateType: PredicateSLSAV1,
				BuilderID:     gen + "builder_container-based_slsa3.yml@refs/tags/v2.1.0",
				BuildType:     "https://slsa.dev/container-based-build/v0.1?draft",
				SourceURI:     example + "@refs/tags/v14",
				SourceCommit:  commit,
				TriggerURI:    example + "@refs/tags/v14",
				Ref:           "refs/tags/v14",
				RefType:       "tag",
				Event:         "push",
				Workflow:      wf + "@refs/tags/v14",
				InvocationID:  "https://github.com/slsa-framework/example-package/actions/runs/13530999509/attempts/1",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			st, err := DecodeStatement(vectorStatement(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if st.GetType() != tc.statement {
				t.Errorf("statement type %q, want %q", st.GetType(), tc.statement)
			}
			m, ok := st.MatchSubject([]digest.Digest{digest.FromString("other"), digest.Digest(tc.subject)})
			if !ok || m.Digest.String() != tc.subject || m.Name == "" {
				t.Errorf("MatchSubject = %+v, %t; want %s", m, ok, tc.subject)
			}
			p, err := Parse(st)
			if err != nil {
				t.Fatal(err)
			}
			if *p != tc.want {
				t.Errorf("Parse:\n got %+v\nwant %+v", *p, tc.want)
			}
		})
	}
}

func TestDecodeStatementRejects(t *testing.T) {
	valid := `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"` + strings.Repeat("a", 64) + `"}}],"predicateType":"x","predicate":{}}`
	if _, err := DecodeStatement([]byte(valid)); err != nil {
		t.Fatalf("valid statement rejected: %v", err)
	}
	tests := map[string]struct{ doc, want string }{
		"wrong type":    {strings.Replace(valid, "Statement/v1", "Statement/v2", 1), `_type is "https://in-toto.io/Statement/v2"`},
		"no subject":    {`{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"x","predicate":{}}`, "subject"},
		"no digest":     {strings.Replace(valid, `"digest":{"sha256":"`+strings.Repeat("a", 64)+`"}`, `"name":"n"`, 1), "digest"},
		"short sha256":  {strings.Replace(valid, strings.Repeat("a", 64), "abcd", 1), "digest has incorrect length"},
		"no predicate":  {strings.Replace(valid, `,"predicate":{}`, "", 1), "predicate"},
		"snake_case":    {strings.Replace(valid, "predicateType", "predicate_type_x", 1), "predicate type"},
		"not json":      {`{"_type":`, "not an in-toto statement"},
		"duplicate key": {strings.Replace(valid, `"predicateType":"x"`, `"predicateType":"x","predicateType":"y"`, 1), "duplicate"},
		"too large":     {valid + strings.Repeat(" ", MaxStatementBytes), "limit"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeStatement([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestMatchSubjectNeedsStrongDigest(t *testing.T) {
	sha256hex := strings.Repeat("ab", 32)
	doc := `{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"a","digest":{"sha1":"` + strings.Repeat("ab", 20) + `"}},{"name":"b","digest":{"sha256":"` + strings.ToUpper(sha256hex) + `"}}],"predicateType":"x","predicate":{}}`
	st, err := DecodeStatement([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.MatchSubject([]digest.Digest{digest.Digest("sha1:" + strings.Repeat("ab", 20))}); ok {
		t.Error("a sha1 subject digest matched")
	}
	m, ok := st.MatchSubject([]digest.Digest{digest.Digest("sha256:" + sha256hex)})
	if !ok || m.Name != "b" {
		t.Errorf("sha256 (upper-case hex in statement) did not match: %+v %t", m, ok)
	}
	if got := st.SubjectDigests(); len(got) != 2 || got[0] != "sha1:"+strings.Repeat("ab", 20) {
		t.Errorf("SubjectDigests = %v", got)
	}
}

func TestParseRejects(t *testing.T) {
	subject := `"subject":[{"digest":{"sha256":"` + strings.Repeat("a", 64) + `"}}]`
	tests := map[string]struct{ doc, want string }{
		"not provenance":            {`{"_type":"https://in-toto.io/Statement/v1",` + subject + `,"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}`, "is not SLSA provenance"},
		"v0.2 no builder":           {`{"_type":"https://in-toto.io/Statement/v0.1",` + subject + `,"predicateType":"https://slsa.dev/provenance/v0.2","predicate":{"buildType":"b"}}`, "builder.id is empty"},
		"v0.2 no build type":        {`{"_type":"https://in-toto.io/Statement/v0.1",` + subject + `,"predicateType":"https://slsa.dev/provenance/v0.2","predicate":{"builder":{"id":"x"}}}`, "buildType is empty"},
		"v1 no external parameters": {`{"_type":"https://in-toto.io/Statement/v1",` + subject + `,"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"b"},"runDetails":{"builder":{"id":"x"}}}}`, "externalParameters required"},
		"v1 builder not a string":   {`{"_type":"https://in-toto.io/Statement/v1",` + subject + `,"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"b","externalParameters":{"a":1}},"runDetails":{"builder":{"id":7}}}}`, "predicate"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st, err := DecodeStatement([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse(st)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestSplitRef(t *testing.T) {
	tests := []struct{ in, repo, ref string }{
		{"git+https://github.com/o/r@refs/tags/v1", "git+https://github.com/o/r", "refs/tags/v1"},
		{"git+https://github.com/o/r", "git+https://github.com/o/r", ""},
		{"ssh://git@github.com/o/r", "ssh://git@github.com/o/r", ""},
		{"ssh://git@github.com/o/r@refs/heads/main", "ssh://git@github.com/o/r", "refs/heads/main"},
		{"github.com/o/r@v1", "github.com/o/r", "v1"},
		{"https://host", "https://host", ""},
	}
	for _, tc := range tests {
		repo, ref := SplitRef(tc.in)
		if repo != tc.repo || ref != tc.ref {
			t.Errorf("SplitRef(%q) = %q, %q; want %q, %q", tc.in, repo, ref, tc.repo, tc.ref)
		}
	}
}
