package rules

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/engine"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func shift(id string, startH, endH int, who ...string) engine.Shift {
	return engine.Shift{ID: id, Start: t0.Add(time.Duration(startH) * time.Hour), End: t0.Add(time.Duration(endH) * time.Hour), Assignees: who}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestChecks(t *testing.T) {
	r := &Rotation{ID: "sre", Members: []string{"ann", "bob"}, Shifts: []engine.Shift{shift("s1", 0, 24, "ann"), shift("s2", 24, 48, "bob")}}
	now := t0.Add(30 * time.Hour)
	cases := []struct {
		name string
		err  error
		want string // part of the reason; "" for accepted
	}{
		{"member ok", r.Member("member", "ann"), ""},
		{"member missing", r.Member("member_a", ""), "member_a is required"},
		{"member unknown", r.Member("by", "zed"), `unknown member "zed"`},
		{"shift ok", second(r.Shift("shift", "s2", now)), ""},
		{"shift ended", second(r.Shift("shift", "s1", now)), "shift s1 ended at 2026-12-02T09:00:00Z"},
		{"shift unknown", second(r.Shift("shift", "s9", now)), `unknown shift "s9": not a planned shift of rotation sre`},
		{"span ok", Span(now, now.Add(time.Hour), now, true), ""},
		{"span missing", Span(time.Time{}, now, now, false), "from and to are required"},
		{"span backwards", Span(now, now, now, false), "is not before"},
		{"span over", Span(t0, t0.Add(time.Hour), now, true), "in the past"},
		{"span over allowed", Span(t0, t0.Add(time.Hour), now, false), ""},
	}
	for _, c := range cases {
		if got := errText(c.err); (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func second(_ *engine.Shift, err error) error { return err }

func TestAdmin(t *testing.T) {
	open := &Rotation{ID: "sre"}
	guarded := &Rotation{ID: "sre", Admins: []string{"ann"}, Members: []string{"ann", "bob", "cat", "dan"}}
	cases := []struct {
		r         *Rotation
		requester string
		concerned []string
		want      string
	}{
		{open, "", nil, ""},
		{open, "zed", []string{"bob"}, ""},
		{guarded, "", []string{"bob"}, "requested_by is required: rotation sre has admins (ann)"},
		{guarded, "ann", []string{"bob"}, ""},
		{guarded, "bob", []string{"bob", "cat"}, ""},
		{guarded, "dan", []string{"bob", "cat"}, "dan is not an admin of rotation sre nor the member concerned (bob, cat)"},
		{guarded, "bob", nil, "bob is not an admin of rotation sre: only ann may assign"},
		{guarded, "zed", []string{"zed"}, `requested_by "zed" is no member of rotation sre, which has admins (ann)`},
		{open, "zed", nil, ""}, // recorded as given
	}
	for _, c := range cases {
		if got := errText(c.r.Admin("assign", c.requester, c.concerned)); got != c.want {
			t.Errorf("admins %v, %q asks (concerned %v): got %q, want %q", c.r.Admins, c.requester, c.concerned, got, c.want)
		}
	}
}

func TestConcerned(t *testing.T) {
	before := []engine.Shift{shift("s1", 0, 24, "ann"), shift("s2", 24, 48, "bob"), shift("s3", 48, 72, "cat")}
	after := []engine.Shift{shift("s1", 0, 24, "bob"), shift("s2", 24, 48, "ann"), shift("s3", 48, 72, "cat")}
	got := Concerned([]string{"ann", ""}, before, after, []string{"s1", "s2"})
	if want := []string{"ann", "bob"}; !slices.Equal(got, want) {
		t.Errorf("swap: %v, want %v", got, want)
	}
	// A split: the rest of s1 is new, covered by dan.
	after = append(after, shift("s1b", 12, 24, "dan"))
	got = Concerned(nil, before, after, []string{"s1", "s1b"})
	if want := []string{"bob", "ann", "dan"}; !slices.Equal(got, want) {
		t.Errorf("split: %v, want %v", got, want)
	}
}

func TestRehandoff(t *testing.T) {
	sh := shift("s1", 0, 24, "bob")
	cases := []struct {
		name      string
		handedOff bool
		old       []string
		at        time.Duration
		want      bool
	}{
		{"running, new hands", true, []string{"ann"}, time.Hour, true},
		{"running, same hands", true, []string{"bob"}, time.Hour, false},
		{"not handed off yet", false, []string{"ann"}, time.Hour, false},
		{"not started", true, []string{"ann"}, -time.Hour, false},
		{"over", true, []string{"ann"}, 24 * time.Hour, false},
	}
	for _, c := range cases {
		if got := Rehandoff(c.handedOff, sh, c.old, t0.Add(c.at)); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
