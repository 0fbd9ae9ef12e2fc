package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// writeBigConfig writes a config of n members (each with two of three
// skills at varied levels) and one fair rotation of daily shifts of size
// 2 with three needs, and returns its path.
func writeBigConfig(b *testing.B, n int) string {
	b.Helper()
	skills := []string{"db", "net", "app"}
	levels := []string{"beginner", "intermediate", "advanced", "expert"}
	var buf bytes.Buffer
	buf.WriteString("version: 1\nmembers:\n")
	for i := range n {
		fmt.Fprintf(&buf, "  - {id: m%06d, skills: {%s: %s, %s: beginner}}\n", i, skills[i%3], levels[i%4], skills[(i+1)%3])
	}
	buf.WriteString(`rotations:
  - id: big
    timezone: Europe/London
    start: 2026-11-23T09:00
    shift: 1d
    size: 2
    strategy: fair
    min_rest: 24h
    needs:
      - {skill: db, level: advanced, min: 1}
      - {skill: net, level: beginner, min: 1}
      - {skill: app, level: intermediate, max: 1}
    members: [`)
	for i := range n {
		if i > 0 {
			buf.WriteString(", ")
		}
		fmt.Fprintf(&buf, "m%06d", i)
	}
	buf.WriteString("]\n")
	path := filepath.Join(b.TempDir(), "big.yaml")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// benchmarkPlan runs the whole `rota plan` (read and check the file, plan
// a year, report, print JSON) for n members.
func benchmarkPlan(b *testing.B, n int) {
	path := writeBigConfig(b, n)
	b.ResetTimer()
	for b.Loop() {
		if code := run([]string{"plan", "-f", path, "--weeks", "52", "--format", "json"}, io.Discard, os.Stderr); code != 0 {
			b.Fatalf("rota plan exited %d", code)
		}
	}
}

// BenchmarkPlan10k: a year of daily shifts for 10,000 members (target:
// under 1 s).
func BenchmarkPlan10k(b *testing.B) { benchmarkPlan(b, 10_000) }

// BenchmarkPlan100k: the same for 100,000 members (target: under 10 s).
func BenchmarkPlan100k(b *testing.B) { benchmarkPlan(b, 100_000) }
