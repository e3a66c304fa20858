package docstest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// readmes are the documents whose json, yaml, rego and ini (systemd unit)
// blocks must be files that tests load (the example marker) or be marked
// as sample output.
var readmes = []string{
	"README.md",
	"plugins/wasm-cosign/README.md",
	"plugins/wasm-notation/README.md",
	"plugins/wasm-slsa/README.md",
	"plugins/wasm-composition/README.md",
	"policies/README.md",
	"charts/ratify-wasm/README.md",
	"e2e/README.md",
	"examples/README.md",
	"examples/wasmtime-host/README.md",
	"bench/README.md",
}

// exampleFiles are the globs of example files that a README must show;
// a policy's opa tests next to it are not configuration.
var exampleFiles = []string{"plugins/*/examples/*", "policies/examples/*", "examples/pull/*.service", "examples/pull/*.yaml"}

var (
	fenceOpen     = regexp.MustCompile("^```(json|yaml|yml|rego|ini)\\s*$")
	exampleMarker = regexp.MustCompile(`^<!-- example: (\S+) -->$`)
)

const outputMarker = "<!-- output -->"

// block is one fenced json/yaml/rego/ini block and the marker line before it.
type block struct {
	line    int
	marker  string
	content string
}

// blocks returns the checked fenced blocks of a Markdown document.
func blocks(doc []byte) ([]block, error) {
	var out []block
	var prev string
	sc := bufio.NewScanner(bytes.NewReader(doc))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "```") && !fenceOpen.MatchString(line) {
			// Another fence (sh, plain): skip to its end.
			for sc.Scan() {
				n++
				if strings.HasPrefix(sc.Text(), "```") {
					break
				}
			}
			prev = ""
			continue
		}
		if fenceOpen.MatchString(line) {
			b := block{line: n, marker: prev}
			var body strings.Builder
			closed := false
			for sc.Scan() {
				n++
				if strings.HasPrefix(sc.Text(), "```") {
					closed = true
					break
				}
				body.WriteString(sc.Text() + "\n")
			}
			if !closed {
				return nil, fmt.Errorf("line %d: unclosed fence", b.line)
			}
			b.content = body.String()
			out = append(out, b)
			prev = ""
			continue
		}
		prev = line
	}
	return out, sc.Err()
}

// normalize drops trailing whitespace on every line and at the end.
func normalize(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// checkReadme returns one problem per block without a marker, per example
// marker whose file is missing or differs from the block, and the example
// files referenced.
func checkReadme(root, name string, doc []byte) (problems, files []string) {
	bs, err := blocks(doc)
	if err != nil {
		return []string{name + ": " + err.Error()}, nil
	}
	for _, b := range bs {
		if b.marker == outputMarker {
			continue
		}
		m := exampleMarker.FindStringSubmatch(b.marker)
		if m == nil {
			problems = append(problems, fmt.Sprintf("%s:%d: block has no marker line right before it (%q for a configuration file, or %q)", name, b.line, "<!-- example: PATH -->", outputMarker))
			continue
		}
		files = append(files, m[1])
		want, err := os.ReadFile(filepath.Join(root, m[1]))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s:%d: example file: %v", name, b.line, err))
			continue
		}
		if normalize(string(want)) != normalize(b.content) {
			problems = append(problems, fmt.Sprintf("%s:%d: block differs from %s (the README must show the file as it is)", name, b.line, m[1]))
		}
	}
	return problems, files
}

// TestReadmeBlocksAreExampleFiles: every json, yaml, rego and ini block of the
// READMEs is an example file shown verbatim, or marked as output; every
// example file (exampleFiles, except *_test.rego) is shown in a README.
func TestReadmeBlocksAreExampleFiles(t *testing.T) {
	root := testenv.RepoRoot(t)
	shown := map[string]bool{}
	for _, name := range readmes {
		doc, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		problems, files := checkReadme(root, name, doc)
		for _, p := range problems {
			t.Error(p)
		}
		for _, f := range files {
			shown[f] = true
		}
	}
	var all []string
	for _, g := range exampleFiles {
		m, err := filepath.Glob(filepath.Join(root, g))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, m...)
	}
	for _, f := range all {
		rel, _ := filepath.Rel(root, f)
		if !shown[rel] && !strings.HasSuffix(rel, "_test.rego") {
			t.Errorf("%s is in no README example marker", rel)
		}
	}
}

// TestCheckReadmeRefuses: the check reports an unmarked block, a block that
// differs from its file beyond trailing whitespace and a missing file, and
// accepts trailing whitespace differences and output blocks.
func TestCheckReadmeRefuses(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "a.json"), []byte("{\"a\": 1}   \n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, doc string
		want      string // substring of the only problem; "" for none
	}{
		{"ok", "<!-- example: a.json -->\n```json\n{\"a\": 1}\n```\n", ""},
		{"output", "<!-- output -->\n```json\n{\"b\": 2}\n```\n", ""},
		{"sh ignored", "```sh\necho\n```\n", ""},
		{"unmarked", "```json\n{\"a\": 1}\n```\n", "no marker"},
		{"marker not right before", "<!-- example: a.json -->\n\n```json\n{\"a\": 1}\n```\n", "no marker"},
		{"unmarked rego", "```rego\npackage x\n```\n", "no marker"},
		{"unmarked yaml", "```yaml\na: 1\n```\n", "no marker"},
		{"unmarked ini", "```ini\n[Service]\n```\n", "no marker"},
		{"differs", "<!-- example: a.json -->\n```json\n{\"a\": 2}\n```\n", "differs from a.json"},
		{"missing file", "<!-- example: b.json -->\n```json\n{}\n```\n", "example file"},
	}
	for _, c := range cases {
		problems, _ := checkReadme(root, c.name, []byte(c.doc))
		switch {
		case c.want == "" && len(problems) != 0:
			t.Errorf("%s: unexpected problems %q", c.name, problems)
		case c.want != "" && (len(problems) != 1 || !strings.Contains(problems[0], c.want)):
			t.Errorf("%s: problems %q, want one containing %q", c.name, problems, c.want)
		}
	}
}
