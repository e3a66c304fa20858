// Package micro holds Go micro-benchmarks that span packages: each
// plugin's configuration decoding (what every invocation pays before any
// verification) against plain JSON decoding of the same input, and the
// digest check of a fetched blob against bare sha256. The parser's own
// benchmarks live next to it (internal/wasm: BenchmarkParse, BenchmarkWalk,
// BenchmarkSHA256Floor).
package micro
