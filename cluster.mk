# cluster.mk: the admission path on a real control plane, without a kubelet.
# Included from the top-level Makefile.
#
#   make cluster-tools   build etcd, kube-apiserver and Gatekeeper's manager
#                        into ./bin from the Go module proxy (tools/kube,
#                        tools/gatekeeper pin them)
#   make cluster-test    etcd + kube-apiserver on loopback, Gatekeeper's
#                        webhooks registered by URL, the Ratify chart and
#                        charts/ratify-wasm installed with helm, Ratify in CRD
#                        mode, the threat matrix as Pods (e2e/cluster)

# The versions are the ones the tool modules require.
KUBERNETES_VERSION := $(shell sed -n 's/^[[:space:]]*k8s.io\/kubernetes \(v[^ ]*\)$$/\1/p' $(ROOT)/tools/kube/go.mod)
GATEKEEPER_VERSION := $(shell sed -n 's/^[[:space:]]*github.com\/open-policy-agent\/gatekeeper\/v3 \(v[^ ]*\)$$/\1/p' $(ROOT)/tools/gatekeeper/go.mod)
KUBERNETES_MINOR   := $(word 2,$(subst ., ,$(KUBERNETES_VERSION)))

CLUSTER_TOOLS := $(BIN)/kube-apiserver $(BIN)/etcd $(BIN)/gatekeeper

.PHONY: cluster-tools cluster-test

cluster-tools: $(CLUSTER_TOOLS)

cluster-test: tools plugins cli cluster-tools
	cd $(ROOT)/e2e && RATIFY_WASM_PLUGIN_DIR=$(BIN)/plugins go test -count=1 -timeout 30m -v ./cluster/

# k8s.io/kubernetes cannot be `go install`ed (it replaces its staging
# modules with folders); tools/kube requires it with the published staging
# modules instead. Without the version ldflags it reports v0.0.0-master.
$(BIN)/kube-apiserver: tools/kube/go.mod tools/kube/go.sum
	cd tools/kube && go build -trimpath -o $@ \
	  -ldflags "-X k8s.io/component-base/version.gitVersion=$(KUBERNETES_VERSION) -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(KUBERNETES_MINOR)" \
	  k8s.io/kubernetes/cmd/kube-apiserver

# etcd's server module is a main package in the same build list.
$(BIN)/etcd: tools/kube/go.mod tools/kube/go.sum
	cd tools/kube && go build -trimpath -o $@ go.etcd.io/etcd/server/v3

# Gatekeeper's manager is the module's root package.
$(BIN)/gatekeeper: tools/gatekeeper/go.mod tools/gatekeeper/go.sum
	cd tools/gatekeeper && go build -trimpath -o $@ \
	  -ldflags "-X github.com/open-policy-agent/gatekeeper/v3/pkg/version.Version=$(GATEKEEPER_VERSION)" \
	  github.com/open-policy-agent/gatekeeper/v3
