package engine

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/needfill"
)

// Planner plans one rotation. It is built once from the config and is
// read-only afterwards, so it is safe for concurrent use.
type Planner struct {
	rot     *config.Rotation
	spec    calendar.Spec
	members []memberInfo   // every member of the config, in config order
	index   map[string]int // member id -> index in members
	layers  []layerInfo
	byName  map[string]int // layer name -> index in layers
}

type span struct{ from, to time.Time }

func (s span) overlaps(from, to time.Time) bool { return s.from.Before(to) && from.Before(s.to) }

type memberInfo struct {
	cfg  *config.Member
	away []span // unavailable windows from the config, in the rotation's zone
	tie  uint64 // seeded tie-break, stable across runs
}

type needInfo struct {
	cfg config.Need
	max int // -1: no limit
}

type layerInfo struct {
	cfg         *config.Layer
	members     []int       // member indexes, in the layer's order
	from, until []time.Time // membership bounds per position; zero: unbounded
	needs       []needInfo
	qual        [][]bool // qual[n][pos]: the member at pos qualifies for need n
	sig         []uint64 // per position: bit n set when qual[n][pos]; nil past needfill.MaxNeeds
	fill        []needfill.Need
	home        []int // per position: the member's team (a need with a max), -1: none; nil: no such need
}

// New builds a planner for rot. members are all members of the config
// (anyone may cover a shift); the rotation's layers name who takes part.
func New(rot *config.Rotation, members []config.Member) (*Planner, error) {
	if rot == nil {
		return nil, errors.New("engine: no rotation")
	}
	spec, err := rot.CalendarSpec()
	if err != nil {
		return nil, fmt.Errorf("rotation %s: %w", rot.ID, err)
	}
	p := &Planner{rot: rot, spec: spec, index: make(map[string]int, len(members)), byName: map[string]int{}}
	for i := range members {
		m := &members[i]
		info := memberInfo{cfg: m, tie: tieBreak(rot.Seed, m.ID)}
		for _, w := range m.Unavailable {
			from, to := w.In(spec.Location)
			info.away = append(info.away, span{from, to})
		}
		p.index[m.ID] = len(p.members)
		p.members = append(p.members, info)
	}
	if len(rot.Layers) == 0 {
		return nil, fmt.Errorf("rotation %s: no layers", rot.ID)
	}
	for li := range rot.Layers {
		l := &rot.Layers[li]
		if l.Size < 1 {
			return nil, fmt.Errorf("rotation %s layer %s: size %d, want at least 1", rot.ID, l.Name, l.Size)
		}
		info := layerInfo{cfg: l}
		for _, ms := range l.Members {
			mi, ok := p.index[ms.ID]
			if !ok {
				return nil, fmt.Errorf("rotation %s layer %s: unknown member %q", rot.ID, l.Name, ms.ID)
			}
			var from, until time.Time
			if ms.From != nil {
				from = ms.From.Start(spec.Location)
			}
			if ms.Until != nil {
				until = ms.Until.Start(spec.Location)
			}
			info.members = append(info.members, mi)
			info.from = append(info.from, from)
			info.until = append(info.until, until)
		}
		for _, n := range l.Needs {
			ni := needInfo{cfg: n, max: -1}
			if n.HasMax {
				ni.max = n.Max
			}
			q := make([]bool, len(info.members))
			for pos, mi := range info.members {
				q[pos] = n.Qualifies(p.members[mi].cfg)
			}
			info.needs = append(info.needs, ni)
			info.qual = append(info.qual, q)
		}
		if len(info.needs) <= needfill.MaxNeeds {
			for _, n := range info.needs {
				info.fill = append(info.fill, needfill.Need{Min: n.cfg.Min, Max: n.max})
			}
			info.sig = make([]uint64, len(info.members))
			for n := range info.needs {
				for pos := range info.members {
					if info.qual[n][pos] {
						info.sig[pos] |= 1 << n
					}
				}
			}
		}
		info.home = homes(&info)
		p.byName[l.Name] = li
		p.layers = append(p.layers, info)
	}
	return p, nil
}

// homes returns each member's team in l: of the needs with a max they
// qualify for, the one that shares members with the fewest other such
// needs, then the smallest, then the first. Teams such as ABC-FS1 (at most
// one per shift) share members only with a role that cuts across them,
// such as lead. It returns nil when l has no need with a max.
func homes(l *layerInfo) []int {
	capped := []int{}
	for n, need := range l.needs {
		if need.max >= 0 {
			capped = append(capped, n)
		}
	}
	if len(capped) == 0 {
		return nil
	}
	size := make([]int, len(l.needs))
	overlaps := make([]int, len(l.needs))
	for _, a := range capped {
		for pos := range l.members {
			if l.qual[a][pos] {
				size[a]++
			}
		}
		for _, b := range capped {
			if a == b {
				continue
			}
			for pos := range l.members {
				if l.qual[a][pos] && l.qual[b][pos] {
					overlaps[a]++
					break
				}
			}
		}
	}
	home := make([]int, len(l.members))
	for pos := range l.members {
		home[pos] = -1
		for _, n := range capped {
			if !l.qual[n][pos] {
				continue
			}
			if h := home[pos]; h < 0 || overlaps[n] < overlaps[h] || overlaps[n] == overlaps[h] && size[n] < size[h] {
				home[pos] = n
			}
		}
	}
	return home
}

// tieBreak is a member's place in the last tie-break: a hash of the seed
// and the member's id, so it is stable and independent of input order.
func tieBreak(seed int64, id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatInt(seed, 10) + "/" + id))
	return h.Sum64()
}

// Rotation returns the rotation the planner plans.
func (p *Planner) Rotation() *config.Rotation { return p.rot }

// Calendar returns the rotation's calendar.
func (p *Planner) Calendar() calendar.Spec { return p.spec }

// NewState returns the state of a rotation that begins with the slot
// running at from (or the first slot, if from is before the start).
// Earlier slots are not planned.
func (p *Planner) NewState(from time.Time) *State {
	k := p.spec.IndexAt(from)
	if k > 0 && calendar.Handoff(p.spec.Location, p.spec.Start, p.spec.Shift, k).After(from) {
		k--
	}
	st := &State{
		Rotation: p.rot.ID, Next: k,
		Seq: map[string]int{}, Ledgers: map[string]*Ledger{}, Queues: map[string]*Queue{},
		Overrides: map[string][]string{},
	}
	return st
}

// maxGap bounds the handoffs without a slot that planning walks over before
// it gives up (a layer whose days never come up).
const maxGap = 4096

// PlanUntil plans every slot not planned yet that starts before t, and
// returns the new shifts.
func (p *Planner) PlanUntil(st *State, t time.Time) []Shift {
	return p.plan(st, func(start time.Time, _ int) bool { return start.Before(t) }, 0)
}

// PlanShifts plans the next n slots and returns them (fewer if the rotation
// ends first).
func (p *Planner) PlanShifts(st *State, n int) []Shift {
	return p.plan(st, func(_ time.Time, planned int) bool { return planned < n }, 0)
}

func (p *Planner) plan(st *State, more func(start time.Time, planned int) bool, sample uint64) []Shift {
	st.init()
	w := p.newWork(st)
	first := len(st.Shifts)
	for {
		slot, ok := p.nextSlot(st.Next)
		if !ok || !more(slot.Start, len(st.Shifts)-first) {
			break
		}
		st.Next = slot.Index + 1
		p.planSlot(w, slot, sample)
	}
	return st.Shifts[first:]
}

// nextSlot returns the first slot at handoff k or later, and false when the
// rotation has ended (or no layer's days come up within maxGap handoffs).
func (p *Planner) nextSlot(k int) (calendar.Slot, bool) {
	var end time.Time
	if p.spec.End != nil {
		end = p.spec.End.In(p.spec.Location)
	}
	for gap := 0; gap < maxGap; k, gap = k+1, gap+1 {
		if !end.IsZero() && !calendar.Handoff(p.spec.Location, p.spec.Start, p.spec.Shift, k).Before(end) {
			break
		}
		if slot, ok := p.spec.SlotAt(k); ok {
			return slot, true
		}
	}
	return calendar.Slot{}, false
}

// Next returns the start of the first slot not planned yet in st, and false
// when the rotation has no more slots.
func (p *Planner) Next(st *State) (time.Time, bool) {
	slot, ok := p.nextSlot(st.Next)
	return slot.Start, ok
}

// Begin returns the state of the rotation before its first slot. Planning
// from it is what makes a schedule a function of the config alone: every
// program that plans the rotation (rota plan, the running workflow) starts
// here, whenever it runs.
func (p *Planner) Begin() *State { return p.NewState(time.Time{}) }

// PlanTo plans, from st, every slot that ends at or before t, and returns
// the one running at t if there is one (planned too): what planning from
// the start gives up to t, so that the shifts after are those of a plan
// from the start.
func (p *Planner) PlanTo(st *State, t time.Time) []Shift {
	for {
		next, ok := p.Next(st)
		if !ok || !next.Before(t) {
			return nil
		}
		sh := p.PlanShifts(st, 1)
		if len(sh) == 1 && sh[0].End.After(t) {
			return sh
		}
	}
}

// eligible reports whether the member at pos of layer l could take a slot
// from..to: a member of the layer then, and not away.
func (p *Planner) eligible(st *State, l *layerInfo, pos int, from, to time.Time) bool {
	if f := l.from[pos]; !f.IsZero() && from.Before(f) {
		return false
	}
	if u := l.until[pos]; !u.IsZero() && to.After(u) {
		return false // the shift does not end by the member's until
	}
	return !p.away(st, l.members[pos], from, to)
}

// away reports whether member mi is unavailable at any time in from..to.
func (p *Planner) away(st *State, mi int, from, to time.Time) bool {
	for _, s := range p.members[mi].away {
		if s.overlaps(from, to) {
			return true
		}
	}
	id := p.members[mi].cfg.ID
	for _, a := range st.Away {
		if a.Member == id && (span{a.From, a.To}).overlaps(from, to) {
			return true
		}
	}
	return false
}

// rested reports whether a member whose ledger is led may start a shift of
// layer (at layer sequence seq) at start: min_rest after their last shift
// (which must also have ended) and out of grace.
func (p *Planner) rested(led *Ledger, l *layerInfo, seq int, start time.Time) bool {
	if led == nil {
		return true
	}
	if !led.Last.End.IsZero() && start.Before(led.Last.End.Add(p.rot.MinRest)) {
		return false
	}
	if last := led.Last.Seq[l.cfg.Name]; last > 0 && seq-(last-1) <= l.cfg.Grace {
		return false
	}
	return true
}

// work is what one planning call keeps at hand: the state, each member's
// ledger (looked up once per call, not once per slot) and buffers reused
// from slot to slot.
type work struct {
	st         *State
	leds       []*Ledger // by member index; nil until first asked for
	elig, free []int
	keys       []fairKey
	ahead      []int // by layer position, see aheadOfTeam
}

func (p *Planner) newWork(st *State) *work {
	return &work{st: st, leds: make([]*Ledger, len(p.members))}
}

// ledger returns the ledger of member mi, creating it.
func (w *work) ledger(p *Planner, mi int) *Ledger {
	if w.leds[mi] == nil {
		w.leds[mi] = w.st.ledger(p.members[mi].cfg.ID)
	}
	return w.leds[mi]
}

// planSlot chooses who serves slot and records it in the state.
func (p *Planner) planSlot(w *work, slot calendar.Slot, sample uint64) {
	st := w.st
	l := &p.layers[p.byName[slot.Layer]]
	seq := st.Seq[slot.Layer]
	sh := Shift{
		ID: slot.ID, Layer: slot.Layer, Kind: slot.Kind, Start: slot.Start, End: slot.End,
		Index: slot.Index, Seq: seq, Count: st.Count, Share: 1,
		Assignees: []string{}, Problems: []string{},
	}

	// Everyone who could have taken the slot gets an equal share of it.
	elig := w.elig[:0]
	for pos := range l.members {
		if p.eligible(st, l, pos, slot.Start, slot.End) {
			elig = append(elig, pos)
		}
	}
	w.elig = elig
	if len(elig) > 0 {
		share := float64(l.cfg.Size) / float64(len(elig))
		hours := share * sh.Hours()
		for _, pos := range elig {
			w.ledger(p, l.members[pos]).Expected.add(slot.Kind, share, hours)
		}
	}

	if manual, ok := st.Overrides[slot.ID]; ok {
		sh.Assignees = append(sh.Assignees, manual...)
		sh.Manual = true
		delete(st.Overrides, slot.ID)
		p.check(l, &sh)
	} else {
		free := w.free[:0]
		for _, pos := range elig {
			if p.rested(w.ledger(p, l.members[pos]), l, seq, slot.Start) {
				free = append(free, pos)
			}
		}
		w.free = free
		chosen, problems, violations := p.choose(w, l, &sh, elig, free, sample)
		for _, pos := range chosen {
			sh.Assignees = append(sh.Assignees, p.members[l.members[pos]].cfg.ID)
		}
		sh.Problems, sh.Violations = problems, violations
		if l.cfg.Strategy == config.Queue {
			p.advanceQueue(st, l, &sh)
		}
	}
	st.Shifts = append(st.Shifts, sh)
	for _, id := range sh.Assignees {
		p.served(st, id, &sh)
	}
	st.Seq[slot.Layer] = seq + 1
	st.Count++
}

// served records in member's ledger that they serve sh.
func (p *Planner) served(st *State, member string, sh *Shift) {
	st.credit(member, sh, 1)
	st.ledger(member).Last.add(sh)
}
