package inittrace

import "testing"

const sample = `init internal/bytealg @0.007 ms, 0 ms clock, 0 bytes, 0 allocs
some log line
init k8s.io/client-go/kubernetes/scheme @12 ms, 4.5 ms clock, 2048 bytes, 17 allocs
init k8s.io/client-go/tools/clientcmd @17 ms, 0.5 ms clock, 100 bytes, 1 allocs
init k8s.io/api/core/v1 @18 ms, 1.25 ms clock, 10 bytes, 1 allocs
init github.com/aws/aws-sdk-go/aws/endpoints @20 ms, 2 ms clock, 4096 bytes, 9 allocs
init unicode @0.1 ms, 0.25 ms clock, 64 bytes, 2 allocs
`

func TestParseAndGroup(t *testing.T) {
	inits := Parse([]byte(sample))
	if len(inits) != 6 {
		t.Fatalf("parsed %d inits", len(inits))
	}
	if inits[1] != (Init{Package: "k8s.io/client-go/kubernetes/scheme", ClockMS: 4.5, Bytes: 2048, Allocs: 17}) {
		t.Fatalf("init %+v", inits[1])
	}
	if got := Total(inits); got != 8.5 {
		t.Fatalf("total %v", got)
	}
	gs := ByRoot(inits)
	want := []Group{
		{Root: "k8s.io/client-go", Packages: 2, ClockMS: 5, Bytes: 2148},
		{Root: "github.com/aws/aws-sdk-go", Packages: 1, ClockMS: 2, Bytes: 4096},
		{Root: "k8s.io/api", Packages: 1, ClockMS: 1.25, Bytes: 10},
		{Root: "std", Packages: 2, ClockMS: 0.25, Bytes: 64},
	}
	if len(gs) != len(want) {
		t.Fatalf("groups %+v", gs)
	}
	for i := range want {
		if gs[i] != want[i] {
			t.Errorf("group %d = %+v, want %+v", i, gs[i], want[i])
		}
	}
}

func TestRoot(t *testing.T) {
	for pkg, want := range map[string]string{
		"net/http": "std",
		"github.com/sigstore/sigstore-go/pkg/verify": "github.com/sigstore/sigstore-go",
		"k8s.io/client-go/rest":                      "k8s.io/client-go",
		"golang.org/x/net/http2":                     "golang.org/x/net",
		"go.opentelemetry.io/otel/trace":             "go.opentelemetry.io/otel",
		"oras.land/oras-go/v2/registry":              "oras.land/oras-go",
		"sigs.k8s.io/yaml":                           "sigs.k8s.io/yaml",
	} {
		if got := Root(pkg); got != want {
			t.Errorf("Root(%s) = %s, want %s", pkg, got, want)
		}
	}
}

func TestMedian(t *testing.T) {
	runs := [][]Init{
		{{Package: "a", ClockMS: 1, Bytes: 10, Allocs: 1}, {Package: "b", ClockMS: 50}},
		{{Package: "a", ClockMS: 2, Bytes: 30, Allocs: 3}, {Package: "b", ClockMS: 0.5}},
		{{Package: "a", ClockMS: 45, Bytes: 10, Allocs: 1}, {Package: "a", ClockMS: 45, Bytes: 10, Allocs: 1}},
	}
	got := Median(runs)
	want := []Init{{Package: "a", ClockMS: 2, Bytes: 20, Allocs: 2}, {Package: "b", ClockMS: 0.5}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("median %+v, want %+v", got, want)
	}
}
