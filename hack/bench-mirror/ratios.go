package main

import (
	"fmt"
	"slices"
)

// ratios are one run's operator-to-client-go time ratios.
type ratios struct {
	first float64 // first mirror against client-go's creates
	churn float64 // 5% churn against client-go's updates
}

// summarize prints the median and range of each ratio over a size's runs. A shared 2-core
// machine makes single runs of a few seconds vary by half (fsync latency, other tenants), so
// the median of several runs is the figure to compare with a goal.
func summarize(n int, runs []ratios) {
	if len(runs) < 2 {
		return
	}
	first := make([]float64, len(runs))
	churn := make([]float64, len(runs))
	for i, r := range runs {
		first[i], churn[i] = r.first, r.churn
	}
	fmt.Printf("\n== %d images, %d runs: first mirror %s, 5%% churn %s\n", n, len(runs), spread(first), spread(churn))
}

// spread is "median× (min–max×)".
func spread(v []float64) string {
	slices.Sort(v)
	return fmt.Sprintf("median %.2f× (%.2f–%.2f×)", median(v), v[0], v[len(v)-1])
}

// median of sorted values.
func median(sorted []float64) float64 {
	m := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[m]
	}
	return (sorted[m-1] + sorted[m]) / 2
}
