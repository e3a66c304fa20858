package admitted

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeSnippet: the Go code the top-level README shows under the
// marker "<!-- go: admitted/example_test.go -->" is the code between the
// readme markers of example_test.go, which go test compiles and runs
// (ExampleLoadLayer).
func TestReadmeSnippet(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	shown, ok := between(string(readme), "<!-- go: admitted/example_test.go -->\n```go\n", "```\n")
	if !ok {
		t.Fatal("README.md has no Go block right after <!-- go: admitted/example_test.go -->")
	}
	code, ok := between(string(example), "// readme:begin\n", "// readme:end\n")
	if !ok {
		t.Fatal("example_test.go has no readme:begin and readme:end markers")
	}
	if strings.TrimSpace(shown) != strings.TrimSpace(code) {
		t.Fatalf("README.md shows\n%s\nbut example_test.go has\n%s", shown, code)
	}
}

func between(s, begin, end string) (string, bool) {
	_, rest, ok := strings.Cut(s, begin)
	if !ok {
		return "", false
	}
	inner, _, ok := strings.Cut(rest, end)
	return inner, ok
}
