package plugin

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Result is the outcome of one verification. Only these fields survive the
// trip back to Ratify (isSuccess, message, name, type, extensions).
type Result struct {
	IsSuccess  bool
	Message    string
	Extensions map[string]any
}

// Stable extension keys set by the runtime. Plugins document their own.
const (
	// ExtFailedCheck names the check that failed (e.g. "config", "deadline",
	// "subject", "signature"); present on every failed result.
	ExtFailedCheck = "failedCheck"
	// ExtSkipped is set to a reason when a subject was skipped on purpose
	// (nonWasmSubjects: skip); policies must not count such a report as a pass.
	ExtSkipped = "skipped"
	// ExtTruncated is true when extensions were cut to fit Ratify's line limit.
	ExtTruncated = "extensionsTruncated"
)

// Checks set by the runtime.
const (
	CheckConfig   = "config"
	CheckDeadline = "deadline"
	CheckInternal = "internal"
	CheckSubject  = "subject"
	CheckReferrer = "referrer"
)

// Pass returns a successful result.
func Pass(message string, ext map[string]any) Result {
	return Result{IsSuccess: true, Message: oneLine(message), Extensions: ext}
}

// Fail returns a failed result for check; the message reads
// "<check>: <detail>" so an operator sees which check said no and why.
func Fail(check, format string, args ...any) Result {
	return FailWith(check, nil, format, args...)
}

// FailWith is Fail with extensions to report alongside the failure.
func FailWith(check string, ext map[string]any, format string, args ...any) Result {
	if ext == nil {
		ext = map[string]any{}
	}
	ext[ExtFailedCheck] = check
	return Result{Message: oneLine(check + ": " + fmt.Sprintf(format, args...)), Extensions: ext}
}

// oneLine keeps messages on one line: Ratify reads plugin output line by line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 1024
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// maxResultBytes keeps the result line under bufio.Scanner's 64 KiB default,
// which Ratify uses to read plugin output; a longer line is silently lost.
const maxResultBytes = 60 << 10

// fitExtensions drops list- and object-valued extensions (largest first)
// until the encoded extensions fit, and marks the result as truncated.
func fitExtensions(ext map[string]any) map[string]any {
	if ext == nil {
		return nil
	}
	size := func(v any) int { b, _ := json.Marshal(v); return len(b) }
	if size(ext) <= maxResultBytes {
		return ext
	}
	out := make(map[string]any, len(ext))
	var big []string
	for k, v := range ext {
		out[k] = v
		switch v.(type) {
		case string, bool, int, int64, float64, nil:
		default:
			big = append(big, k)
		}
	}
	sort.Slice(big, func(i, j int) bool { return size(out[big[i]]) > size(out[big[j]]) })
	for _, k := range big {
		if size(out) <= maxResultBytes {
			break
		}
		delete(out, k)
	}
	out[ExtTruncated] = true
	if size(out) > maxResultBytes { // only huge scalars remain
		return map[string]any{ExtTruncated: true, ExtFailedCheck: ext[ExtFailedCheck]}
	}
	return out
}
