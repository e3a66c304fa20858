package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// draft2020 is the only dialect a schema may declare: the keywords below
// mean what they mean in it ($ref beside other keywords, for one).
const draft2020 = "https://json-schema.org/draft/2020-12/schema"

// node is one schema object of a published file, reduced to the keywords
// the files use. A nil pointer or empty field means the keyword is absent.
type node struct {
	typ        string // one JSON type name
	constant   any    // a string or a boolean
	enum       []any  // strings and booleans
	ref        *node  // a $defs entry of the same file
	properties map[string]*node
	required   []string
	closed     bool // additionalProperties: false
	items      *node
	maxItems   *int
	minLength  *int
	maxLength  *int
	pattern    *regexp.Regexp
	minimum    *big.Rat
	maximum    *big.Rat
}

// load reads a schema file that uses only the supported keywords; any other
// keyword, or a supported one used in a form the validator does not handle,
// is an error naming its place in the file.
func load(raw []byte) (*node, error) {
	doc, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, errors.New("#: a schema must be an object")
	}
	l := &loader{defs: map[string]*node{}}
	rawDefs, ok := root["$defs"].(map[string]any)
	if _, present := root["$defs"]; present && !ok {
		return nil, errors.New("#/$defs: must be an object")
	}
	// Every entry gets its node before any is filled, so that $ref can
	// point at entries in any order.
	for name := range rawDefs {
		l.defs[name] = &node{}
	}
	for _, name := range slices.Sorted(maps.Keys(rawDefs)) {
		if err := l.fill(l.defs[name], rawDefs[name], "#/$defs/"+name, false); err != nil {
			return nil, err
		}
	}
	top := &node{}
	if err := l.fill(top, root, "#", true); err != nil {
		return nil, err
	}
	// A chain of $ref that comes back to where it started would recurse
	// forever on the same value.
	for _, name := range slices.Sorted(maps.Keys(rawDefs)) {
		n := l.defs[name]
		for range l.defs {
			if n.ref == nil {
				break
			}
			n = n.ref
		}
		if n.ref != nil {
			return nil, fmt.Errorf("#/$defs/%s: $ref cycle", name)
		}
	}
	return top, nil
}

type loader struct {
	defs map[string]*node
}

// fill sets n from the schema object raw, found at the pointer at ("#" is
// the root). Only the root may carry $schema, $id and $defs, so that every
// $ref means the root's $defs.
func (l *loader) fill(n *node, raw any, at string, root bool) error {
	obj, ok := raw.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: a schema must be an object", at)
	}
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		value, where := obj[key], at+"/"+key
		var err error
		switch key {
		case "$schema":
			if !root || value != draft2020 {
				err = fmt.Errorf("only the root may declare a dialect, and only %s", draft2020)
			}
		case "$id":
			if _, ok := value.(string); !ok || !root {
				err = errors.New("only the root may have an $id, a string")
			}
		case "$defs":
			if !root {
				err = errors.New("only the root may have $defs")
			}
		case "title", "description":
			if _, ok := value.(string); !ok {
				err = errors.New("must be a string")
			}
		case "type":
			n.typ, err = jsonType(value)
		case "const":
			n.constant, err = primitive(value)
		case "enum":
			n.enum, err = primitives(value)
		case "$ref":
			n.ref, err = l.resolve(value)
		case "properties":
			props, ok := value.(map[string]any)
			if !ok {
				err = errors.New("must be an object")
				break
			}
			n.properties = map[string]*node{}
			for _, name := range slices.Sorted(maps.Keys(props)) {
				n.properties[name] = &node{}
				if err := l.fill(n.properties[name], props[name], where+"/"+name, false); err != nil {
					return err
				}
			}
		case "required":
			n.required, err = requiredNames(value)
		case "additionalProperties":
			if value != false {
				err = errors.New("only false is supported")
			}
			n.closed = true
		case "items":
			n.items = &node{}
			if err := l.fill(n.items, value, where, false); err != nil {
				return err
			}
		case "maxItems":
			n.maxItems, err = count(value)
		case "minLength":
			n.minLength, err = count(value)
		case "maxLength":
			n.maxLength, err = count(value)
		case "pattern":
			n.pattern, err = compilePattern(value)
		case "minimum":
			n.minimum, err = number(value)
		case "maximum":
			n.maximum, err = number(value)
		default:
			err = errors.New("keyword not supported by this validator")
		}
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	}
	// Bounds are checked after type, so every value they see is an
	// integer big.Rat reads; the reference panics on one it cannot read.
	if (n.minimum != nil || n.maximum != nil) && n.typ != "integer" {
		return fmt.Errorf("%s: minimum and maximum need \"type\": \"integer\"", at)
	}
	return nil
}

func (l *loader) resolve(value any) (*node, error) {
	ref, _ := value.(string)
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	// Escaped pointers (~0, ~1, %xx) are not decoded: refused.
	if !ok || strings.ContainsAny(name, "/~%") || l.defs[name] == nil {
		return nil, errors.New("only #/$defs/<name> of an existing entry is supported")
	}
	return l.defs[name], nil
}

func jsonType(value any) (string, error) {
	switch value {
	case "null", "boolean", "object", "array", "number", "integer", "string":
		return value.(string), nil
	}
	return "", errors.New("only one JSON type name is supported")
}

func primitive(value any) (any, error) {
	switch value.(type) {
	case string, bool:
		return value, nil
	}
	return nil, errors.New("only strings and booleans are supported")
}

func primitives(value any) ([]any, error) {
	values, ok := value.([]any)
	if !ok || len(values) == 0 {
		return nil, errors.New("must be a non-empty array")
	}
	for _, v := range values {
		if _, err := primitive(v); err != nil {
			return nil, err
		}
	}
	return values, nil
}

func requiredNames(value any) ([]string, error) {
	values, ok := value.([]any)
	if !ok {
		return nil, errors.New("must be an array of distinct strings")
	}
	names := make([]string, len(values))
	for i, v := range values {
		if names[i], ok = v.(string); !ok || slices.Contains(names[:i], names[i]) {
			return nil, errors.New("must be an array of distinct strings")
		}
	}
	return names, nil
}

func count(value any) (*int, error) {
	num, _ := value.(json.Number)
	n, err := strconv.Atoi(string(num))
	if err != nil || n < 0 {
		return nil, errors.New("must be a non-negative integer")
	}
	return &n, nil
}

func number(value any) (*big.Rat, error) {
	num, _ := value.(json.Number)
	r, ok := new(big.Rat).SetString(string(num))
	if !ok {
		return nil, errors.New("must be a number")
	}
	return r, nil
}

func compilePattern(value any) (*regexp.Regexp, error) {
	src, ok := value.(string)
	if !ok {
		return nil, errors.New("must be a string")
	}
	return regexp.Compile(src)
}
