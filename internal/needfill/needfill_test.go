package needfill

import (
	"slices"
	"testing"
)

func TestFill(t *testing.T) {
	const x, z = 1 << 0, 1 << 1
	exactly1 := []Need{{Min: 1, Max: 1}, {Min: 1, Max: 1}}
	for _, tc := range []struct {
		name  string
		needs []Need
		cands []uint64
		have  []int
		seats int
		want  []Take
		score Score
	}{
		// One member who counts for both would keep the other two out.
		{"two alike beat one for both", exactly1, []uint64{x | z, x, z}, []int{0, 0}, 3, []Take{{x, 1}, {z, 1}}, Score{0, 0, 1}},
		{"all met, all seats", []Need{{Min: 1, Max: -1}}, []uint64{x, 0, 0}, []int{0}, 2, []Take{{x, 1}, {0, 1}}, Score{}},
		{"a max of 0 leaves seats empty", []Need{{Min: 0, Max: 0}}, []uint64{x, x}, []int{0}, 2, nil, Score{0, 0, 2}},
		{"a need met already", exactly1, []uint64{x, z, 0}, []int{1, 0}, 2, []Take{{z, 1}, {0, 1}}, Score{}},
		{"nobody for a need", []Need{{Min: 2, Max: -1}}, []uint64{0}, []int{0}, 1, []Take{{0, 1}}, Score{1, 2, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f Finder
			takes, score, found, complete := f.Fill(tc.needs, tc.cands, tc.have, tc.seats, Worst, 1000)
			slices.SortFunc(takes, func(a, b Take) int { return int(a.Sig) - int(b.Sig) })
			want := slices.Clone(tc.want)
			slices.SortFunc(want, func(a, b Take) int { return int(a.Sig) - int(b.Sig) })
			if !found || !complete || score != tc.score || !slices.Equal(takes, want) {
				t.Errorf("got %v %v (found %v, complete %v), want %v %v", takes, score, found, complete, want, tc.score)
			}
		})
	}
}

// TestFillBeats: a filling no better than beat is not returned.
func TestFillBeats(t *testing.T) {
	var f Finder
	needs := []Need{{Min: 1, Max: -1}}
	if _, _, found, _ := f.Fill(needs, []uint64{1}, []int{0}, 1, Score{}, 1000); found {
		t.Error("found a filling better than the best possible")
	}
	if _, score, found, _ := f.Fill(needs, []uint64{1}, []int{0}, 1, Score{0, 0, 1}, 1000); !found || score != (Score{}) {
		t.Errorf("got %v %v, want the full filling", score, found)
	}
}
