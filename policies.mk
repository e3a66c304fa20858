# Policies and the admission path (issue 7): the Ratify Rego policy, the
# Gatekeeper ConstraintTemplates generated from it, their opa tests, the
# golden Ratify reports the tests run on, and the e2e admission suite (its
# own Go module in e2e/, apart from Ratify's dependency graph).
#
#   make policy-test       opa fmt/check/test on policies/ratify and policies/gatekeeper
#   make policy-generate   regenerate policies/gatekeeper/{lib,*/template.yaml}
#   make policy-golden     re-record policies/ratify/testdata/golden from real `ratify verify` runs
#   make e2e-test          the threat matrix through ratify serve + Gatekeeper's engine
#   make policy-demo       the demo scenario (ratify verify: one pass, two tampered variants fail)

# opa capabilities with Gatekeeper's external_data builtin declared, so the
# template tests can mock it. Kept outside the policy folders (opa test
# would load it as data).
POLICY_CAPS := $(BIN)/opa-capabilities-external-data.json
POLICY_E2E  := cd $(ROOT)/e2e && RATIFY_WASM_PLUGIN_DIR=$(BIN)/plugins

.PHONY: policy-test policy-generate policy-golden e2e-test policy-demo

$(POLICY_CAPS): $(BIN)/opa
	$(BIN)/opa capabilities --current > $@.base
	$(BIN)/opa eval --format raw -i $@.base \
	  'json.marshal(object.union(input, {"builtins": array.concat(input.builtins, [{"name": "external_data", "decl": {"type": "function", "args": [{"type": "any"}], "result": {"type": "any"}}}])}))' > $@
	rm -f $@.base

# The Gatekeeper tests read the golden reports as data.golden.
define POLICY_OPA_TESTS
	$(BIN)/opa test policies/ratify
	$(BIN)/opa test --capabilities $(POLICY_CAPS) --ignore '*.yaml' policies/gatekeeper policies/ratify/testdata
endef

policy-test: $(BIN)/opa $(POLICY_CAPS)
	policies/gatekeeper/generate.sh --check
	$(BIN)/opa fmt --list --fail policies
	$(BIN)/opa check --strict policies/ratify
	$(BIN)/opa check --strict --capabilities $(POLICY_CAPS) --ignore '*.yaml' policies/gatekeeper
	$(POLICY_OPA_TESTS)

policy-generate:
	policies/gatekeeper/generate.sh

policy-golden: tools plugins cli $(POLICY_CAPS)
	$(POLICY_E2E) go run ./cmd/golden
	$(POLICY_OPA_TESTS)

# e2e/cluster needs a control plane: `make cluster-test` (cluster.mk) runs it.
e2e-test: tools plugins cli
	$(POLICY_E2E) go test -count=1 -timeout 20m $$(go list ./... | grep -v /e2e/cluster$$)

policy-demo: tools plugins cli
	$(POLICY_E2E) go run ./cmd/demo
