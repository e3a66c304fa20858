// Package schema holds the published JSON Schemas of composition lists and
// allowlists (the .json files beside this one) and validates documents
// against them. The decoders (packages list and allowlist) validate first,
// so the files are the contract and not just documentation.
//
// The files are interpreted at run time, on the first Validate, by a
// validator of the keywords they use (load.go); a schema that uses any
// other keyword does not load, so no keyword added to a file can be ignored
// silently. Its verdicts and messages are those of
// github.com/santhosh-tekuri/jsonschema/v6, which the tests keep as the
// reference: linked into the plugin, that library's init compiled the
// meta-schemas of five drafts in every process (about 4 ms of start-up).
package schema

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// The published schemas.
var (
	//go:embed composition.v1.schema.json
	List []byte
	//go:embed allowlist.v1.schema.json
	Allowlist []byte
)

// The schema file names, as Validate takes them.
const (
	ListFile      = "composition.v1.schema.json"
	AllowlistFile = "allowlist.v1.schema.json"
)

var loadedSchemas = sync.OnceValues(func() (map[string]*node, error) {
	loaded := map[string]*node{}
	for name, raw := range map[string][]byte{ListFile: List, AllowlistFile: Allowlist} {
		root, err := load(raw)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		loaded[name] = root
	}
	return loaded, nil
})

// Validate checks raw JSON against the named schema (ListFile or
// AllowlistFile) and returns the first few violations on one line.
func Validate(name string, raw []byte) error {
	schemas, err := loadedSchemas()
	if err != nil {
		return err
	}
	root, ok := schemas[name]
	if !ok {
		return fmt.Errorf("no published schema named %s", name)
	}
	return root.validateDocument(name, raw)
}

// validateDocument checks raw JSON against the schema n, named name in the
// message, which gives the first three violations in sorted order.
func (n *node) validateDocument(name string, raw []byte) error {
	doc, err := decodeJSON(raw)
	if err != nil {
		return fmt.Errorf("not valid JSON: %w", err)
	}
	var w walk
	n.validate(doc, &w)
	if w.found == 0 {
		return nil
	}
	return fmt.Errorf("does not match %s: %s", name, strings.Join(w.first[:w.found], "; "))
}

// decodeJSON reads one JSON value as the reference library does: numbers
// kept exact (json.Number), nothing but white space after the value.
func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid character after top-level value")
	}
	return doc, nil
}
