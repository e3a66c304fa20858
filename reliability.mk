# reliability.mk: the reliability report and the supply-chain audit.
# Included from the Makefile.

# The vulnerability database is built offline from golang.org/x/vulndb (its
# data/osv folder) at a pinned version, with that module's own indexdb:
# vuln.go.dev is not reachable from CI, the Go module proxy is.
VULNDB_VERSION ?= v0.0.0-20261105234957-e22db6528018
REL_VULNDB     := $(BIN)/vulndb

# Mutation testing of the packages that decide: signature verification,
# the provenance policy, the composition domain code (the list format and
# diff, the allowlist, the schemas, the composition and capability
# policies), and the runtime's result building. Composition's plugin glue,
# the root of internal/composition, whose tests start registries, is left
# out for time: only its domain subpackages are listed. gremlins copies the
# module per worker and runs each mutant against its package's tests;
# results land in docs/mutation and on docs/reliability.md. Takes about an
# hour on two cores: not part of `make test`.
REL_GREMLINS_VERSION := v0.6.0
REL_MUTATION_PKGS    ?= internal/plugin internal/sigverify internal/slsa/policy \
                        internal/composition/list internal/composition/allowlist \
                        internal/composition/schema internal/composition/policy \
                        internal/composition/capability

.PHONY: reliability-docs audit race mutation

reliability-docs: tools plugins ## regenerate docs/reliability.md from a run of the fault, hostile-input, load and secrets suites
	RATIFY_WASM_WRITE_DOCS=1 go test -count=1 -timeout 20m ./internal/reliability

$(BIN)/govulncheck:
	$(GOINSTALL) golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

$(BIN)/indexdb:
	$(call goinstall-as,golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION),indexdb,$@)

$(REL_VULNDB)/index/db.json: $(BIN)/indexdb
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	dir=$$(cd $$tmp && GOFLAGS= go mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	test -d "$$dir/data/osv"; rm -rf $(REL_VULNDB); \
	$(BIN)/indexdb -vulns "$$dir/data/osv" -out $(REL_VULNDB)

# govulncheck exits 3 when it finds vulnerabilities; each reachable one must
# be documented (by its GO- identifier) in docs/supply-chain.md.
audit: $(BIN)/govulncheck $(REL_VULNDB)/index/db.json ## go.sum and module cache agree; every vulnerability govulncheck finds in reachable code is documented in docs/supply-chain.md
	git ls-files --error-unmatch go.sum >/dev/null
	go mod verify
	@set -o pipefail; rc=0; \
	$(BIN)/govulncheck -db file://$(REL_VULNDB) ./... 2>&1 | tee $(BIN)/govulncheck.txt || rc=$$?; \
	if [ $$rc -ne 0 ] && [ $$rc -ne 3 ]; then exit $$rc; fi; \
	for id in $$(grep -oE '^Vulnerability #[0-9]+: GO-[0-9]+-[0-9]+' $(BIN)/govulncheck.txt | grep -oE 'GO-[0-9]+-[0-9]+'); do \
	  grep -q "$$id" docs/supply-chain.md || { echo "audit: $$id affects reachable code and is not documented in docs/supply-chain.md"; exit 1; }; \
	done; echo "audit: no undocumented vulnerability in reachable code"

$(BIN)/gremlins:
	$(GOINSTALL) github.com/go-gremlins/gremlins/cmd/gremlins@$(REL_GREMLINS_VERSION)

mutation: $(BIN)/gremlins tools plugins ## mutation testing (gremlins) of the deciding packages; results in docs/mutation and docs/reliability.md (long)
	@set -e; mkdir -p docs/mutation; for p in $(REL_MUTATION_PKGS); do \
	  echo "mutation: $$p"; \
	  $(BIN)/gremlins unleash ./$$p --workers 1 --timeout-coefficient 5 \
	    -o docs/mutation/$$(echo $$p | tr / _).json; \
	done
	RATIFY_WASM_WRITE_MUTATION=1 go test -count=1 -run '^TestMutationSectionUpToDate$$' ./internal/reliability

race: tools plugins ## the module's tests under the race detector
	go test -race -count=1 -timeout 30m ./...
