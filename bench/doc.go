// Package bench is the benchmark harness (`make bench`,
// `make bench-smoke`). It lives in bench_test.go files behind the "bench"
// build tag: one test, TestBench, builds the plugins and the baselines,
// signs real WASM artifacts with the real CLIs in a distribution registry on
// loopback, measures the six areas side by side with their comparisons, and
// writes results.json and results.md. See README.md for the analysis.
package bench
