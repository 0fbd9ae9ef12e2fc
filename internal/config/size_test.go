package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFileSizeLimit: a file over the limit, or an endless one, is an error
// naming the file and the limit, read no further than the limit.
func TestFileSizeLimit(t *testing.T) {
	old := maxFileSize
	maxFileSize = 1 << 20
	defer func() { maxFileSize = old }()

	big := filepath.Join(t.TempDir(), "big.yaml")
	body := "version: 1\n# " + strings.Repeat("x", 1<<20) + "\n"
	if err := os.WriteFile(big, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []string{big}
	if _, err := os.Stat("/dev/zero"); err == nil {
		cases = append(cases, "/dev/zero")
	}
	for _, name := range cases {
		_, err := Load(name)
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "larger than 1 MiB, the most a config file may be") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A file within the limit is read.
	ok := filepath.Join(t.TempDir(), "ok.yaml")
	if err := os.WriteFile(ok, []byte("version: 1\nmembers: [{id: a}]\nrotations: [{id: r, timezone: UTC, start: 2026-01-05T09:00, shift: 1d, members: [a]}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(ok); err != nil {
		t.Errorf("a small file: %v", err)
	}
}

// bigConfig is a valid file with n members, each with two skills, and one
// rotation that lists them all in a flow list.
func bigConfig(n int) []byte {
	var b bytes.Buffer
	b.Grow(n * 70)
	b.WriteString("version: 1\nmembers:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {id: m%06d, skills: {db: expert, net: beginner}}\n", i)
	}
	b.WriteString("rotations:\n  - id: all\n    timezone: UTC\n    start: 2026-01-05T09:00\n    shift: 1d\n    members: [")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "m%06d", i)
	}
	b.WriteString("]\n")
	return b.Bytes()
}

// sharedSkills is a valid file whose n members all have the same k skills,
// written once and aliased.
func sharedSkills(n, k int) []byte {
	var b bytes.Buffer
	b.WriteString("version: 1\nmembers:\n  - {id: m000000, skills: &sk {")
	for i := range k {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "s%d: %d", i, 1+i%4)
	}
	b.WriteString("}}\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "  - {id: m%06d, skills: *sk}\n", i)
	}
	return b.Bytes()
}

// billionLaughs is a small file whose aliases, expanded, stand for 10^levels
// copies of a member list.
func billionLaughs(levels int) []byte {
	var b strings.Builder
	b.WriteString("version: 1\nx0: &a0 [{id: lol}]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "x%d: &a%d [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	fmt.Fprintf(&b, "members: *a%d\n", levels)
	return []byte(b.String())
}

// TestLargeDocuments: a big file written out in full loads, however many
// nodes it has, and so do aliases that add less than maxExpanded; aliases
// that would expand a small file past it are refused at the alias that
// crosses the limit, quickly, with a message naming it.
func TestLargeDocuments(t *testing.T) {
	for _, tc := range []struct {
		name      string
		data      []byte
		limit     int    // maxExpanded, 0 for the default
		members   int    // when it loads
		line, col int    // of the error
		msg       string // fragment of the error; "": it loads
	}{
		// 20000 members are some 200000 nodes, all written out: none counts.
		{name: "plain, more nodes than the limit", data: bigConfig(20_000), limit: 10_000, members: 20_000},
		{name: "shared skills within the limit", data: sharedSkills(2_000, 200), members: 2_000},
		// Each alias adds 1+2*200 nodes: the 2494th takes the total past
		// 1000000.
		{name: "shared skills past the limit", data: sharedSkills(3_000, 200), line: 3 + 2_494, col: 27,
			msg: "the document is too large once its aliases are expanded: at alias *sk they add more than 1000000 nodes, the most allowed"},
		// Lines 3-7 add 580180 nodes, *a5 stands for 522221: the first on
		// line 8 crosses.
		{name: "billion laughs", data: billionLaughs(9), line: 8, col: 10,
			msg: "the document is too large once its aliases are expanded: at alias *a5 they add more than 1000000 nodes, the most allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.limit > 0 {
				old := maxExpanded
				maxExpanded = tc.limit
				defer func() { maxExpanded = old }()
			}
			start := time.Now()
			c, err := Parse("big.yaml", tc.data, "")
			if d := time.Since(start); tc.msg != "" && d > time.Second {
				t.Errorf("took %v to refuse", d) // it should stop at the alias
			}
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("Parse: %.2000v", err)
				}
				if len(c.Members) != tc.members {
					t.Errorf("got %d members, want %d", len(c.Members), tc.members)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			es := asErrors(t, err)
			if len(es) != 1 || es[0].Line != tc.line || es[0].Column != tc.col || !strings.Contains(es[0].Msg, tc.msg) {
				t.Errorf("got %.2000v\nwant %d:%d: ...%s...", err, tc.line, tc.col, tc.msg)
			}
		})
	}
}

// BenchmarkParseLarge measures big plain files; ROTA_BIG_MEMBERS=1000000
// adds a size (go test -run NONE -bench ParseLarge -benchtime 1x -benchmem).
func BenchmarkParseLarge(b *testing.B) {
	sizes := []int{10_000, 100_000}
	if s := os.Getenv("ROTA_BIG_MEMBERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		sizes = append(sizes, n)
	}
	for _, n := range sizes {
		data := bigConfig(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Parse("big.yaml", data, ""); err != nil {
					b.Fatalf("%.2000v", err)
				}
			}
		})
		b.Run(strconv.Itoa(n)+"/Load", func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "big.yaml")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Load(path); err != nil {
					b.Fatalf("%.2000v", err)
				}
			}
		})
	}
}

// TestYAMLErrorsWithoutALine: yaml.v3 gives no line for control characters
// and unknown aliases; the error points at the character or the alias.
func TestYAMLErrorsWithoutALine(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"control character", "version: 1\nmembers:\n  - {id: a\x01b}\n", 3, 11, "control characters are not allowed"},
		{"DEL after a multi-byte name", "version: 1\nmembers:\n  - {id: é\x7f}\n", 3, 11, "control characters are not allowed"},
		{"unknown alias", "version: 1\n# not *crew here\nmembers: *crew\n", 3, 10, "unknown anchor 'crew' referenced"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantOneError(t, tc.src, tc.line, tc.col, tc.msg) })
	}
}

// TestYAMLSyntaxErrorsHaveAColumn checks that a YAML syntax error names
// the line and column of the mistake, not only the line yaml.v3 names
// (which is sometimes the one above it), and keeps yaml.v3's message.
func TestYAMLSyntaxErrorsHaveAColumn(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"unclosed flow sequence", "version: 1\nmembers:\n  - id: a\n    name: [unclosed\n", 4, 11, "did not find expected ',' or ']'"},
		{"key indented too little", "version: 1\nmembers: \n  - id: a\n   name: b\n", 4, 4, "did not find expected '-' indicator"},
		{"two colons", "version: 1\nkey: value: other\n", 2, 6, "mapping values are not allowed"},
		{"unclosed quote", "version: 1\nmembers:\n  - id: \"a\n", 3, 9, "found unexpected end of stream"},
		{"tab indentation", "version: 1\n\tmembers: []\n", 2, 1, "tab character"},
		{"key outdented", "version: 1\nx:\n  b: 1\n c: 2\n", 4, 2, "did not find expected key"},
		{"unclosed flow map", "version: 1\nrotations:\n  - id: x\n    shift: {1d\n", 4, 13, "did not find expected ',' or '}'"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantOneError(t, tc.src, tc.line, tc.col, tc.msg) })
	}
}

// TestSyntaxPosKeepsToYAMLv3sLines checks that a place the second parser
// finds above yaml.v3's line, or far below it, is not taken.
func TestSyntaxPosKeepsToYAMLv3sLines(t *testing.T) {
	src := []byte("version: 1\nkey: value: other\n")
	if _, _, ok := syntaxPos(src, 3); ok {
		t.Error("a place above yaml.v3's line was taken")
	}
	if l, c, ok := syntaxPos(src, 2); !ok || l != 2 || c != 6 {
		t.Errorf("got %d:%d %v, want 2:6", l, c, ok)
	}
	if _, _, ok := syntaxPos([]byte("version: 1\n"), 1); ok {
		t.Error("a valid file has no syntax error")
	}
}

// wantOneError checks that src, as bad.yaml, gives one error, at line:col,
// whose message holds msg.
func wantOneError(t *testing.T, src string, line, col int, msg string) {
	t.Helper()
	_, err := Parse("bad.yaml", []byte(src), "")
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 {
		t.Fatalf("got %v, want one error", err)
	}
	if e := errs[0]; e.File != "bad.yaml" || e.Line != line || e.Column != col || !strings.Contains(e.Msg, msg) {
		t.Errorf("got %s (line %d, column %d), want %d:%d %q", e, e.Line, e.Column, line, col, msg)
	}
}
