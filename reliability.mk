# Reliability and supply-chain targets (issue 10), included by the Makefile.
#
#   make reliability-docs  regenerate docs/reliability.md from a run of the
#                          fault, hostile-input, load and secrets suites
#   make audit             go.sum and module cache agree; govulncheck finds no
#                          vulnerability in reachable code that
#                          docs/supply-chain.md does not document
#   make race              the packages' tests under the race detector
#   make mutation          mutation testing (gremlins) of the deciding packages

# The vulnerability database is built offline from golang.org/x/vulndb (its
# data/osv folder) at a pinned version, with that module's own indexdb:
# vuln.go.dev is not reachable from CI, the Go module proxy is.
VULNDB_VERSION ?= v0.0.0-20261105234957-e22db6528018
VULNDB         := $(BIN)/vulndb

# Mutation testing of the packages that decide: signature verification,
# the provenance policy, the composition and capability policy, and the
# runtime's result building. gremlins copies the module per worker and runs
# each mutant against its package's tests; results land in docs/mutation
# and on docs/reliability.md. Takes a long time: not part of `make test`.
GREMLINS_VERSION := v0.6.0
MUTATION_PKGS    ?= internal/plugin internal/sigverify internal/slsa/policy internal/composition

.PHONY: reliability-docs audit race mutation

reliability-docs: tools plugins
	RATIFY_WASM_WRITE_DOCS=1 RATIFY_WASM_PLUGIN_DIR=$(BIN)/plugins go test -count=1 -timeout 20m ./internal/reliability

$(BIN)/govulncheck:
	$(GOINSTALL) golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

$(VULNDB)/index/db.json:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	GOBIN=$$tmp GOFLAGS=-buildvcs=false go install -trimpath golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION); \
	dir=$$(cd $$tmp && GOFLAGS= go mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	test -d "$$dir/data/osv"; rm -rf $(VULNDB); \
	$$tmp/indexdb -vulns "$$dir/data/osv" -out $(VULNDB)

# govulncheck exits 3 when it finds vulnerabilities; each reachable one must
# be documented (by its GO- identifier) in docs/supply-chain.md.
audit: $(BIN)/govulncheck $(VULNDB)/index/db.json
	git ls-files --error-unmatch go.sum >/dev/null
	go mod verify
	@set -o pipefail; rc=0; \
	$(BIN)/govulncheck -db file://$(VULNDB) ./... 2>&1 | tee $(BIN)/govulncheck.txt || rc=$$?; \
	if [ $$rc -ne 0 ] && [ $$rc -ne 3 ]; then exit $$rc; fi; \
	for id in $$(grep -oE '^Vulnerability #[0-9]+: GO-[0-9]+-[0-9]+' $(BIN)/govulncheck.txt | grep -oE 'GO-[0-9]+-[0-9]+'); do \
	  grep -q "$$id" docs/supply-chain.md || { echo "audit: $$id affects reachable code and is not documented in docs/supply-chain.md"; exit 1; }; \
	done; echo "audit: no undocumented vulnerability in reachable code"

$(BIN)/gremlins:
	$(GOINSTALL) github.com/go-gremlins/gremlins/cmd/gremlins@$(GREMLINS_VERSION)

mutation: $(BIN)/gremlins tools plugins
	@set -e; mkdir -p docs/mutation; for p in $(MUTATION_PKGS); do \
	  echo "mutation: $$p"; \
	  RATIFY_WASM_PLUGIN_DIR=$(BIN)/plugins $(BIN)/gremlins unleash ./$$p --workers 1 --timeout-coefficient 5 \
	    --exclude-files '(sigtest|compositiontest)/' -o docs/mutation/$$(echo $$p | tr / _).json; \
	done
	RATIFY_WASM_WRITE_MUTATION=1 go test -count=1 -run '^TestMutationSectionUpToDate$$' ./internal/reliability

race: tools plugins
	RATIFY_WASM_PLUGIN_DIR=$(BIN)/plugins go test -race -count=1 -timeout 30m ./...
