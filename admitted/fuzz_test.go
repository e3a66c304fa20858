package admitted

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzReadRecord: any file either is refused with ErrBadRecord or is a
// record that WriteRecord accepts and that reads back the same.
func FuzzReadRecord(f *testing.F) {
	f.Add(mustJSON(exampleRecord()))
	f.Add([]byte(`{"reference":"a/b@sha256:` + exampleManifest.Encoded() + `"}`))
	f.Add([]byte(`{"layers":[{"file":"../x"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "in.json")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := ReadRecord(path)
		if err != nil {
			if !errors.Is(err, ErrBadRecord) {
				t.Fatalf("error %v does not wrap ErrBadRecord", err)
			}
			return
		}
		out, err := WriteRecord(dir, r)
		if err != nil {
			t.Fatalf("ReadRecord accepted a record WriteRecord refuses: %v", err)
		}
		again, err := ReadRecord(out)
		if err != nil {
			t.Fatal(err)
		}
		if !again.VerifiedAt.Equal(r.VerifiedAt) {
			t.Fatalf("verifiedAt %v read back as %v", r.VerifiedAt, again.VerifiedAt)
		}
		again.VerifiedAt = r.VerifiedAt
		if !reflect.DeepEqual(again, r) {
			t.Fatalf("%+v read back as %+v", r, again)
		}
	})
}
