// Package inittrace reads the package-initialisation trace a Go program
// prints with GODEBUG=inittrace=1 and attributes start-up time to modules.
package inittrace

import (
	"bufio"
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Init is one package's init.
type Init struct {
	Package string
	ClockMS float64
	Bytes   int64
	Allocs  int64
}

// line is the runtime's format, e.g.
// "init k8s.io/client-go/kubernetes/scheme @12 ms, 0.51 ms clock, 2048 bytes, 17 allocs".
var line = regexp.MustCompile(`^init (\S+) @[0-9.]+ ms, ([0-9.]+) ms clock, ([0-9]+) bytes, ([0-9]+) allocs`)

// Parse extracts the init lines from a program's stderr; other lines are
// ignored.
func Parse(stderr []byte) []Init {
	var out []Init
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		clock, _ := strconv.ParseFloat(m[2], 64)
		b, _ := strconv.ParseInt(m[3], 10, 64)
		a, _ := strconv.ParseInt(m[4], 10, 64)
		out = append(out, Init{Package: m[1], ClockMS: clock, Bytes: b, Allocs: a})
	}
	return out
}

// Group is the init cost of all packages under one module-like root.
type Group struct {
	Root     string  `json:"root"`
	Packages int     `json:"packages"`
	ClockMS  float64 `json:"clockMs"`
	Bytes    int64   `json:"bytes"`
}

// ByRoot sums inits per Root and returns the groups by decreasing clock.
func ByRoot(inits []Init) []Group {
	idx := map[string]int{}
	var gs []Group
	for _, in := range inits {
		r := Root(in.Package)
		i, ok := idx[r]
		if !ok {
			i = len(gs)
			idx[r] = i
			gs = append(gs, Group{Root: r})
		}
		gs[i].Packages++
		gs[i].ClockMS += in.ClockMS
		gs[i].Bytes += in.Bytes
	}
	slices.SortStableFunc(gs, func(a, b Group) int {
		switch {
		case a.ClockMS > b.ClockMS:
			return -1
		case a.ClockMS < b.ClockMS:
			return 1
		}
		return strings.Compare(a.Root, b.Root)
	})
	return gs
}

// Total is the summed init clock time.
func Total(inits []Init) float64 {
	var t float64
	for _, in := range inits {
		t += in.ClockMS
	}
	return t
}

// Root names the module a package most likely belongs to: host/owner/repo
// for github.com-style hosts, host/first for single-segment vanity hosts
// such as k8s.io/client-go, and "std" for the standard library.
func Root(pkg string) string {
	parts := strings.Split(pkg, "/")
	if !strings.Contains(parts[0], ".") {
		return "std"
	}
	n := 2
	switch parts[0] {
	case "github.com", "gitlab.com", "bitbucket.org", "golang.org", "cloud.google.com":
		n = 3
	}
	if len(parts) < n {
		n = len(parts)
	}
	return strings.Join(parts[:n], "/")
}

// Median merges the traces of several runs of one program: each package's
// clock, bytes and allocations are the median over the runs (a package
// missing from a run counts as zero there; one appearing twice in a run
// counts once with the sum). One trace on a loaded machine can carry a
// preemption of tens of milliseconds in any package.
func Median(runs [][]Init) []Init {
	var order []string
	perRun := make([]map[string]Init, len(runs))
	for i, run := range runs {
		perRun[i] = map[string]Init{}
		for _, in := range run {
			sum, seen := perRun[i][in.Package]
			if !seen && !slices.Contains(order, in.Package) {
				order = append(order, in.Package)
			}
			sum.Package = in.Package
			sum.ClockMS += in.ClockMS
			sum.Bytes += in.Bytes
			sum.Allocs += in.Allocs
			perRun[i][in.Package] = sum
		}
	}
	out := make([]Init, 0, len(order))
	for _, pkg := range order {
		clock := make([]float64, len(runs))
		bytes := make([]int64, len(runs))
		allocs := make([]int64, len(runs))
		for i := range runs {
			in := perRun[i][pkg]
			clock[i], bytes[i], allocs[i] = in.ClockMS, in.Bytes, in.Allocs
		}
		slices.Sort(clock)
		slices.Sort(bytes)
		slices.Sort(allocs)
		m := len(runs) / 2
		out = append(out, Init{Package: pkg, ClockMS: clock[m], Bytes: bytes[m], Allocs: allocs[m]})
	}
	return out
}
