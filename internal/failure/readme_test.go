package failure

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

var backticked = regexp.MustCompile("`([^`]+)`")

// readmeChecks returns the values in the first column of the README's
// failedCheck table (the table headed "| `failedCheck` | meaning |")
// and, per value, the rest of its row.
func readmeChecks(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.TrimSpace(line) == "| `failedCheck` | meaning |":
			if in || len(rows) > 0 {
				t.Fatalf("%s: more than one failedCheck table", path)
			}
			in = true
		case in && strings.HasPrefix(line, "|---"):
		case in && strings.HasPrefix(line, "|"):
			cells := strings.SplitN(strings.Trim(line, "|"), "|", 2)
			for _, m := range backticked.FindAllStringSubmatch(cells[0], -1) {
				if _, dup := rows[m[1]]; dup {
					t.Errorf("%s: %q listed twice", path, m[1])
				}
				rows[m[1]] = line
			}
		default:
			in = false
		}
	}
	if len(rows) == 0 {
		t.Fatalf("%s has no table headed | `failedCheck` | meaning |", path)
	}
	return rows
}

// The failedCheck table of each plugin's README lists exactly the checks
// that plugin can report (Checks), and names each deprecated alias in the
// row of the check that replaced it.
func TestPluginReadmesListTheirChecks(t *testing.T) {
	for _, plugin := range []string{Cosign, Notation, SLSA, Composition} {
		t.Run(plugin, func(t *testing.T) {
			path := filepath.Join("..", "..", "plugins", plugin, "README.md")
			rows := readmeChecks(t, path)
			var want []string
			for c, ps := range Checks {
				if slices.Contains(ps, plugin) {
					want = append(want, string(c))
					if _, ok := rows[string(c)]; !ok {
						t.Errorf("%s: the failedCheck table omits %q, which %s reports", path, c, plugin)
					}
				}
			}
			for v := range rows {
				if !slices.Contains(want, v) {
					t.Errorf("%s: the failedCheck table lists %q, which %s does not report (package failure)", path, v, plugin)
				}
			}
			for _, a := range Aliases {
				if slices.Contains(a.Plugins, plugin) && !strings.Contains(rows[string(a.Check)], "`"+a.Old+"`") {
					t.Errorf("%s: the row of %q does not name its deprecated alias %q", path, a.Check, a.Old)
				}
			}
		})
	}
}

// The top-level README's runtime table names the checks every plugin
// reports, the runtime's own.
func TestReadmeListsRuntimeChecks(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "| `failedCheck` | string |") {
			row = line
		}
	}
	_, own, ok := strings.Cut(row, "own checks are")
	own, _, ok2 := strings.Cut(own, "plugins document theirs")
	if !ok || !ok2 {
		t.Fatal("README.md: no failedCheck row naming the runtime's own checks")
	}
	var got, want []string
	for _, m := range backticked.FindAllStringSubmatch(own, -1) {
		got = append(got, m[1])
	}
	for c, ps := range Checks {
		if len(ps) == 4 {
			want = append(want, string(c))
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("README.md names the runtime checks %v; package failure has %v", got, want)
	}
}
