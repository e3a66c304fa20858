# cluster.mk: the admission path on a real control plane, without a kubelet.
# Included from the top-level Makefile.

# The versions are the ones the tool modules require.
CLUSTER_KUBERNETES_VERSION := $(shell sed -n 's/^[[:space:]]*k8s.io\/kubernetes \(v[^ ]*\)$$/\1/p' $(ROOT)/tools/kube/go.mod)
CLUSTER_GATEKEEPER_VERSION := $(shell sed -n 's/^[[:space:]]*github.com\/open-policy-agent\/gatekeeper\/v3 \(v[^ ]*\)$$/\1/p' $(ROOT)/tools/gatekeeper/go.mod)
CLUSTER_KUBERNETES_MINOR   := $(word 2,$(subst ., ,$(CLUSTER_KUBERNETES_VERSION)))

CLUSTER_TOOLS := $(BIN)/kube-apiserver $(BIN)/etcd $(BIN)/gatekeeper

.PHONY: cluster-tools cluster-test

cluster-tools: $(CLUSTER_TOOLS) ## build etcd, kube-apiserver and Gatekeeper's manager into ./bin from the module proxy (tools/kube, tools/gatekeeper pin them)

# etcd + kube-apiserver on loopback, Gatekeeper's webhooks registered by URL,
# the Ratify chart and charts/ratify-wasm installed with helm, Ratify in CRD
# mode, the threat matrix as Pods (e2e/cluster).
cluster-test: tools plugins cli cluster-tools ## the threat matrix as Pods through kube-apiserver, Gatekeeper's webhooks and Ratify in CRD mode, charts installed with helm
	cd $(ROOT)/e2e && go test -count=1 -timeout 30m -v ./cluster/

# k8s.io/kubernetes cannot be `go install`ed (it replaces its staging
# modules with folders); tools/kube requires it with the published staging
# modules instead. Without the version ldflags it reports v0.0.0-master.
$(BIN)/kube-apiserver: tools/kube/go.mod tools/kube/go.sum
	cd tools/kube && go build -trimpath -o $@ \
	  -ldflags "-X k8s.io/component-base/version.gitVersion=$(CLUSTER_KUBERNETES_VERSION) -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(CLUSTER_KUBERNETES_MINOR)" \
	  k8s.io/kubernetes/cmd/kube-apiserver

# etcd's server module is a main package in the same build list.
$(BIN)/etcd: tools/kube/go.mod tools/kube/go.sum
	cd tools/kube && go build -trimpath -o $@ go.etcd.io/etcd/server/v3

# Gatekeeper's manager is the module's root package.
$(BIN)/gatekeeper: tools/gatekeeper/go.mod tools/gatekeeper/go.sum
	cd tools/gatekeeper && go build -trimpath -o $@ \
	  -ldflags "-X github.com/open-policy-agent/gatekeeper/v3/pkg/version.Version=$(CLUSTER_GATEKEEPER_VERSION)" \
	  github.com/open-policy-agent/gatekeeper/v3
