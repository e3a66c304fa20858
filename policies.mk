# policies.mk: the Ratify Rego policy, the Gatekeeper ConstraintTemplates
# generated from it, their opa tests, the golden Ratify reports the tests run
# on, and the e2e admission suite (its own Go module in e2e/, apart from
# Ratify's dependency graph). Included from the Makefile.

# opa capabilities with Gatekeeper's external_data builtin declared, so the
# template tests can mock it. Kept outside the policy folders (opa test
# would load it as data).
POLICY_CAPS := $(BIN)/opa-capabilities-external-data.json
POLICY_E2E  := cd $(ROOT)/e2e &&

.PHONY: policy-test policy-generate policy-golden e2e-test policy-demo

$(POLICY_CAPS): $(BIN)/opa
	$(BIN)/opa capabilities --current > $@.base
	$(BIN)/opa eval --format raw -i $@.base \
	  'json.marshal(object.union(input, {"builtins": array.concat(input.builtins, [{"name": "external_data", "decl": {"type": "function", "args": [{"type": "any"}], "result": {"type": "any"}}}])}))' > $@
	rm -f $@.base

# The Gatekeeper tests read the golden reports as data.golden; the example
# policies load the library and its golden reports from policies/ratify
# (examples/ratify-config.json is Ratify's configuration, not OPA data).
define POLICY_OPA_TESTS
	$(BIN)/opa test policies/ratify
	$(BIN)/opa test --ignore ratify-config.json policies/examples policies/ratify
	$(BIN)/opa test --capabilities $(POLICY_CAPS) --ignore '*.yaml' policies/gatekeeper policies/ratify/testdata
endef

# Rules of the library an OPA policy author reuses: each carries a METADATA
# title and description, and each argument of a function is described in
# custom.inputs.
POLICY_DOCUMENTED := valid reasons deny_reasons defaults params evidence allowed_repository \
  version_of source_key digest repository canonical_repository canonical_prefix
POLICY_DOCS_MISSING := [missing | names := {n | some n in split("$(strip $(POLICY_DOCUMENTED))", " ")}; \
  docs := {r.head.name: r.annotations[0] | some r in input.rules; count(object.get(r, "annotations", [])) > 0}; \
  missing := {n | some n in names; not docs[n].title == n} | {n | some n in names; not docs[n].description} | \
    {sprintf("%s(%s)", [r.head.name, a.value]) | some r in input.rules; r.head.name in names; some a in r.head.args; not docs[r.head.name].custom.inputs[a.value]}; \
  count(missing) > 0][0]

policy-test: $(BIN)/opa $(POLICY_CAPS) ## opa fmt, check, METADATA and tests of policies/
	policies/gatekeeper/generate.sh --check
	$(BIN)/opa fmt --list --fail policies
	$(BIN)/opa check --strict policies/ratify
	$(BIN)/opa check --strict policies/examples policies/ratify
	$(BIN)/opa parse --format json policies/ratify/wasm.rego > $(BIN)/policy-ast.json
	@echo 'library rules without METADATA title, description or custom.inputs:'
	$(BIN)/opa eval --fail-defined --format raw -i $(BIN)/policy-ast.json '$(POLICY_DOCS_MISSING)'
	$(BIN)/opa check --strict --capabilities $(POLICY_CAPS) --ignore '*.yaml' policies/gatekeeper
	$(POLICY_OPA_TESTS)

policy-generate: ## regenerate policies/gatekeeper/{lib,*/template.yaml}
	policies/gatekeeper/generate.sh

policy-golden: tools plugins cli $(POLICY_CAPS) ## re-record policies/ratify/testdata/golden from real `ratify verify` runs
	$(POLICY_E2E) go run ./cmd/golden
	$(POLICY_OPA_TESTS)

# e2e/cluster needs a control plane: `make cluster-test` (cluster.mk) runs it.
e2e-test: tools plugins cli ## the threat matrix through ratify serve and Gatekeeper's engine
	$(POLICY_E2E) go test -count=1 -timeout 20m $$(go list ./... | grep -v /e2e/cluster$$)

policy-demo: tools plugins cli ## the demo: ratify verify, ratify-builtin verify and ratify-wasm pull admit one artifact and refuse two tampered variants
	$(POLICY_E2E) go run ./cmd/demo
