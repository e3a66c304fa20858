# Benchmarks (issue 9): plugin cost inside Ratify, reference CLIs, start-up,
# composition at scale, admission load and micro-benchmarks, measured side by
# side in one run. Included by the top-level Makefile; the harness is
# bench/*_test.go behind the "bench" build tag (see bench/README.md).
#
#   make bench        full run (about 20-30 min on 2 cores), writes bench/results.{json,md}
#   make bench-smoke  every measurement path once on small inputs (a few minutes),
#                     checks the output files; no timing assertions
.PHONY: bench bench-smoke bench-unit

BENCH_TEST = go test -tags bench -count=1 -run '^TestBench$$' ./bench

bench-unit:
	go vet -tags bench ./bench/...
	go test -count=1 ./bench/...

bench: tools plugins bench-unit
	RATIFY_WASM_PLUGIN_DIR=$(BIN)/plugins $(BENCH_TEST) -v -timeout 120m -args -bench.mode=full -bench.out=$(ROOT)/bench

bench-smoke: tools plugins bench-unit
	RATIFY_WASM_PLUGIN_DIR=$(BIN)/plugins $(BENCH_TEST) -timeout 30m -args -bench.mode=smoke
