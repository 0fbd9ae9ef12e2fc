package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
	"github.com/rota-scheduler/rota/internal/feed"
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
		if st == nil {
			st = &engine.State{}
		}
		res = roundTrip(t, res)
		res.Delta.Apply(st)
		got = append(got, st.Shifts[len(st.Shifts)-res.Planned:]...)
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

// TestPlanFromTheStart: a rotation planned for the first time ten days
// after its start plans every slot from the start (so the ledgers are those
// of rota plan) and keeps the last week of those that went by.
func TestPlanFromTheStart(t *testing.T) {
	rot, members := load(t, "sre")
	p, _ := engine.New(rot, members)
	start := p.Calendar().Start.In(p.Calendar().Location)
	now := start.Add(10*24*time.Hour + time.Hour)
	res, err := Plan(context.Background(), PlanInput{Rotation: *rot, Members: members, Horizon: now, Now: now, CompactBefore: now.Add(-7 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	st := &engine.State{}
	res.Delta.Apply(st)
	batch := p.Begin()
	p.PlanUntil(batch, now.Add(time.Nanosecond))
	p.Compact(batch, now.Add(-7*24*time.Hour))
	if got, want := assignments(st.Shifts), assignments(batch.Shifts); !slices.Equal(got, want) {
		t.Errorf("planned %v\nrota plan %v", got, want)
	}
	if len(st.Shifts) != 8 || !st.Shifts[len(st.Shifts)-1].Start.Equal(start.Add(10*24*time.Hour)) {
		t.Errorf("kept %d shifts, the last %s: want the running one and the 7 before", len(st.Shifts), st.Shifts[len(st.Shifts)-1].ID)
	}
	for id, l := range batch.Ledgers {
		if got := st.Ledgers[id]; got == nil || got.Actual != l.Actual {
			t.Errorf("ledger of %s: %+v, rota plan has %+v", id, got, l)
		}
	}
}

func assignments(shifts []engine.Shift) []string {
	out := make([]string, len(shifts))
	for i, sh := range shifts {
		out[i] = sh.ID + " " + strings.Join(sh.Assignees, ",")
	}
	return out
}

// TestPlanInBatches: a long plan_ahead of short shifts is planned in
// batches of MaxPlanBatch, each result small.
func TestPlanInBatches(t *testing.T) {
	rot, members := load(t, "sre")
	r := *rot
	r.Shift = calendar.Period{N: 15, Unit: calendar.Minute}
	p, err := engine.New(&r, members)
	if err != nil {
		t.Fatal(err)
	}
	start := p.Calendar().Start.In(p.Calendar().Location)
	horizon := start.Add(28 * 24 * time.Hour)
	st := &engine.State{}
	var in *engine.State
	calls, largest := 0, 0
	for {
		res, err := Plan(context.Background(), PlanInput{Rotation: r, Members: members, State: in, Horizon: horizon, Now: start})
		if err != nil {
			t.Fatal(err)
		}
		calls++
		b, _ := json.Marshal(res)
		largest = max(largest, len(b))
		res.Delta.Apply(st)
		in = roundTrip(t, st)
		if !res.More {
			break
		}
	}
	if n := 28*24*4 + 1; len(st.Shifts) != n {
		t.Fatalf("%d shifts, want %d", len(st.Shifts), n)
	}
	if calls < len(st.Shifts)/MaxPlanBatch {
		t.Errorf("%d calls for %d shifts", calls, len(st.Shifts))
	}
	if largest > 64<<10 {
		t.Errorf("largest result %d bytes", largest)
	}
	t.Logf("%d shifts in %d calls, largest result %d bytes", len(st.Shifts), calls, largest)
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
	if err != nil || res.Rejected == "" || len(res.Delta.Shifts) != 0 {
		t.Errorf("leave of a shift one is not on: %+v, %v; want a rejection", res, err)
	}
	in.Operation.Member = sh.Assignees[0]
	res, err = ApplyChange(context.Background(), roundTrip(t, in))
	if err != nil || res.Rejected != "" || len(res.Delta.Shifts) != 1 || len(res.Change.Shifts) != 1 {
		t.Fatalf("leave: %+v, %v", res, err)
	}
	after := st.Clone()
	res.Delta.Apply(after)
	if got, _ := after.Shift(sh.ID); got.Has(sh.Assignees[0]) {
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

// flaky is a Notifier and CalendarPublisher that fails the keys
// it is told to, and records the keys of the sends that went through.
type flaky struct {
	fail map[string]error
	sent []string
}

func (f *flaky) do(key string) error {
	if err := f.fail[key]; err != nil {
		return err
	}
	f.sent = append(f.sent, key)
	return nil
}
func (f *flaky) DirectMessage(_ context.Context, _ config.Member, _ Message, p Post) (Posted, error) {
	return Posted{}, f.do(p.Key)
}
func (f *flaky) Announce(_ context.Context, _ string, _ Message, p Post) (Posted, error) {
	return Posted{}, f.do(p.Key)
}
func (f *flaky) SetUsergroup(_ context.Context, _ string, _ []config.Member, key string) error {
	return f.do(key)
}
func (f *flaky) SetTopic(_ context.Context, _, _, key string) error { return f.do(key) }
func (f *flaky) Publish(_ context.Context, _ feed.Rotation, key string) error {
	return f.do(key)
}

// TestDeliverReportsEachSend: one failing send does not stop the others,
// and each outcome says whether trying again can help.
func TestDeliverReportsEachSend(t *testing.T) {
	f := &flaky{fail: map[string]error{
		"k2": errors.New("slack is down"),
		"k4": Permanent(errors.New("channel_not_found")),
	}}
	a := &Activities{Notifier: f, Calendars: f, Logger: slog.New(slog.DiscardHandler)}
	sh := engine.Shift{ID: "s"}
	m := config.Member{ID: "ann"}
	res, err := a.Deliver(context.Background(), DeliverInput{Effects: []Effect{
		{Key: "k1", Kind: EffectDM, Member: &m, Text: "hi"},
		{Key: "k2", Kind: EffectAnnounce, To: "C1", Text: "hello"},
		{Key: "k3", Kind: EffectPager, To: "sched", Shift: &sh},
		{Key: "k4", Kind: EffectTopic, To: "C404"},
		{Key: "k5", Kind: EffectCalendar, Rotation: "sre"},
		{Key: "k6", Kind: "smoke-signal"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Outcome{{Key: "k1"}, {Key: "k2", Error: "slack is down"}, {Key: "k3"},
		{Key: "k4", Error: "channel_not_found", Permanent: true}, {Key: "k5"},
		{Key: "k6", Error: `unknown kind of effect "smoke-signal"`, Permanent: true}}
	if !slices.Equal(res.Outcomes, want) {
		t.Errorf("outcomes %+v\nwant %+v", res.Outcomes, want)
	}
	// k3, an override queued by a run before pager sync, is left to
	// SyncPager; k5, a publication queued by a run before calendar feeds,
	// to PublishFeed.
	if !slices.Equal(f.sent, []string{"k1"}) {
		t.Errorf("sent %v", f.sent)
	}
}

// TestTexts: times in each member's zone (else the rotation's), zone
// named; the duty list and who shares the shift.
func TestTexts(t *testing.T) {
	rot, _ := load(t, "sre")
	r := *rot
	r.Duties = "- watch the alerts"
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	sh := engine.Shift{ID: "sre/main/2026-12-01T09:00:00Z", Start: start, End: start.Add(24 * time.Hour), Assignees: []string{"ny", "lon"}}
	ny := config.Member{ID: "ny", Name: "New York", Timezone: "America/New_York"}
	lon := config.Member{ID: "lon", Name: "London"}
	if s := NotifyMessage(&r, sh, ny, []config.Member{ny, lon}).Text(); !strings.Contains(s, "Tue 2026-12-01 04:00 EST") ||
		!strings.Contains(s, "(America/New_York)") || !strings.Contains(s, "- [ ] watch the alerts") || !strings.Contains(s, "With you: London.") ||
		!strings.Contains(s, "rota leave-shift --shift sre/main/2026-12-01T09:00:00Z --member ny --reason TEXT") {
		t.Errorf("message to ny: %q", s)
	}
	if s := NotifyMessage(&r, sh, lon, []config.Member{ny, lon}).Text(); !strings.Contains(s, "Tue 2026-12-01 09:00 GMT") {
		t.Errorf("message to lon: %q", s)
	}
	m := HandoffMessage(&r, sh, []config.Member{{ID: "ann", Name: "Ann"}}, []config.Member{ny, lon})
	if m.Title != "SRE primary on-call: Ann hands over to New York, London" || m.Lines[0] != "New York, London on call until Wed 2026-12-02 09:00 GMT." {
		t.Errorf("announcement: %+v", m)
	}
}

// TestFeedShiftsBounded: a rotation of short shifts planned far ahead has
// more final shifts than a feed shows: the feed takes the next
// feed.MaxFinal, no forecast, and its window ends there, so the shifts
// beyond (published before, say) are not cancelled.
func TestFeedShiftsBounded(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	st := &engine.State{}
	for i := -10; i < feed.MaxFinal+100; i++ {
		start := now.Add(time.Duration(i) * 15 * time.Minute)
		st.Shifts = append(st.Shifts, engine.Shift{ID: fmt.Sprintf("short/main/%s", start.Format(time.RFC3339)),
			Layer: "main", Kind: calendar.Weekday, Start: start, End: start.Add(15 * time.Minute), Assignees: []string{"ann"}})
	}
	shifts, w := FeedShifts(nil, st, now)
	live := 0
	for _, sh := range shifts {
		if sh.Forecast {
			t.Fatalf("forecast %s after a cut", sh.ID)
		}
		if sh.End.After(now) {
			live++
		}
	}
	if live != feed.MaxFinal || len(shifts) != feed.MaxFinal+10 {
		t.Errorf("%d shifts, %d not ended: want %d not ended and the 10 ended", len(shifts), live, feed.MaxFinal)
	}
	beyond := st.Shifts[len(shifts)]
	if w.To.After(beyond.Start) || !w.To.After(shifts[len(shifts)-1].Start) {
		t.Errorf("window to %s: want it to end after the last shift shown and by %s", w.To, beyond.Start)
	}
	// An event of a shift beyond the cut stays as it was.
	old := []feed.Event{{Shift: beyond.ID, Start: beyond.Start, End: beyond.End, Assignees: []string{"ann"}, Status: feed.Confirmed, Modified: now}}
	events, _ := feed.Update(old, shifts, w, now)
	for _, e := range events {
		if e.Shift == beyond.ID && e.Status != feed.Confirmed {
			t.Errorf("the shift beyond the cut became %s", e.Status)
		}
	}
}
