package engine_test

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/engine"
)

// TestDeltaBringsAStateUpToDate runs random plans, changes and compactions
// on a state and checks after each that applying Diff(before, after) to
// before (as the workflow does, through JSON) gives after exactly.
func TestDeltaBringsAStateUpToDate(t *testing.T) {
	for _, rotation := range []string{"sre", "sre-layers"} {
		t.Run(rotation, func(t *testing.T) {
			p := planner(t, scenario(t, "sre-24h.yaml"), rotation)
			start := p.Calendar().Start.In(p.Calendar().Location)
			members := p.Rotation().MemberIDs()
			rng := rand.New(rand.NewPCG(1, 2))
			st := p.NewState(start)
			now := start
			var mirror *engine.State // what the workflow holds
			for step := range 300 {
				before := roundTrip(t, st)
				st = roundTrip(t, st)
				switch r := rng.IntN(10); {
				case r < 4:
					p.PlanUntil(st, now.Add(14*24*time.Hour))
				case r < 5:
					now = now.Add(time.Duration(rng.IntN(72)) * time.Hour)
					p.Compact(st, now.Add(-7*24*time.Hour))
				case len(st.Shifts) > 2:
					a := st.Shifts[rng.IntN(len(st.Shifts))]
					b := st.Shifts[rng.IntN(len(st.Shifts))]
					m := members[rng.IntN(len(members))]
					switch r {
					case 5:
						_, _ = p.Swap(st, a.ID, a.Assignees[0], b.ID, b.Assignees[0], now)
					case 6:
						_, _ = p.Cover(st, a.ID, a.Assignees[0], m, now)
					case 7:
						_, _ = p.LeaveShift(st, a.ID, a.Assignees[0], now)
					case 8:
						_, _ = p.Unavailable(st, m, a.Start, a.End, "test", now)
					default:
						_, _ = p.Assign(st, b.ID, []string{m}, now)
					}
				}
				d, ok := engine.Diff(before, st)
				if !ok {
					t.Fatalf("step %d: Diff refused", step)
				}
				raw, err := json.Marshal(d)
				if err != nil {
					t.Fatal(err)
				}
				var got engine.Delta
				if err := json.Unmarshal(raw, &got); err != nil {
					t.Fatal(err)
				}
				if mirror == nil {
					mirror = roundTrip(t, before)
				}
				got.Apply(mirror)
				if want := roundTrip(t, st); !reflect.DeepEqual(roundTrip(t, mirror), want) {
					a, _ := json.Marshal(mirror)
					b, _ := json.Marshal(want)
					t.Fatalf("step %d: applied delta gives\n%s\nwant\n%s", step, a, b)
				}
			}
		})
	}
}

// TestDeltaIsSmall: planning one more shift of a rotation with months of
// shifts planned gives a delta of that shift and the ledgers, not of the
// whole state.
func TestDeltaIsSmall(t *testing.T) {
	p := planner(t, scenario(t, "sre-24h.yaml"), "sre")
	start := p.Calendar().Start.In(p.Calendar().Location)
	st := p.NewState(start)
	p.PlanShifts(st, 120)
	before := roundTrip(t, st)
	p.PlanShifts(st, 1)
	d, ok := engine.Diff(before, st)
	if !ok {
		t.Fatal("Diff refused")
	}
	if len(d.Shifts) != 1 || !d.Shifts[0].New || d.Shifts[0].After != before.Shifts[len(before.Shifts)-1].ID {
		t.Errorf("delta shifts %+v, want the one new shift after the last", d.Shifts)
	}
	// Those who did not serve it send only what they could have been
	// expected to carry; the assignees their whole ledger.
	for _, e := range d.Ledgers {
		if on := d.Shifts[0].Shift.Has(e.Member); on != (e.Ledger != nil) || on == (e.Expected != nil) {
			t.Errorf("ledger of %s (on the shift: %v): whole %v, expected only %v", e.Member, on, e.Ledger != nil, e.Expected != nil)
		}
	}
	whole, _ := json.Marshal(st)
	delta, _ := json.Marshal(d)
	if len(delta)*10 > len(whole) {
		t.Errorf("delta of one shift is %d bytes, the state %d", len(delta), len(whole))
	}
	t.Logf("state %d bytes, delta of one shift %d bytes", len(whole), len(delta))
}

// TestCompact drops ended shifts, ended unavailability, stale manual
// assignments and departed members' ledgers, and keeps the load.
func TestCompact(t *testing.T) {
	p := planner(t, scenario(t, "sre-24h.yaml"), "sre")
	start := p.Calendar().Start.In(p.Calendar().Location)
	st := p.NewState(start)
	p.PlanShifts(st, 30)
	m := st.Shifts[2].Assignees[0]
	if _, err := p.Unavailable(st, m, st.Shifts[2].Start, st.Shifts[2].End, "", start); err != nil {
		t.Fatal(err)
	}
	st.Overrides["sre/main/2020-01-01T09:00:00Z"] = []string{m}
	st.Ledgers["gone"] = &engine.Ledger{}
	total := func() float64 {
		var n float64
		for _, l := range st.Ledgers {
			n += l.Actual.Total()
		}
		return n
	}
	load := total()
	cut := st.Shifts[10].Start
	p.Compact(st, cut)
	if st.Shifts[0].End.Before(cut) {
		t.Errorf("first shift kept ends %s, before %s", st.Shifts[0].End, cut)
	}
	if len(st.Away) != 0 || len(st.Overrides) != 0 {
		t.Errorf("away %v, overrides %v: want both empty", st.Away, st.Overrides)
	}
	if _, ok := st.Ledgers["gone"]; ok {
		t.Error("the ledger of a departed member was kept")
	}
	if total() != load {
		t.Errorf("load %v after compaction, want %v", total(), load)
	}
}
