package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/rota-scheduler/rota/internal/calendar"
)

// Version is the configuration format this package reads.
const Version = 1

// Defaults.
const (
	DefaultSize         = 1
	DefaultStrategy     = Fair
	DefaultPlanAhead    = 14 * 24 * time.Hour
	DefaultNotifyBefore = 3 * 24 * time.Hour
	MainLayer           = "main" // the name of the one layer of a rotation without layers
)

// DefaultWeekend is the weekend of a file that does not set one.
var DefaultWeekend = calendar.WeekdaysOf(time.Saturday, time.Sunday)

var (
	topKeys      = []string{"version", "weekend", "holidays", "members", "rotations"}
	holidayKeys  = []string{"dates", "ical"}
	memberKeys   = []string{"id", "name", "email", "slack", "opsgenie", "pagerduty", "timezone", "skills", "unavailable"}
	windowKeys   = []string{"from", "to", "reason"}
	rotationKeys = []string{"id", "name", "timezone", "start", "end", "shift", "days", "size", "strategy", "seed",
		"members", "needs", "grace", "min_rest", "plan_ahead", "notify_before", "duties", "slack", "opsgenie",
		"pagerduty", "admins", "layers"}
	layerKeys      = []string{"name", "days", "members", "strategy", "size", "needs", "grace"}
	membershipKeys = []string{"id", "from", "until"}
	needKeys       = []string{"skill", "level", "min", "max"}
	slackKeys      = []string{"channel", "usergroup", "topic"}
	pagerKeys      = []string{"schedule", "repair"}
)

// Load reads the given files and validates them together: member and
// rotation ids are unique across all of them and a rotation may use members
// of any file. Each file's weekend and holidays apply to its own rotations;
// holidays.ical paths are relative to the file's directory. On failure the
// error is an Errors listing every problem found.
func Load(paths ...string) (*Config, error) {
	l := newLoader()
	if len(paths) == 0 {
		l.errAt(pos{}, "", "no configuration file given")
	}
	for _, p := range paths {
		data, err := readFile(p)
		if err != nil {
			l.errAt(pos{file: p}, "", "%s", err)
			continue
		}
		l.file(p, data, filepath.Dir(p))
	}
	return l.finish()
}

// MaxFileSize is the largest config file read (64 MiB: a million members
// fit). A larger one, or an endless one such as /dev/zero, is an error
// that names the limit, not a crash.
const MaxFileSize = 64 << 20

// maxFileSize is MaxFileSize; tests lower it.
var maxFileSize int64 = MaxFileSize

// readFile reads a config file, at most maxFileSize bytes of it.
func readFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %s", plainErr(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read: %s", plainErr(err))
	}
	if int64(len(data)) > maxFileSize {
		return nil, fmt.Errorf("larger than %d MiB, the most a config file may be", maxFileSize>>20)
	}
	return data, nil
}

// Parse reads one file's contents. name is used in errors; dir is the
// directory that relative holidays.ical paths are relative to ("" for the
// working directory). On failure the error is an Errors.
func Parse(name string, data []byte, dir string) (*Config, error) {
	l := newLoader()
	l.file(name, data, dir)
	return l.finish()
}

// plainErr drops the operation and path that os errors repeat.
func plainErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// ref is a use of a member id, checked once all files are read.
type ref struct {
	id    string
	at    pos
	field string
}

// needRef is a need as a layer sees it, with where it was written.
type needRef struct {
	need  Need
	at    pos
	field string
	minAt pos
}

// layerMeta is what the cross-file checks need to know about a layer.
type layerMeta struct {
	name       string
	at         pos      // the layer (the rotation, for its one layer)
	field      string   // the layer's path
	ids        []string // its members, unique
	membersAt  pos
	membersFld string
	size       int
	needs      []needRef
}

// rotMeta is what the cross-file checks need to know about a rotation.
type rotMeta struct {
	at     pos
	field  string
	refs   []ref // every member id written in the rotation, once each
	layers []layerMeta
	bad    bool // decoding it found errors
}

type loader struct {
	errs     Errors
	cfg      Config
	memberAt map[string]pos
	rotAt    map[string]pos
	metas    []*rotMeta     // parallel to cfg.Rotations
	perFile  map[string]int // errors found per file
	count    int            // errors found, including those not listed
}

func newLoader() *loader {
	return &loader{memberAt: map[string]pos{}, rotAt: map[string]pos{}, perFile: map[string]int{}}
}

var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlErr reports a YAML syntax error at the line yaml.v3 names, with the
// line and column syntaxPos finds when it can. yaml.v3 names none for
// control characters and unknown aliases: for those, the offending
// character or alias is looked up in data.
func (f *fileDec) yamlErr(err error, data []byte) {
	msg := err.Error()
	line, col := 0, 0
	if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if l, c, ok := syntaxPos(data, line); ok {
			line, col = l, c
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	if line == 0 {
		line, col = locate(msg, data)
	}
	f.errAt(pos{file: f.name, line: line, col: col}, "", "invalid YAML: %s", msg)
}

var unknownAnchor = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// locate finds in data the place of a problem yaml.v3 reports without a
// line: the first control character, or the first use of an unknown
// alias. It returns 0, 0 when it finds none.
func locate(msg string, data []byte) (line, col int) {
	at := -1
	switch m := unknownAnchor.FindStringSubmatch(msg); {
	case strings.HasPrefix(msg, "control characters"):
		at = bytes.IndexFunc(data, func(r rune) bool {
			return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || (r >= 0x7f && r <= 0x9f && r != 0x85)
		})
	case m != nil:
		alias := regexp.MustCompile(`\*` + regexp.QuoteMeta(m[1]) + `(?:[\s,\]}]|$)`)
		for _, loc := range alias.FindAllIndex(data, -1) {
			// Not in a comment: no " #" (or "#" first) before it on its line.
			lineStart := bytes.LastIndexByte(data[:loc[0]], '\n') + 1
			if prefix := data[lineStart:loc[0]]; !bytes.HasPrefix(bytes.TrimLeft(prefix, " \t"), []byte("#")) && !bytes.Contains(prefix, []byte(" #")) {
				at = loc[0]
				break
			}
		}
	}
	if at < 0 {
		return 0, 0
	}
	before := data[:at]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = 1 + utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	return line, col
}

// parseYAML parses data as one YAML document and returns its root node.
func (f *fileDec) parseYAML(data []byte) (root *yaml.Node, ok bool) {
	defer func() {
		// yaml.v3 is not ours; whatever it does on hostile input must not
		// take the caller down.
		if r := recover(); r != nil {
			f.errAt(pos{file: f.name}, "", "invalid YAML: the parser failed (%v)", r)
			root, ok = nil, false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			f.errAt(pos{file: f.name, line: 1, col: 1}, "", "empty file: want at least \"version: 1\"")
		} else {
			f.yamlErr(err, data)
		}
		return nil, false
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
	case err != nil:
		f.yamlErr(err, data)
		return nil, false
	default:
		at := &extra
		if len(extra.Content) > 0 && extra.Content[0] != nil {
			at = extra.Content[0]
		}
		f.errf(at, "", "a file holds one YAML document, this is a second one (remove the ---)")
	}
	root = &doc
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 || doc.Content[0] == nil {
			f.errAt(pos{file: f.name, line: 1, col: 1}, "", "empty file: want at least \"version: 1\"")
			return nil, false
		}
		root = doc.Content[0]
	}
	return root, true
}

// file decodes one file into l.
func (l *loader) file(name string, data []byte, dir string) {
	f := &fileDec{name: name, l: l}
	root, ok := f.parseYAML(data)
	if !ok || !f.checkAliases(root) {
		return
	}
	if isNull(root) {
		f.errf(root, "", "empty file: want at least \"version: 1\"")
		return
	}
	fs, ok := f.mapping(root, "", topKeys...)
	if !ok {
		return
	}
	f.version(fs)
	weekend := DefaultWeekend
	if fs.has("weekend") {
		if days, ok := f.days(fs.val("weekend"), fs.p("weekend"), true); ok {
			weekend = days
		}
	}
	holidays := f.holidays(fs, dir)
	if items, ok := fs.seq("members", "members"); ok {
		l.cfg.Members = slices.Grow(l.cfg.Members, len(items)) // once, not by doubling: a file may hold a million
		for i, it := range items {
			l.member(f, it, index("members", i))
		}
	}
	if items, ok := fs.seq("rotations", "rotations"); ok {
		for i, it := range items {
			l.rotation(f, it, index("rotations", i), weekend, holidays)
		}
	}
}

func (f *fileDec) version(fs *fields) {
	n := fs.val("version")
	if n == nil {
		fs.missing("version", "start the file with \"version: 1\"")
		return
	}
	d := deref(n)
	if d != nil && d.Kind == yaml.ScalarNode && d.ShortTag() == "!!int" {
		var v int64
		if err := d.Decode(&v); err == nil && v == Version {
			return
		}
		f.errf(n, "version", "unsupported version %s: this rota reads version 1", d.Value)
		return
	}
	f.errf(n, "version", "want 1, got %s", describe(n))
}

// finish runs the checks that span files and returns the result.
func (l *loader) finish() (*Config, error) {
	byID := make(map[string]*Member, len(l.cfg.Members))
	ids := make([]string, 0, len(l.cfg.Members))
	for i := range l.cfg.Members {
		m := &l.cfg.Members[i]
		if _, dup := byID[m.ID]; !dup {
			byID[m.ID] = m
			ids = append(ids, m.ID)
		}
	}
	suggested := 0
	for ri, meta := range l.metas {
		before := l.count
		unknown := map[string]bool{}
		for _, rf := range meta.refs {
			if byID[rf.id] == nil {
				unknown[rf.id] = true
				hint := ""
				if suggested < maxSuggestions {
					suggested++
					hint = suggest(rf.id, ids)
				}
				l.errAt(rf.at, rf.field, "unknown member %q%s", rf.id, hint)
			}
		}
		for _, lm := range meta.layers {
			in := ""
			if len(meta.layers) > 1 || lm.name != MainLayer {
				in = fmt.Sprintf(" in layer %q", lm.name)
			}
			if lm.ids != nil && lm.size > len(lm.ids) {
				l.errAt(lm.membersAt, lm.membersFld, "%d member(s)%s but size is %d: no shift could ever be filled", len(lm.ids), in, lm.size)
			}
			known := true
			for _, id := range lm.ids {
				if unknown[id] {
					known = false
				}
			}
			var counts map[string]*[Expert + 1]int // skill -> members with exactly that level
			layerBefore := l.count
			for _, nr := range lm.needs {
				nd := nr.need
				if nd.Min > lm.size {
					l.errAt(nr.minAt, join(nr.field, "min"), "min %d is more than the %d people of a shift%s", nd.Min, lm.size, in)
					continue
				}
				if nd.Min == 0 || !known || lm.ids == nil {
					continue
				}
				if counts == nil {
					counts = map[string]*[Expert + 1]int{}
					for _, id := range lm.ids {
						for skill, lv := range byID[id].Skills {
							if lv >= Beginner && lv <= Expert {
								if counts[skill] == nil {
									counts[skill] = new([Expert + 1]int)
								}
								counts[skill][lv]++
							}
						}
					}
				}
				q := 0
				if c := counts[nd.Skill]; c != nil {
					for lv := max(nd.Level, Beginner); lv <= Expert; lv++ {
						q += c[lv]
					}
				}
				if q < nd.Min {
					who := "none does"
					if q > 0 {
						var names []string
						for _, id := range lm.ids {
							if nd.Qualifies(byID[id]) {
								names = append(names, id)
							}
						}
						who = "only " + strings.Join(names, ", ")
					}
					l.errAt(nr.at, nr.field, "can never be met%s: it wants %d member(s) with %s at %s or above on every shift, and %s",
						in, nd.Min, nd.Skill, nd.Level, who)
				}
			}
			if !meta.bad && known && lm.ids != nil && l.count == layerBefore {
				l.checkTogether(l.cfg.Rotations[ri].ID, &lm, byID)
			}
		}
		if !meta.bad && l.count == before {
			if _, err := l.cfg.Rotations[ri].CalendarSpec(); err != nil {
				l.errAt(meta.at, meta.field, "%v", err)
			}
		}
	}
	if len(l.errs) > 0 {
		return nil, l.errs.dedup().err()
	}
	return &l.cfg, nil
}

// maxSuggestions bounds the "did you mean" searches among member ids.
const maxSuggestions = 50

// maxErrors bounds the errors reported for one file.
const maxErrors = 500

func (l *loader) errAt(p pos, field, format string, args ...any) {
	l.count++
	l.perFile[p.file]++
	switch n := l.perFile[p.file]; {
	case n == maxErrors+1:
		l.errs = append(l.errs, &Error{File: p.file, Msg: fmt.Sprintf("too many errors; only the first %d are listed", maxErrors)})
	case n <= maxErrors:
		for i, a := range args {
			switch a := a.(type) {
			case string:
				args[i] = clip(a)
			case error:
				args[i] = clip(a.Error())
			}
		}
		l.errs = append(l.errs, &Error{File: p.file, Line: p.line, Column: p.col, Field: clip(field), Msg: fmt.Sprintf(format, args...)})
	}
}

// dedup drops repeated errors (an aliased node reports once).
func (es Errors) dedup() Errors {
	seen := map[Error]bool{}
	out := es[:0]
	for _, e := range es {
		if e == nil || seen[*e] {
			continue
		}
		seen[*e] = true
		out = append(out, e)
	}
	return out
}
