// Package version holds the release version of the ratify-wasm binaries:
// the four plugins and the ratify-wasm CLI. It imports nothing.
package version

// Version is the release version, set at link time:
//
//	go build -ldflags "-X github.com/ratify-wasm/ratify-wasm/internal/version.Version=0.1.0"
//
// The Makefile's builds (make plugins, cli, plugins-oci) set it to VERSION,
// the chart's appVersion. A binary built any other way (go build, go test,
// go run) reports "(devel)", as the go command calls a source build.
var Version = "(devel)"
