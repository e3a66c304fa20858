// Package charttest holds the tests of the Helm chart charts/ratify-wasm
// (run by `make chart-test` and `make test`): it renders the chart with the
// pinned bin/helm and checks what Kubernetes, Ratify v1.4.6, Gatekeeper
// v3.23.1 and the plugins themselves would do with the output, and it
// publishes a plugin with `make plugins-oci` for the real Ratify to download.
package charttest
