# charts.mk: the Helm chart (charts/ratify-wasm) and the plugin binaries as
# OCI artifacts. Included from the Makefile; also usable alone from the
# repository root (make -f charts.mk chart-lint).

ch_saved_default_goal := $(.DEFAULT_GOAL)

CH_ROOT  := $(or $(ROOT),$(abspath .))
CH_BIN   := $(or $(BIN),$(CH_ROOT)/bin)
CH_CHART := $(CH_ROOT)/charts/ratify-wasm

# VERSION and VERSION_LDFLAGS, when charts.mk is used alone.
ifndef VERSION_LDFLAGS
include $(CH_ROOT)/version.mk
endif

# Registry and repository the plugins are published to; REGISTRY is
# required. The chart's default plugins.oci.repository is
# ghcr.io/ratify-wasm/plugins.
REGISTRY               ?=
PLUGINS_OCI_REPOSITORY ?= $(REGISTRY)/ratify-wasm/plugins
# Tag prefix: the release version (the chart's appVersion), so
# plugins.oci.tag matches by default.
PLUGINS_OCI_TAG        ?= $(VERSION)
# Ratify downloads one binary per artifact and cannot choose from an index,
# so each platform is its own tag.
PLUGINS_OCI_PLATFORMS  ?= linux/amd64
# Plugins to publish (directories under plugins/); default all.
PLUGINS_OCI_NAMES      ?= $(notdir $(patsubst %/main.go,%,$(wildcard $(CH_ROOT)/plugins/*/main.go)))
# Which build: default, or cloud (-tags cloudauth: Ratify's cloud auth
# providers linked in), published as <plugin>-cloud (chart value
# plugins.flavour: cloud selects it).
PLUGINS_OCI_FLAVOUR    ?= default
# A folder of already built binaries to publish instead of building (one
# platform, which PLUGINS_OCI_PLATFORMS must name); tests use it.
PLUGINS_OCI_PREBUILT   ?=
# Extra oras flags, e.g. --plain-http for a registry without TLS.
ORAS_FLAGS             ?=
PLUGINS_OCI_DIR        ?= $(CH_BIN)/plugins-oci

# Media types of the published artifacts. Ratify (pkg/common/plugin/
# download.go) takes the first layer of an OCI image manifest as the binary
# and ignores the types; they say what the artifact is.
PLUGINS_OCI_ARTIFACT_TYPE := application/vnd.ratify-wasm.plugin.v1
PLUGINS_OCI_LAYER_TYPE    := application/vnd.ratify-wasm.plugin.binary.v1

.PHONY: chart-lint chart-test plugins-oci

chart-lint: $(CH_BIN)/helm ## helm lint (pinned ./bin/helm) with every value set in charts/ratify-wasm/ci/
	@set -e; for f in $(CH_CHART)/ci/*.yaml; do \
	  echo "helm lint with $${f#$(CH_ROOT)/}"; \
	  $(CH_BIN)/helm lint --strict $(CH_CHART) --namespace gatekeeper-system -f $$f; \
	done

# The chart rendered with several value sets and checked (CRD schemas of
# Ratify v1.4.6 and Gatekeeper v3.23.1, policy text = policies/, each plugin
# decoding its rendered configuration, Ratify's Deployment patched) and the
# OCI publishing through a real Ratify download.
chart-test: $(CH_BIN)/helm $(CH_BIN)/oras $(CH_BIN)/opa $(CH_BIN)/ratify $(if $(ROOT),plugins) ## render and check the chart, and publish plugins through a real Ratify download
	GOTOOLCHAIN=local go test -count=1 -timeout 10m ./internal/charttest/

# The binaries in bin/plugins (`make plugins`) are built for this machine with
# cgo; Ratify's image is distroless/static, so the published ones are static
# (CGO_ENABLED=0) and built per platform. For every platform this writes
# $(PLUGINS_OCI_DIR)/<os>-<arch>/values.yaml: chart values pinning each
# plugin by the digest just pushed.
plugins-oci: $(CH_BIN)/oras ## build static Linux plugins and push each as an OCI artifact: REGISTRY=host[:port]
	@test -n "$(REGISTRY)" || { echo "plugins-oci: set REGISTRY=host[:port] (and ORAS_FLAGS=--plain-http for a registry without TLS)" >&2; exit 1; }
	@case "$(PLUGINS_OCI_FLAVOUR)" in default|cloud) ;; *) echo "plugins-oci: PLUGINS_OCI_FLAVOUR is \"$(PLUGINS_OCI_FLAVOUR)\": expected default or cloud" >&2; exit 1;; esac
	@test -z "$(PLUGINS_OCI_PREBUILT)" || test $(words $(PLUGINS_OCI_PLATFORMS)) = 1 || { echo "plugins-oci: PLUGINS_OCI_PREBUILT holds one platform; set PLUGINS_OCI_PLATFORMS to it" >&2; exit 1; }
	@set -e; for platform in $(PLUGINS_OCI_PLATFORMS); do \
	  os=$${platform%%/*}; arch=$${platform##*/}; dir=$(PLUGINS_OCI_DIR)/$$os-$$arch; \
	  tag=$(PLUGINS_OCI_TAG)-$$os-$$arch; \
	  rm -rf $$dir && mkdir -p $$dir/bin; \
	  if [ -n "$(PLUGINS_OCI_PREBUILT)" ]; then \
	    for name in $(PLUGINS_OCI_NAMES); do cp $(PLUGINS_OCI_PREBUILT)/$$name $$dir/bin/; done; \
	  else \
	    echo "build $(PLUGINS_OCI_NAMES) for $$platform"; \
	    ( cd $(CH_ROOT) && CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch GOFLAGS='-mod=readonly -buildvcs=false' \
	      go build -trimpath $(if $(filter cloud,$(PLUGINS_OCI_FLAVOUR)),-tags cloudauth) -ldflags='-s -w $(VERSION_LDFLAGS)' -o $$dir/bin/ $(addprefix ./plugins/,$(PLUGINS_OCI_NAMES)) ); \
	  fi; \
	  printf 'plugins:\n  delivery: oci\n  flavour: %s\n  oci:\n    repository: %s\n    tag: %s\n    digests:\n' "$(PLUGINS_OCI_FLAVOUR)" "$(PLUGINS_OCI_REPOSITORY)" "$$tag" > $$dir/values.yaml; \
	  for name in $(PLUGINS_OCI_NAMES); do \
	    ref=$(PLUGINS_OCI_REPOSITORY)/$$name$(if $(filter cloud,$(PLUGINS_OCI_FLAVOUR)),-cloud):$$tag; \
	    digest=$$(cd $$dir/bin && $(CH_BIN)/oras push $(ORAS_FLAGS) --no-tty \
	      --artifact-type $(PLUGINS_OCI_ARTIFACT_TYPE) \
	      --annotation org.opencontainers.image.title=$$name \
	      --annotation org.opencontainers.image.version=$(PLUGINS_OCI_TAG) \
	      --annotation org.opencontainers.image.source=https://github.com/ratify-wasm/ratify-wasm \
	      --annotation vnd.ratify-wasm.platform=$$platform \
	      --format go-template='{{.digest}}' \
	      $$ref $$name:$(PLUGINS_OCI_LAYER_TYPE)); \
	    echo "pushed $$ref@$$digest"; \
	    printf '      %s: "%s"\n' $$name $$digest >> $$dir/values.yaml; \
	  done; \
	  echo "chart values pinning these digests: $$dir/values.yaml"; \
	done

.DEFAULT_GOAL := $(ch_saved_default_goal)
