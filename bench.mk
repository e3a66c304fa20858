# bench.mk: plugin cost inside Ratify, reference CLIs, start-up, composition
# at scale, admission load and micro-benchmarks, measured side by side in one
# run. The harness is bench/*_test.go behind the "bench" build tag (see
# bench/README.md). Included from the Makefile.

BENCH_TEST = go test -tags bench -count=1 -run '^TestBench$$' ./bench

.PHONY: bench bench-smoke bench-unit

bench-unit: ## vet and unit-test the benchmark harness
	go vet -tags bench ./bench/...
	go test -count=1 ./bench/...

bench: tools plugins cli bench-unit ## the full benchmark run (20-30 min on 2 cores), writes bench/results.{json,md}
	$(BENCH_TEST) -v -timeout 120m -args -bench.mode=full -bench.out=$(ROOT)/bench

bench-smoke: tools plugins cli bench-unit ## every measurement path once on small inputs; checks the output files, no timing assertions
	$(BENCH_TEST) -timeout 30m -args -bench.mode=smoke
