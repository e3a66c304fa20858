package plugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
)

// Keys that Ratify itself puts into every verifier entry, in CLI config and
// when converting Verifier custom resources (pkg/controllers/utils).
var ratifyKeys = map[string]bool{
	"name": true, "type": true, "artifactTypes": true, "nestedReferences": true,
	"version": true, "source": true,
}

// Common holds the configuration keys every plugin accepts.
type Common struct {
	Name             string `json:"name"`
	Type             string `json:"type,omitempty"`
	ArtifactTypes    string `json:"artifactTypes,omitempty"`
	NestedReferences string `json:"nestedReferences,omitempty"`
	// Version and Source are Ratify's; the plugin only accepts them.
	Version string          `json:"version,omitempty"`
	Source  json.RawMessage `json:"source,omitempty"`

	// Timeout bounds one verification, e.g. "2500ms".
	Timeout Duration `json:"timeout,omitempty"`
	// MaxManifestBytes and MaxBlobBytes bound registry reads.
	MaxManifestBytes int64 `json:"maxManifestBytes,omitempty"`
	MaxBlobBytes     int64 `json:"maxBlobBytes,omitempty"`
	// NonWasmSubjects is "fail" (default) or "skip"; see Request.LoadWasmSubject.
	NonWasmSubjects string `json:"nonWasmSubjects,omitempty"`
	// LogLevel is "info" (default) or "debug".
	LogLevel string `json:"logLevel,omitempty"`
}

// Defaults and values for Common.
const (
	DefaultTimeout = 2500 * time.Millisecond
	NonWasmFail    = "fail"
	NonWasmSkip    = "skip"
	LogLevelInfo   = "info"
	LogLevelDebug  = "debug"
)

var commonKeys = func() map[string]bool {
	keys := map[string]bool{}
	for _, k := range jsonKeys(Common{}) {
		keys[k] = true
	}
	return keys
}()

func (c *Common) applyDefaults() {
	if c.Timeout == 0 {
		c.Timeout = Duration(DefaultTimeout)
	}
	if c.NonWasmSubjects == "" {
		c.NonWasmSubjects = NonWasmFail
	}
	if c.LogLevel == "" {
		c.LogLevel = LogLevelInfo
	}
}

func (c *Common) validate() error {
	switch {
	case c.Name == "":
		return &failure.ConfigError{Key: "name", Reason: "is required"}
	case c.Timeout < 0:
		return &failure.ConfigError{Key: "timeout", Reason: "must be positive"}
	case c.MaxManifestBytes < 0:
		return &failure.ConfigError{Key: "maxManifestBytes", Reason: "must be positive"}
	case c.MaxBlobBytes < 0:
		return &failure.ConfigError{Key: "maxBlobBytes", Reason: "must be positive"}
	}
	if err := failure.OneOf("nonWasmSubjects", c.NonWasmSubjects, NonWasmFail, NonWasmSkip); err != nil {
		return err
	}
	return failure.OneOf("logLevel", c.LogLevel, LogLevelInfo, LogLevelDebug)
}

// Validator is implemented by plugin configurations that check themselves
// after decoding; errors should be *failure.ConfigError so they name the key.
type Validator interface {
	Validate() error
}

// DecodeConfig decodes one verifier entry strictly: Ratify's own keys and
// Common's keys go to Common, every other key must be a field of the plugin's
// configuration C (starting from the defaults newConfig returns).
func DecodeConfig[C any](entry map[string]any, newConfig func() *C) (Common, *C, error) {
	var common Common
	own := map[string]any{}
	shared := map[string]any{}
	for k, v := range entry {
		if ratifyKeys[k] || commonKeys[k] {
			shared[k] = v
			continue
		}
		for known := range commonKeys {
			if strings.EqualFold(k, known) {
				return Common{}, nil, &failure.ConfigError{Key: k, Reason: fmt.Sprintf("is not a known setting (did you mean %q?)", known)}
			}
		}
		own[k] = v
	}
	if err := decodeStrict(shared, &common); err != nil {
		return Common{}, nil, err
	}
	common.applyDefaults()
	if err := common.validate(); err != nil {
		return Common{}, nil, err
	}
	cfg := newConfig()
	if err := decodeStrict(own, cfg); err != nil {
		return Common{}, nil, err
	}
	if v, ok := any(cfg).(Validator); ok {
		if err := v.Validate(); err != nil {
			return Common{}, nil, err
		}
	}
	return common, cfg, nil
}

func decodeStrict(m map[string]any, into any) error {
	// encoding/json matches keys case-insensitively ("sourceURI" would fill
	// sourceUri); a misspelt key must be an error, so check exact names first.
	if err := checkKeyCase(m, reflect.TypeOf(into), ""); err != nil {
		return err
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return configErrorFrom(err, into)
	}
	return nil
}

// configErrorFrom turns encoding/json errors into errors naming the key.
func configErrorFrom(err error, into any) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		key := typeErr.Field
		if key == "" {
			key = "(top level)"
		}
		return &failure.ConfigError{Key: key, Reason: fmt.Sprintf("has a %s value; expected %s", typeErr.Value, typeName(typeErr.Type.String()))}
	}
	var ce *failure.ConfigError
	if errors.As(err, &ce) {
		return ce
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		known := jsonKeys(into)
		sort.Strings(known)
		return &failure.ConfigError{Key: strings.Trim(rest, `"`), Reason: fmt.Sprintf("is not a known setting (known: %s)", strings.Join(known, ", "))}
	}
	return fmt.Errorf("invalid configuration: %s", msg)
}

func typeName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["), strings.Contains(goType, "."):
		return "an object"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"), strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool":
		return "true or false"
	default:
		return "a " + goType
	}
}

// Duration is a time.Duration written as a Go duration string ("2.5s").
type Duration time.Duration

// UnmarshalJSON accepts only duration strings, so "timeout": 5 (seconds?
// milliseconds?) is an error rather than a guess.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &failure.ConfigError{Key: "timeout", Reason: fmt.Sprintf("must be a duration string such as \"2500ms\", got %s", b)}
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return &failure.ConfigError{Key: "timeout", Reason: fmt.Sprintf("must be a positive duration such as \"2500ms\", got %q", s)}
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}
