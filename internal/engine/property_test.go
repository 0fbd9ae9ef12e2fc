package engine

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
)

// propertyConfigs is how many generated configs TestFairProperty plans;
// make test runs the default, -fair.configs=2000 the long run.
var propertyConfigs = flag.Int("fair.configs", 150, "generated configs for TestFairProperty")

// genConfig is one generated fair rotation: n members of equal
// availability, shifts of one length, size seats, a rest rule or none,
// holidays or none, from some day of a week.
type genConfig struct {
	seed     uint64
	n, size  int
	shift    calendar.Period
	rest     time.Duration
	zone     string
	start    calendar.Date
	holidays []calendar.Date
	// tight: the team has at most one member to spare over the minimum
	// the rest rule allows, so the rule decides almost every choice.
	tight bool
}

func (g genConfig) String() string {
	return fmt.Sprintf("seed %d: %d members, %d%s x%d, min_rest %v, %s, from %s %s, %d holidays",
		g.seed, g.n, g.shift.N, map[calendar.Unit]string{calendar.Hour: "h", calendar.Week: "w"}[g.shift.Unit],
		g.size, g.rest, g.zone, g.start.Weekday(), g.start, len(g.holidays))
}

// shiftLen is a shift's nominal length.
func (g genConfig) shiftLen() time.Duration {
	if g.shift.Unit == calendar.Week {
		return time.Duration(g.shift.N) * 7 * 24 * time.Hour
	}
	return time.Duration(g.shift.N) * time.Hour
}

// generate draws config number i: team sizes 2-15, shifts of 12h, 24h or
// a week, 1-3 seats, with and without min_rest, with and without holidays,
// every start weekday, in UTC or London (DST). A rest rule is drawn only
// when the team can staff every shift under it with a day to spare for a
// DST change, so that every hard constraint can hold.
func generate(i int) genConfig {
	rng := rand.New(rand.NewPCG(uint64(i), 0x7f4a7c15))
	g := genConfig{seed: uint64(i)}
	g.n = 2 + rng.IntN(14)
	g.shift = []calendar.Period{{N: 12, Unit: calendar.Hour}, {N: 24, Unit: calendar.Hour}, {N: 1, Unit: calendar.Week}}[rng.IntN(3)]
	g.size = 1 + rng.IntN(min(3, g.n))
	g.zone = []string{"UTC", "Europe/London"}[rng.IntN(2)]
	if rng.IntN(2) == 0 {
		rest := []time.Duration{12 * time.Hour, 24 * time.Hour, 48 * time.Hour, 72 * time.Hour}[rng.IntN(4)]
		// Slots a member sits out after serving: the rest, plus, in a zone
		// with DST, an hour for the night that is an hour shorter.
		dst := time.Duration(0)
		if g.zone != "UTC" {
			dst = time.Hour
		}
		out := int(math.Ceil(float64(rest+dst) / float64(g.shiftLen())))
		if rest < g.shiftLen()*7 && g.n/g.size >= out+1 {
			g.rest, g.tight = rest, g.n/g.size <= out+2
		}
	}
	g.start = calendar.Date{Year: 2026, Month: 1, Day: 5 + rng.IntN(7)}
	if rng.IntN(3) > 0 {
		for y := 2026; y <= 2037; y++ {
			g.holidays = append(g.holidays, calendar.Date{Year: y, Month: 1, Day: 1}, calendar.Date{Year: y, Month: 12, Day: 25},
				calendar.Date{Year: y, Month: 12, Day: 26})
			for range rng.IntN(4) {
				g.holidays = append(g.holidays, calendar.Date{Year: y, Month: time.Month(2 + rng.IntN(10)), Day: 1 + rng.IntN(28)})
			}
		}
	}
	return g
}

func (g genConfig) planner(t testing.TB) *Planner {
	t.Helper()
	var members []config.Member
	var ms []config.Membership
	for i := range g.n {
		id := fmt.Sprintf("m%02d", i)
		members = append(members, config.Member{ID: id, Name: id})
		ms = append(ms, config.Membership{ID: id})
	}
	rot := &config.Rotation{
		ID: "r", Timezone: g.zone, Seed: int64(g.seed),
		Start: calendar.DateTime{Date: g.start, Hour: 9},
		Shift: g.shift, MinRest: g.rest,
		Weekend:  calendar.WeekdaysOf(time.Saturday, time.Sunday),
		Holidays: g.holidays,
		Layers:   []config.Layer{{Name: "main", Members: ms, Strategy: config.Fair, Size: g.size}},
	}
	p, err := New(rot, members)
	if err != nil {
		t.Fatalf("%s: %v", g, err)
	}
	return p
}

// counts is a member's shifts per kind: weekday, weekend, holiday.
type counts [3]int

func kindIndex(k calendar.Kind) int {
	switch k {
	case calendar.Weekend:
		return 1
	case calendar.Holiday:
		return 2
	}
	return 0
}

// spreads returns the spread (most minus fewest) of total, weekday,
// weekend and holiday shifts over members.
func spreads(cs []counts) [4]int {
	lo, hi := [4]int{math.MaxInt, math.MaxInt, math.MaxInt, math.MaxInt}, [4]int{}
	for _, c := range cs {
		for i, v := range [4]int{c[0] + c[1] + c[2], c[0], c[1], c[2]} {
			lo[i], hi[i] = min(lo[i], v), max(hi[i], v)
		}
	}
	var out [4]int
	for i := range out {
		out[i] = hi[i] - lo[i]
	}
	return out
}

func within1(s [4]int) bool { return s[0] <= 1 && s[1] <= 1 && s[2] <= 1 && s[3] <= 1 }

// witness builds a schedule for the slots by another method than the
// engine's, to show what spreads the rest rule allows: in windows of
// n/size slots (each member serves at most once in a window), the seats
// are given by a least-cost assignment whose costs put the members with
// the fewest shifts first, then the fewest of the seat's kind, then, for a
// weekday seat, those with the most weekends and holidays. A member who
// would not be rested cannot take a seat. It returns each member's counts
// after each slot's checkpoint (at reports which slots are checkpoints),
// and false when some window could not be staffed that way, in which case
// it proves nothing.
func witness(g genConfig, slots []calendar.Slot, at func(i int) bool) ([][]counts, bool) {
	n := g.n
	per := n / g.size // slots per window
	cs := make([]counts, n)
	lastEnd := make([]time.Time, n)
	var out [][]counts
	for w := 0; w < len(slots); w += per {
		win := slots[w:min(w+per, len(slots))]
		seats := len(win) * g.size
		cost := make([][]int64, seats)
		for s := range seats {
			slot := win[s/g.size]
			k := kindIndex(slot.Kind)
			cost[s] = make([]int64, n)
			for m := range n {
				if !lastEnd[m].IsZero() && slot.Start.Before(lastEnd[m].Add(g.rest)) {
					cost[s][m] = Forbidden
					continue
				}
				c := cs[m]
				x := int64(c[0]+c[1]+c[2])<<40 + int64(c[k])<<24
				if k == 0 {
					x -= int64(c[1]+c[2]) << 8
				}
				cost[s][m] = x + int64((m+w)%n) // a rotating tie-break
			}
		}
		assign, ok := assignment(cost)
		if !ok {
			return nil, false
		}
		for s, m := range assign {
			slot := win[s/g.size]
			cs[m][kindIndex(slot.Kind)]++
			lastEnd[m] = slot.End
		}
		for i := w; i < w+len(win); i++ {
			if at(i) {
				out = append(out, slices.Clone(cs))
			}
		}
	}
	return out, true
}

// TestAssignment checks the assignment against every permutation of small
// random matrices.
func TestAssignment(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		rows, cols := 1+rng.IntN(5), 0
		cols = rows + rng.IntN(3)
		cost := make([][]int64, rows)
		for i := range cost {
			cost[i] = make([]int64, cols)
			for j := range cost[i] {
				cost[i][j] = int64(rng.IntN(20)) - 5
				if rng.IntN(6) == 0 {
					cost[i][j] = Forbidden
				}
			}
		}
		best := int64(math.MaxInt64)
		var walk func(i int, used []bool, sum int64)
		walk = func(i int, used []bool, sum int64) {
			if i == rows {
				best = min(best, sum)
				return
			}
			for j := range cols {
				if !used[j] && cost[i][j] != Forbidden {
					used[j] = true
					walk(i+1, used, sum+cost[i][j])
					used[j] = false
				}
			}
		}
		walk(0, make([]bool, cols), 0)
		got, ok := assignment(cost)
		if ok != (best != math.MaxInt64) {
			t.Fatalf("trial %d: ok %v, brute force best %v", trial, ok, best)
		}
		if !ok {
			continue
		}
		sum, seen := int64(0), map[int]bool{}
		for i, j := range got {
			if seen[j] {
				t.Fatalf("trial %d: column %d twice", trial, j)
			}
			seen[j] = true
			sum += cost[i][j]
		}
		if sum != best {
			t.Fatalf("trial %d: cost %v, brute force %v", trial, sum, best)
		}
	}
}

// TestFairProperty plans ten years of generated fair rotations (see
// generate) and checks every hard constraint on every shift: each fully
// staffed without a problem, nobody twice, min_rest kept. At the end of
// each year it compares the spreads of total, weekday, weekend and holiday
// shifts with the witness schedule's (another method, under the same rest
// rule):
//
//   - without a rest rule, on teams whose size the seats divide (whole
//     rounds), wherever the witness holds all four within 1, fair must too;
//   - everywhere else, fair may not be more than one shift over the limit
//     the witness shows reachable (max(witness, 1)) in any of the four;
//     on teams with at most one member to spare over the minimum the rest
//     rule allows (tight), where the rule decides almost every choice, not
//     more than two. How often fair is over the limit at all is logged:
//     that gap is open (issue 8).
//
// -fair.configs=600 runs a longer sweep.
func TestFairProperty(t *testing.T) {
	n := *propertyConfigs
	if testing.Short() {
		n = 20
	}
	strict, strictProved, over, yearEnds, checked, tight, tightOver := 0, 0, 0, 0, 0, 0, 0
	for i := range n {
		g := generate(i)
		p := g.planner(t)
		start := p.spec.Start.In(p.spec.Location)
		end := start.AddDate(10, 0, 0)
		st := p.Begin()
		shifts := p.PlanUntil(st, end)
		t.Run(fmt.Sprintf("hard/%d", i), func(t *testing.T) { checkHard(t, p, shifts) })
		slots := make([]calendar.Slot, len(shifts))
		for j, sh := range shifts {
			slots[j] = calendar.Slot{ID: sh.ID, Layer: sh.Layer, Index: sh.Index, Start: sh.Start, End: sh.End, Kind: sh.Kind}
		}
		// A checkpoint at the last slot that starts before each year's end.
		years := map[int]int{} // slot index -> years
		for y := 1; y <= 10; y++ {
			cut := start.AddDate(y, 0, 0)
			j := slices.IndexFunc(shifts, func(sh Shift) bool { return !sh.Start.Before(cut) })
			if j < 0 {
				j = len(shifts)
			}
			years[j-1] = y
		}
		at := func(j int) bool { _, ok := years[j]; return ok }
		wit, ok := witness(g, slots, at)
		if !ok {
			t.Logf("%s: no witness schedule; only the hard constraints are checked", g)
			continue
		}
		index := map[string]int{}
		for m := range g.n {
			index[fmt.Sprintf("m%02d", m)] = m
		}
		cs := make([]counts, g.n)
		var fair [][4]int
		for j, sh := range shifts {
			for _, id := range sh.Assignees {
				cs[index[id]][kindIndex(sh.Kind)]++
			}
			if at(j) {
				fair = append(fair, spreads(cs))
			}
		}
		checked++
		whole := g.rest == 0 && g.n%g.size == 0
		if whole {
			strict++
		}
		short, excess := 0, 0 // year-ends short of a limit the witness reaches
		for y, s := range fair {
			ws := spreads(wit[y])
			if within1(ws) && !within1(s) {
				short++
			}
			if whole && within1(ws) {
				strictProved++
				if !within1(s) {
					t.Errorf("%s: after %d years fair's spreads (total, weekday, weekend, holiday) are %v; the witness holds %v",
						g, y+1, s, ws)
				}
				continue
			}
			for k := range s {
				limit := max(ws[k], 1)
				excess = max(excess, s[k]-limit)
				if slack := 1 + b2i(g.tight); s[k] > limit+slack {
					t.Errorf("%s: after %d years fair's spreads are %v, more than %d over the witness's %v", g, y+1, s, slack, ws)
					break
				}
			}
		}
		if g.tight {
			tight++
			if excess > 1 {
				tightOver++
				t.Logf("%s (tight): %d over the witness's spreads at some year-end", g, excess)
			}
		}
		if short > 0 {
			over++
			yearEnds += short
			t.Logf("%s: short of the limit at %d year-ends where the witness holds it (final: fair %v, witness %v)", g, short, fair[len(fair)-1], spreads(wit[len(wit)-1]))
		}
	}
	t.Logf("%d configs with a witness schedule; %d in the strict class (%d year-ends shown reachable there); elsewhere %d short of the limit at %d year-ends where the witness holds it; %d tight, of which %d more than one over the witness",
		checked, strict, strictProved, over, yearEnds, tight, tightOver)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
