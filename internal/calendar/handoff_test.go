package calendar

import (
	"testing"
	"time"
)

// TestRotationsKeepWallClock lays out daily, weekly and 12-hour rotations
// for a year in each test zone and checks every handoff against the
// brute-force reference: at the rotation's local time when that exists,
// else where DateTime.In's rules say, and shift lengths off by exactly the
// change of UTC offset.
func TestRotationsKeepWallClock(t *testing.T) {
	rotations := []struct {
		shift string
		start string
		wall  time.Duration // the wall-clock length of a shift
	}{
		{"24h", "2026-01-01T09:00", 24 * time.Hour},
		{"1d", "2026-01-01T09:00", 24 * time.Hour},
		{"1w", "2026-01-01T09:00", 7 * 24 * time.Hour},
		{"7d", "2026-01-01T09:00", 7 * 24 * time.Hour},
		{"12h", "2026-01-01T08:00", 12 * time.Hour},
		// Handoffs inside the changes in some zones.
		{"1d", "2026-01-01T02:30", 24 * time.Hour},
		{"1d", "2026-01-01T01:30", 24 * time.Hour},
		{"90m", "2026-01-01T00:00", 90 * time.Minute},
	}
	yearEnd := mustDate(t, "2027-01-01")
	for _, zone := range testZones {
		loc := mustLoc(t, zone)
		ref := buildRef(loc, mustDate(t, "2026-01-01"), yearEnd.AddDays(1))
		for _, r := range rotations {
			t.Run(zone+"/"+r.shift+"@"+r.start, func(t *testing.T) {
				p, err := ParsePeriod(r.shift)
				if err != nil {
					t.Fatal(err)
				}
				start := mustDT(t, r.start)
				var prev time.Time
				var prevOff int
				var prevExists bool
				n := 0
				for k := 0; ; k++ {
					w := start.naive().Add(time.Duration(k) * r.wall)
					if !w.Before(yearEnd.naive()) {
						break
					}
					n++
					got := Handoff(loc, start, p, k)
					want, exists, ok := ref.at(w)
					if !ok {
						t.Fatalf("k=%d: wall clock %s outside the reference", k, dateTimeOf(w))
					}
					if !got.Equal(want) || got.Location() != time.UTC {
						t.Fatalf("k=%d: Handoff = %s, want %s UTC", k, got, want.UTC())
					}
					_, off := got.In(loc).Zone()
					if exists && !got.Add(time.Duration(off)*time.Second).Equal(w) {
						t.Fatalf("k=%d: handoff %s shows %s locally, want %s", k, got, got.In(loc), dateTimeOf(w))
					}
					if k > 0 {
						if !got.After(prev) {
							t.Fatalf("k=%d: handoff %s not after the previous %s", k, got, prev)
						}
						if exists && prevExists {
							wantLen := r.wall - time.Duration(off-prevOff)*time.Second
							if l := got.Sub(prev); l != wantLen {
								t.Fatalf("k=%d: shift %s..%s lasts %s, want %s", k-1, prev, got, l, wantLen)
							}
						}
					}
					prev, prevOff, prevExists = got, off, exists
				}
				if n < 52 {
					t.Fatalf("only %d handoffs checked", n)
				}
			})
		}
	}
}

// TestDailyAndHourlyAgree: 24h and 1d are the same rotation, and so are 1w
// and 7d and 168h.
func TestPeriodsAgree(t *testing.T) {
	for _, zone := range testZones {
		loc := mustLoc(t, zone)
		start := mustDT(t, "2026-01-03T01:30")
		for k := range 400 {
			a := Handoff(loc, start, Period{24, Hour}, k)
			b := Handoff(loc, start, Period{1, Day}, k)
			c := Handoff(loc, start, Period{1440, Minute}, k)
			if !a.Equal(b) || !a.Equal(c) {
				t.Fatalf("%s k=%d: 24h %s, 1d %s, 1440m %s", zone, k, a, b, c)
			}
			w1 := Handoff(loc, start, Period{1, Week}, k)
			w2 := Handoff(loc, start, Period{7, Day}, k)
			w3 := Handoff(loc, start, Period{168, Hour}, k)
			if !w1.Equal(w2) || !w1.Equal(w3) {
				t.Fatalf("%s k=%d: 1w %s, 7d %s, 168h %s", zone, k, w1, w2, w3)
			}
		}
	}
}

func TestHandoffExact(t *testing.T) {
	tests := []struct {
		name  string
		zone  string
		start string
		shift Period
		k     int
		want  string // UTC
	}{
		// 24h at 09:00 London: the Saturday shifts before the changes.
		{"london spring sat", "Europe/London", "2026-03-20T09:00", Period{24, Hour}, 8, "2026-03-28T09:00:00Z"},
		{"london spring sun", "Europe/London", "2026-03-20T09:00", Period{24, Hour}, 9, "2026-03-29T08:00:00Z"},
		{"london autumn sat", "Europe/London", "2026-10-20T09:00", Period{24, Hour}, 4, "2026-10-24T08:00:00Z"},
		{"london autumn sun", "Europe/London", "2026-10-20T09:00", Period{24, Hour}, 5, "2026-10-25T09:00:00Z"},
		// 01:30 does not exist on 2026-03-29 in London: 02:00 BST.
		{"london gap", "Europe/London", "2026-03-20T01:30", Period{1, Day}, 9, "2026-03-29T01:00:00Z"},
		{"london after gap", "Europe/London", "2026-03-20T01:30", Period{1, Day}, 10, "2026-03-30T00:30:00Z"},
		// 01:30 happens twice on 2026-10-25: the first is BST.
		{"london overlap", "Europe/London", "2026-10-20T01:30", Period{1, Day}, 5, "2026-10-25T00:30:00Z"},
		{"london after overlap", "Europe/London", "2026-10-20T01:30", Period{1, Day}, 6, "2026-10-26T01:30:00Z"},
		{"new york gap", "America/New_York", "2026-03-01T02:30", Period{1, Day}, 7, "2026-03-08T07:00:00Z"},
		{"new york overlap", "America/New_York", "2026-10-31T01:30", Period{1, Day}, 1, "2026-11-01T05:30:00Z"},
		{"lord howe gap", "Australia/Lord_Howe", "2026-10-01T02:15", Period{1, Day}, 3, "2026-10-03T15:30:00Z"},
		{"lord howe overlap", "Australia/Lord_Howe", "2026-04-01T01:45", Period{1, Day}, 4, "2026-04-04T14:45:00Z"},
		{"kolkata", "Asia/Kolkata", "2026-01-01T09:00", Period{1, Week}, 30, "2026-07-30T03:30:00Z"},
		{"negative k", "Europe/London", "2026-04-01T09:00", Period{1, Day}, -5, "2026-03-27T09:00:00Z"},
		{"nil location is UTC", "", "2026-04-01T09:00", Period{90, Minute}, 3, "2026-04-01T13:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var loc *time.Location
			if tt.zone != "" {
				loc = mustLoc(t, tt.zone)
			}
			got := Handoff(loc, mustDT(t, tt.start), tt.shift, tt.k)
			if want := mustTime(t, tt.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("Handoff(%s, %s, %s, %d) = %s, want %s", tt.zone, tt.start, tt.shift, tt.k, got, want)
			}
		})
	}
}

// TestLondonShiftLengths checks the 23h and 25h shifts of a 24h rotation at
// 09:00 London, and the 23.5h shifts around a handoff in the gap.
func TestLondonShiftLengths(t *testing.T) {
	loc := mustLoc(t, "Europe/London")
	tests := []struct {
		start      string
		k          int
		begin, end string
	}{
		{"2026-03-20T09:00", 8, "2026-03-28T09:00:00Z", "2026-03-29T08:00:00Z"}, // 23h
		{"2026-03-20T09:00", 9, "2026-03-29T08:00:00Z", "2026-03-30T08:00:00Z"}, // 24h
		{"2026-10-20T09:00", 4, "2026-10-24T08:00:00Z", "2026-10-25T09:00:00Z"}, // 25h
		{"2026-03-20T01:30", 8, "2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z"}, // 23.5h
		{"2026-03-20T01:30", 9, "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}, // 23.5h
		{"2026-10-20T01:30", 4, "2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z"}, // 24h
		{"2026-10-20T01:30", 5, "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}, // 25h
	}
	for _, tt := range tests {
		s := Spec{Rotation: "sre", Location: loc, Start: mustDT(t, tt.start), Shift: Period{24, Hour}, Layers: []LayerDays{{Name: "main"}}}
		slot, ok := s.SlotAt(tt.k)
		if !ok {
			t.Fatalf("%s k=%d: no slot", tt.start, tt.k)
		}
		if !slot.Start.Equal(mustTime(t, tt.begin)) || !slot.End.Equal(mustTime(t, tt.end)) {
			t.Errorf("%s k=%d: slot %s..%s, want %s..%s", tt.start, tt.k, slot.Start, slot.End, tt.begin, tt.end)
		}
	}
}

func TestMonthHandoffs(t *testing.T) {
	tests := []struct {
		name  string
		start string
		shift Period
		want  []string // local wall clocks of handoffs 0, 1, 2, ...
	}{
		{"from the 31st", "2026-01-31T09:00", Period{1, Month}, []string{
			"2026-01-31T09:00", "2026-02-28T09:00", "2026-03-31T09:00", "2026-04-30T09:00",
			"2026-05-31T09:00", "2026-06-30T09:00", "2026-07-31T09:00", "2026-08-31T09:00",
			"2026-09-30T09:00", "2026-10-31T09:00", "2026-11-30T09:00", "2026-12-31T09:00",
			"2027-01-31T09:00", "2027-02-28T09:00",
		}},
		{"from the 29th, leap year", "2028-01-29T09:00", Period{1, Month}, []string{
			"2028-01-29T09:00", "2028-02-29T09:00", "2028-03-29T09:00",
		}},
		{"yearly from Feb 29", "2028-02-29T09:00", Period{12, Month}, []string{
			"2028-02-29T09:00", "2029-02-28T09:00", "2030-02-28T09:00", "2031-02-28T09:00", "2032-02-29T09:00",
		}},
		{"quarterly from the 31st", "2026-08-31T00:00", Period{3, Month}, []string{
			"2026-08-31T00:00", "2026-11-30T00:00", "2027-02-28T00:00", "2027-05-31T00:00", "2027-08-31T00:00",
		}},
		{"from the 30th", "2026-01-30T18:00", Period{1, Month}, []string{
			"2026-01-30T18:00", "2026-02-28T18:00", "2026-03-30T18:00",
		}},
	}
	loc := mustLoc(t, "Europe/London")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := mustDT(t, tt.start)
			for k, w := range tt.want {
				got := Handoff(loc, start, tt.shift, k)
				if want := mustDT(t, w).In(loc); !got.Equal(want) {
					t.Errorf("k=%d: %s, want %s (%s)", k, got.In(loc), w, want)
				}
			}
		})
	}
	// The 29th-of-month anchor survives a leap year: 2028-01-29 monthly,
	// handoff 13 is 2029-02-28.
	got := Handoff(loc, mustDT(t, "2028-01-29T09:00"), Period{1, Month}, 13)
	if want := mustDT(t, "2029-02-28T09:00").In(loc); !got.Equal(want) {
		t.Errorf("2028-01-29 + 13mo = %s, want %s", got, want)
	}
	if got := Handoff(loc, mustDT(t, "2028-01-29T09:00"), Period{1, Month}, 14); !got.Equal(mustDT(t, "2029-03-29T09:00").In(loc)) {
		t.Errorf("2028-01-29 + 14mo = %s, want 2029-03-29 09:00", got.In(loc))
	}
}

// TestLordHoweHalfHourShifts: 30-minute shifts over Lord Howe's 30-minute
// changes. In spring 02:00 does not exist and moves to 02:30, where the next
// handoff already is: that handoff's slot is skipped, and slots still tile.
// In autumn 01:30-02:00 happens twice; the first is taken, so one shift
// lasts an hour.
func TestLordHoweHalfHourShifts(t *testing.T) {
	loc := mustLoc(t, "Australia/Lord_Howe")
	spring := Spec{Rotation: "r", Location: loc, Start: mustDT(t, "2026-10-04T01:00"), Shift: Period{30, Minute}, Layers: []LayerDays{{Name: "main"}}}
	wantHandoffs := []string{"2026-10-03T14:30:00Z", "2026-10-03T15:00:00Z", "2026-10-03T15:30:00Z", "2026-10-03T15:30:00Z", "2026-10-03T16:00:00Z"}
	for k, w := range wantHandoffs {
		if got := spring.handoff(k); !got.Equal(mustTime(t, w)) {
			t.Errorf("spring handoff %d = %s, want %s", k, got, w)
		}
	}
	if _, ok := spring.SlotAt(2); ok {
		t.Errorf("spring slot 2 has zero length but exists")
	}
	for _, k := range []int{0, 1, 3, 4} {
		slot, ok := spring.SlotAt(k)
		if !ok || slot.End.Sub(slot.Start) != 30*time.Minute {
			t.Errorf("spring slot %d = %+v, %v; want 30 minutes", k, slot, ok)
		}
	}
	if got := spring.IndexAt(mustTime(t, "2026-10-03T15:10:00Z")); got != 2 {
		t.Errorf("IndexAt(15:10Z) = %d, want 2", got)
	}
	if got := spring.IndexAt(mustTime(t, "2026-10-03T15:30:00Z")); got != 2 {
		t.Errorf("IndexAt(15:30Z) = %d, want 2", got)
	}
	slots := spring.Slots(mustTime(t, "2026-10-03T14:00:00Z"), mustTime(t, "2026-10-03T17:00:00Z"))
	var idx []int
	for i, s := range slots {
		idx = append(idx, s.Index)
		if i > 0 && !slots[i-1].End.Equal(s.Start) {
			t.Errorf("slots %d and %d do not meet: %s, %s", slots[i-1].Index, s.Index, slots[i-1].End, s.Start)
		}
	}
	if want := []int{0, 1, 3, 4, 5}; !equalInts(idx, want) {
		t.Errorf("spring slot indexes %v, want %v", idx, want)
	}

	autumn := spring
	autumn.Start = mustDT(t, "2026-04-05T01:00")
	wantAutumn := []struct{ start, end string }{
		{"2026-04-04T14:00:00Z", "2026-04-04T14:30:00Z"}, // 01:00 LHDT
		{"2026-04-04T14:30:00Z", "2026-04-04T15:30:00Z"}, // 01:30 LHDT (first) .. 02:00 LHST
		{"2026-04-04T15:30:00Z", "2026-04-04T16:00:00Z"}, // 02:00 LHST
	}
	for k, w := range wantAutumn {
		slot, ok := autumn.SlotAt(k)
		if !ok || !slot.Start.Equal(mustTime(t, w.start)) || !slot.End.Equal(mustTime(t, w.end)) {
			t.Errorf("autumn slot %d = %s..%s (%v), want %s..%s", k, slot.Start, slot.End, ok, w.start, w.end)
		}
	}
}

// TestMinuteShiftsTile: 1-minute shifts over London's spring change collapse
// 60 handoffs onto one instant; the slots left still tile time.
func TestMinuteShiftsTile(t *testing.T) {
	loc := mustLoc(t, "Europe/London")
	s := Spec{Rotation: "r", Location: loc, Start: mustDT(t, "2026-03-29T00:00"), Shift: Period{1, Minute}, Layers: []LayerDays{{Name: "main"}}}
	from, to := mustTime(t, "2026-03-29T00:00:00Z"), mustTime(t, "2026-03-29T03:00:00Z")
	slots := s.Slots(from, to)
	if len(slots) != 180 {
		t.Errorf("%d slots in 3 hours, want 180", len(slots))
	}
	for i, sl := range slots {
		if sl.End.Sub(sl.Start) != time.Minute {
			t.Fatalf("slot %d lasts %s", sl.Index, sl.End.Sub(sl.Start))
		}
		if i > 0 && !slots[i-1].End.Equal(sl.Start) {
			t.Fatalf("slots %d and %d do not meet", slots[i-1].Index, sl.Index)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
