package config

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// This file holds the helpers that walk a yaml.Node tree: every value is
// read through them, so that each error carries a position and a field path
// and no input (aliases, cycles, merge keys, odd kinds) can make them panic.

// pos is a place in a file.
type pos struct {
	file      string
	line, col int
}

func (p pos) String() string {
	if p.line == 0 {
		return p.file
	}
	return fmt.Sprintf("%s:%d", p.file, p.line)
}

// maxExpanded bounds how much aliases may add to a document: the nodes
// they stand for, counted with everything inside them expanded, a node as
// 1 plus its length in 32-byte units. Without it a small file of nested
// aliases ("billion laughs") would make the walk take forever. What the
// file writes out literally is not counted: MaxFileSize bounds that. A
// variable so that tests can lower it.
var maxExpanded = 1_000_000

// checkAliases reports an alias used inside the node it names (which would
// make an infinite document) and aliases that, expanded, add more than
// maxExpanded to the document. It takes time linear in the literal tree.
func (f *fileDec) checkAliases(root *yaml.Node) bool {
	const busy = -1
	size := map[*yaml.Node]int{} // expanded sizes of alias targets, capped
	cycle := false
	// expand returns the size of n with its aliases expanded, at most
	// maxExpanded+1. Only alias targets and what is inside them are
	// visited, each once.
	var expand func(n *yaml.Node) int
	expand = func(n *yaml.Node) int {
		if n == nil || cycle {
			return 0
		}
		if s, seen := size[n]; seen {
			if s == busy {
				return maxExpanded + 1 // a cycle not through an alias: only in a hand-built tree
			}
			return s
		}
		size[n] = busy
		total := 1 + len(n.Value)/32
		if n.Kind == yaml.AliasNode {
			if n.Alias != nil {
				if size[n.Alias] == busy {
					f.errf(n, "", "alias *%s is used inside the node it names, which would never end", clip(n.Value))
					cycle = true
					return 0
				}
				total += expand(n.Alias)
			}
		} else {
			for _, c := range n.Content {
				total += expand(c)
				if total > maxExpanded {
					break
				}
			}
		}
		total = min(total, maxExpanded+1)
		size[n] = total
		return total
	}
	added := 0
	ok := true
	// walk visits the literal tree, each node once, adding up what its
	// aliases stand for; it stops at the first problem.
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || !ok {
			return
		}
		if n.Kind == yaml.AliasNode {
			added += expand(n.Alias)
			switch {
			case cycle:
				ok = false
			case added > maxExpanded:
				f.errf(n, "", "the document is too large once its aliases are expanded: at alias *%s they add more than %d nodes, the most allowed",
					clip(n.Value), maxExpanded)
				ok = false
			}
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	return ok
}

// clip shortens s for an error message.
func clip(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// maxAliasHops bounds how far deref follows a chain of aliases.
const maxAliasHops = 64

// deref follows aliases to the node they stand for; nil for a dangling
// alias (which yaml.v3 does not produce, but a hand-built tree might).
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i >= maxAliasHops {
			return nil
		}
		n = n.Alias
	}
	return n
}

// isNull says whether n is absent or an explicit null ("~", "null" or
// nothing at all).
func isNull(n *yaml.Node) bool {
	n = deref(n)
	if n == nil || n.Kind == 0 {
		return true
	}
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names the kind of n for a "want X, got Y" message.
func describe(n *yaml.Node) string {
	n = deref(n)
	switch {
	case isNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int":
			return "the number " + n.Value
		case "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		}
		return strconv.Quote(clip(n.Value))
	case n.Kind == yaml.DocumentNode:
		return "a document"
	}
	return "an unknown node"
}

// join appends a field name to a path.
func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// index appends a list index to a path.
func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

// fileDec decodes one file, collecting its errors.
type fileDec struct {
	name string
	l    *loader
}

func (f *fileDec) at(n *yaml.Node) pos {
	if n == nil {
		return pos{file: f.name}
	}
	return pos{file: f.name, line: n.Line, col: n.Column}
}

func (f *fileDec) errAt(p pos, field, format string, args ...any) {
	f.l.errAt(p, field, format, args...)
}

func (f *fileDec) errf(n *yaml.Node, field, format string, args ...any) {
	f.errAt(f.at(n), field, format, args...)
}

// entry is one key and its value in a mapping.
type entry struct {
	key, val *yaml.Node
}

// fields is a decoded mapping: its known keys and their values.
type fields struct {
	f    *fileDec
	node *yaml.Node // the mapping, for "missing" errors
	path string
	m    map[string]entry
}

// maxMergeDepth bounds nested merge keys ("<<").
const maxMergeDepth = 16

// mapping reads n as a mapping whose keys must be among known. It reports
// a non-mapping, non-scalar or duplicate keys and unknown keys (suggesting
// the nearest known one); merge keys (<<: *anchor) are honoured, explicit
// keys taking precedence. ok is false when n is not a mapping at all.
func (f *fileDec) mapping(n *yaml.Node, path string, known ...string) (fs *fields, ok bool) {
	fs = &fields{f: f, node: n, path: path, m: map[string]entry{}}
	d := deref(n)
	if d == nil || d.Kind != yaml.MappingNode {
		what := "a mapping"
		if path == "" {
			what = "a mapping of fields (version, members, rotations, ...)"
		}
		f.errf(n, path, "want %s, got %s", what, describe(n))
		return fs, false
	}
	isKnown := func(k string) bool {
		for _, s := range known {
			if s == k {
				return true
			}
		}
		return false
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(d.Content); i += 2 {
		k, v := d.Content[i], d.Content[i+1]
		dk := deref(k)
		if dk == nil || dk.Kind != yaml.ScalarNode {
			f.errf(k, path, "a key must be a plain name, got %s", describe(k))
			continue
		}
		if dk.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		name := dk.Value
		if prev, dup := fs.m[name]; dup {
			f.errf(k, join(path, name), "duplicate key %q (first at line %d)", name, prev.key.Line)
			continue
		}
		if !isKnown(name) {
			f.errf(k, join(path, name), "unknown field %q%s", name, suggest(name, known))
			continue
		}
		fs.m[name] = entry{key: k, val: v}
	}
	visited := map[*yaml.Node]bool{d: true}
	for _, m := range merges {
		f.merge(fs, m, isKnown, known, visited, 0)
	}
	return fs, true
}

// merge adds the keys of a merged mapping (or list of mappings) that fs
// does not already have.
func (f *fileDec) merge(fs *fields, n *yaml.Node, isKnown func(string) bool, known []string, visited map[*yaml.Node]bool, depth int) {
	d := deref(n)
	if d != nil && visited[d] {
		return // merged already (or merging itself): nothing to add
	}
	if d != nil {
		visited[d] = true
	}
	if depth > maxMergeDepth {
		f.errf(n, fs.path, "merge keys (<<) nested too deeply")
		return
	}
	if d == nil {
		f.errf(n, fs.path, "a merge key (<<) wants a mapping or a list of mappings, got %s", describe(n))
		return
	}
	switch d.Kind {
	case yaml.SequenceNode:
		for _, item := range d.Content {
			if di := deref(item); di == nil || di.Kind != yaml.MappingNode {
				f.errf(item, fs.path, "a merge key (<<) wants a mapping or a list of mappings, got %s", describe(item))
				continue
			}
			f.merge(fs, item, isKnown, known, visited, depth+1)
		}
	case yaml.MappingNode:
		var nested []*yaml.Node
		seen := map[string]bool{}
		for i := 0; i+1 < len(d.Content); i += 2 {
			k, v := d.Content[i], d.Content[i+1]
			dk := deref(k)
			if dk == nil || dk.Kind != yaml.ScalarNode {
				f.errf(k, fs.path, "a key must be a plain name, got %s", describe(k))
				continue
			}
			if dk.ShortTag() == "!!merge" {
				nested = append(nested, v)
				continue
			}
			name := dk.Value
			if seen[name] {
				f.errf(k, join(fs.path, name), "duplicate key %q", name)
				continue
			}
			seen[name] = true
			if _, have := fs.m[name]; have {
				continue
			}
			if !isKnown(name) {
				f.errf(k, join(fs.path, name), "unknown field %q%s", name, suggest(name, known))
				continue
			}
			fs.m[name] = entry{key: k, val: v}
		}
		for _, m := range nested {
			f.merge(fs, m, isKnown, known, visited, depth+1)
		}
	default:
		f.errf(n, fs.path, "a merge key (<<) wants a mapping or a list of mappings, got %s", describe(n))
	}
}

// suggest returns ` (did you mean "x"?)` for the known name nearest to s,
// or "".
func suggest(s string, known []string) string {
	best, bestD := "", 3
	if len(s) > 64 {
		return ""
	}
	ls := strings.ToLower(s)
	for _, k := range known {
		if len(k) > len(s)+2 || len(k)+2 < len(s) {
			continue
		}
		if d := editDistance(ls, k); d < bestD && d < len(k) {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// has says whether key is set to something other than null.
func (fs *fields) has(key string) bool {
	e, ok := fs.m[key]
	return ok && !isNull(e.val)
}

// val returns key's value node (as written, possibly an alias), nil when
// the key is absent or null.
func (fs *fields) val(key string) *yaml.Node {
	if !fs.has(key) {
		return nil
	}
	return fs.m[key].val
}

// path of key.
func (fs *fields) p(key string) string { return join(fs.path, key) }

// missing reports that a required key is absent.
func (fs *fields) missing(key, hint string) {
	msg := "missing"
	if hint != "" {
		msg += ": " + hint
	}
	fs.f.errf(fs.node, fs.p(key), "%s", msg)
}

// scalar reads n as a scalar's text; any scalar (string, number, date,
// boolean) is accepted.
func (f *fileDec) scalar(n *yaml.Node, path, want string) (string, bool) {
	d := deref(n)
	if d == nil || d.Kind != yaml.ScalarNode || isNull(d) {
		f.errf(n, path, "want %s, got %s", want, describe(n))
		return "", false
	}
	return d.Value, true
}

// str reads an optional string field; ok is false when it is absent or bad.
func (fs *fields) str(key string) (string, bool) {
	n := fs.val(key)
	if n == nil {
		return "", false
	}
	return fs.f.scalar(n, fs.p(key), "a string")
}

// integer reads n as an integer.
func (f *fileDec) integer(n *yaml.Node, path string) (int64, bool) {
	d := deref(n)
	if d == nil || d.Kind != yaml.ScalarNode || d.ShortTag() != "!!int" {
		f.errf(n, path, "want a whole number, got %s", describe(n))
		return 0, false
	}
	var v int64
	if err := d.Decode(&v); err != nil {
		f.errf(n, path, "bad number %q: out of range", d.Value)
		return 0, false
	}
	return v, true
}

// int reads an optional integer field no smaller than lo.
func (fs *fields) int(key string, lo int64) (int64, bool) {
	n := fs.val(key)
	if n == nil {
		return 0, false
	}
	v, ok := fs.f.integer(n, fs.p(key))
	if !ok {
		return 0, false
	}
	if v < lo {
		fs.f.errf(n, fs.p(key), "must be at least %d, got %d", lo, v)
		return 0, false
	}
	if v > 1<<31-1 {
		fs.f.errf(n, fs.p(key), "%d is too large", v)
		return 0, false
	}
	return v, true
}

// bool reads an optional true/false field.
func (fs *fields) bool(key string) (bool, bool) {
	n := fs.val(key)
	if n == nil {
		return false, false
	}
	d := deref(n)
	if d == nil || d.Kind != yaml.ScalarNode || d.ShortTag() != "!!bool" {
		fs.f.errf(n, fs.p(key), "want true or false, got %s", describe(n))
		return false, false
	}
	var v bool
	if err := d.Decode(&v); err != nil {
		fs.f.errf(n, fs.p(key), "want true or false, got %s", describe(n))
		return false, false
	}
	return v, true
}

// list reads n as a sequence and returns its items (as written).
func (f *fileDec) list(n *yaml.Node, path, what string) ([]*yaml.Node, bool) {
	d := deref(n)
	if d == nil || d.Kind != yaml.SequenceNode {
		f.errf(n, path, "want a list of %s, got %s", what, describe(n))
		return nil, false
	}
	return d.Content, true
}

// seq reads an optional list field.
func (fs *fields) seq(key, what string) ([]*yaml.Node, bool) {
	n := fs.val(key)
	if n == nil {
		return nil, false
	}
	return fs.f.list(n, fs.p(key), what)
}
