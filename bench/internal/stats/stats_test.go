package stats

import (
	"math"
	"testing"
)

func TestSummarize(t *testing.T) {
	s := Summarize([]float64{5, 1, 4, 2, 3})
	want := Summary{N: 5, Median: 3, Min: 1, Max: 5, P25: 2, P75: 4}
	if s != want {
		t.Fatalf("got %+v, want %+v", s, want)
	}
	// Even count: interpolated median.
	if got := Summarize([]float64{10, 20, 30, 40}).Median; got != 25 {
		t.Fatalf("median of 10..40 = %v, want 25", got)
	}
	// One repetition (smoke runs) is its own median and spread.
	if s := Summarize([]float64{7}); s.Median != 7 || s.Min != 7 || s.Max != 7 || s.P25 != 7 {
		t.Fatalf("single: %+v", s)
	}
}

func TestSummarizeEmptyIsNaN(t *testing.T) {
	s := Summarize(nil)
	if s.N != 0 || !math.IsNaN(s.Median) || !math.IsNaN(s.Max) {
		t.Fatalf("empty series: %+v", s)
	}
}

func TestSummarizeDoesNotReorderInput(t *testing.T) {
	in := []float64{3, 1, 2}
	Summarize(in)
	if in[0] != 3 || in[1] != 1 || in[2] != 2 {
		t.Fatalf("input reordered: %v", in)
	}
}

func TestCompare(t *testing.T) {
	a := []float64{12, 22, 36}
	b := []float64{10, 20, 30}
	r := Compare(a, b)
	if math.Abs(r.OfMedians-1.1) > 1e-12 {
		t.Fatalf("ratio of medians %v, want 1.1", r.OfMedians)
	}
	if r.Paired.N != 3 || math.Abs(r.Paired.Min-1.1) > 1e-12 || math.Abs(r.Paired.Max-1.2) > 1e-12 {
		t.Fatalf("paired %+v", r.Paired)
	}
	if r := Compare([]float64{1, 2, 3}, []float64{1}); r.Paired.N != 1 {
		t.Fatalf("unequal lengths paired %d", r.Paired.N)
	}
}

func TestLinearFit(t *testing.T) {
	f := LinearFit([]float64{1, 2, 3, 4}, []float64{12, 14, 16, 18})
	if math.Abs(f.Slope-2) > 1e-12 || math.Abs(f.Intercept-10) > 1e-12 || math.Abs(f.R2-1) > 1e-12 {
		t.Fatalf("fit %+v", f)
	}
	noisy := LinearFit([]float64{1, 2, 3, 4}, []float64{10, 14, 12, 18})
	if noisy.R2 >= 1 || noisy.R2 <= 0 || noisy.Slope <= 0 {
		t.Fatalf("noisy fit %+v", noisy)
	}
	if f := LinearFit([]float64{5}, []float64{1}); !math.IsNaN(f.Slope) {
		t.Fatalf("one point: %+v", f)
	}
	if f := LinearFit([]float64{2, 2}, []float64{1, 3}); !math.IsNaN(f.Slope) {
		t.Fatalf("one distinct x: %+v", f)
	}
}
