package render

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestShiftJSON: times are written in UTC RFC 3339 (whole seconds, as shift
// ids are), lists never null, and read back as the same instants; a bad
// time is an error naming the shift.
func TestShiftJSON(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	sh := Shift{ID: "sre/main/2026-11-23T09:00:00Z", Layer: "main", Kind: "weekday",
		Start: time.Date(2026, 11, 23, 10, 0, 0, 0, paris), End: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	b, err := json.Marshal(sh)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"sre/main/2026-11-23T09:00:00Z","layer":"main","kind":"weekday","start":"2026-11-23T09:00:00Z","end":"2026-11-24T09:00:00Z","assignees":[],"problems":[]}`
	if string(b) != want {
		t.Errorf("JSON %s\nwant %s", b, want)
	}
	var back Shift
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Start.Equal(sh.Start) || !back.End.Equal(sh.End) || back.ID != sh.ID {
		t.Errorf("read back %+v", back)
	}
	err = json.Unmarshal([]byte(`{"id":"x/main/1","start":"yesterday","end":"2026-11-24T09:00:00Z"}`), &back)
	if err == nil || !strings.Contains(err.Error(), "shift x/main/1: start") {
		t.Errorf("bad start: %v", err)
	}
}
