package engine

import "math"

// Forbidden marks a pair that an assignment may not use.
const Forbidden = math.MaxInt64

// assignment gives each row (a seat) a distinct column (a member) so that
// the total cost is least, by the Hungarian method with potentials, in
// O(rows² × columns). Costs are integers, so that lexicographic costs
// packed into one number compare exactly; a cost of Forbidden may not be
// used. It returns false when every assignment uses a forbidden pair.
// rows <= columns.
func assignment(cost [][]int64) ([]int, bool) {
	rows := len(cost)
	if rows == 0 {
		return nil, true
	}
	cols := len(cost[0])
	if rows > cols {
		return nil, false
	}
	const inf = math.MaxInt64
	u, v := make([]int64, rows+1), make([]int64, cols+1)
	p, way := make([]int, cols+1), make([]int, cols+1) // p[j]: the row (1-based) on column j
	minv := make([]int64, cols+1)
	used := make([]bool, cols+1)
	for i := 1; i <= rows; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j], used[j] = inf, false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], int64(inf), -1
			for j := 1; j <= cols; j++ {
				if used[j] {
					continue
				}
				if c := cost[i0-1][j-1]; c != Forbidden {
					if cur := c - u[i0] - v[j]; cur < minv[j] {
						minv[j], way[j] = cur, j0
					}
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			if j1 < 0 {
				return nil, false // no free column can be reached
			}
			for j := 0; j <= cols; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else if minv[j] != inf {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	out := make([]int, rows)
	for j := 1; j <= cols; j++ {
		if p[j] > 0 {
			out[p[j]-1] = j - 1
		}
	}
	return out, true
}
