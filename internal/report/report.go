// Package report measures a plan: load per member, how evenly it is spread,
// how much of it is covered, and which rules it breaks.
package report

import (
	"math"
	"slices"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/engine"
)

// Member is one member's load.
type Member struct {
	ID      string  `json:"id"`
	Shifts  int     `json:"shifts"`
	Hours   float64 `json:"hours"`
	Weekday int     `json:"weekday"`
	Weekend int     `json:"weekend"`
	Holiday int     `json:"holiday"`
	// Hours by kind of shift: they add up to Hours.
	WeekdayHours float64 `json:"weekday_hours"`
	WeekendHours float64 `json:"weekend_hours"`
	HolidayHours float64 `json:"holiday_hours"`
}

// Spread is max minus min over members, of shifts and of each kind.
type Spread struct {
	Shifts  int `json:"shifts"`
	Weekday int `json:"weekday"`
	Weekend int `json:"weekend"`
	Holiday int `json:"holiday"`
}

// Report is the measure of a plan.
type Report struct {
	Members []Member `json:"members"`
	Spread  Spread   `json:"spread"`
	// Balance is Grafana OnCall's balance score: the mean over all pairs of
	// members of min(hours)/max(hours), as a percentage.
	Balance float64 `json:"balance"`
	// Coverage is the percentage of seats filled.
	Coverage float64 `json:"coverage"`
	// NeedViolations counts needs short of their min or over their max, over all shifts.
	NeedViolations int `json:"need_violations"`
	// BeyondLimit is how far the plan is from the limit of fair, per kind:
	// the spread over members of their load less their fair share (an
	// equal part of every shift they could have taken), in whole shifts
	// beyond 1. All 0: every member is within a shift of every other,
	// counted against their share; with equal availability, a spread of 3
	// weekends is 2 beyond. Members with time away are measured against a
	// smaller share, not against those who were there.
	BeyondLimit Spread `json:"beyond_limit"`
	// RestViolations counts shifts that start less than min_rest after the
	// member's previous one ended. (Serving on the next calendar day is
	// none when the rest between the shifts is at least min_rest.)
	RestViolations int `json:"rest_violations"`
}

// Input is what a report is built from.
type Input struct {
	Shifts  []engine.Shift
	Members []string // who takes part; members with no shift count too
	Size    func(layer string) int
	MinRest time.Duration
}

// Build measures in.Shifts.
func Build(in Input) Report {
	r := Report{Members: make([]Member, len(in.Members))}
	byID := make(map[string]*Member, len(in.Members))
	for i, id := range in.Members {
		r.Members[i].ID = id
		byID[id] = &r.Members[i]
	}
	seats, filled := 0, 0
	served := map[string][]*engine.Shift{}
	for i := range in.Shifts {
		sh := &in.Shifts[i]
		size := 1
		if in.Size != nil {
			size = in.Size(sh.Layer)
		}
		seats += size
		filled += min(size, len(sh.Assignees))
		r.NeedViolations += sh.Violations
		for _, id := range sh.Assignees {
			served[id] = append(served[id], sh)
			m := byID[id]
			if m == nil {
				// A member outside the list (a cover) still shows up.
				r.Members = append(r.Members, Member{ID: id})
				m = &r.Members[len(r.Members)-1]
				byID = reindex(r.Members)
			}
			m.Shifts++
			h := sh.Hours()
			m.Hours += h
			switch sh.Kind {
			case calendar.Weekend:
				m.Weekend++
				m.WeekendHours += h
			case calendar.Holiday:
				m.Holiday++
				m.HolidayHours += h
			default:
				m.Weekday++
				m.WeekdayHours += h
			}
		}
	}
	if seats > 0 {
		r.Coverage = round1(100 * float64(filled) / float64(seats))
	} else {
		r.Coverage = 100
	}
	r.Spread = spread(r.Members)
	r.Balance = balance(r.Members)
	for _, m := range in.Members {
		r.RestViolations += restViolations(served[m], in.MinRest)
	}
	return r
}

func reindex(ms []Member) map[string]*Member {
	out := make(map[string]*Member, len(ms))
	for i := range ms {
		out[ms[i].ID] = &ms[i]
	}
	return out
}

func spread(ms []Member) Spread {
	if len(ms) == 0 {
		return Spread{}
	}
	width := func(f func(Member) int) int {
		lo, hi := f(ms[0]), f(ms[0])
		for _, m := range ms[1:] {
			lo, hi = min(lo, f(m)), max(hi, f(m))
		}
		return hi - lo
	}
	return Spread{
		Shifts:  width(func(m Member) int { return m.Shifts }),
		Weekday: width(func(m Member) int { return m.Weekday }),
		Weekend: width(func(m Member) int { return m.Weekend }),
		Holiday: width(func(m Member) int { return m.Holiday }),
	}
}

// balance is the mean over all pairs of members of min(hours)/max(hours),
// in percent; a pair with no hours at all counts as balanced. It sorts the
// hours instead of comparing every pair: for hours h1 <= h2 <= ... <= hn,
// the pairs (i, j), i < j, sum to the sum over j of (h1 + ... + h(j-1))/hj,
// and a pair of zeros counts 1. O(n log n).
func balance(ms []Member) float64 {
	if len(ms) < 2 {
		return 100
	}
	return round1(100 * pairMean(ms))
}

// pairMean is the mean over all pairs of min(hours)/max(hours).
func pairMean(ms []Member) float64 {
	hours := make([]float64, len(ms))
	for i, m := range ms {
		hours[i] = m.Hours
	}
	slices.Sort(hours)
	sum, prefix := 0.0, 0.0
	for j, h := range hours {
		if h > 0 {
			sum += prefix / h
		} else {
			sum += float64(j) // every earlier member has no hours either
		}
		prefix += h
	}
	n := float64(len(hours))
	return sum / (n * (n - 1) / 2)
}

// restViolations counts the shifts of one member that start less than
// minRest after the end of their previous one.
func restViolations(shifts []*engine.Shift, minRest time.Duration) int {
	slices.SortFunc(shifts, func(a, b *engine.Shift) int { return a.Start.Compare(b.Start) })
	n := 0
	for i := 1; i < len(shifts); i++ {
		prev, cur := shifts[i-1], shifts[i]
		if cur.Split && prev.End.Equal(cur.Start) {
			continue // the rest of a shift they were already on
		}
		if cur.Start.Sub(prev.End) < minRest {
			n++
		}
	}
	return n
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// Of measures shifts planned by p.
func Of(p *engine.Planner, shifts []engine.Shift) Report {
	rot := p.Rotation()
	size := map[string]int{}
	for _, l := range rot.Layers {
		size[l.Name] = l.Size
	}
	r := Build(Input{
		Shifts:  shifts,
		Members: rot.MemberIDs(),
		Size:    func(layer string) int { return size[layer] },
		MinRest: rot.MinRest,
	})
	r.BeyondLimit = beyond(r.Members, p.FairShares(shifts, nil))
	return r
}

// beyond measures how far members' loads are from the limit of fair
// against their shares (see Report.BeyondLimit). Members without a share
// (covers from outside the rotation) are left out.
func beyond(ms []Member, shares map[string]engine.Tally) Spread {
	var lo, hi [4]float64
	seen := false
	for _, m := range ms {
		sh, ok := shares[m.ID]
		if !ok {
			continue
		}
		v := [4]float64{float64(m.Shifts) - sh.Total(), float64(m.Weekday) - sh.Weekday,
			float64(m.Weekend) - sh.Weekend, float64(m.Holiday) - sh.Holiday}
		for k := range v {
			if !seen || v[k] < lo[k] {
				lo[k] = v[k]
			}
			if !seen || v[k] > hi[k] {
				hi[k] = v[k]
			}
		}
		seen = true
	}
	over := func(k int) int { return max(0, int(math.Floor(hi[k]-lo[k]+1e-9))-1) }
	return Spread{Shifts: over(0), Weekday: over(1), Weekend: over(2), Holiday: over(3)}
}

// OfState measures the whole history of a rotation planned by p: each
// member's load comes from the ledgers, which keep the load of the shifts
// Prune dropped; coverage and violations are over the shifts st still
// holds. A shift split while running counts by its share.
func OfState(p *engine.Planner, st *engine.State) Report {
	r := Of(p, st.Shifts)
	for i := range r.Members {
		m := &r.Members[i]
		led, ok := st.Ledgers[m.ID]
		if !ok {
			continue
		}
		a := led.Actual
		m.Weekday, m.Weekend, m.Holiday = whole(a.Weekday), whole(a.Weekend), whole(a.Holiday)
		m.Shifts, m.Hours = whole(a.Total()), round1(a.Hours)
		// A ledger from before hours were kept by kind counts them all as
		// weekday hours.
		m.WeekdayHours = round1(max(0, a.HoursOf(calendar.Weekday)))
		m.WeekendHours, m.HolidayHours = round1(a.WeekendHours), round1(a.HolidayHours)
	}
	r.Spread = spread(r.Members)
	r.Balance = balance(r.Members)
	shares := make(map[string]engine.Tally, len(r.Members))
	for _, m := range r.Members { // not a range over the map: workflow code calls this
		if led, ok := st.Ledgers[m.ID]; ok {
			shares[m.ID] = led.Expected
		}
	}
	r.BeyondLimit = beyond(r.Members, shares)
	return r
}

func whole(x float64) int { return int(math.Round(x)) }
