// Command promql parses PromQL expressions with Prometheus' parser and prints the metric
// names each one selects, one JSON object per line, so that tests can check both:
//
//	go run . < expressions.txt   # one expression per line; "\n" inside escaped as in JSON
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"github.com/prometheus/prometheus/promql/parser"
)

type result struct {
	Expr    string   `json:"expr"`
	Error   string   `json:"error,omitempty"`
	Metrics []string `json:"metrics,omitempty"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var expr string
		if err := json.Unmarshal(in.Bytes(), &expr); err != nil {
			fmt.Fprintln(os.Stderr, "promql: each line must be a JSON string:", err)
			os.Exit(2)
		}
		_ = out.Encode(check(expr))
	}
}

func check(expr string) result {
	r := result{Expr: expr}
	node, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok && vs.Name != "" && !slices.Contains(r.Metrics, vs.Name) {
			r.Metrics = append(r.Metrics, vs.Name)
		}
		return nil
	})
	return r
}
