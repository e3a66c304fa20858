package list

import (
	"fmt"
	"io"
	"strconv"

	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// Change says how an entry differs between a list and a binary.
type Change string

const (
	// Added: in the binary, not in the list.
	Added Change = "added"
	// Removed: in the list, not in the binary.
	Removed Change = "removed"
	// Changed: in both under the same path or name, with different content.
	Changed Change = "changed"
)

// Diff is what differs between a composition list and the list generated
// from a binary. The generator is not compared.
type Diff struct {
	// Layer is set when the layer digest, size or kind differ.
	Layer   *LayerDiff   `json:"layer,omitempty"`
	Parts   []PartDiff   `json:"parts,omitempty"`
	Imports []ExternDiff `json:"imports,omitempty"`
	Exports []ExternDiff `json:"exports,omitempty"`
}

// LayerDiff is a differing layer.
type LayerDiff struct {
	Listed Layer `json:"listed"`
	Found  Layer `json:"found"`
}

// PartDiff is a part added, removed or changed at Path.
type PartDiff struct {
	Path   string `json:"path"`
	Change Change `json:"change"`
	Listed *Part  `json:"listed,omitempty"`
	Found  *Part  `json:"found,omitempty"`
}

// ExternDiff is an import or export added, removed or changed.
type ExternDiff struct {
	Name   string  `json:"name"`
	Change Change  `json:"change"`
	Listed *Extern `json:"listed,omitempty"`
	Found  *Extern `json:"found,omitempty"`
}

// Empty reports whether nothing differs.
func (d *Diff) Empty() bool {
	return d.Layer == nil && len(d.Parts) == 0 && len(d.Imports) == 0 && len(d.Exports) == 0
}

// Compare returns what differs between listed (a composition list) and found
// (the list generated from a binary). Parts are matched by path, externs by
// name; entries come out in found's order, then removed entries in listed's.
func Compare(listed, found *List) *Diff {
	d := &Diff{}
	if listed.Layer != found.Layer {
		d.Layer = &LayerDiff{Listed: listed.Layer, Found: found.Layer}
	}
	d.Parts = diffKeyed(listed.Parts, found.Parts, partKeys(listed.Parts), partKeys(found.Parts),
		func(key string, c Change, l, f *Part) PartDiff {
			return PartDiff{Path: key, Change: c, Listed: l, Found: f}
		})
	d.Imports = diffExterns(listed.Imports, found.Imports)
	d.Exports = diffExterns(listed.Exports, found.Exports)
	return d
}

func partKeys(parts []Part) []string {
	keys := make([]string, len(parts))
	for i, p := range parts {
		keys[i] = p.Path
	}
	return keys
}

// externKeys keys externs by name. Names are unique in a valid component;
// numbering repeats keeps a malformed duplicate from hiding another entry.
func externKeys(es []Extern) []string {
	keys := make([]string, len(es))
	n := map[string]int{}
	for i, e := range es {
		n[e.Name]++
		keys[i] = e.Name
		if n[e.Name] > 1 {
			keys[i] += "#" + strconv.Itoa(n[e.Name])
		}
	}
	return keys
}

func diffExterns(listed, found []Extern) []ExternDiff {
	return diffKeyed(listed, found, externKeys(listed), externKeys(found), func(_ string, c Change, l, f *Extern) ExternDiff {
		d := ExternDiff{Change: c, Listed: l, Found: f}
		if l != nil {
			d.Name = l.Name
		} else {
			d.Name = f.Name
		}
		return d
	})
}

// diffKeyed compares two slices whose entries have the given keys.
func diffKeyed[T comparable, D any](listed, found []T, listedKeys, foundKeys []string, mk func(string, Change, *T, *T) D) []D {
	byKey := make(map[string]*T, len(listed))
	for i := range listed {
		byKey[listedKeys[i]] = &listed[i]
	}
	var out []D
	seen := make(map[string]bool, len(found))
	for i := range found {
		k := foundKeys[i]
		seen[k] = true
		l, ok := byKey[k]
		switch {
		case !ok:
			out = append(out, mk(k, Added, nil, &found[i]))
		case *l != found[i]:
			out = append(out, mk(k, Changed, l, &found[i]))
		}
	}
	for i, k := range listedKeys {
		if !seen[k] {
			out = append(out, mk(k, Removed, &listed[i], nil))
		}
	}
	return out
}

// WriteText writes the diff for people, one difference per line.
func (d *Diff) WriteText(w io.Writer) error {
	var err error
	p := func(format string, args ...any) {
		if err == nil {
			_, err = fmt.Fprintf(w, format+"\n", args...)
		}
	}
	if d.Layer != nil {
		p("layer: listed %s, found %s", d.Layer.Listed, d.Layer.Found)
	}
	for _, c := range d.Parts {
		switch c.Change {
		case Added:
			p("part %s: added: %s", c.Path, partText(c.Found))
		case Removed:
			p("part %s: removed: %s", c.Path, partText(c.Listed))
		default:
			p("part %s: changed: listed %s, found %s", c.Path, partText(c.Listed), partText(c.Found))
		}
	}
	for _, set := range []struct {
		what string
		diff []ExternDiff
	}{{"import", d.Imports}, {"export", d.Exports}} {
		for _, c := range set.diff {
			name := wasm.Printable(c.Name)
			switch c.Change {
			case Added:
				p("%s %s: added: %s", set.what, name, externText(c.Found))
			case Removed:
				p("%s %s: removed: %s", set.what, name, externText(c.Listed))
			default:
				p("%s %s: changed: listed %s, found %s", set.what, name, externText(c.Listed), externText(c.Found))
			}
		}
	}
	return err
}

// String is the layer for people: kind, digest and size.
func (l Layer) String() string {
	return fmt.Sprintf("%s %s (%d bytes)", l.Kind, l.Digest, l.Size)
}

func partText(p *Part) string {
	return fmt.Sprintf("%s %s (%d bytes)", p.Kind, p.Digest, p.Size)
}

func externText(e *Extern) string {
	s := e.Kind
	if e.Interface != "" && e.Interface != e.Name {
		s += " implementing " + wasm.Printable(e.Interface)
	}
	if e.HostCode {
		s += " (host-supplied code)"
	}
	if e.ExternalID != "" {
		s += " external-id " + strconv.Quote(e.ExternalID)
	}
	return s
}
