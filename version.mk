# version.mk: the release version linked into every ratify-wasm binary (the
# plugins, the CLI, the plugins published as OCI artifacts). Included from
# the Makefile, and from charts.mk when that is used alone.

VERSION_DIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

# The release version is the chart's appVersion, so the chart, the binaries
# and the published plugins' tags carry one number; VERSION=… overrides it.
VERSION ?= $(shell sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' $(VERSION_DIR)/charts/ratify-wasm/Chart.yaml)

# The go build -ldflags that link VERSION into internal/version.Version.
VERSION_LDFLAGS = -X github.com/ratify-wasm/ratify-wasm/internal/version.Version=$(VERSION)
