package main

import (
	"fmt"
	"strconv"
	"strings"
)

// goBench is one result line of `go test -bench`.
type goBench struct {
	Pkg, Name string
	N         int
	NsPerOp   float64
	Extra     []string // the other metrics, as printed (B/op, req/s, ...)
}

// parseGoBench reads the result lines of `go test -bench` output.
func parseGoBench(out string) []goBench {
	var rows []goBench
	pkg := ""
	for _, line := range strings.Split(out, "\n") {
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimPrefix(strings.TrimSpace(p), "github.com/rota-scheduler/rota/")
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || f[3] != "ns/op" {
			continue
		}
		n, err1 := strconv.Atoi(f[1])
		ns, err2 := strconv.ParseFloat(f[2], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		g := goBench{Pkg: pkg, Name: f[0], N: n, NsPerOp: ns}
		for i := 4; i+1 < len(f); i += 2 {
			g.Extra = append(g.Extra, f[i]+" "+f[i+1])
		}
		rows = append(rows, g)
	}
	return rows
}

func writeGoBench(b *strings.Builder, rows []goBench, files []string) {
	fmt.Fprintf(b, "\n## Go benchmarks\n\nFrom %s. Iterations 1 is `-benchtime 1x` (one run: the setup's caches are cold and the figure is noisy); "+
		"the small benchmarks are run again for a second each.\n\n", strings.Join(files, ", "))
	fmt.Fprintf(b, "| package | benchmark | iterations | time/op | other |\n|---|---|---:|---:|---|\n")
	for _, g := range rows {
		fmt.Fprintf(b, "| %s | %s | %d | %s | %s |\n", g.Pkg, g.Name, g.N, duration(g.NsPerOp), strings.Join(g.Extra, ", "))
	}
}

// duration prints ns in a readable unit.
func duration(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.1f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}
