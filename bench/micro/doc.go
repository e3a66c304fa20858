// Package micro holds the Go micro-benchmarks that span the plugins: each
// plugin's configuration decoding (what every invocation pays before any
// verification) against plain JSON decoding of the same input. The parser
// and the digest check have theirs next to the code (internal/wasm:
// BenchmarkParse, BenchmarkWalk, BenchmarkSHA256Floor; internal/oci:
// BenchmarkReadExactly, BenchmarkContentReadAll, BenchmarkSHA256).
package micro
