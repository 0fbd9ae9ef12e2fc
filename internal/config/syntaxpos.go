package config

import (
	"errors"

	goyaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

// syntaxPosLimit is the largest file whose syntax error is placed by a
// second parse: config files are small, and a second parse of a large one
// would double the memory a bad file costs.
const syntaxPosLimit = 4 << 20

// syntaxPos returns the line and column of the YAML syntax error that
// yaml.v3 reported at line v3line of data. yaml.v3 names a line only, and
// sometimes one above the mistake (the line where what it expected was
// missing); a second parser, whose errors carry the token they stopped
// at, gives the place. Its answer is taken only when it lies on that line
// or the few after it, so the two never tell different stories; otherwise
// (or when it finds no error, or the file is large) it returns false and
// yaml.v3's line stands alone.
func syntaxPos(data []byte, v3line int) (line, col int, ok bool) {
	if len(data) > syntaxPosLimit || v3line < 1 {
		return 0, 0, false
	}
	defer func() {
		// Not our parser either: a panic only loses the column.
		if recover() != nil {
			line, col, ok = 0, 0, false
		}
	}()
	_, err := parser.ParseBytes(data, 0)
	var se *goyaml.SyntaxError
	if err == nil || !errors.As(err, &se) || se.Token == nil || se.Token.Position == nil {
		return 0, 0, false
	}
	p := se.Token.Position
	if p.Line < v3line || p.Line > v3line+3 || p.Column < 1 {
		return 0, 0, false
	}
	return p.Line, p.Column, true
}
