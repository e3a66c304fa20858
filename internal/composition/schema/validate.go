package schema

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// walk is one document's validation: where it is and what it found.
type walk struct {
	path []step // from the root to the value being checked
	// The three smallest violations, "at <location>: <message>": sorted,
	// they are the same on every run whatever order objects are walked in.
	first [3]string
	found int
}

// step is a property name, or the index of an array item (index >= 0).
type step struct {
	property string
	index    int
}

func (w *walk) enter(s step) { w.path = append(w.path, s) }
func (w *walk) leave()       { w.path = w.path[:len(w.path)-1] }

// report records a failed keyword at the current location.
func (w *walk) report(message string) {
	leaf := "at " + w.location() + ": " + message
	i, _ := slices.BinarySearch(w.first[:w.found], leaf)
	if i == len(w.first) {
		return
	}
	w.found = min(w.found+1, len(w.first))
	copy(w.first[i+1:w.found], w.first[i:w.found-1])
	w.first[i] = leaf
}

// location is the current location as the reference prints it: steps
// after a leading "/", joined by "/", not escaped.
func (w *walk) location() string {
	steps := make([]string, len(w.path))
	for i, s := range w.path {
		if s.index >= 0 {
			steps[i] = strconv.Itoa(s.index)
		} else {
			steps[i] = s.property
		}
	}
	return "/" + strings.Join(steps, "/")
}

// validate reports every keyword of n (and of the schemas under it) that v
// fails, in the reference library's order of evaluation where it matters:
// a value of the wrong type, or failing const or enum, is not checked
// further.
func (n *node) validate(v any, w *walk) {
	if n.typ != "" && !hasType(v, n.typ) {
		w.report(printer().Sprintf("got %s, want %s", typeOf(v), n.typ))
		return
	}
	// const and enum hold strings and booleans only, so == never compares
	// two values of an uncomparable type.
	if n.constant != nil && v != n.constant {
		w.report(printer().Sprintf("value must be %s", display(n.constant)))
		return
	}
	if n.enum != nil && !slices.Contains(n.enum, v) {
		w.report(enumMessage(n.enum))
		return
	}
	if n.ref != nil {
		n.ref.validate(v, w)
	}
	switch v := v.(type) {
	case map[string]any:
		n.validateObject(v, w)
	case []any:
		if n.maxItems != nil && len(v) > *n.maxItems {
			w.report(printer().Sprintf("maxItems: got %d, want %d", len(v), *n.maxItems))
		}
		if n.items != nil {
			for i, item := range v {
				w.enter(step{index: i})
				n.items.validate(item, w)
				w.leave()
			}
		}
	case string:
		n.validateString(v, w)
	case json.Number:
		n.validateBounds(v, w)
	}
}

func (n *node) validateObject(obj map[string]any, w *walk) {
	var missing []string
	for _, name := range n.required {
		if _, ok := obj[name]; !ok {
			missing = append(missing, name)
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		w.report(printer().Sprintf("missing property %s", quote(missing[0])))
	default:
		w.report(printer().Sprintf("missing properties %s", joinQuoted(missing)))
	}
	var additional []string
	for name, value := range obj {
		if sub, ok := n.properties[name]; ok {
			w.enter(step{property: name, index: -1})
			sub.validate(value, w)
			w.leave()
		} else if n.closed {
			additional = append(additional, name)
		}
	}
	if additional != nil {
		// The reference lists them in map order, which varies from run
		// to run; sorted, the message is stable.
		slices.Sort(additional)
		w.report(printer().Sprintf("additional properties %s not allowed", joinQuoted(additional)))
	}
}

func (n *node) validateString(s string, w *walk) {
	if n.minLength != nil || n.maxLength != nil {
		// JSON Schema counts code points, not bytes.
		length := utf8.RuneCountInString(s)
		if n.minLength != nil && length < *n.minLength {
			w.report(printer().Sprintf("minLength: got %d, want %d", length, *n.minLength))
		}
		if n.maxLength != nil && length > *n.maxLength {
			w.report(printer().Sprintf("maxLength: got %d, want %d", length, *n.maxLength))
		}
	}
	if n.pattern != nil && !n.pattern.MatchString(s) {
		w.report(printer().Sprintf("%s does not match pattern %s", quote(s), quote(n.pattern.String())))
	}
}

// validateBounds is reached only by integers (load requires "type":
// "integer" beside minimum and maximum), which big.Rat reads.
func (n *node) validateBounds(num json.Number, w *walk) {
	if n.minimum == nil && n.maximum == nil {
		return
	}
	value, _ := new(big.Rat).SetString(string(num))
	if n.minimum != nil && value.Cmp(n.minimum) < 0 {
		w.report(printer().Sprintf("minimum: got %v, want %v", asFloat(value), asFloat(n.minimum)))
	}
	if n.maximum != nil && value.Cmp(n.maximum) > 0 {
		w.report(printer().Sprintf("maximum: got %v, want %v", asFloat(value), asFloat(n.maximum)))
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
	if !strings.ContainsAny(string(num), ".eE") {
		return true // digits only: the common case, without big.Rat
	}
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

// printer formats the messages as the reference library does, for English:
// 10,000 for integers, 1.073741824×10⁰⁹ for the floats it turns bounds
// into. Their wording is the library's too (kind/kind.go).
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
