package provenance

import (
	"testing"

	"github.com/opencontainers/go-digest"
)

// FuzzStatement feeds arbitrary bytes to the statement decoder and the
// predicate parser, which read signed but attacker-written JSON: they must
// return an error or a result, never panic.
func FuzzStatement(f *testing.F) {
	for _, file := range []string{
		"bcr/MODULE.bazel.intoto.jsonl",
		"gha_go/v2.1.0/binary-linux-amd64-push-v14.intoto.jsonl",
		"gha_container-based/v2.1.0/binary-linux-amd64-push-v14.intoto.build.slsa",
	} {
		f.Add(vectorStatement(f, file))
	}
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"00"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"externalParameters":{"workflow":{"ref":1}}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := DecodeStatement(b)
		if err != nil {
			return
		}
		st.MatchSubject([]digest.Digest{digest.FromBytes(b)})
		st.SubjectDigests()
		if p, err := Parse(st); err == nil && p.BuilderID == "" {
			t.Fatalf("Parse accepted a predicate without builder ID: %s", b)
		}
	})
}
