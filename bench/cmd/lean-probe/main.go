// Command lean-probe measures the start-up a plugin would have without
// Ratify's packages: it links the heavy libraries the ratify-wasm plugins
// use (oras-go, sigstore-go, notation-go, the WASM parser, JSON Schema) but
// speaks the external-plugin protocol itself (ratify-plugin-protocol.md §2:
// environment, stdin, one JSON line on stdout) instead of through skel,
// which drags in Ratify's Kubernetes types and cloud auth providers.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	_ "github.com/notaryproject/notation-go/verifier"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/sigstore/sigstore-go/pkg/verify"
	_ "oras.land/oras-go/v2/registry/remote"
	_ "oras.land/oras-go/v2/registry/remote/credentials"

	_ "github.com/ratify-wasm/ratify-wasm/internal/wasm"
)

func main() {
	if os.Getenv("RATIFY_VERIFIER_COMMAND") != "VERIFY" || os.Getenv("RATIFY_VERIFIER_SUBJECT") == "" {
		fmt.Println(`{"code":4,"msg":"missing environment variables"}`)
		os.Exit(1)
	}
	var in struct {
		Config        map[string]any  `json:"config"`
		StoreConfig   json.RawMessage `json:"storeConfig"`
		ReferenceDesc json.RawMessage `json:"referenceDesc"`
	}
	raw, _ := io.ReadAll(io.LimitReader(os.Stdin, 4<<20))
	if err := json.Unmarshal(raw, &in); err != nil {
		fmt.Printf(`{"code":1,"msg":%q}`+"\n", err.Error())
		os.Exit(1)
	}
	name, _ := in.Config["name"].(string)
	out, _ := json.Marshal(map[string]any{"isSuccess": false, "name": name, "type": name, "message": "config: probe"})
	os.Stdout.Write(append(out, '\n'))
}
