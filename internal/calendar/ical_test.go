package calendar

import (
	"os"
	"strings"
	"testing"
)

func parseICalFile(t *testing.T, name string) []Date {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dates, err := ParseICalHolidays(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return dates
}

func datesString(ds []Date) string {
	var s []string
	for _, d := range ds {
		s = append(s, d.String())
	}
	return strings.Join(s, " ")
}

func TestParseICalHolidays(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		// Easter is one event over four days; Christmas is listed twice; the
		// timed office party is not a holiday.
		{"testdata/uk-holidays.ics", "2026-04-03 2026-04-04 2026-04-05 2026-04-06 2026-08-31 2026-12-25 2026-12-28 2027-01-01"},
		// A yearly event to 2030 less two EXDATEs plus an RDATE; the
		// cancelled event does not count.
		{"testdata/recurring.ics", "2026-06-15 2027-06-15 2028-10-16 2030-06-15"},
	}
	for _, tt := range tests {
		if got := datesString(parseICalFile(t, tt.file)); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.file, got, tt.want)
		}
	}
}

// ics wraps VEVENT lines in a calendar.
func ics(events ...string) string {
	return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n" + strings.Join(events, "") + "END:VCALENDAR\r\n"
}

func event(lines ...string) string {
	return "BEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20260101T000000Z\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VEVENT\r\n"
}

func TestParseICalHolidaysCases(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{"no VALUE, date", ics(event("DTSTART:20261225")), "2026-12-25", ""},
		{"lower-case value", ics(event("DTSTART;VALUE=date:20261225")), "2026-12-25", ""},
		{"duration", ics(event("DTSTART;VALUE=DATE:20261224", "DURATION:P3D")), "2026-12-24 2026-12-25 2026-12-26", ""},
		{"dtend = dtstart", ics(event("DTSTART;VALUE=DATE:20261225", "DTEND;VALUE=DATE:20261225")), "2026-12-25", ""},
		{"across years", ics(event("DTSTART;VALUE=DATE:20261231", "DTEND;VALUE=DATE:20270102")), "2026-12-31 2027-01-01", ""},
		{"UTC timed", ics(event("DTSTART:20261225T000000Z", "DTEND:20261226T000000Z")), "", ""},
		{"yearly, open-ended", ics(event("DTSTART;VALUE=DATE:20991225", "RRULE:FREQ=YEARLY")), "2099-12-25 2100-12-25", ""},
		{"yearly, count", ics(event("DTSTART;VALUE=DATE:20260101", "RRULE:FREQ=YEARLY;COUNT=3")), "2026-01-01 2027-01-01 2028-01-01", ""},
		{"yearly, first Monday of May", ics(event("DTSTART;VALUE=DATE:20260504", "RRULE:FREQ=YEARLY;BYMONTH=5;BYDAY=1MO;COUNT=3")), "2026-05-04 2027-05-03 2028-05-01", ""},
		{"two calendars", ics(event("DTSTART;VALUE=DATE:20261225")) + ics(event("DTSTART;VALUE=DATE:20261226")), "2026-12-25 2026-12-26", ""},
		{"BOM", "\xef\xbb\xbf" + ics(event("DTSTART;VALUE=DATE:20261225")), "2026-12-25", ""},
		{"no events", ics(), "", ""},

		{"empty", "", "", "empty input"},
		{"garbage", "hello world\n", "", "reading iCalendar"},
		{"not a calendar", "BEGIN:VEVENT\r\nEND:VEVENT\r\n", "", "VCALENDAR"},
		{"truncated", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261225\r\n", "", "not closed"},
		{"bad date", ics(event("SUMMARY:Bad", "DTSTART;VALUE=DATE:20261332")), "", `VEVENT "Bad": DTSTART: invalid date "20261332": month 13 out of range`},
		{"no dtstart", ics(event("SUMMARY:Nothing")), "", `"Nothing": no DTSTART`},
		{"end before start", ics(event("DTSTART;VALUE=DATE:20261225", "DTEND;VALUE=DATE:20261220")), "", "DTEND 2026-12-20 is before DTSTART 2026-12-25"},
		{"timed end", ics(event("DTSTART;VALUE=DATE:20261225", "DTEND:20261226T000000Z")), "", "DTEND 20261226T000000Z is a date-time"},
		{"hours", ics(event("DTSTART;VALUE=DATE:20261225", "DURATION:PT5H")), "", "not a whole number of days"},
		{"too long", ics(event("DTSTART;VALUE=DATE:20260101", "DTEND;VALUE=DATE:20280101")), "", "lasts 730 days"},
		{"weekly rule", ics(event("DTSTART;VALUE=DATE:20261225", "RRULE:FREQ=WEEKLY")), "", "only FREQ=YEARLY"},
		{"bad rule", ics(event("DTSTART;VALUE=DATE:20261225", "RRULE:FREQ=YEARLY;BYMONTH=13")), "", "RRULE"},
		{"bad exdate", ics(event("DTSTART;VALUE=DATE:20261225", "RRULE:FREQ=YEARLY", "EXDATE;VALUE=DATE:2027")), "", "EXDATE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseICalHolidays(strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("error = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := datesString(got); s != tt.want {
				t.Errorf("got %q, want %q", s, tt.want)
			}
		})
	}
}
