package plugin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/ratify-wasm/ratify-wasm/internal/failure"
)

// Report is what a verification found: the message of a pass, and the
// extensions reported with a pass or, when Verify returns an error, with
// that failure (or skip).
type Report struct {
	Message    string
	Extensions map[string]any
}

// result is what Ratify reads back (isSuccess, message, extensions; name
// and type are the runtime's).
type result struct {
	IsSuccess  bool
	Message    string
	Extensions map[string]any
}

// Stable extension keys set by the runtime. Plugins document their own.
const (
	// ExtFailedCheck names the check that failed, one of failure.Checks;
	// present on every failed result.
	ExtFailedCheck = "failedCheck"
	// ExtFailedCheckAlias is the deprecated name the plugin used to report
	// the same check under (failure.Aliases), for one release.
	ExtFailedCheckAlias = "failedCheckAlias"
	// ExtSkipped is set to a reason when a subject was skipped on purpose
	// (nonWasmSubjects: skip); policies must not count such a report as a pass.
	ExtSkipped = "skipped"
	// ExtTruncated is true when the runtime had to shorten a string or drop
	// keys to pass the report on; such a result is always a failure.
	ExtTruncated = "extensionsTruncated"
	// ExtManifestDigest is the digest of the subject manifest this result is
	// about ("sha256:…"), as Request.ResolveSubject resolved it; present on
	// every result once the subject was resolved.
	ExtManifestDigest = "manifestDigest"
)

// resultOf is the one place where a verification's outcome becomes a
// result: no error is a pass with rep's message; a *failure.Skip returned
// as is, a success marked skipped; any other error a failure whose
// failedCheck is the error's check (failure.Config for a
// *failure.ConfigError, failure.Internal when the error names none) and
// whose message reads "<check>: <detail>". rep's extensions go with all
// three. plugin is the plugin's name, which decides failedCheckAlias.
func resultOf(plugin string, rep Report, err error) result {
	ext := rep.Extensions
	if err == nil {
		return result{IsSuccess: true, Message: oneLine(rep.Message), Extensions: ext}
	}
	if ext == nil {
		ext = map[string]any{}
	}
	if s, ok := err.(*failure.Skip); ok {
		ext[ExtSkipped] = s.Reason
		return result{IsSuccess: true, Message: oneLine(s.Error()), Extensions: ext}
	}
	check, ok := failure.CheckOf(err)
	var ce *failure.ConfigError
	if !ok && errors.As(err, &ce) {
		check = failure.Config
	} else if !ok {
		check = failure.Internal
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, string(check)+": ") {
		msg = string(check) + ": " + msg
	}
	ext[ExtFailedCheck] = string(check)
	if alias := failure.AliasOf(plugin, check); alias != "" {
		ext[ExtFailedCheckAlias] = alias
	}
	return result{Message: oneLine(msg), Extensions: ext}
}

// MaxMessageBytes bounds a result message; MaxStringBytes bounds every
// string (keys included) in a result's extensions. Both hold strings that
// may come from unverified input (a predicate type, an error quoting a
// field), which must not decide whether Ratify can read the result.
const (
	MaxMessageBytes = 1024
	MaxStringBytes  = 1024
)

// oneLine keeps messages on one line: Ratify reads plugin output line by line.
func oneLine(s string) string {
	s, _ = capString(strings.Join(strings.Fields(s), " "), MaxMessageBytes)
	return s
}

// capString cuts s to at most max bytes (on a rune boundary) plus a marker
// saying how long it was; ok is false when it cut.
func capString(s string, max int) (_ string, ok bool) {
	if len(s) <= max {
		return s, true
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("…[cut from %d bytes]", len(s)), false
}

// maxResultBytes keeps the result line under bufio.Scanner's 64 KiB default,
// which Ratify uses to read plugin output; a longer line is silently lost.
const maxResultBytes = 60 << 10

// protected keys are never dropped to make a result fit: a policy reads
// them to know what the result is (a failure, a skip, about which manifest).
var protected = map[string]bool{ExtFailedCheck: true, ExtFailedCheckAlias: true, ExtSkipped: true, ExtTruncated: true, ExtManifestDigest: true}

// fitResult makes res safe to hand to Ratify: every string in its
// extensions is capped at MaxStringBytes and the extensions are cut to
// maxResultBytes, dropping the largest unprotected keys first. A report
// that had to be shortened no longer shows what was verified, so a pass
// (or skip) becomes a failure with check "result"; a failure keeps its
// own check. "skipped" and "failedCheck" are never dropped.
func fitResult(res result) result {
	if res.Extensions == nil {
		return res
	}
	norm, err := normalize(res.Extensions)
	if err != nil {
		return result{Message: oneLine(fmt.Sprintf("%s: cannot encode the report (%v); verdict was: %s", failure.Internal, err, res.Message)),
			Extensions: map[string]any{ExtFailedCheck: string(failure.Internal)}}
	}
	v, capped := capStrings(norm, "")
	ext := v.(map[string]any)
	size := func(v any) int { b, _ := json.Marshal(v); return len(b) }
	total := size(ext)
	var dropped []string
	if total > maxResultBytes {
		var keys []string
		for k := range ext {
			if !protected[k] {
				keys = append(keys, k)
			}
		}
		sort.Slice(keys, func(i, j int) bool {
			if si, sj := size(ext[keys[i]]), size(ext[keys[j]]); si != sj {
				return si > sj
			}
			return keys[i] < keys[j]
		})
		for _, k := range keys {
			if size(ext) <= maxResultBytes {
				break
			}
			delete(ext, k)
			dropped = append(dropped, k)
		}
	}
	if capped == "" && dropped == nil {
		return result{IsSuccess: res.IsSuccess, Message: res.Message, Extensions: ext}
	}
	ext[ExtTruncated] = true
	var why string
	switch {
	case dropped != nil:
		why = fmt.Sprintf("the report is %d bytes, more than the %d a result line can carry to Ratify; dropped %s", total, maxResultBytes, strings.Join(dropped, ", "))
	default:
		why = fmt.Sprintf("the report holds a string longer than %d bytes (at %s)", MaxStringBytes, capped)
	}
	if !res.IsSuccess {
		return result{Message: oneLine(res.Message + " (" + why + ")"), Extensions: ext}
	}
	ext[ExtFailedCheck] = string(failure.Result)
	return result{Message: oneLine(string(failure.Result) + ": " + why + "; a verdict whose report cannot be passed on whole is refused (verdict was: " + res.Message + ")"), Extensions: ext}
}

// normalize turns extensions into plain JSON values (maps, lists, strings,
// numbers, booleans) so that capStrings sees every string a plugin put in,
// whatever Go type held it.
func normalize(ext map[string]any) (map[string]any, error) {
	b, err := json.Marshal(ext)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // keep integers such as log indexes exact
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// capStrings caps every string (and map key) in v at MaxStringBytes; it
// returns the path of the first string it cut, or "" when none was.
func capStrings(v any, path string) (any, string) {
	first := ""
	note := func(p string) {
		if first == "" {
			first = p
		}
	}
	switch val := v.(type) {
	case string:
		s, ok := capString(val, MaxStringBytes)
		if !ok {
			note(path)
		}
		return s, first
	case map[string]any:
		out := make(map[string]any, len(val))
		for _, k := range sortedMapKeys(val) {
			ck, ok := capString(k, MaxStringBytes)
			p := join(path, ck)
			if !ok {
				note(p)
			}
			e, c := capStrings(val[k], p)
			if c != "" {
				note(c)
			}
			out[ck] = e
		}
		return out, first
	case []any:
		out := make([]any, len(val))
		for i, e := range val {
			e, c := capStrings(e, fmt.Sprintf("%s[%d]", path, i))
			if c != "" {
				note(c)
			}
			out[i] = e
		}
		return out, first
	}
	return v, ""
}

func sortedMapKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
