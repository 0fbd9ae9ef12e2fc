package engine

// ranking is the candidates of a seat, best first. A strategy that scores
// members puts them in a heap and the ranking sorts lazily, as far as the
// solver reads: a shift is usually filled from its first few candidates, so
// a large team costs a heap build, not a full sort.
type ranking struct {
	n      int   // candidates in all
	sorted []int // the best len(sorted) candidates, in order (layer positions)
	keys   []fairKey
	heap   []int32 // indexes into keys, a heap by less
	less   func(a, b *fairKey) bool
	teams  []float64 // fair, on a layer with teams: each team's mean surplus, see teamRanking
	ahead  []int     // fair, on a layer with teams: by layer position of a candidate, see aheadOfTeam
}

// sortedRanking is a ranking already in order.
func sortedRanking(order []int) *ranking { return &ranking{n: len(order), sorted: order} }

// heapRanking ranks keys by less, lazily.
func heapRanking(keys []fairKey, less func(a, b *fairKey) bool) *ranking {
	heap := make([]int32, len(keys))
	for i := range heap {
		heap[i] = int32(i)
	}
	return newHeap(keys, heap, less)
}

func newHeap(keys []fairKey, heap []int32, less func(a, b *fairKey) bool) *ranking {
	r := &ranking{n: len(heap), keys: keys, heap: heap, less: less, sorted: make([]int, 0, min(len(heap), 8))}
	for i := len(heap)/2 - 1; i >= 0; i-- {
		r.down(i)
	}
	return r
}

// sub returns the ranking of the candidates for which keep is true, in the
// same order: the candidates of one need.
func (r *ranking) sub(keep func(pos int) bool) *ranking {
	if r.keys == nil {
		out := []int{}
		for _, pos := range r.sorted {
			if keep(pos) {
				out = append(out, pos)
			}
		}
		return sortedRanking(out)
	}
	heap := []int32{}
	for i := range r.keys {
		if keep(r.keys[i].pos) {
			heap = append(heap, int32(i))
		}
	}
	return newHeap(r.keys, heap, r.less)
}

// at returns the i-th best candidate (0 <= i < r.n).
func (r *ranking) at(i int) int {
	for len(r.sorted) <= i {
		h := r.heap
		r.sorted = append(r.sorted, r.keys[h[0]].pos)
		last := len(h) - 1
		h[0] = h[last]
		r.heap = h[:last]
		r.down(0)
	}
	return r.sorted[i]
}

func (r *ranking) down(i int) {
	h := r.heap
	for {
		best, l := i, 2*i+1
		if l < len(h) && r.less(&r.keys[h[l]], &r.keys[h[best]]) {
			best = l
		}
		if l+1 < len(h) && r.less(&r.keys[h[l+1]], &r.keys[h[best]]) {
			best = l + 1
		}
		if best == i {
			return
		}
		h[i], h[best] = h[best], h[i]
		i = best
	}
}
