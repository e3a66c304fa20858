// Command noop-plugin is the exec floor of the start-up benchmark: a Go
// program with no dependencies that does what a plugin does on a trivial
// input (read Ratify's stdin, print one result line), and nothing else.
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
	out, _ := json.Marshal(map[string]any{"isSuccess": false, "name": name, "type": name, "message": "config: noop"})
	os.Stdout.Write(append(out, '\n'))
}
