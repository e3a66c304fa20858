# examples/fixtures.mk: builds the project's own WebAssembly fixtures into
# examples/fixtures/ (committed). Included from the Makefile; also usable
# alone from the repository root (make -f examples/fixtures.mk fixtures).
#
# Tools: go (hello.core.wasm is byte-identical only with go1.26.8) and node/npm
# for npm @bytecodealliance/jco 1.35.0, pinned by examples/package-lock.json.
# Paths are relative to the repository root, or to $(ROOT) when it is defined.

fx_saved_default_goal := $(.DEFAULT_GOAL)

FX_ROOT    := $(or $(ROOT),.)
FX_EX      := $(FX_ROOT)/examples
FX_OUT     := $(FX_EX)/fixtures
FX_JCO     := $(FX_EX)/node_modules/.bin/jco
FX_NPM_OK  := $(FX_EX)/node_modules/.package-lock.json
FX_GO_VERSION := go1.26.8
FX_MAX_BYTES  := 3145728

# WAT sources in examples/wat/, each compiled by `jco parse` to <name>.wasm.
FX_WAT   := nested sockets plug plug-socket plug-greeter implements hostcode
FX_FILES := hello.core.wasm hello.component.wasm $(addsuffix .wasm,$(FX_WAT))

# $(call fx-build,DIR): one shell command that builds every fixture into DIR.
#  - hello.core.wasm: wasip1 core module. -trimpath and -buildvcs=false keep
#    paths and git state out of the binary; GOWORK=off and GOFLAGS pin the
#    module mode whatever the environment says.
#  - hello.component.wasm: `jco new --wasi-command` (wit-component + the WASI
#    0.2.12 command adapter shipped in jco 1.35.0).
#  - <name>.wasm: `jco parse examples/wat/<name>.wat`.
#  - SHA256SUMS, and structure.json: nested parts (offset, size, sha256) and
#    top-level imports/exports as jco reports them (describe.mjs).
fx-build = set -e; out=$$(mkdir -p $(1) && cd $(1) && pwd); \
	( cd $(FX_EX)/hello && GOTOOLCHAIN=local GOWORK=off GOFLAGS='-mod=readonly -buildvcs=false' \
	  CGO_ENABLED=0 GOOS=wasip1 GOARCH=wasm go build -trimpath -o "$$out/hello.core.wasm" . ); \
	chmod 0644 "$$out/hello.core.wasm"; \
	$(FX_JCO) new "$$out/hello.core.wasm" --wasi-command -o "$$out/hello.component.wasm"; \
	for w in $(FX_WAT); do $(FX_JCO) parse $(FX_EX)/wat/$$w.wat -o "$$out/$$w.wasm"; done; \
	( cd "$$out" && sha256sum $(FX_FILES) > SHA256SUMS ); \
	node $(FX_EX)/describe.mjs --json $(addprefix "$$out"/,$(FX_FILES)) > "$$out/structure.json"

# $(call fx-verbatim,DIR): plug.wasm must embed plug-socket.wasm and
# plug-greeter.wasm byte for byte (as `wac plug` does).
fx-verbatim = node -e 'const fs=require("fs"),d=process.argv[1],p=fs.readFileSync(d+"/plug.wasm");\
	for(const f of ["plug-socket","plug-greeter"]){if(p.indexOf(fs.readFileSync(d+"/"+f+".wasm"))<0){\
	console.error("fixtures: plug.wasm does not embed "+f+".wasm verbatim");process.exit(1)}}' $(1)

.PHONY: fixtures fixtures-check fixtures-smoke fixtures-deps
fixtures-deps: $(FX_NPM_OK) ## npm ci the pinned jco into examples/node_modules

$(FX_NPM_OK): $(FX_EX)/package.json $(FX_EX)/package-lock.json
	cd $(FX_EX) && npm ci --no-audit --no-fund

fixtures: $(FX_NPM_OK) ## regenerate every fixture and examples/fixtures/SHA256SUMS
	@$(call fx-build,$(FX_OUT))
	@$(call fx-verbatim,$(FX_OUT))
	@cat $(FX_OUT)/SHA256SUMS

fixtures-check: $(FX_NPM_OK) ## rebuild the fixtures in a temp dir; fail if anything differs from the committed files or is over 3 MiB
	@set -e; v=$$(GOTOOLCHAIN=local go env GOVERSION); \
	if [ "$$v" != "$(FX_GO_VERSION)" ]; then \
	  echo "fixtures-check: note: $$v, not $(FX_GO_VERSION); hello.core.wasm and hello.component.wasm may differ"; fi; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(call fx-build,$$tmp); \
	bad=0; \
	for f in $(FX_FILES) SHA256SUMS structure.json; do \
	  if ! cmp -s "$$tmp/$$f" $(FX_OUT)/$$f; then echo "fixtures-check: examples/fixtures/$$f differs from a fresh build"; bad=1; fi; \
	  n=$$(wc -c < "$$tmp/$$f"); \
	  if [ "$$n" -gt $(FX_MAX_BYTES) ]; then echo "fixtures-check: $$f is $$n bytes, over $(FX_MAX_BYTES)"; bad=1; fi; \
	done; \
	( cd $(FX_OUT) && sha256sum --quiet -c SHA256SUMS ) || bad=1; \
	$(call fx-verbatim,$$tmp) || bad=1; \
	if [ $$bad -ne 0 ]; then echo "fixtures-check: FAILED (run 'make fixtures' and commit examples/fixtures)"; exit 1; fi; \
	echo "fixtures-check: $(words $(FX_FILES)) fixtures reproduce byte for byte"

fixtures-smoke: $(FX_NPM_OK) ## transpile and run the fixtures with jco and node
	node $(FX_EX)/smoke.mjs $(FX_OUT)

# Including this file must not change the including Makefile's default goal;
# used alone (make -f examples/fixtures.mk), the default goal is `fixtures`.
.DEFAULT_GOAL := $(or $(fx_saved_default_goal),$(if $(filter 1,$(words $(MAKEFILE_LIST))),fixtures))
