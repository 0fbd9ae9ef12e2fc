package calendar

import (
	"strings"
	"testing"
	"time"
)

func TestMoment(t *testing.T) {
	london, err := LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		in         string
		start, end time.Time
		zoned      bool
	}{
		{"2026-12-24", time.Date(2026, 12, 24, 0, 0, 0, 0, london), time.Date(2026, 12, 25, 0, 0, 0, 0, london), true},
		{"2026-03-29T09:00", time.Date(2026, 3, 29, 9, 0, 0, 0, london), time.Date(2026, 3, 29, 9, 0, 0, 0, london), true},
		{"2026-12-24T09:00:00+01:00", time.Date(2026, 12, 24, 8, 0, 0, 0, time.UTC), time.Date(2026, 12, 24, 8, 0, 0, 0, time.UTC), false},
	}
	for _, c := range cases {
		m, err := ParseMoment(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if !m.Start(london).Equal(c.start) || !m.End(london).Equal(c.end) || m.Zoned() != c.zoned {
			t.Errorf("%s: start %s end %s zoned %v", c.in, m.Start(london), m.End(london), m.Zoned())
		}
		if got := m.String(); got != c.in {
			t.Errorf("%s: String %q", c.in, got)
		}
	}
	for _, bad := range []string{"", "tomorrow", "12/01/2026", "2026-13-01"} {
		if _, err := ParseMoment(bad); err == nil || !strings.Contains(err.Error(), "want a date") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
