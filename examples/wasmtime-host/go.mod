module github.com/ratify-wasm/ratify-wasm/examples/wasmtime-host

go 1.26.0

replace github.com/ratify-wasm/ratify-wasm => ../..

require (
	github.com/bytecodealliance/wasmtime-go/v39 v39.0.1
	github.com/opencontainers/go-digest v1.0.0
	github.com/ratify-wasm/ratify-wasm v0.0.0-00010101000000-000000000000
)
