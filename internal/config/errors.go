package config

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a configuration file, with its position (1-based
// line and column; 0 when unknown) and the path of the field it concerns,
// such as "rotations[0].shift".
type Error struct {
	File   string
	Line   int
	Column int
	Field  string
	Msg    string
}

// Error formats e as "file:line:col: field: msg", leaving out what is
// unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
			if e.Column > 0 {
				fmt.Fprintf(&b, ":%d", e.Column)
			}
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found while loading configuration. Load and Parse
// return it (never an empty one) as their error; errors.As finds both an
// Errors and, through Unwrap, each *Error.
type Errors []*Error

// Error lists the errors one a line, sorted by file, line and column.
func (es Errors) Error() string {
	s := make(Errors, 0, len(es))
	for _, e := range es {
		if e != nil {
			s = append(s, e)
		}
	}
	s.sort()
	lines := make([]string, len(s))
	for i, e := range s {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns each error, for errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, 0, len(es))
	for _, e := range es {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}

func (es Errors) sort() {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// err returns es as an error: nil when there are none.
func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	es.sort()
	return es
}
