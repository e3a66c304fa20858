// Package stats summarises repeated measurements: median and spread, and
// ratios between two series measured in the same run.
package stats

import (
	"math"
	"slices"
)

// Summary describes one series of repeated measurements (any unit).
type Summary struct {
	N      int     `json:"n"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	// P25 and P75 bound the middle half: the spread that ignores one-off
	// stalls of a shared machine.
	P25 float64 `json:"p25"`
	P75 float64 `json:"p75"`
}

// Summarize returns the summary of xs. An empty series has N == 0 and
// NaN statistics, so a missing measurement cannot pass for zero.
func Summarize(xs []float64) Summary {
	if len(xs) == 0 {
		nan := math.NaN()
		return Summary{Median: nan, Min: nan, Max: nan, P25: nan, P75: nan}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return Summary{
		N:      len(s),
		Median: Quantile(s, 0.5),
		Min:    s[0],
		Max:    s[len(s)-1],
		P25:    Quantile(s, 0.25),
		P75:    Quantile(s, 0.75),
	}
}

// Quantile returns the q-quantile (0 <= q <= 1) of sorted, interpolating
// linearly between closest ranks (the method of R's default and numpy).
func Quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	return sorted[lo] + (sorted[hi]-sorted[lo])*(pos-float64(lo))
}

// Ratio compares a series with its baseline from the same run.
type Ratio struct {
	// OfMedians is median(a) / median(b).
	OfMedians float64 `json:"ofMedians"`
	// Paired summarises a[i]/b[i] over the repetitions. Runs are
	// interleaved, so each pair saw the same machine load.
	Paired Summary `json:"paired"`
}

// Compare returns the ratio of a to b. Pairs are formed index by index;
// when the lengths differ only the common prefix is paired.
func Compare(a, b []float64) Ratio {
	n := min(len(a), len(b))
	pairs := make([]float64, 0, n)
	for i := range n {
		pairs = append(pairs, a[i]/b[i])
	}
	return Ratio{OfMedians: Summarize(a).Median / Summarize(b).Median, Paired: Summarize(pairs)}
}

// Fit is a least-squares line y = Intercept + Slope·x.
type Fit struct {
	Slope     float64 `json:"slope"`
	Intercept float64 `json:"intercept"`
	// R2 is the coefficient of determination: 1 for points on the line.
	R2 float64 `json:"r2"`
}

// LinearFit fits a line through (xs[i], ys[i]). Fewer than two distinct
// x values give NaN.
func LinearFit(xs, ys []float64) Fit {
	n := float64(min(len(xs), len(ys)))
	var sx, sy, sxx, sxy float64
	for i := range int(n) {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	den := n*sxx - sx*sx
	if n < 2 || den == 0 {
		nan := math.NaN()
		return Fit{Slope: nan, Intercept: nan, R2: nan}
	}
	slope := (n*sxy - sx*sy) / den
	icpt := (sy - slope*sx) / n
	mean := sy / n
	var ssRes, ssTot float64
	for i := range int(n) {
		d := ys[i] - (icpt + slope*xs[i])
		ssRes += d * d
		ssTot += (ys[i] - mean) * (ys[i] - mean)
	}
	r2 := 1.0
	if ssTot > 0 {
		r2 = 1 - ssRes/ssTot
	}
	return Fit{Slope: slope, Intercept: icpt, R2: r2}
}
