//go:build tools

// Package tools pins the control plane the cluster test runs: kube-apiserver
// and etcd. Neither can be `go install`ed (k8s.io/kubernetes replaces its
// staging modules), so they are built from this module. The imports are the
// packages their main packages import, so that go.sum covers both builds.
package tools

import (
	_ "go.etcd.io/etcd/server/v3/etcdmain"
	_ "k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
)
