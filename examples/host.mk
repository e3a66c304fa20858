# examples/host.mk: the example Wasmtime host (examples/wasmtime-host, a Go
# module of its own, cgo) that checks a module's bytes against the digest
# `ratify-wasm pull` admitted (package admitted) before it compiles them.
# Included from the Makefile.

HOST_DIR := $(ROOT)/examples/wasmtime-host
HOST_GO  := cd $(HOST_DIR) && CGO_ENABLED=1 go

.PHONY: host-test
host-test: ## vet and test the example Wasmtime host (examples/wasmtime-host)
	$(HOST_GO) vet ./...
	$(HOST_GO) test -count=1 -timeout 10m ./...
