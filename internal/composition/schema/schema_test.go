package schema_test

import (
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/schema"
)

// The decoders' tests (packages list and allowlist) cover the schemas'
// rules; these cover Validate itself: which schema, the message's shape.
func TestValidate(t *testing.T) {
	const allowlist = `{"mediaType":"application/vnd.ratify-wasm.allowlist.v1+json","parts":[]}`
	if err := schema.Validate(schema.AllowlistFile, []byte(allowlist)); err != nil {
		t.Fatalf("empty allowlist: %v", err)
	}
	for _, tc := range []struct {
		name, file, doc, want string
	}{
		{"not JSON", schema.ListFile, "{", "not valid JSON"},
		{"allowlist against the list schema", schema.ListFile, allowlist, "does not match composition.v1.schema.json: at /"},
		{"unknown schema", "other.schema.json", allowlist, "no published schema named other.schema.json"},
		{"leaves only, at most three", schema.AllowlistFile, `{"mediaType":1,"parts":[{"digest":1},{"digest":2},{"digest":3}]}`, "at /mediaType: value must be 'application/vnd.ratify-wasm.allowlist.v1+json'; at /parts/0/digest: got number, want string; at /parts/1/digest: got number, want string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := schema.Validate(tc.file, []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got %v", tc.want, err)
			}
			if n := strings.Count(err.Error(), "at /"); n > 3 {
				t.Errorf("%d violations reported, want at most 3: %v", n, err)
			}
		})
	}
}
