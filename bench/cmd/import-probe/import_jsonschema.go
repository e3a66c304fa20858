//go:build probe_jsonschema || lean_composition

package main

import _ "github.com/santhosh-tekuri/jsonschema/v6" // composition list and allowlist schemas
