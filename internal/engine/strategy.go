package engine

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/config"
)

// order returns the layer positions in free, best first, as the layer's
// strategy ranks them for sh. elig are the positions that could take the
// slot at all (free, plus those resting or in grace).
func (p *Planner) order(w *work, l *layerInfo, sh *Shift, elig, free []int, sample uint64) *ranking {
	switch l.cfg.Strategy {
	case config.Queue:
		return sortedRanking(p.queueOrder(w.st, l, free))
	case config.Lottery:
		return sortedRanking(p.lotteryOrder(w.st, l, sh, free, sample))
	default:
		return p.fairOrder(w, l, sh, elig, free)
	}
}

// fairKey ranks a member for a shift under the fair strategy: keys are
// compared in order, larger first, then lastCount (smaller first), then tie.
type fairKey struct {
	pos       int
	keys      [5]int64
	lastCount int // 0: never served
	tie       uint64
	total     float64 // surplus of total load, for the team bands of teamRanking
}

// quantize turns a load into a whole number of millionths, so that equal
// loads reached by different sums compare equal and the order is total.
func quantize(x float64) int64 { return int64(math.Round(x * 1e6)) }

// fairOrder ranks the members in free for shift sh, best first. Load is
// kept per kind, and a member's debt of a kind is their expected load of it
// (an equal share of every shift of that kind they could have taken) minus
// what they carried. The rules, in order:
//
//  1. Holiday shifts go first to whoever is a whole holiday behind: they are
//     rare, so nobody should get a second one while someone has none.
//  2. Then by band of total load: those within half a shift of the least
//     loaded first, then those within a shift and a half, and so on, so
//     that nobody runs ahead in total.
//  3. Weekend and holiday shifts then go by debt of their kind. Weekday
//     shifts, the common kind, go to those furthest ahead on weekends, then
//     on holidays: that leaves the members short of weekends free for the
//     weekend, and lets weekdays even out the total.
//  4. Then by debt of hours, then whoever served longest ago, then a
//     seeded tie-break.
//
// Under a rest rule, choose may take instead a reservation's set, one that
// rule 2 allows too (see reservation). On a layer with teams, the solver
// ranks the candidates of its scarcest need by team first (teamRanking).
//
// elig are everyone who could have taken the shift (free, or resting): the
// band of rule 2 is measured over them.
func (p *Planner) fairOrder(w *work, l *layerInfo, sh *Shift, elig, free []int) *ranking {
	least := math.Inf(1)
	for _, pos := range elig {
		least = min(least, surplus(w.ledger(p, l.members[pos])).Total())
	}
	if cap(w.keys) < len(free) {
		w.keys = make([]fairKey, len(free))
	}
	keys := w.keys[:len(free)]
	for i, pos := range free {
		m := &p.members[l.members[pos]]
		led := w.ledger(p, l.members[pos])
		over := surplus(led)
		k := fairKey{pos: pos, tie: m.tie, total: over.Total()}
		if led != nil {
			k.lastCount = led.Last.Count
		}
		if sh.Kind == calendar.Holiday {
			k.keys[0] = int64(math.Floor(-over.Holiday + 1e-9))
		}
		k.keys[1] = -int64(math.Floor(over.Total() - least + 0.5))
		switch sh.Kind {
		case calendar.Weekday:
			k.keys[2] = quantize(over.Weekend + over.Holiday)
			k.keys[3] = quantize(over.Weekend)
			k.keys[4] = quantize(over.Holiday)
		default:
			k.keys[2] = quantize(-over.Of(sh.Kind))
			k.keys[3] = quantize(-(over.Weekend + over.Holiday))
			k.keys[4] = quantize(-over.Hours)
		}
		keys[i] = k
	}
	r := heapRanking(keys, fairBefore)
	r.teams = p.teamMeans(w, l, elig)
	if r.teams != nil {
		if len(w.ahead) < len(l.members) {
			w.ahead = make([]int, len(l.members))
		}
		r.ahead = w.ahead[:len(l.members)]
		aheadOfTeam(l, keys, r.ahead)
	}
	return r
}

// aheadOfTeam sets, for each candidate of keys on a layer with teams, how
// many whole shifts of total load the member is ahead of the least loaded
// candidate of their own team (0: none ahead, or no team), by layer
// position. A set that takes a member ahead while a teammate behind could
// serve spreads the team. Picking need by need, the solver does that when
// a member taken for one need (a team's one mobile) keeps out, through a
// max, the teammate owed another (the team's lead), and the next lead in
// line runs ahead of their team: so it looks on for a set that passes
// over fewer (see solve).
func aheadOfTeam(l *layerInfo, keys []fairKey, ahead []int) {
	least := make([]float64, len(l.needs))
	for n := range least {
		least[n] = math.Inf(1)
	}
	for i := range keys {
		if h := l.home[keys[i].pos]; h >= 0 {
			least[h] = min(least[h], keys[i].total)
		}
	}
	for i := range keys {
		k := &keys[i]
		ahead[k.pos] = 0
		if h := l.home[k.pos]; h >= 0 {
			ahead[k.pos] = int(math.Floor(k.total - least[h] + 0.5))
		}
	}
}

// teamMeans returns, on a layer with teams (see homes), the mean surplus
// of total load of each team's members in elig, by need (NaN: not a team,
// or nobody in elig); nil on a layer without teams.
func (p *Planner) teamMeans(w *work, l *layerInfo, elig []int) []float64 {
	if l.home == nil {
		return nil
	}
	sum := make([]float64, len(l.needs))
	cnt := make([]int, len(l.needs))
	for _, pos := range elig {
		if h := l.home[pos]; h >= 0 {
			sum[h] += surplus(w.ledger(p, l.members[pos])).Total()
			cnt[h]++
		}
	}
	for n := range sum {
		if cnt[n] == 0 {
			sum[n] = math.NaN()
		} else {
			sum[n] /= float64(cnt[n])
		}
	}
	return sum
}

// teamBand is the width of a band of team load, in shifts.
const teamBand = 1.0 / 8

// teamRanking ranks the candidates of a need (those keep allows) on a layer
// with teams, for the solver when that need is the scarcest: before rule
// 2's band of total load, by band of the candidate's surplus less their
// team's mean (an eighth of a shift wide). A team's load is set by its
// seats, not by the total: ranked against everyone, a member who covers a
// scarce need (the lead or the one mobile of a team that is behind in
// total) would take it whenever free and run ahead of their team, while
// the lead of a team at its mean would fall behind theirs.
func (r *ranking) teamRanking(l *layerInfo, keep func(pos int) bool) *ranking {
	keys := []fairKey{}
	rel := []float64{}
	least := math.Inf(1)
	for i := range r.keys {
		k := r.keys[i]
		if !keep(k.pos) {
			continue
		}
		x := k.total
		if h := l.home[k.pos]; h >= 0 && !math.IsNaN(r.teams[h]) {
			x -= r.teams[h]
		}
		keys = append(keys, k)
		rel = append(rel, x)
		least = min(least, x)
	}
	for i := range keys {
		keys[i].keys[1] += -int64(math.Floor((rel[i]-least)/teamBand+0.5)) << 20
	}
	return heapRanking(keys, r.less)
}

// fairBefore reports whether a ranks before b.
func fairBefore(a, b *fairKey) bool {
	for j := range a.keys {
		if a.keys[j] != b.keys[j] {
			return a.keys[j] > b.keys[j]
		}
	}
	if a.lastCount != b.lastCount {
		return a.lastCount < b.lastCount
	}
	return a.tie < b.tie
}

// surplus is what a member carried beyond their expected load, per kind.
func surplus(led *Ledger) Tally {
	if led == nil {
		return Tally{}
	}
	return Tally{
		Weekday: led.Actual.Weekday - led.Expected.Weekday,
		Weekend: led.Actual.Weekend - led.Expected.Weekend,
		Holiday: led.Actual.Holiday - led.Expected.Holiday,
		Hours:   led.Actual.Hours - led.Expected.Hours,
	}
}

// queueOrder lists first the members skipped earlier (in the order they were
// skipped), then the layer's members from the queue's position onwards.
func (p *Planner) queueOrder(st *State, l *layerInfo, free []int) []int {
	q := st.Queues[l.cfg.Name]
	if q == nil {
		q = &Queue{}
	}
	isFree := make([]bool, len(l.members))
	for _, pos := range free {
		isFree[pos] = true
	}
	out := make([]int, 0, len(free))
	for _, id := range q.Skipped {
		if pos := l.position(p, id); pos >= 0 && isFree[pos] {
			out = append(out, pos)
			isFree[pos] = false
		}
	}
	n := len(l.members)
	for i := range n {
		if pos := (q.Next + i) % n; isFree[pos] {
			out = append(out, pos)
		}
	}
	return out
}

// position returns the position of member id in the layer, or -1.
func (l *layerInfo) position(p *Planner, id string) int {
	mi, ok := p.index[id]
	if !ok {
		return -1
	}
	return slices.Index(l.members, mi)
}

// advanceQueue moves a queue layer past the members chosen for sh. Members
// the walk passed over because they could not serve are remembered as
// skipped and come first next time.
func (p *Planner) advanceQueue(st *State, l *layerInfo, sh *Shift) {
	q := st.Queues[l.cfg.Name]
	if q == nil {
		q = &Queue{}
		st.Queues[l.cfg.Name] = q
	}
	q.Skipped = slices.DeleteFunc(q.Skipped, func(id string) bool { return sh.Has(id) })
	n := len(l.members)
	last := -1
	for i := range n {
		if sh.Has(p.members[l.members[(q.Next+i)%n]].cfg.ID) {
			last = i
		}
	}
	if last < 0 {
		return
	}
	for i := range last {
		pos := (q.Next + i) % n
		id := p.members[l.members[pos]].cfg.ID
		member := (l.from[pos].IsZero() || !sh.Start.Before(l.from[pos])) && (l.until[pos].IsZero() || sh.Start.Before(l.until[pos]))
		if member && !sh.Has(id) && !slices.Contains(q.Skipped, id) {
			q.Skipped = append(q.Skipped, id)
		}
	}
	q.Next = (q.Next + last + 1) % n
}

// lotteryOrder draws the members in free one after another, each with
// probability proportional to its weight 2^(shifts since it last served),
// among those not drawn yet. It runs the draw as an exponential race: each
// member's arrival time is Exp(1)/weight and the order is by arrival, which
// gives exactly that distribution, and the first of any subset (say, those
// with a skill) is a weighted draw from that subset.
func (p *Planner) lotteryOrder(st *State, l *layerInfo, sh *Shift, free []int, sample uint64) []int {
	rng := rand.New(rand.NewPCG(uint64(p.rot.Seed), uint64(sh.Index)<<20^sample))
	type entry struct {
		pos int
		key float64 // log of the arrival time
	}
	es := make([]entry, len(free))
	for i, pos := range free {
		id := p.members[l.members[pos]].cfg.ID
		elapsed := st.Count + 1 // never served: as if just before the start
		if led := st.Ledgers[id]; led != nil && led.Last.Count > 0 {
			elapsed = st.Count - (led.Last.Count - 1)
		}
		es[i] = entry{pos: pos, key: math.Log(rng.ExpFloat64()) - float64(elapsed)*math.Ln2}
	}
	slices.SortStableFunc(es, func(a, b entry) int { return cmp.Compare(a.key, b.key) })
	out := make([]int, len(es))
	for i, e := range es {
		out[i] = e.pos
	}
	return out
}
