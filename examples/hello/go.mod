module github.com/ratify-wasm/ratify-wasm/examples/hello

go 1.26
