package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func scenarioPath(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "scenarios", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("scenario %s not found", name)
	}
	return p
}

func rota(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestPlanJSON(t *testing.T) {
	f := scenarioPath(t, "sre-24h.yaml")
	code, out, stderr := rota("plan", "-f", f, "--rotation", "sre", "--weeks", "52", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Rotation, Timezone, Strategy string
		Shifts                       []struct {
			ID, Layer, Kind, Start, End string
			Assignees, Problems         []string
		}
		Report struct {
			Members []struct {
				ID                        string
				Shifts                    int
				Hours                     float64
				Weekday, Weekend, Holiday int
				WeekdayHours              float64 `json:"weekday_hours"`
				WeekendHours              float64 `json:"weekend_hours"`
				HolidayHours              float64 `json:"holiday_hours"`
			}
			Spread            struct{ Shifts, Weekday, Weekend, Holiday int }
			BeyondLimit       struct{ Shifts, Weekday, Weekend, Holiday int } `json:"beyond_limit"`
			Balance, Coverage float64
			NeedViolations    int `json:"need_violations"`
			RestViolations    int `json:"rest_violations"`
		}
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%v\n%s", err, out[:200])
	}
	if doc.Rotation != "sre" || doc.Timezone != "Europe/London" || doc.Strategy != "fair" || len(doc.Shifts) != 364 {
		t.Errorf("header %s %s %s, %d shifts", doc.Rotation, doc.Timezone, doc.Strategy, len(doc.Shifts))
	}
	first := doc.Shifts[0]
	if first.ID != "sre/main/2026-11-23T09:00:00Z" || first.Start != "2026-11-23T09:00:00Z" || first.End != "2026-11-24T09:00:00Z" ||
		first.Kind != "weekday" || first.Layer != "main" || len(first.Assignees) != 1 || first.Problems == nil {
		t.Errorf("first shift %+v", first)
	}
	for _, s := range doc.Shifts {
		if _, err := time.Parse(time.RFC3339, s.Start); err != nil || !strings.HasSuffix(s.Start, "Z") {
			t.Errorf("start %q is not UTC RFC 3339", s.Start)
		}
	}
	r := doc.Report
	if len(r.Members) != 7 || r.Spread.Shifts > 1 || r.Coverage != 100 || r.Balance < 95 || r.RestViolations != 0 ||
		r.BeyondLimit != (struct{ Shifts, Weekday, Weekend, Holiday int }{}) {
		t.Errorf("report %+v", r)
	}
}

func TestPlanFormats(t *testing.T) {
	f := scenarioPath(t, "sre-24h.yaml")
	for _, c := range []struct {
		format string
		want   []string
	}{
		{"table", []string{"Mon 2026-11-23 09:00 GMT", "balance"}},
		{"csv", []string{"id,layer,kind,start,end,assignees,problems", "sre-layers/weekdays/2026-11-23T09:00:00Z,weekdays,weekday,2026-11-23T09:00:00Z,2026-11-24T09:00:00Z,sre1,"}},
		{"grid", []string{"WEEK OF     MON   TUE   WED   THU   FRI   SAT   SUN", "2026-11-23  sre1  sre2  sre3  sre4  sre5  sre1  sre7\n2026-11-30  sre6  sre7  sre1  sre2  sre3  sre6  sre5\n"}},
	} {
		code, out, stderr := rota("plan", "-f", f, "--rotation", "sre-layers", "--weeks", "2", "--format", c.format)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.format, code, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s output lacks %q:\n%s", c.format, w, out)
			}
		}
	}
}

func TestExitCodes(t *testing.T) {
	f := scenarioPath(t, "sre-24h.yaml")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("version: 2\n"), 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, 2, "usage"},
		{[]string{"nope"}, 2, "unknown command"},
		{[]string{"plan"}, 2, "-f FILE is required"},
		{[]string{"plan", "-f", f}, 2, "--rotation is required"},
		{[]string{"plan", "-f", f, "--rotation", "sre", "--format", "xml"}, 2, "unknown format"},
		{[]string{"plan", "-f", f, "--rotation", "sre", "--weeks", "2", "--shifts", "3"}, 2, "only one"},
		{[]string{"plan", "-f", f, "--rotation", "nope"}, 1, `no rotation "nope"`},
		{[]string{"plan", "-f", bad}, 1, "bad.yaml:1"},
		{[]string{"validate", "-f", bad}, 1, "version"},
		{[]string{"validate", "-f", f}, 0, ""},
		{[]string{"forecast", "-f", f, "--rotation", "sre", "--shifts", "0"}, 2, "at least 1"},
	} {
		code, _, stderr := rota(c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("rota %v: exit %d, stderr %q; want exit %d mentioning %q", c.args, code, stderr, c.code, c.want)
		}
	}
}

func TestForecastLottery(t *testing.T) {
	f := scenarioPath(t, "solar-lottery-demo.yaml")
	code, out, stderr := rota("forecast", "-f", f, "--rotation", "icebreaker", "--shifts", "4", "--samples", "200", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var fc struct {
		Samples int
		Shifts  []struct{ Chances []struct{ P float64 } }
	}
	if err := json.Unmarshal([]byte(out), &fc); err != nil || fc.Samples != 200 || len(fc.Shifts) != 4 {
		t.Fatalf("%v %+v", err, fc)
	}
	if len(fc.Shifts[0].Chances) < 10 {
		t.Errorf("a lottery's first shift has only %d possible members", len(fc.Shifts[0].Chances))
	}
}

func TestPlanStrategyOverride(t *testing.T) {
	f := scenarioPath(t, "sre-24h.yaml")
	code, out, stderr := rota("plan", "-f", f, "--rotation", "sre", "--shifts", "8", "--strategy", "queue", "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		got = append(got, strings.Split(line, ",")[5])
	}
	// The queue walks the member list; min_rest never bites with 7 members.
	want := []string{"sre1", "sre2", "sre3", "sre4", "sre5", "sre6", "sre7", "sre1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("queue order %v, want %v", got, want)
	}
	if code, _, stderr := rota("plan", "-f", f, "--rotation", "sre", "--strategy", "random"); code != 2 || !strings.Contains(stderr, "unknown strategy") {
		t.Errorf("bad strategy: exit %d %q", code, stderr)
	}
}

// TestPlanFromIsPlanFromTheStart: `plan --from X` shows, from the shift
// running at X on, exactly what planning from the rotation's start gives,
// for every scenario rotation.
func TestPlanFromIsPlanFromTheStart(t *testing.T) {
	cases := []struct{ file, rotation, from string }{
		{"sre-24h.yaml", "sre", "2027-03-10T15:00"},
		{"sre-24h.yaml", "sre-layers", "2027-01-05"},
		{"solar-lottery-demo.yaml", "icebreaker", "2021-06-01"},
		{"shift-week.yaml", "shift-week", "2027-02-03T12:00"},
	}
	type shift struct {
		ID        string
		Start     string
		End       string
		Assignees []string
	}
	plan := func(args ...string) []shift {
		code, out, stderr := rota(append([]string{"plan", "--format", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("rota plan %v: exit %d: %s", args, code, stderr)
		}
		var doc struct{ Shifts []shift }
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Shifts
	}
	for _, c := range cases {
		t.Run(c.rotation, func(t *testing.T) {
			f := scenarioPath(t, c.file)
			all := plan("-f", f, "--rotation", c.rotation, "--weeks", "80")
			from := plan("-f", f, "--rotation", c.rotation, "--from", c.from, "--weeks", "4")
			if len(from) == 0 {
				t.Fatal("nothing planned from", c.from)
			}
			i := 0
			for i < len(all) && all[i].ID != from[0].ID {
				i++
			}
			if i == len(all) {
				t.Fatalf("%s is not in the plan from the start", from[0].ID)
			}
			for j, sh := range from {
				if i+j >= len(all) || all[i+j].ID != sh.ID || strings.Join(all[i+j].Assignees, ",") != strings.Join(sh.Assignees, ",") {
					t.Fatalf("--from %s: shift %d is %+v, the plan from the start has %+v", c.from, j, sh, all[min(i+j, len(all)-1)])
				}
			}
			if from[0].End <= c.from[:min(len(c.from), 10)] {
				t.Errorf("first shift %+v ends before %s", from[0], c.from)
			}
		})
	}
}
