package schema

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// validate adds to found every keyword of n (and of the schemas under it)
// that v fails, in the reference library's order of evaluation where it
// matters: a value of the wrong type, or failing const or enum, is not
// checked further.
func (n *node) validate(v any, at *location, found *violations) {
	if n.typ != "" && !hasType(v, n.typ) {
		found.add(at, printer().Sprintf("got %s, want %s", typeOf(v), n.typ))
		return
	}
	// const and enum hold strings and booleans only, so == never compares
	// two values of an uncomparable type.
	if n.constant != nil && v != n.constant {
		found.add(at, printer().Sprintf("value must be %s", display(n.constant)))
		return
	}
	if n.enum != nil && !slices.Contains(n.enum, v) {
		found.add(at, enumMessage(n.enum))
		return
	}
	if n.ref != nil {
		n.ref.validate(v, at, found)
	}
	switch v := v.(type) {
	case map[string]any:
		n.validateObject(v, at, found)
	case []any:
		if n.maxItems != nil && len(v) > *n.maxItems {
			found.add(at, printer().Sprintf("maxItems: got %d, want %d", len(v), *n.maxItems))
		}
		if n.items != nil {
			for i, item := range v {
				n.items.validate(item, &location{parent: at, index: i}, found)
			}
		}
	case string:
		n.validateString(v, at, found)
	case json.Number:
		n.validateBounds(v, at, found)
	}
}

func (n *node) validateObject(obj map[string]any, at *location, found *violations) {
	var missing []string
	for _, name := range n.required {
		if _, ok := obj[name]; !ok {
			missing = append(missing, name)
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		found.add(at, printer().Sprintf("missing property %s", quote(missing[0])))
	default:
		found.add(at, printer().Sprintf("missing properties %s", joinQuoted(missing)))
	}
	var additional []string
	for name, value := range obj {
		if sub, ok := n.properties[name]; ok {
			sub.validate(value, &location{parent: at, property: name, index: -1}, found)
		} else if n.closed {
			additional = append(additional, name)
		}
	}
	if additional != nil {
		// The reference lists them in map order, which varies from run
		// to run; sorted, the message is stable.
		slices.Sort(additional)
		found.add(at, printer().Sprintf("additional properties %s not allowed", joinQuoted(additional)))
	}
}

func (n *node) validateString(s string, at *location, found *violations) {
	if n.minLength != nil || n.maxLength != nil {
		// JSON Schema counts code points, not bytes.
		length := utf8.RuneCountInString(s)
		if n.minLength != nil && length < *n.minLength {
			found.add(at, printer().Sprintf("minLength: got %d, want %d", length, *n.minLength))
		}
		if n.maxLength != nil && length > *n.maxLength {
			found.add(at, printer().Sprintf("maxLength: got %d, want %d", length, *n.maxLength))
		}
	}
	if n.pattern != nil && !n.pattern.MatchString(s) {
		found.add(at, printer().Sprintf("%s does not match pattern %s", quote(s), quote(n.pattern.String())))
	}
}

// validateBounds is reached only by integers (load requires "type":
// "integer" beside minimum and maximum), which big.Rat reads.
func (n *node) validateBounds(num json.Number, at *location, found *violations) {
	if n.minimum == nil && n.maximum == nil {
		return
	}
	value, _ := new(big.Rat).SetString(string(num))
	if n.minimum != nil && value.Cmp(n.minimum) < 0 {
		found.add(at, printer().Sprintf("minimum: got %v, want %v", asFloat(value), asFloat(n.minimum)))
	}
	if n.maximum != nil && value.Cmp(n.maximum) > 0 {
		found.add(at, printer().Sprintf("maximum: got %v, want %v", asFloat(value), asFloat(n.maximum)))
	}
}

func hasType(v any, want string) bool {
	got := typeOf(v)
	return got == want || want == "integer" && got == "number" && isInteger(v.(json.Number))
}

// isInteger is JSON Schema's integer: any number with no fractional part
// (1.0 and 1e3 are integers). A number big.Rat will not read, such as one
// with an exponent beyond a million, is not one, as in the reference.
func isInteger(num json.Number) bool {
	r, ok := new(big.Rat).SetString(string(num))
	return ok && r.IsInt()
}

// typeOf names v's JSON type; numbers are "number", integral or not.
func typeOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	default:
		return "object"
	}
}

// The messages are worded and formatted as the reference library's
// (santhosh-tekuri/jsonschema/v6, kind/kind.go), printed for English as it
// does: 10,000 for integers, 1.073741824×10⁰⁹ for the floats it turns
// bounds into.

var printer = sync.OnceValue(func() *message.Printer { return message.NewPrinter(language.English) })

func asFloat(r *big.Rat) float64 {
	f, _ := r.Float64()
	return f
}

func enumMessage(values []any) string {
	if len(values) == 1 {
		return printer().Sprintf("value must be %s", display(values[0]))
	}
	shown := make([]string, len(values))
	for i, v := range values {
		shown[i] = display(v)
	}
	return printer().Sprintf("value must be one of %s", strings.Join(shown, ", "))
}

// display shows a const or enum value: strings quoted, booleans bare.
func display(v any) string {
	if s, ok := v.(string); ok {
		return quote(s)
	}
	return fmt.Sprint(v)
}

// quote single-quotes s with Go escapes, leaving " bare and escaping '.
func quote(s string) string {
	s = fmt.Sprintf("%q", s)
	s = strings.ReplaceAll(s, `\"`, `"`)
	s = strings.ReplaceAll(s, `'`, `\'`)
	return "'" + s[1:len(s)-1] + "'"
}

func joinQuoted(names []string) string {
	quoted := make([]string, len(names))
	for i, name := range names {
		quoted[i] = quote(name)
	}
	return strings.Join(quoted, ", ")
}
