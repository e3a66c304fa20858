// Command rusage-exec runs a command and writes its wall time, CPU time,
// peak RSS and exit code as JSON to a file; the benchmark starts every
// measured process through it (see bench/internal/execstat).
//
//	rusage-exec REPORT-FILE NAME [ARG...]
package main

import (
	"os"

	"github.com/ratify-wasm/ratify-wasm/bench/internal/execstat"
)

func main() { os.Exit(execstat.SpawnMain(os.Args[1:])) }
