package calendar

import (
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"
)

var (
	weekdays = WeekdaysOf(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)
	weekends = WeekdaysOf(time.Saturday, time.Sunday)
)

// layeredSpec is a London 24h rotation from Monday 2026-11-23 09:00 with a
// weekday and a weekend layer, and Christmas (a Friday) and Boxing Day (a
// Saturday) as holidays.
func layeredSpec(tb testing.TB) Spec {
	return Spec{
		Rotation: "sre",
		Location: mustLoc(tb, "Europe/London"),
		Start:    mustDT(tb, "2026-11-23T09:00"),
		Shift:    Period{24, Hour},
		Layers:   []LayerDays{{Name: "weekdays", Days: weekdays}, {Name: "weekends", Days: weekends}},
		Weekend:  weekends,
		Holidays: []Date{mustDate(tb, "2026-12-26"), mustDate(tb, "2026-12-25")},
	}
}

func TestSlotAtLayersAndKinds(t *testing.T) {
	s := layeredSpec(t)
	tests := []struct {
		k     int
		id    string
		layer string
		kind  Kind
		end   string
	}{
		{0, "sre/weekdays/2026-11-23T09:00:00Z", "weekdays", Weekday, "2026-11-24T09:00:00Z"},
		{4, "sre/weekdays/2026-11-27T09:00:00Z", "weekdays", Weekday, "2026-11-28T09:00:00Z"},
		{5, "sre/weekends/2026-11-28T09:00:00Z", "weekends", Weekend, "2026-11-29T09:00:00Z"},
		{6, "sre/weekends/2026-11-29T09:00:00Z", "weekends", Weekend, "2026-11-30T09:00:00Z"},
		{32, "sre/weekdays/2026-12-25T09:00:00Z", "weekdays", Holiday, "2026-12-26T09:00:00Z"},
		{33, "sre/weekends/2026-12-26T09:00:00Z", "weekends", Holiday, "2026-12-27T09:00:00Z"}, // holiday beats weekend
		{34, "sre/weekends/2026-12-27T09:00:00Z", "weekends", Weekend, "2026-12-28T09:00:00Z"},
	}
	for _, tt := range tests {
		slot, ok := s.SlotAt(tt.k)
		want := Slot{ID: tt.id, Layer: tt.layer, Index: tt.k, Start: mustTime(t, tt.id[strings.LastIndex(tt.id, "/")+1:]), End: mustTime(t, tt.end), Kind: tt.kind}
		if !ok || slot != want {
			t.Errorf("SlotAt(%d) = %+v, %v\nwant %+v", tt.k, slot, ok, want)
		}
	}
	if _, ok := s.SlotAt(-1); ok {
		t.Errorf("SlotAt(-1) exists")
	}
}

func TestSlotAtDaysAndEnd(t *testing.T) {
	s := layeredSpec(t)
	s.Layers = []LayerDays{{Name: "main", Days: WeekdaysOf(time.Monday, time.Wednesday)}}
	for k, want := range []bool{true, false, true, false, false, false, false, true} {
		if _, ok := s.SlotAt(k); ok != want {
			t.Errorf("mon/wed layer: SlotAt(%d) exists = %v, want %v", k, ok, want)
		}
	}

	s = layeredSpec(t)
	end := mustDT(t, "2026-12-01T09:00")
	s.End = &end
	if _, ok := s.SlotAt(7); !ok { // 2026-11-30, ends at End
		t.Errorf("slot before End missing")
	}
	if _, ok := s.SlotAt(8); ok { // 2026-12-01 09:00 = End
		t.Errorf("slot starting at End exists")
	}
	end = mustDT(t, "2026-12-01T10:00")
	slot, ok := s.SlotAt(8) // starts before End: exists, and is not cut short
	if !ok || !slot.End.Equal(mustTime(t, "2026-12-02T09:00:00Z")) {
		t.Errorf("slot starting before End = %+v, %v", slot, ok)
	}
	if got := s.Slots(mustTime(t, "2026-11-01T00:00:00Z"), mustTime(t, "2027-01-01T00:00:00Z")); len(got) != 9 {
		t.Errorf("Slots up to End: %d, want 9", len(got))
	}
}

func TestKindAt(t *testing.T) {
	s := layeredSpec(t)
	s.Location = mustLoc(t, "America/New_York")
	tests := []struct {
		t    string
		want Kind
	}{
		{"2026-12-24T12:00:00Z", Weekday},
		{"2026-12-25T04:59:00Z", Weekday}, // still the 24th in New York
		{"2026-12-25T05:00:00Z", Holiday},
		{"2026-12-26T12:00:00Z", Holiday},
		{"2026-12-27T12:00:00Z", Weekend},
		{"2026-12-28T04:00:00Z", Weekend}, // Sunday evening in New York
		{"2026-12-28T05:00:00Z", Weekday},
	}
	for _, tt := range tests {
		if got := s.KindAt(mustTime(t, tt.t)); got != tt.want {
			t.Errorf("KindAt(%s) = %s, want %s", tt.t, got, tt.want)
		}
	}
}

// TestIndexAtMatchesScan compares IndexAt with a linear scan of the
// handoffs at random instants, for rotations of every unit.
func TestIndexAtMatchesScan(t *testing.T) {
	specs := []struct {
		zone, start string
		shift       Period
	}{
		{"Europe/London", "2026-01-01T09:00", Period{24, Hour}},
		{"America/New_York", "2026-02-01T08:00", Period{12, Hour}},
		{"Australia/Lord_Howe", "2026-01-31T09:00", Period{1, Month}},
		{"Australia/Lord_Howe", "2026-03-31T00:00", Period{30, Minute}},
		{"Asia/Kolkata", "2026-01-01T00:00", Period{90, Minute}},
		{"Europe/London", "2026-01-01T01:30", Period{1, Week}},
		{"America/New_York", "2026-01-29T02:30", Period{3, Month}},
		{"Europe/London", "2026-01-01T09:00", Period{2, Day}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sp := range specs {
		s := Spec{Rotation: "r", Location: mustLoc(t, sp.zone), Start: mustDT(t, sp.start), Shift: sp.shift, Layers: []LayerDays{{Name: "main"}}}
		h0 := s.handoff(0)
		from, to := h0.Add(-10*24*time.Hour), h0.Add(3*365*24*time.Hour)
		var hs []time.Time // every handoff up to the first after to
		for k := 0; len(hs) == 0 || !hs[len(hs)-1].After(to); k++ {
			hs = append(hs, s.handoff(k))
		}
		// The reference walks the precomputed handoffs, which never
		// decrease, so a binary search over them is a linear scan's answer.
		for k := 1; k < len(hs); k++ {
			if hs[k].Before(hs[k-1]) {
				t.Fatalf("handoff %d before handoff %d", k, k-1)
			}
		}
		scan := func(t time.Time) int {
			k := sort.Search(len(hs), func(k int) bool { return !hs[k].Before(t) })
			if k == len(hs) {
				return -1
			}
			return k
		}
		var instants []time.Time
		for _, h := range hs[:len(hs)-1] { // exactly at, just before and after handoffs
			instants = append(instants, h, h.Add(-time.Nanosecond), h.Add(time.Second))
		}
		for range 2000 {
			instants = append(instants, from.Add(time.Duration(rng.Int64N(int64(to.Sub(from))))))
		}
		for _, at := range instants {
			if got, want := s.IndexAt(at), scan(at); got != want {
				t.Fatalf("%s %s %s: IndexAt(%s) = %d, want %d", sp.zone, sp.start, sp.shift, at, got, want)
			}
		}
	}
}

func TestIndexAtFarFuture(t *testing.T) {
	s := Spec{Rotation: "r", Location: mustLoc(t, "Europe/London"), Start: mustDT(t, "2026-01-01T09:00"), Shift: Period{1, Minute}, Layers: []LayerDays{{Name: "main"}}}
	far := time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)
	k := s.IndexAt(far)
	if h := s.handoff(k); h.Before(far) || !s.handoff(k-1).Before(far) {
		t.Errorf("IndexAt(%s) = %d: handoffs %s, %s", far, k, s.handoff(k-1), h)
	}
	_ = s.IndexAt(time.Date(200000, 1, 1, 0, 0, 0, 0, time.UTC)) // must return
}

// TestSlotsYear lays out a year of daily slots with weekday and weekend
// layers and checks they tile, agree with SlotAt and keep 09:00 locally.
func TestSlotsYear(t *testing.T) {
	s := layeredSpec(t)
	s.Start = mustDT(t, "2026-01-01T09:00")
	loc := s.Location
	from, to := mustTime(t, "2026-01-01T00:00:00Z"), mustTime(t, "2027-01-01T00:00:00Z")
	slots := s.Slots(from, to)
	if len(slots) != 365 {
		t.Fatalf("%d slots, want 365", len(slots))
	}
	count := map[string]int{}
	ids := map[string]bool{}
	for i, sl := range slots {
		count[sl.Layer]++
		if ids[sl.ID] {
			t.Errorf("duplicate id %s", sl.ID)
		}
		ids[sl.ID] = true
		if sl.Index != i {
			t.Errorf("slot %d has index %d", i, sl.Index)
		}
		if want, ok := s.SlotAt(i); !ok || want != sl {
			t.Errorf("slot %d = %+v, SlotAt gives %+v", i, sl, want)
		}
		if l := sl.Start.In(loc); l.Hour() != 9 || l.Minute() != 0 {
			t.Errorf("slot %d starts at %s locally", i, l)
		}
		if i > 0 && !slots[i-1].End.Equal(sl.Start) {
			t.Errorf("slots %d and %d do not meet", i-1, i)
		}
	}
	if count["weekdays"] != 261 || count["weekends"] != 104 {
		t.Errorf("layers: %v, want 261 weekdays and 104 weekends", count)
	}
	// A window starting mid-shift leaves the running shift out.
	got := s.Slots(mustTime(t, "2026-03-28T12:00:00Z"), mustTime(t, "2026-03-30T12:00:00Z"))
	if len(got) != 2 || got[0].ID != "sre/weekends/2026-03-29T08:00:00Z" || got[1].ID != "sre/weekdays/2026-03-30T08:00:00Z" {
		t.Errorf("Slots mid-shift = %+v", got)
	}
	if got := s.Slots(to, from); got != nil {
		t.Errorf("Slots(to, from) = %v", got)
	}
}

func TestValidate(t *testing.T) {
	good := layeredSpec(t)
	if err := good.Validate(); err != nil {
		t.Fatalf("valid spec: %v", err)
	}
	end := mustDT(t, "2026-11-23T09:00")
	badEnd := DateTime{Date: Date{2026, 2, 30}}
	tests := []struct {
		name   string
		change func(*Spec)
		want   string
	}{
		{"no location", func(s *Spec) { s.Location = nil }, "no time zone"},
		{"no rotation", func(s *Spec) { s.Rotation = "" }, "no rotation name"},
		{"zero period", func(s *Spec) { s.Shift = Period{} }, "no shift length"},
		{"bad unit", func(s *Spec) { s.Shift = Period{1, 9} }, "unknown unit"},
		{"negative period", func(s *Spec) { s.Shift = Period{-1, Day} }, "at least 1"},
		{"no layers", func(s *Spec) { s.Layers = nil }, "no layers"},
		{"overlap", func(s *Spec) { s.Layers[1].Days = WeekdaysOf(time.Friday, time.Saturday) }, `layers "weekdays" and "weekends" overlap: both start shifts on fri`},
		{"every-day layer overlaps", func(s *Spec) { s.Layers[1].Days = 0 }, "both start shifts on mon, tue, wed, thu, fri (a layer without days has every day)"},
		{"duplicate name", func(s *Spec) { s.Layers[1].Name = "weekdays" }, `two layers are named "weekdays"`},
		{"unnamed layer", func(s *Spec) { s.Layers[0].Name = "" }, "layer 1 has no name"},
		{"end at start", func(s *Spec) { s.End = &end }, "is not after start"},
		{"bad end", func(s *Spec) { s.End = &badEnd }, "invalid end"},
		{"bad start", func(s *Spec) { s.Start.Hour = 24 }, "hour 24 out of range"},
		{"bad holiday", func(s *Spec) { s.Holidays = []Date{{2026, 13, 1}} }, "invalid holiday"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := layeredSpec(t)
			s.Layers = append([]LayerDays(nil), s.Layers...)
			tt.change(&s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
			// Nothing panics on an invalid spec.
			s.SlotAt(3)
			s.IndexAt(time.Now())
			s.Slots(time.Now(), time.Now().Add(48*time.Hour))
			s.KindAt(time.Now())
		})
	}
}

func BenchmarkSlots(b *testing.B) {
	s := layeredSpec(b)
	s.Start = mustDT(b, "2026-01-01T09:00")
	from, to := mustTime(b, "2026-01-01T00:00:00Z"), mustTime(b, "2027-01-01T00:00:00Z")
	for b.Loop() {
		if n := len(s.Slots(from, to)); n != 365 {
			b.Fatalf("%d slots", n)
		}
	}
}

func BenchmarkIndexAt(b *testing.B) {
	s := layeredSpec(b)
	t := mustTime(b, "2027-06-15T13:00:00Z")
	for b.Loop() {
		s.IndexAt(t)
	}
}
