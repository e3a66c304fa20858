// Command import-probe attributes plugin start-up to dependencies. Built
// without tags it is the exec floor: a Go program that does what a plugin
// does on a trivial input (read Ratify's stdin, print one result line) and
// nothing else. Each probe_* build tag links one library the plugins use,
// so exec→exit of that build minus the floor is the cost of loading and
// initialising it. lean_<plugin> links the libraries that plugin needs
// without Ratify's packages: its start-up if the protocol layer did not
// go through Ratify's skel and oras store.
//
//	go build -tags probe_sigstore -o import-probe-sigstore ./bench/cmd/import-probe
package main

import (
	"encoding/json"
	"io"
	"os"
)

func main() {
	var in struct {
		Config map[string]any `json:"config"`
	}
	raw, _ := io.ReadAll(io.LimitReader(os.Stdin, 4<<20))
	_ = json.Unmarshal(raw, &in)
	name, _ := in.Config["name"].(string)
	out, _ := json.Marshal(map[string]any{"isSuccess": false, "name": name, "type": name, "message": "config: probe"})
	os.Stdout.Write(append(out, '\n'))
}
