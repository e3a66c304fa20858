package mediatype_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/ratify-wasm/ratify-wasm/internal/testing/testenv"
)

// ociTypes are image-spec's media types: code names them as ocispec's
// constants, not as strings.
var ociTypes = map[string]string{
	ocispec.MediaTypeImageManifest:  "ocispec.MediaTypeImageManifest",
	ocispec.MediaTypeImageIndex:     "ocispec.MediaTypeImageIndex",
	ocispec.MediaTypeImageConfig:    "ocispec.MediaTypeImageConfig",
	ocispec.MediaTypeImageLayer:     "ocispec.MediaTypeImageLayer",
	ocispec.MediaTypeImageLayerGzip: "ocispec.MediaTypeImageLayerGzip",
	ocispec.MediaTypeEmptyJSON:      "ocispec.MediaTypeEmptyJSON",
}

// TestOneTable: no Go file of the module outside this package spells out a
// media type of the table (or one of image-spec's) as a string of its own;
// each is named through mediatype (or ocispec). Strings that merely
// contain one, such as JSON documents in tests, are not names. The e2e,
// tools and examples folders are modules of their own, which do not import
// this one.
func TestOneTable(t *testing.T) {
	root := testenv.RepoRoot(t)
	table := map[string]string{}
	for v, name := range ociTypes {
		table[v] = name
	}
	fset := token.NewFileSet()
	own, err := parser.ParseFile(fset, "mediatype.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range own.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				v, err := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				if prev, dup := table[v]; dup {
					t.Errorf("%q is both %s and mediatype.%s", v, prev, name.Name)
				}
				table[v] = "mediatype." + name.Name
			}
		}
	}
	if len(table) < 20 {
		t.Fatalf("read %d media types from mediatype.go; expected the whole table", len(table))
	}
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch {
			case path == here, rel == "bin", rel == "e2e", rel == "tools", rel == "examples", strings.HasPrefix(d.Name(), "."):
				if path != root {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		files++
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if v, err := strconv.Unquote(lit.Value); err == nil {
				if name, ok := table[v]; ok {
					p := fset.Position(lit.Pos())
					t.Errorf("%s:%d: %q: use %s", rel, p.Line, v, name)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("read %d Go files under %s; expected the module", files, root)
	}
}
