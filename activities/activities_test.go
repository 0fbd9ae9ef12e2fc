package activities

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
)

func load(t *testing.T, id string) (*config.Rotation, []config.Member) {
	t.Helper()
	cfg, err := config.Load("../workflows/testdata/sre-24h.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rot, ok := cfg.Rotation(id)
	if !ok {
		t.Fatalf("no rotation %s", id)
	}
	return rot, cfg.Members
}

// roundTrip sends v through JSON, as Temporal does with activity payloads.
func roundTrip[T any](t *testing.T, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPlanStepByStepEqualsBatch plans a queue rotation one day at a time,
// the state going through JSON each time, and compares with one batch.
func TestPlanStepByStepEqualsBatch(t *testing.T) {
	rot, members := load(t, "sre-layers")
	p, err := engine.New(rot, members)
	if err != nil {
		t.Fatal(err)
	}
	start := p.Calendar().Start.In(p.Calendar().Location)
	want := p.PlanUntil(p.NewState(start), start.Add(60*24*time.Hour))

	var st *engine.State
	var got []engine.Shift
	now := start.Add(-time.Hour)
	for day := range 61 {
		res, err := Plan(context.Background(), roundTrip(t, PlanInput{Rotation: *rot, Members: members, State: st, Horizon: now.Add(time.Duration(day) * 24 * time.Hour), Now: now}))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, res.Shifts...)
		st = roundTrip(t, res).State
		if len(got) > 0 && !res.NextStart.Equal(got[len(got)-1].End) {
			t.Fatalf("next start %s after %s", res.NextStart, got[len(got)-1].ID)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d shifts, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || !slices.Equal(got[i].Assignees, want[i].Assignees) {
			t.Fatalf("shift %d: %s %v, want %s %v", i, got[i].ID, got[i].Assignees, want[i].ID, want[i].Assignees)
		}
	}
}

// TestPlanSkipsSlotsOver: a state left behind (a pause) does not plan
// slots that are over; it goes on with the one running now.
func TestPlanSkipsSlotsOver(t *testing.T) {
	rot, members := load(t, "sre")
	p, _ := engine.New(rot, members)
	start := p.Calendar().Start.In(p.Calendar().Location)
	st := p.NewState(start)
	now := start.Add(10*24*time.Hour + time.Hour)
	res, err := Plan(context.Background(), PlanInput{Rotation: *rot, Members: members, State: st, Horizon: now, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Shifts) != 1 || !res.Shifts[0].Start.Equal(start.Add(10*24*time.Hour)) {
		t.Errorf("planned %+v, want only the running shift", res.Shifts)
	}
}

func TestApplyChange(t *testing.T) {
	rot, members := load(t, "sre")
	p, _ := engine.New(rot, members)
	start := p.Calendar().Start.In(p.Calendar().Location)
	st := p.NewState(start)
	p.PlanShifts(st, 10)
	sh := st.Shifts[5]
	other := "sre1"
	if sh.Has(other) {
		other = "sre2"
	}
	in := ChangeInput{Rotation: *rot, Members: members, State: st, Now: start,
		Operation: Operation{Name: OpLeaveShift, Shift: sh.ID, Member: other}}
	res, err := ApplyChange(context.Background(), roundTrip(t, in))
	if err != nil || res.Rejected == "" || res.State != nil {
		t.Errorf("leave of a shift one is not on: %+v, %v; want a rejection", res, err)
	}
	in.Operation.Member = sh.Assignees[0]
	res, err = ApplyChange(context.Background(), roundTrip(t, in))
	if err != nil || res.Rejected != "" || res.State == nil || len(res.Change.Shifts) != 1 {
		t.Fatalf("leave: %+v, %v", res, err)
	}
	if got, _ := res.State.Shift(sh.ID); got.Has(sh.Assignees[0]) {
		t.Errorf("%s still on %s", sh.Assignees[0], sh.ID)
	}
	// Configure: another id is refused; a new shift length re-anchors.
	bad := *rot
	bad.ID = "other"
	res, err = ApplyChange(context.Background(), ChangeInput{Rotation: *rot, Members: members, State: st, Now: start,
		Operation: Operation{Name: OpConfigure, Rotation: &bad, NewMembers: members}})
	if err != nil || !strings.Contains(res.Rejected, "cannot become") {
		t.Errorf("configure with another id: %+v, %v", res, err)
	}
	longer := *rot
	longer.Shift.N = 48
	res, err = ApplyChange(context.Background(), ChangeInput{Rotation: *rot, Members: members, State: st.Clone(), Now: start,
		Operation: Operation{Name: OpConfigure, Rotation: &longer, NewMembers: members}})
	if err != nil || res.Rejected != "" || !res.NextStart.Equal(st.Shifts[9].End) {
		t.Errorf("configure 48h: %+v, %v; want the next start at %s", res, err, st.Shifts[9].End)
	}
}

// recorder records the keys and texts of side effects.
type recorder struct{ keys, texts []string }

func (r *recorder) DirectMessage(_ context.Context, m config.Member, text, key string) error {
	r.keys, r.texts = append(r.keys, key), append(r.texts, text)
	return nil
}
func (r *recorder) Announce(_ context.Context, _, text, key string) error {
	r.keys, r.texts = append(r.keys, key), append(r.texts, text)
	return nil
}
func (r *recorder) SetUsergroup(_ context.Context, _ string, _ []config.Member, key string) error {
	r.keys = append(r.keys, key)
	return nil
}
func (r *recorder) SetTopic(_ context.Context, _, topic, key string) error {
	r.keys, r.texts = append(r.keys, key), append(r.texts, topic)
	return nil
}
func (r *recorder) Override(_ context.Context, _ string, _ engine.Shift, _ []config.Member, key string) error {
	r.keys = append(r.keys, key)
	return nil
}
func (r *recorder) Publish(_ context.Context, _ string, _ []engine.Shift, key string) error {
	r.keys = append(r.keys, key)
	return nil
}

func TestSideEffectKeysAndTexts(t *testing.T) {
	rot, _ := load(t, "sre")
	r := *rot
	r.Slack = &config.Slack{Channel: "C1", Usergroup: "S1", Topic: true}
	r.Duties = "- watch the alerts"
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	sh := engine.Shift{ID: "sre/main/2026-12-01T09:00:00Z", Start: start, End: start.Add(24 * time.Hour), Assignees: []string{"ny", "lon"}}
	ny := config.Member{ID: "ny", Name: "New York", Timezone: "America/New_York"}
	lon := config.Member{ID: "lon", Name: "London"}
	rec := &recorder{}
	a := &Activities{Notifier: rec, Pager: rec, Calendars: rec, Logger: slog.New(slog.DiscardHandler)}
	ctx := context.Background()
	if err := a.Notify(ctx, NotifyInput{Rotation: r, Shift: sh, Assignees: []config.Member{ny, lon}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Handoff(ctx, HandoffInput{Rotation: r, Shift: sh, Assignees: []config.Member{ny, lon}}); err != nil {
		t.Fatal(err)
	}
	if err := a.SyncPager(ctx, PagerInput{Schedule: "s", Shift: sh, Event: "handoff/r3"}); err != nil {
		t.Fatal(err)
	}
	if err := a.PublishCalendars(ctx, PublishInput{Rotation: "sre", Version: 7}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		sh.ID + "/notify/ny", sh.ID + "/notify/lon",
		sh.ID + "/handoff/announce", sh.ID + "/handoff/usergroup", sh.ID + "/handoff/topic",
		sh.ID + "/handoff/r3/pager", "sre/calendar/7",
	}
	if !slices.Equal(rec.keys, want) {
		t.Errorf("keys %q, want %q", rec.keys, want)
	}
	// Times in each member's zone (else the rotation's), zone named.
	if s := rec.texts[0]; !strings.Contains(s, "Tue 2026-12-01 04:00 EST") || !strings.Contains(s, "watch the alerts") || !strings.Contains(s, "With you: lon") {
		t.Errorf("message to ny: %q", s)
	}
	if s := rec.texts[1]; !strings.Contains(s, "Tue 2026-12-01 09:00 GMT") {
		t.Errorf("message to lon: %q", s)
	}
	if s := rec.texts[2]; s != "New York, London are now on call for SRE primary on-call, until Wed 2026-12-02 09:00 GMT." {
		t.Errorf("announcement: %q", s)
	}
}
