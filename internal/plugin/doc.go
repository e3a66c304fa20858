// Package plugin is the runtime shared by every ratify-wasm verifier plugin.
// It adapts a Definition to Ratify's v1.4.6 external-plugin protocol, spoken
// natively (protocol.go, byte-compatible with Ratify's skel package, which
// the skelparity build tag still selects for the differential test in
// package parity) and
// gives every plugin the same behaviour:
//
//   - strict configuration decoding: an unknown or mistyped key is a failed
//     result whose message names the key (DecodeConfig);
//   - a deadline (config key "timeout", default 2.5s, inside Ratify's default
//     2.9s request timeout), after which a failed result is returned;
//   - panics recovered into failed results;
//   - logging to stderr with Ratify's "info:", "warn:" and "debug:" prefixes,
//     never JSON (Ratify parses JSON lines on stderr as results);
//   - bounded stdin, bounded and digest-checked registry reads (internal/oci);
//   - one conversion from errors to results: Verify returns an error
//     (package failure: a failed check, a configuration error or a skip)
//     and only the runtime writes the result, as CNI's skel does;
//   - results with stable extension keys (failedCheck, skipped,
//     manifestDigest), every string bounded, kept under Ratify's 64 KiB
//     line limit; a result that had to be cut to get there is a failure;
//   - the subject's repository in canonical form (Request.Repository);
//   - one rule for subjects that are not WASM artifacts ("nonWasmSubjects").
//
// A plugin's main package is one line: plugin.Main(somepkg.Plugin).
package plugin
