package schema_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ratify-wasm/ratify-wasm/internal/composition/schema"
)

// Combinations of the supported keywords that the published files do not
// use (yet), each against values of every type, compared with the
// reference: what is evaluated once type, const or enum has failed, $ref
// beside other keywords, one-value and boolean enums, every type name.
func TestKeywordCombinationsMatchReference(t *testing.T) {
	schemas := []string{
		`{"type":"string","const":"a","minLength":2}`,
		`{"type":"object","enum":["a"],"required":["x"]}`,
		`{"const":"a","enum":["b"]}`,
		`{"enum":[true,false,"it's"]}`,
		`{"const":false}`,
		`{"$defs":{"short":{"type":"string","maxLength":2}},"$ref":"#/$defs/short","minLength":2,"pattern":"^a"}`,
		`{"$defs":{"s":{"$ref":"#/$defs/t"},"t":{"type":"integer","maximum":3}},"type":"array","items":{"$ref":"#/$defs/s"},"maxItems":2}`,
		`{"type":"integer","minimum":-1.5}`,
		`{"type":"integer","maximum":1e3}`,
		`{"properties":{"a":{"type":"null"},"b":{"type":"boolean"},"c":{"type":"number"},"d":{"type":"object"}},"additionalProperties":false}`,
		`{"type":"object","required":["b","a"]}`,
	}
	values := []string{
		`null`, `true`, `false`, `0`, `-2`, `1.5`, `3`, `4.0`, `1001`, `1e1000001`, `"a"`, `"ab"`, `"abc"`, `"b"`, `"it's"`,
		`[]`, `[1,2]`, `[1,5,"x"]`, `{}`, `{"x":1}`, `{"a":null,"b":1,"c":2,"d":{},"e":0}`, `{"a":1,"b":true,"c":"x","d":[]}`,
	}
	for _, file := range schemas {
		reference, err := compileReference("test.schema.json", []byte(file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, value := range values {
			got := schema.ValidateWith("test.schema.json", []byte(file), []byte(value))
			want := referenceValidate(reference, "test.schema.json", []byte(value))
			if !sameResult(got, want) {
				t.Errorf("schema %s, value %s:\n got  %v\n want %v", file, value, got, want)
			}
		}
	}
}

// A keyword the validator does not implement, or one it implements in a
// form it does not handle, makes the schema fail to load: a change to a
// published file cannot be ignored silently.
func TestUnsupportedSchemasDoNotLoad(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(doc map[string]any)
		want string
	}{
		{"format", func(d map[string]any) { property(d, "generator", "name")["format"] = "uri" }, `#/properties/generator/properties/name/format: keyword not supported`},
		{"nested in $defs", func(d map[string]any) { def(d, "part")["minProperties"] = 1 }, `#/$defs/part/minProperties: keyword not supported`},
		{"$comment", func(d map[string]any) { d["$comment"] = "x" }, `#/$comment: keyword not supported`},
		{"additionalProperties true", func(d map[string]any) { d["additionalProperties"] = true }, `#/additionalProperties: only false`},
		{"additionalProperties schema", func(d map[string]any) { def(d, "part")["additionalProperties"] = map[string]any{} }, `#/$defs/part/additionalProperties: only false`},
		{"type list", func(d map[string]any) { def(d, "digest")["type"] = []any{"string", "null"} }, `#/$defs/digest/type: only one JSON type name`},
		{"other draft", func(d map[string]any) { d["$schema"] = "http://json-schema.org/draft-07/schema#" }, `#/$schema: only the root`},
		{"nested $id", func(d map[string]any) { def(d, "kind")["$id"] = "kind.json" }, `#/$defs/kind/$id: only the root`},
		{"ref to nothing", func(d map[string]any) {
			def(d, "part")["properties"].(map[string]any)["kind"] = map[string]any{"$ref": "#/$defs/kinds"}
		}, `#/$defs/part/properties/kind/$ref: only #/$defs/<name>`},
		{"ref elsewhere", func(d map[string]any) {
			d["properties"].(map[string]any)["layer"] = map[string]any{"$ref": "#/properties/generator"}
		}, `#/properties/layer/$ref: only #/$defs/<name>`},
		{"ref cycle", func(d map[string]any) { d["$defs"].(map[string]any)["kind"] = map[string]any{"$ref": "#/$defs/kind"} }, `#/$defs/kind: $ref cycle`},
		{"const object", func(d map[string]any) { property(d, "mediaType")["const"] = map[string]any{} }, `#/properties/mediaType/const: only strings and booleans`},
		{"enum number", func(d map[string]any) { def(d, "kind")["enum"] = []any{"module", 1} }, `#/$defs/kind/enum: only strings and booleans`},
		{"bounds on numbers", func(d map[string]any) { def(d, "size")["type"] = "number" }, `#/$defs/size: minimum and maximum need "type": "integer"`},
		{"required twice", func(d map[string]any) { d["required"] = []any{"layer", "parts", "layer"} }, `#/required: must be an array of distinct strings`},
		{"fractional maxItems", func(d map[string]any) { property(d, "parts")["maxItems"] = 1.5 }, `#/properties/parts/maxItems: must be a non-negative integer`},
		{"bad pattern", func(d map[string]any) { def(d, "digest")["pattern"] = "(" }, `#/$defs/digest/pattern: error parsing regexp`},
		{"boolean schema", func(d map[string]any) { property(d, "layer")["properties"].(map[string]any)["extra"] = true }, `#/properties/layer/properties/extra: a schema must be an object`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(schema.List, &doc); err != nil {
				t.Fatal(err)
			}
			tc.edit(doc)
			file, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			err = schema.ValidateWith(schema.ListFile, file, []byte(`{}`))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want a load error containing %q, got %v", tc.want, err)
			}
		})
	}
}

func property(doc map[string]any, path ...string) map[string]any {
	for _, name := range path {
		doc = doc["properties"].(map[string]any)[name].(map[string]any)
	}
	return doc
}

func def(doc map[string]any, name string) map[string]any {
	return doc["$defs"].(map[string]any)[name].(map[string]any)
}
