//go:build bench

package bench_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ratify-wasm/ratify-wasm/bench/internal/report"
	"github.com/ratify-wasm/ratify-wasm/bench/internal/stats"
)

// microPackages are the packages whose benchmarks the run includes.
var microPackages = []string{"./internal/wasm", "./internal/oci", "./bench/micro"}

// microBaselines pairs a benchmark with the one it is compared to.
var microBaselines = map[string]string{
	"BenchmarkParse":                         "BenchmarkSHA256Floor",
	"BenchmarkWalk":                          "BenchmarkSHA256Floor",
	"BenchmarkReadExactly":                   "BenchmarkSHA256",
	"BenchmarkContentReadAll":                "BenchmarkSHA256",
	"BenchmarkDecodeConfig/wasm-cosign":      "BenchmarkDecodeInputJSON/wasm-cosign",
	"BenchmarkDecodeConfig/wasm-notation":    "BenchmarkDecodeInputJSON/wasm-notation",
	"BenchmarkDecodeConfig/wasm-slsa":        "BenchmarkDecodeInputJSON/wasm-slsa",
	"BenchmarkDecodeConfig/wasm-composition": "BenchmarkDecodeInputJSON/wasm-composition",
}

// benchMicro runs `go test -bench . -benchmem` in the micro packages and
// folds the results in.
func benchMicro(t *testing.T, w *world) []report.Micro {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	args := append([]string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", w.plan.benchtime, "-count", strconv.Itoa(w.plan.benchCount)}, microPackages...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = w.root
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly -buildvcs=false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	ms := parseBench(out)
	byName := map[string]*report.Micro{}
	for i := range ms {
		byName[ms[i].Name] = &ms[i]
	}
	for i := range ms {
		if base, ok := byName[microBaselines[ms[i].Name]]; ok {
			ms[i].Baseline = base.Name
			ms[i].Ratio = ms[i].NsPerOp.Median / base.NsPerOp.Median
		}
	}
	return ms
}

// parseBench reads `go test -bench` output: "pkg:" lines, then lines like
// "BenchmarkParse-2  100  1234 ns/op  850.00 MB/s  4096 B/op  12 allocs/op",
// one per -count; repeated runs of a benchmark are summarised.
func parseBench(out []byte) []report.Micro {
	var (
		list []report.Micro
		idx  = map[string]int{}
		ns   = map[string][]float64{}
		pkg  string
	)
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimPrefix(p, "github.com/ratify-wasm/ratify-wasm/")
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i]
		}
		i, ok := idx[name]
		if !ok {
			i = len(list)
			idx[name] = i
			list = append(list, report.Micro{Package: pkg, Name: name})
		}
		for j := 2; j+1 < len(f); j += 2 {
			v, err := strconv.ParseFloat(f[j], 64)
			if err != nil {
				continue
			}
			switch f[j+1] {
			case "ns/op":
				ns[name] = append(ns[name], v)
			case "MB/s":
				list[i].MBPerS = v
			case "B/op":
				list[i].BytesPerOp = v
			case "allocs/op":
				list[i].AllocsPerOp = v
			}
		}
	}
	for i := range list {
		list[i].NsPerOp = stats.Summarize(ns[list[i].Name])
	}
	return list
}
