package lab

import (
	"errors"
	"slices"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/workflows"
)

// withStrategy returns rot with every layer's strategy set to st.
func withStrategy(rot config.Rotation, st config.Strategy) config.Rotation {
	rot.Layers = slices.Clone(rot.Layers)
	for i := range rot.Layers {
		rot.Layers[i].Strategy = st
	}
	return rot
}

// randomEvents are the seeded random leave and swaps of the options.
func (s *sim) randomEvents() []Event {
	var out []Event
	loc := s.start.Location()
	y, m, d := s.start.Date()
	first := time.Date(y, m, d, 0, 0, 0, 0, loc)
	days := 0
	for first.AddDate(0, 0, days).Before(s.to) {
		days++
	}
	if s.opt.RandomLeave > 0 && days > 0 {
		for _, member := range s.opt.Rotation.MemberIDs() {
			away := make([]bool, days)
			target := int(s.opt.RandomLeave*float64(days) + 0.5)
			n := 0
			for tries := 0; n < target && tries < 10*days; tries++ {
				from, length := s.rng.IntN(days), 1+s.rng.IntN(10)
				for k := from; k < min(from+length, days) && n < target; k++ {
					if !away[k] {
						away[k] = true
						n++
					}
				}
			}
			for k := 0; k < days; {
				if !away[k] {
					k++
					continue
				}
				j := k
				for j < days && away[j] {
					j++
				}
				from, to := first.AddDate(0, 0, k), first.AddDate(0, 0, j)
				// Reported one to fourteen days ahead, not before the
				// rotation is running.
				at := from.Add(-time.Duration(1+s.rng.IntN(14)) * 24 * time.Hour)
				if at.Before(s.begin()) {
					at = s.begin()
				}
				out = append(out, Event{Source: "random", At: at, Op: workflows.Unavailable, Member: member,
					From: from, To: to, Reason: "random leave"})
				k = j
			}
		}
	}
	span := s.to.Sub(s.start)
	for range s.opt.RandomSwaps {
		if span <= 0 {
			break
		}
		at := s.start.Add(time.Duration(s.rng.Int64N(int64(span))))
		out = append(out, Event{Source: "random", At: at, Op: workflows.Swap, randomSwap: true})
	}
	return out
}

// randomSwap picks two final shifts ahead and a member of each who is not
// on the other, and asks to swap them.
func (s *sim) randomSwap(env *testsuite.TestWorkflowEnvironment) (string, any, error) {
	now := env.Now()
	ahead := max(s.cfg.Rotation.PlanAhead, 24*time.Hour)
	var plan render.Plan
	if err := s.query(env, workflows.QuerySchedule, &plan, workflows.ScheduleQuery{From: now, To: now.Add(ahead)}); err != nil {
		return "", nil, err
	}
	var final []render.Shift
	for _, sh := range plan.Shifts {
		if sh.Status == workflows.StatusFinal && sh.Start.After(now) && len(sh.Assignees) > 0 {
			final = append(final, sh)
		}
	}
	if len(final) < 2 {
		return "", nil, errors.New("no two final shifts ahead to swap")
	}
	a := final[s.rng.IntN(len(final))]
	ma := a.Assignees[s.rng.IntN(len(a.Assignees))]
	type pick struct {
		shift  render.Shift
		member string
	}
	var picks []pick
	for _, b := range final {
		if b.ID == a.ID || slices.Contains(b.Assignees, ma) {
			continue
		}
		for _, mb := range b.Assignees {
			if !slices.Contains(a.Assignees, mb) {
				picks = append(picks, pick{b, mb})
			}
		}
	}
	if len(picks) == 0 {
		return "", nil, errors.New("no member to swap with")
	}
	b := picks[s.rng.IntN(len(picks))]
	// Asked by the member who gives the shift away.
	return workflows.Swap, workflows.SwapInput{ShiftA: a.ID, MemberA: ma, ShiftB: b.shift.ID, MemberB: b.member, RequestedBy: ma}, nil
}
