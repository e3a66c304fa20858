// Package schema holds the published JSON Schemas of composition lists and
// allowlists (the .json files beside this one) and validates documents
// against them. The decoders (packages list and allowlist) validate first,
// so the files are the contract and not just documentation.
package schema

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
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

var (
	schemasOnce sync.Once
	schemas     map[string]*jsonschema.Schema
	schemasErr  error
)

func compileSchemas() {
	schemas = map[string]*jsonschema.Schema{}
	for name, raw := range map[string][]byte{ListFile: List, AllowlistFile: Allowlist} {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			schemasErr = fmt.Errorf("schema %s: %w", name, err)
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(name, doc); err != nil {
			schemasErr = fmt.Errorf("schema %s: %w", name, err)
			return
		}
		s, err := c.Compile(name)
		if err != nil {
			schemasErr = fmt.Errorf("schema %s: %w", name, err)
			return
		}
		schemas[name] = s
	}
}

// Validate checks raw JSON against the named schema (ListFile or
// AllowlistFile) and returns the first few violations on one line.
func Validate(name string, raw []byte) error {
	schemasOnce.Do(compileSchemas)
	if schemasErr != nil {
		return schemasErr
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("not valid JSON: %w", err)
	}
	sch, ok := schemas[name]
	if !ok {
		return fmt.Errorf("no published schema named %s", name)
	}
	err = sch.Validate(doc)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	// The validator's causes come in no fixed order: the first three
	// leaves by location make the message the same on every run.
	var msgs []string
	collectLeaves(ve, &msgs, maxLeaves)
	if len(msgs) == 0 {
		return fmt.Errorf("does not match %s", name)
	}
	slices.Sort(msgs)
	return fmt.Errorf("does not match %s: %s", name, strings.Join(msgs[:min(len(msgs), 3)], "; "))
}

// maxLeaves bounds the violations collected from one document.
const maxLeaves = 1000

// collectLeaves appends the messages of the innermost causes (the failed
// keywords themselves, not the $ref or group that led to them).
func collectLeaves(e *jsonschema.ValidationError, msgs *[]string, max int) {
	if len(*msgs) >= max {
		return
	}
	if len(e.Causes) == 0 {
		loc := "/" + strings.Join(e.InstanceLocation, "/")
		*msgs = append(*msgs, fmt.Sprintf("at %s: %s", loc, e.ErrorKind.LocalizedString(printer)))
		return
	}
	for _, c := range e.Causes {
		collectLeaves(c, msgs, max)
	}
}

var printer = message.NewPrinter(language.English)
