# ratify-wasm build, test and tooling. Every third-party tool is built from
# the Go module proxy at a pinned version into ./bin; nothing is assumed to be
# installed by hand. `make help` lists the public targets.
#
# The included .mk files follow one convention:
#  - a header saying what the file is for (the targets are listed by
#    `make help`, not repeated there);
#  - the variables a file defines carry its prefix (FX_ fixtures, POLICY_
#    policies, CH_ charts, REL_ reliability, BENCH_ bench, CLUSTER_ cluster,
#    VERSION_ version), except settings a user may override on the command
#    line, which are assigned with ?=;
#  - one .PHONY line before the file's first rule, naming its phony targets;
#  - every phony target is public and has a `## what it does` comment on its
#    rule line (`make help-check`, part of `make test`, holds them to it).
SHELL := /bin/bash
ROOT  := $(abspath .)
BIN   := $(ROOT)/bin
export GOTOOLCHAIN := local
export GOFLAGS := -mod=readonly -buildvcs=false
# Where the tests find the plugin binaries (`make plugins`); a target that
# runs tests needing them depends on plugins.
export RATIFY_WASM_PLUGIN_DIR := $(BIN)/plugins

# VERSION, the release version every build below links in (VERSION_LDFLAGS).
include version.mk

RATIFY_VERSION       := v1.4.6
DISTRIBUTION_VERSION := v3.1.2
COSIGN2_VERSION      := v2.6.5
COSIGN3_VERSION      := v3.1.3
ORAS_VERSION         := v1.3.6
OPA_VERSION          := v1.22.2
HELM_VERSION         := v3.22.0
GOVULNCHECK_VERSION  := v1.1.4

GOINSTALL = GOBIN=$(BIN) GOFLAGS=-buildvcs=false go install -trimpath

# $(call goinstall-as,PACKAGE@VERSION,BINARY,DEST): go install into a
# temporary GOBIN and move BINARY to DEST, for binaries whose name would
# clash in ./bin (cosign v2 and v3 both build as "cosign").
goinstall-as = d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && \
	GOBIN=$$d GOFLAGS=-buildvcs=false go install -trimpath $(1) && mv "$$d/$(2)" $(3)

TOOLS := $(BIN)/ratify $(BIN)/registry $(BIN)/cosign2 $(BIN)/cosign3 $(BIN)/notation \
         $(BIN)/oras $(BIN)/opa $(BIN)/helm

FUZZTIME      ?= 10s
FUZZTIME_WASM ?= 30s
FUZZTIME_LONG ?= 10m

.PHONY: all help help-check tools plugins cli vet test test-go fuzz-short fuzz demo clean
all: plugins cli ## build the plugins and the CLI into ./bin

# Each public target's `## ` comment, file by file.
help: ## list the public targets
	@awk 'FNR == 1 { file = FILENAME } /^[a-zA-Z0-9_.-]+:.*## / { \
	  if (file != shown) { printf "%s\n", file; shown = file } \
	  t = $$0; sub(/:.*/, "", t); h = $$0; sub(/^[^#]*## /, "", h); printf "  %-20s %s\n", t, h }' $(MAKEFILE_LIST)

help-check: ## check that the phony targets and the targets with a ## help line are the same
	@phony=$$(sed -n 's/^\.PHONY: *//p' $(MAKEFILE_LIST) | tr ' ' '\n' | grep . | sort -u); \
	helped=$$(sed -n 's/^\([a-zA-Z0-9_.-]*\):.*## .*/\1/p' $(MAKEFILE_LIST) | sort -u); \
	bad=$$(comm -3 <(echo "$$phony") <(echo "$$helped")); \
	if [ -n "$$bad" ]; then \
	  echo "help-check: targets that are phony without a ## help line, or have one without being phony:" >&2; \
	  echo "$$bad" | sed 's/^[[:space:]]*/  /' >&2; exit 1; \
	fi; echo "help-check: $$(echo "$$phony" | wc -l) public targets, each with a help line"

tools: $(TOOLS) ## build the pinned third-party tools into ./bin

# Plugin binaries, as Ratify's pluginBinDirs expects them: one executable per
# verifier type, named after it.
plugins: ## build the plugins into ./bin/plugins
	go build -trimpath -ldflags '$(VERSION_LDFLAGS)' -o $(BIN)/plugins/ ./plugins/...

cli: ## build the ratify-wasm CLI, and Ratify v1.4.6 with the four verifiers built in (ratify-builtin), into ./bin
	go build -trimpath -ldflags '$(VERSION_LDFLAGS)' -o $(BIN)/ratify-wasm ./cmd/ratify-wasm
	go build -trimpath -ldflags '$(VERSION_LDFLAGS)' -o $(BIN)/ratify-builtin ./cmd/ratify-builtin

vet: ## go vet the module
	go vet ./...

# The test suite: the fixtures rebuilt, the policies under opa, the chart
# linted, unit and integration tests against real registries with the real
# Ratify and signing CLIs, the admission path end to end (also through a real
# API server and Gatekeeper's webhooks: cluster.mk), a smoke run of the
# benchmarks, the vulnerability audit, and bounded fuzzing of every decoder.
test: help-check tools plugins cli vet fixtures-check policy-test chart-lint test-go host-test e2e-test cluster-test bench-smoke audit fuzz-short ## the whole suite: fixtures, policies, chart lint, Go tests, e2e, the real control plane, bench smoke, audit, short fuzzing

test-go: tools plugins ## the Go tests of the module (real registries, Ratify and CLIs), and the cloud flavour's credentials
	go test -count=1 -timeout 30m ./...
	go test -count=1 -tags cloudauth ./internal/credentials/

# Short fuzzing in `make test` (the WASM parser longer, as it reads the
# largest untrusted input); `make fuzz` runs every target for FUZZTIME_LONG.
# Every Fuzz* function in the module is a target: none is forgotten.
fuzz-short: ## every fuzz target for FUZZTIME (the WASM parser FUZZTIME_WASM)
	@set -e; grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' internal cmd admitted | sort | \
	while IFS=: read -r file fn; do \
	  pkg=./$$(dirname $$file); name=$${fn#func }; t=$(FUZZTIME); \
	  [ "$$pkg" = ./internal/wasm ] && t=$(FUZZTIME_WASM); \
	  echo "fuzz $$name in $$pkg for $$t"; \
	  go test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$$t $$pkg; \
	done

fuzz: ## every fuzz target for FUZZTIME_LONG
	$(MAKE) fuzz-short FUZZTIME=$(FUZZTIME_LONG) FUZZTIME_WASM=$(FUZZTIME_LONG)

# The main job on built-in defaults: a WASM component published to a local
# registry, signed, attested and listed, verified by `ratify verify` with the
# four plugins and the default policy, then two tampered variants refused;
# the same through bin/ratify-builtin (no plugin binaries) and
# `ratify-wasm pull` (the release written, the variants refused).
demo: policy-demo ## the demo (same as policy-demo)

clean: ## remove the built plugins and CLI
	rm -rf $(BIN)/plugins $(BIN)/test-plugins $(BIN)/ratify-wasm $(BIN)/ratify-builtin

# The v1.4.6 CLI pins a frameworks pseudo-version missing from the checksum database.
$(BIN)/ratify:
	GONOSUMDB=github.com/open-policy-agent/frameworks $(GOINSTALL) github.com/ratify-project/ratify/cmd/ratify@$(RATIFY_VERSION)

$(BIN)/registry:
	$(GOINSTALL) github.com/distribution/distribution/v3/cmd/registry@$(DISTRIBUTION_VERSION)

# Two cosign majors are needed (v2 legacy .sig/.att, v3 bundles); both build as "cosign".
$(BIN)/cosign2:
	$(call goinstall-as,github.com/sigstore/cosign/v2/cmd/cosign@$(COSIGN2_VERSION),cosign,$@)

$(BIN)/cosign3:
	$(call goinstall-as,github.com/sigstore/cosign/v3/cmd/cosign@$(COSIGN3_VERSION),cosign,$@)

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

# Each area's targets; a new area is one more line here.
include examples/fixtures.mk
include examples/host.mk
include policies.mk
include charts.mk
include reliability.mk
include bench.mk
include cluster.mk
