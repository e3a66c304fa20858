package admitted_test

import (
	"fmt"
	"path/filepath"

	"github.com/ratify-wasm/ratify-wasm/admitted"
)

// The host side of `ratify-wasm pull`: the lines between the readme
// markers are the snippet the top-level README shows (TestReadmeSnippet
// holds them equal), so the README's code is compiled and run here.

// readme:begin
// loadAdmitted returns the bytes of the WASM layer that `ratify-wasm pull`
// verified and recorded in recordPath (DIR/sha256-<hex>.verified.json), or
// an error if the file next to it is not those bytes.
func loadAdmitted(recordPath string) ([]byte, error) {
	wasm, layer, err := admitted.LoadLayer(recordPath)
	if err != nil {
		return nil, err // refused: never fall back to reading the file yourself
	}
	fmt.Printf("%s: %d bytes, %s\n", layer.File, len(wasm), layer.Digest)
	// Compile these bytes, not the file: wasmtime.NewModule(engine, wasm).
	return wasm, nil
}

// readme:end

// A host loads the one layer of a directory written by `ratify-wasm pull`
// (here testdata/pulled) and compiles the bytes LoadLayer returns.
func ExampleLoadLayer() {
	record := filepath.Join("testdata", "pulled",
		"sha256-37fbbb94f53924b1927a8ee649f2d8ce910eb74e9d39d92faf6ae8dadccedced.verified.json")
	wasm, err := loadAdmitted(record)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q\n", wasm[:4])
	// Output:
	// sha256-93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476.wasm: 8 bytes, sha256:93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476
	// "\x00asm"
}

// A file that is not the admitted bytes is refused, with an error naming
// the file and both digests; the caller compiles nothing.
func ExampleReadFile() {
	_, err := admitted.ReadFile(
		filepath.Join("testdata", "pulled", "sha256-93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476.wasm"),
		"sha256:0000000000000000000000000000000000000000000000000000000000000000", 8)
	fmt.Println(err)
	// Output:
	// admitted: testdata/pulled/sha256-93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476.wasm: digest sha256:93a44bbb96c751218e4c00d479e4c14358122a389acca16205b1e4d0dc5f9476 does not match the admitted sha256:0000000000000000000000000000000000000000000000000000000000000000; refusing to load it (re-run ratify-wasm pull)
}
