package calendar

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestLoadLocation(t *testing.T) {
	for _, name := range []string{"", "Local", "Nowhere/Atlantis", "../etc/passwd"} {
		if loc, err := LoadLocation(name); err == nil || !strings.Contains(err.Error(), "unknown time zone") {
			t.Errorf("LoadLocation(%q) = %v, %v; want an unknown time zone error", name, loc, err)
		}
	}
	a, err := LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := LoadLocation("Europe/London")
	if a != b || a.String() != "Europe/London" {
		t.Errorf("LoadLocation not cached: %p %p", a, b)
	}
	if utc, err := LoadLocation("UTC"); err != nil || utc.String() != "UTC" {
		t.Errorf("LoadLocation(UTC) = %v, %v", utc, err)
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want Date
		err  string
	}{
		{"2026-12-25", Date{2026, time.December, 25}, ""},
		{"2028-02-29", Date{2028, time.February, 29}, ""},
		{"2026-02-29", Date{}, "day 29 out of range for February 2026"},
		{"2026-13-01", Date{}, "month 13 out of range"},
		{"2026-04-31", Date{}, "day 31 out of range"},
		{"0000-01-01", Date{}, "year 0 out of range"},
		{"2026-1-01", Date{}, "YYYY-MM-DD"},
		{"26-12-25", Date{}, "YYYY-MM-DD"},
		{"2026/12/25", Date{}, "YYYY-MM-DD"},
		{"2026-12-25T00:00", Date{}, "YYYY-MM-DD"},
		{"", Date{}, "YYYY-MM-DD"},
		{"+026-12-25", Date{}, "YYYY-MM-DD"},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if tt.err == "" {
			if err != nil || got != tt.want || got.String() != tt.in {
				t.Errorf("ParseDate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		} else if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), tt.in) {
			t.Errorf("ParseDate(%q) error = %v; want one naming the input and containing %q", tt.in, err, tt.err)
		}
	}
}

func TestDateMethods(t *testing.T) {
	d := mustDate(t, "2026-12-31")
	if got := d.AddDays(1); got != mustDate(t, "2027-01-01") {
		t.Errorf("AddDays(1) = %s", got)
	}
	if got := mustDate(t, "2028-03-01").AddDays(-1); got != mustDate(t, "2028-02-29") {
		t.Errorf("AddDays(-1) = %s", got)
	}
	if got := d.AddDays(365 * 4); got != mustDate(t, "2030-12-30") {
		t.Errorf("AddDays(1460) = %s", got)
	}
	if d.Weekday() != time.Thursday || mustDate(t, "2026-11-23").Weekday() != time.Monday {
		t.Errorf("Weekday wrong")
	}
	a, b := mustDate(t, "2026-05-31"), mustDate(t, "2026-06-01")
	if a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 || !a.Before(b) || !b.After(a) || a.After(b) || a.Before(a) {
		t.Errorf("Compare/Before/After wrong")
	}
	x, y := mustDT(t, "2026-06-01T09:00"), mustDT(t, "2026-06-01T09:01")
	if x.Compare(y) != -1 || !x.Before(y) || !y.After(x) || x.Compare(x) != 0 || mustDT(t, "2026-05-31T23:59").Compare(x) != -1 {
		t.Errorf("DateTime Compare wrong")
	}
	ny := mustLoc(t, "America/New_York")
	if got := DateOf(mustTime(t, "2026-12-25T03:00:00Z"), ny); got != mustDate(t, "2026-12-24") {
		t.Errorf("DateOf = %s", got)
	}
	if got := DateOf(mustTime(t, "2026-12-25T03:00:00Z"), nil); got != mustDate(t, "2026-12-25") {
		t.Errorf("DateOf(nil loc) = %s", got)
	}
}

func TestStartIn(t *testing.T) {
	tests := []struct {
		date, zone, want string
	}{
		{"2026-03-29", "Europe/London", "2026-03-29T00:00:00Z"},
		{"2026-06-01", "Europe/London", "2026-05-31T23:00:00Z"},
		{"2026-10-04", "Australia/Lord_Howe", "2026-10-03T13:30:00Z"},
		// Santiago moves clocks from 24:00 to 01:00: the day starts at 01:00.
		{"2026-09-06", "America/Santiago", "2026-09-06T04:00:00Z"},
		// Santiago goes back from 24:00 to 23:00: 00:00 -03 is never shown,
		// the day starts at 00:00 -04.
		{"2026-04-05", "America/Santiago", "2026-04-05T04:00:00Z"},
		{"2026-01-01", "Asia/Kolkata", "2025-12-31T18:30:00Z"},
	}
	for _, tt := range tests {
		loc := mustLoc(t, tt.zone)
		got := mustDate(t, tt.date).StartIn(loc)
		if !got.Equal(mustTime(t, tt.want)) {
			t.Errorf("%s.StartIn(%s) = %s, want %s", tt.date, tt.zone, got.UTC(), tt.want)
		}
		if DateOf(got, loc) != mustDate(t, tt.date) {
			t.Errorf("%s.StartIn(%s) = %s is on another day", tt.date, tt.zone, got)
		}
		if DateOf(got.Add(-time.Nanosecond), loc) == mustDate(t, tt.date) {
			t.Errorf("%s.StartIn(%s) = %s is not the first instant of the day", tt.date, tt.zone, got)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	tests := []struct {
		in   string
		want string // String() of the result; "" for an error
		err  string
	}{
		{"2026-11-23T09:00", "2026-11-23T09:00", ""},
		{"2026-11-23T09:00:00", "2026-11-23T09:00", ""},
		{"2026-11-23", "2026-11-23T00:00", ""},
		{"2026-11-23T23:59", "2026-11-23T23:59", ""},
		{"2026-11-23T09:00:30", "", "seconds must be 00"},
		{"2026-11-23T24:00", "", "hour 24 out of range"},
		{"2026-11-23T09:60", "", "minute 60 out of range"},
		{"2026-11-23T09:00Z", "", "has a zone or offset"},
		{"2026-11-23T09:00+01:00", "", "has a zone or offset"},
		{"2026-11-23T9:00", "", "YYYY-MM-DDTHH:MM"},
		{"2026-11-23 09:00", "", "YYYY-MM-DDTHH:MM"},
		{"2026-02-30T09:00", "", "day 30 out of range"},
		{"2026-11-23T", "", "YYYY-MM-DDTHH:MM"},
		{"", "", "YYYY-MM-DD"},
	}
	for _, tt := range tests {
		got, err := ParseDateTime(tt.in)
		if tt.err == "" {
			if err != nil || got.String() != tt.want {
				t.Errorf("ParseDateTime(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
			}
		} else if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("ParseDateTime(%q) error = %v; want one containing %q", tt.in, err, tt.err)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want Period
		str  string
	}{
		{"90m", Period{90, Minute}, "90m"},
		{"12h", Period{12, Hour}, "12h"},
		{"24h", Period{24, Hour}, "24h"},
		{"1d", Period{1, Day}, "1d"},
		{"2w", Period{2, Week}, "2w"},
		{"1mo", Period{1, Month}, "1mo"},
		{"3mo", Period{3, Month}, "3mo"},
		{"007d", Period{7, Day}, "7d"},
	}
	for _, tt := range tests {
		got, err := ParsePeriod(tt.in)
		if err != nil || got != tt.want || got.String() != tt.str {
			t.Errorf("ParsePeriod(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "0d", "0m", "d", "1", "-1d", "+1d", "1.5h", "1y", "1M", "1D", "1 d", "1dd", "1mon", "2000mo", "99999999999d"} {
		_, err := ParsePeriod(in)
		if err == nil || !strings.Contains(err.Error(), "90m, 12h") && !strings.Contains(err.Error(), "at least 1") && !strings.Contains(err.Error(), "100 years") {
			t.Errorf("ParsePeriod(%q) error = %v; want one naming the accepted forms", in, err)
		}
	}
}

func TestParseFormatDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		out  string
	}{
		{"0", 0, "0"},
		{"0d", 0, "0"},
		{"14d", 14 * 24 * time.Hour, "2w"},
		{"3d", 3 * 24 * time.Hour, "3d"},
		{"24h", 24 * time.Hour, "1d"},
		{"36h", 36 * time.Hour, "36h"},
		{"90m", 90 * time.Minute, "90m"},
		{"60m", time.Hour, "1h"},
		{"1w", 7 * 24 * time.Hour, "1w"},
		{"30s", 30 * time.Second, "30s"},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if s := FormatDuration(got); s != tt.out {
			t.Errorf("FormatDuration(%v) = %q, want %q", got, s, tt.out)
		}
		if back, err := ParseDuration(FormatDuration(got)); err != nil || back != got {
			t.Errorf("round trip of %v: %v, %v", got, back, err)
		}
	}
	for _, in := range []string{"", "1mo", "-1d", "1y", "1.5h", "h", "1h30m", "99999999999w", "9999999w"} {
		if d, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, d)
		}
	}
	if _, err := ParseDuration("1mo"); err == nil || !strings.Contains(err.Error(), "months") {
		t.Errorf("ParseDuration(1mo) error = %v", err)
	}
	if got := FormatDuration(-2 * time.Hour); got != "-2h" {
		t.Errorf("FormatDuration(-2h) = %q", got)
	}
	if got := FormatDuration(1500 * time.Millisecond); got != "1.5s" {
		t.Errorf("FormatDuration(1.5s) = %q", got)
	}
}

func TestParseWeekday(t *testing.T) {
	tests := map[string]time.Weekday{
		"mon": time.Monday, "Tue": time.Tuesday, "WED": time.Wednesday, "thursday": time.Thursday,
		"Friday": time.Friday, "sat": time.Saturday, "SUNDAY": time.Sunday,
	}
	for in, want := range tests {
		if got, err := ParseWeekday(in); err != nil || got != want {
			t.Errorf("ParseWeekday(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "mo", "tues", "1", "lundi"} {
		if _, err := ParseWeekday(in); err == nil || !strings.Contains(err.Error(), "mon, tue") {
			t.Errorf("ParseWeekday(%q) error = %v", in, err)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	type state struct {
		D    Date
		DT   DateTime
		End  *DateTime
		P    Period
		Zero struct {
			D  Date
			DT DateTime
			P  Period
		}
		Nil *DateTime
		M   map[Date]int
	}
	end := mustDT(t, "2027-11-23T09:00")
	in := state{D: mustDate(t, "2026-12-25"), DT: mustDT(t, "2026-11-23T09:30"), End: &end, P: Period{3, Month}, M: map[Date]int{mustDate(t, "2026-01-02"): 1}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"D":"2026-12-25","DT":"2026-11-23T09:30","End":"2027-11-23T09:00","P":"3mo","Zero":{"D":"","DT":"","P":""},"Nil":null,"M":{"2026-01-02":1}}`
	if string(b) != want {
		t.Errorf("json = %s\nwant   %s", b, want)
	}
	var out state
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.D != in.D || out.DT != in.DT || *out.End != *in.End || out.P != in.P || out.Nil != nil || out.Zero != in.Zero || out.M[mustDate(t, "2026-01-02")] != 1 {
		t.Errorf("round trip: %+v, want %+v", out, in)
	}
	for _, bad := range []string{`{"D":"2026-02-30"}`, `{"DT":"2026-11-23T09:00Z"}`, `{"P":"1y"}`} {
		if err := json.Unmarshal([]byte(bad), &out); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
	if _, err := json.Marshal(Date{2026, 2, 30}); err == nil {
		t.Errorf("Marshal of an invalid date succeeded")
	}
}
