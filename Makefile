# ratify-wasm build, test and tooling. Every third-party tool is built from
# the Go module proxy at a pinned version into ./bin; nothing is assumed to be
# installed by hand.
SHELL := /bin/bash
ROOT  := $(abspath .)
BIN   := $(ROOT)/bin
export GOTOOLCHAIN := local
export GOFLAGS := -mod=readonly -buildvcs=false

RATIFY_VERSION       := v1.4.6
DISTRIBUTION_VERSION := v3.1.2
COSIGN2_VERSION      := v2.6.5
COSIGN3_VERSION      := v3.1.3
ORAS_VERSION         := v1.3.6
OPA_VERSION          := v1.22.2
HELM_VERSION         := v3.22.0
GOVULNCHECK_VERSION  := v1.1.4

GOINSTALL = GOBIN=$(BIN) GOFLAGS=-buildvcs=false go install -trimpath

TOOLS := $(BIN)/ratify $(BIN)/registry $(BIN)/cosign2 $(BIN)/cosign3 $(BIN)/notation \
         $(BIN)/oras $(BIN)/opa $(BIN)/helm

# Short fuzzing in `make test` (the WASM parser longer, as it reads the
# largest untrusted input); `make fuzz` runs every target for FUZZTIME_LONG.
FUZZTIME      ?= 10s
FUZZTIME_WASM ?= 30s
FUZZTIME_LONG ?= 10m

.PHONY: all tools plugins cli test test-go fuzz fuzz-short demo vet clean
all: plugins cli

tools: $(TOOLS)

# Plugin binaries, as Ratify's pluginBinDirs expects them: one executable per
# verifier type, named after it.
plugins:
	go build -trimpath -o $(BIN)/plugins/ ./plugins/...

cli:
	go build -trimpath -o $(BIN)/ratify-wasm ./cmd/ratify-wasm

vet:
	go vet ./...

# The test suite: the fixtures rebuilt, the policies under opa, the chart
# linted, unit and integration tests against real registries with the real
# Ratify and signing CLIs, the admission path end to end (also through a real
# API server and Gatekeeper's webhooks: cluster.mk), a smoke run of the
# benchmarks, the vulnerability audit, and bounded fuzzing of every decoder.
test: tools plugins cli vet fixtures-check policy-test chart-lint test-go e2e-test cluster-test bench-smoke audit fuzz-short

test-go: tools plugins
	RATIFY_WASM_PLUGIN_DIR=$(BIN)/plugins go test -count=1 -timeout 30m ./...

# Every Fuzz* function in the module is a target: none is forgotten.
fuzz-short:
	@set -e; grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' internal cmd | sort | \
	while IFS=: read -r file fn; do \
	  pkg=./$$(dirname $$file); name=$${fn#func }; t=$(FUZZTIME); \
	  [ "$$pkg" = ./internal/wasm ] && t=$(FUZZTIME_WASM); \
	  echo "fuzz $$name in $$pkg for $$t"; \
	  go test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$$t $$pkg; \
	done

fuzz:
	$(MAKE) fuzz-short FUZZTIME=$(FUZZTIME_LONG) FUZZTIME_WASM=$(FUZZTIME_LONG)

# The main job on built-in defaults: a WASM component published to a local
# registry, signed, attested and listed, verified by `ratify verify` with the
# four plugins and the default policy, then two tampered variants refused.
demo: policy-demo

clean:
	rm -rf $(BIN)/plugins $(BIN)/test-plugins $(BIN)/ratify-wasm

# The v1.4.6 CLI pins a frameworks pseudo-version missing from the checksum database.
$(BIN)/ratify:
	GONOSUMDB=github.com/open-policy-agent/frameworks $(GOINSTALL) github.com/ratify-project/ratify/cmd/ratify@$(RATIFY_VERSION)

$(BIN)/registry:
	$(GOINSTALL) github.com/distribution/distribution/v3/cmd/registry@$(DISTRIBUTION_VERSION)

# Two cosign majors are needed (v2 legacy .sig/.att, v3 bundles); both build as "cosign".
$(BIN)/cosign2:
	d=$$(mktemp -d) && GOBIN=$$d GOFLAGS=-buildvcs=false go install -trimpath github.com/sigstore/cosign/v2/cmd/cosign@$(COSIGN2_VERSION) && mv $$d/cosign $@ && rmdir $$d

$(BIN)/cosign3:
	d=$$(mktemp -d) && GOBIN=$$d GOFLAGS=-buildvcs=false go install -trimpath github.com/sigstore/cosign/v3/cmd/cosign@$(COSIGN3_VERSION) && mv $$d/cosign $@ && rmdir $$d

# The proxy refuses notation's version list, so `go install` fails; a pinned
# module (tools/notation/go.mod + go.sum) builds it instead.
$(BIN)/notation: tools/notation/go.mod tools/notation/go.sum
	cd tools/notation && go build -trimpath -o $@ github.com/notaryproject/notation/cmd/notation

$(BIN)/oras:
	$(GOINSTALL) oras.land/oras/cmd/oras@$(ORAS_VERSION)

$(BIN)/opa:
	$(GOINSTALL) github.com/open-policy-agent/opa@$(OPA_VERSION)

$(BIN)/helm:
	$(GOINSTALL) helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

include examples/fixtures.mk
include policies.mk
include charts.mk
include reliability.mk
include bench.mk
include cluster.mk
