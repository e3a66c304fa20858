package plugin

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
)

// jsonKeys lists the JSON keys of a struct (or pointer to one), following
// embedded structs, so error messages can list the settings that exist.
func jsonKeys(v any) []string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case name == "-" || !f.IsExported():
			continue
		case f.Anonymous && name == "":
			keys = append(keys, jsonKeys(reflect.New(f.Type).Interface())...)
		case name == "":
			keys = append(keys, f.Name)
		default:
			keys = append(keys, name)
		}
	}
	return keys
}

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// checkKeyCase walks a decoded JSON value alongside the Go type it will be
// decoded into and rejects object keys that match a field only when case
// is ignored. Unknown keys are left to DisallowUnknownFields.
func checkKeyCase(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return nil
	}
	switch val := v.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Map:
			for k, e := range val {
				if err := checkKeyCase(e, t.Elem(), join(path, k)); err != nil {
					return err
				}
			}
		case reflect.Struct:
			fields := structFields(t)
			for k, e := range val {
				f, ok := fields[k]
				if !ok {
					for name := range fields {
						if strings.EqualFold(name, k) {
							return &failure.ConfigError{Key: join(path, k), Reason: fmt.Sprintf("is not a known setting (did you mean %q?)", name)}
						}
					}
					continue
				}
				if err := checkKeyCase(e, f, join(path, k)); err != nil {
					return err
				}
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, e := range val {
				if err := checkKeyCase(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// structFields maps JSON key to field type, following embedded structs.
func structFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported():
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			for k, v := range structFields(f.Type) {
				out[k] = v
			}
		case name == "":
			out[f.Name] = f.Type
		default:
			out[name] = f.Type
		}
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
