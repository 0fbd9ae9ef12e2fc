package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, and a nil
// error must come with a usable Config. The seed corpus is in
// testdata/fuzz/FuzzParse (the scenarios and some broken files).
func FuzzParse(f *testing.F) {
	ics, err := os.ReadFile("testdata/holidays.ics")
	if err != nil {
		f.Fatal(err)
	}
	// Keep fuzzed holidays.ical paths away from the file system: only
	// holidays.ics exists.
	saved := readICal
	readICal = func(path string) ([]byte, error) {
		if filepath.Base(path) == "holidays.ics" {
			return ics, nil
		}
		return nil, errors.New("no such file or directory")
	}
	f.Cleanup(func() { readICal = saved })
	f.Add([]byte("version: 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data, "testdata")
		if err != nil {
			if c != nil {
				t.Fatal("a Config along with an error")
			}
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %T is not a non-empty Errors: %v", err, err)
			}
			for _, e := range es {
				if e == nil || e.File != "fuzz.yaml" || e.Msg == "" {
					t.Fatalf("bad error %#v", e)
				}
			}
			_ = err.Error()
			return
		}
		if c == nil {
			t.Fatal("nil Config and nil error")
		}
		for i := range c.Rotations {
			r := &c.Rotations[i]
			if _, err := r.CalendarSpec(); err != nil {
				t.Fatalf("rotation %s loaded but its calendar spec is bad: %v", r.ID, err)
			}
			if len(r.Layers) == 0 || len(r.MemberIDs()) == 0 {
				t.Fatalf("rotation %s has no layers or members", r.ID)
			}
			for _, id := range r.MemberIDs() {
				if _, ok := c.Member(id); !ok {
					t.Fatalf("rotation %s uses unknown member %s", r.ID, id)
				}
			}
			for _, l := range r.Layers {
				if l.Size < 1 || l.Name == "" {
					t.Fatalf("rotation %s: bad layer %+v", r.ID, l)
				}
				for _, n := range l.Needs {
					if n.Min > l.Size || (n.HasMax && n.Max < n.Min) {
						t.Fatalf("rotation %s: bad need %+v", r.ID, n)
					}
				}
			}
		}
		for _, m := range c.Members {
			loc := mustLoc(m.Timezone)
			for _, w := range m.Unavailable {
				if from, to := w.In(loc); !to.After(from) {
					t.Fatalf("member %s: empty window %+v", m.ID, w)
				}
			}
		}
	})
}

func mustLoc(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}
