// Package allowlist is the central file of known-good part digests
// (../schema/allowlist.v1.schema.json), usable with, or instead of, the
// parts of per-artifact composition lists.
package allowlist

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/ratify-wasm/ratify-wasm/internal/bounded"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/list"
	"github.com/ratify-wasm/ratify-wasm/internal/composition/schema"
	"github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

// MaxBytes bounds an allowlist file (about 100,000 entries).
const MaxBytes int64 = 16 << 20

// Allowlist is a central file of known-good part digests
// (../schema/allowlist.v1.schema.json).
type Allowlist struct {
	MediaType string  `json:"mediaType"`
	Parts     []Entry `json:"parts"`

	// kinds indexes Parts: digest → allowed kinds ("" for any kind).
	kinds map[string]map[wasm.Kind]bool
}

// Entry is one known-good digest. Kind, when set, must match too.
type Entry struct {
	Digest      string    `json:"digest"`
	Kind        wasm.Kind `json:"kind,omitempty"`
	Description string    `json:"description,omitempty"`
}

// Decode reads an allowlist, valid against the published schema.
func Decode(raw []byte) (*Allowlist, error) {
	if int64(len(raw)) > MaxBytes {
		return nil, fmt.Errorf("allowlist is %d bytes, more than the limit of %d", len(raw), MaxBytes)
	}
	if err := schema.Validate(schema.AllowlistFile, raw); err != nil {
		return nil, fmt.Errorf("allowlist %w", err)
	}
	var a Allowlist
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return nil, fmt.Errorf("allowlist: %w", err)
	}
	a.kinds = make(map[string]map[wasm.Kind]bool, len(a.Parts))
	for _, e := range a.Parts {
		if a.kinds[e.Digest] == nil {
			a.kinds[e.Digest] = map[wasm.Kind]bool{}
		}
		a.kinds[e.Digest][e.Kind] = true
	}
	return &a, nil
}

// Load reads and decodes the allowlist file at path.
func Load(path string) (*Allowlist, error) {
	raw, err := bounded.ReadFile(path, MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("allowlist: %w", err)
	}
	a, err := Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Allows reports whether p's digest (and kind, if the entry names one) is
// in the allowlist.
func (a *Allowlist) Allows(p list.Part) bool {
	if a == nil {
		return false
	}
	k := a.kinds[p.Digest]
	return k[""] || k[p.Kind]
}
