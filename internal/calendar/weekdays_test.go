package calendar

import (
	"encoding/json"
	"testing"
	"time"
)

func TestWeekdays(t *testing.T) {
	w, err := ParseWeekdays([]string{"sun", "Saturday", "mon"})
	if err != nil {
		t.Fatal(err)
	}
	if !w.Has(time.Sunday) || !w.Has(time.Monday) || w.Has(time.Tuesday) || w.String() != "mon, sat, sun" {
		t.Errorf("set %v", w)
	}
	if got := w.Common(WeekdaysOf(time.Saturday, time.Tuesday)); got != WeekdaysOf(time.Saturday) {
		t.Errorf("common %v", got)
	}
	if _, err := ParseWeekdays([]string{"mon", "monday"}); err == nil {
		t.Error("a day twice was accepted")
	}
	if _, err := ParseWeekdays([]string{"funday"}); err == nil {
		t.Error("a bad day was accepted")
	}
	b, _ := json.Marshal(WeekdaysOf(time.Saturday, time.Sunday))
	if string(b) != `["sat","sun"]` {
		t.Errorf("JSON %s", b)
	}
	for _, in := range []string{`["sat","sun"]`, `[6,0]`} {
		var back Weekdays
		if err := json.Unmarshal([]byte(in), &back); err != nil || back != WeekdaysOf(time.Saturday, time.Sunday) {
			t.Errorf("%s: %v %v", in, back, err)
		}
	}
	if !Weekdays(0).Empty() || EveryDay.Empty() || len(EveryDay.Days()) != 7 {
		t.Error("empty and every day")
	}
}
