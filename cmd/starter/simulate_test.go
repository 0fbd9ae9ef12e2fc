package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/lab"
)

// TestSimulateIsPlan: without events, rota simulate's schedule.csv is
// rota plan's CSV, byte for byte, on a rotation of each shared scenario.
func TestSimulateIsPlan(t *testing.T) {
	cases := []struct{ file, rotation, weeks string }{
		{"sre-24h.yaml", "sre-layers", "4"},
		{"data-oncall.yaml", "data-oncall", "8"},
		{"shift-week.yaml", "shift-week", "8"},
		{"solar-lottery-demo.yaml", "icebreaker", "12"},
	}
	for _, c := range cases {
		t.Run(c.rotation, func(t *testing.T) {
			f := scenarioPath(t, c.file)
			dir := t.TempDir()
			code, out, stderr := rota("simulate", "-f", f, "--rotation", c.rotation, "--weeks", c.weeks, "--out", dir)
			if code != 0 {
				t.Fatalf("simulate: exit %d: %s", code, stderr)
			}
			code, plan, stderr := rota("plan", "-f", f, "--rotation", c.rotation, "--weeks", c.weeks, "--format", "csv")
			if code != 0 {
				t.Fatalf("plan: exit %d: %s", code, stderr)
			}
			got, err := os.ReadFile(filepath.Join(dir, "schedule.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != plan || strings.Count(plan, "\n") < 3 {
				t.Errorf("schedule.csv:\n%s\nrota plan:\n%s", got, plan)
			}
			var rep struct {
				Shifts []json.RawMessage
				Run    struct {
					Runs     int
					Shifts   int
					PerShift float64 `json:"modelled_history_events_per_shift"`
				}
			}
			data, err := os.ReadFile(filepath.Join(dir, "report.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Run.Shifts != len(rep.Shifts) || rep.Run.Shifts != strings.Count(plan, "\n")-1 || rep.Run.PerShift <= 0 {
				t.Errorf("report.json: %d shifts, run %+v", len(rep.Shifts), rep.Run)
			}
			if !strings.Contains(out, "output: "+filepath.Join(dir, "schedule.csv")) {
				t.Errorf("stdout:\n%s", out)
			}
			page, err := os.ReadFile(filepath.Join(dir, "report.html"))
			if err != nil || !strings.Contains(string(page), c.rotation) {
				t.Errorf("report.html: %v", err)
			}
		})
	}
}

// TestSimulateEvents: each event of examples/events.yaml is reported,
// applied or rejected with its reason; a bad events file is an error
// naming its file, line and field.
func TestSimulateEvents(t *testing.T) {
	team, events := filepath.Join("..", "..", "examples", "team.yaml"), filepath.Join("..", "..", "examples", "events.yaml")
	dir := t.TempDir()
	code, out, stderr := rota("simulate", "-f", team, "--rotation", "platform", "--weeks", "4", "--events", events, "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "8 events: 7 applied, 1 rejected") || !strings.Contains(out, `rejected: unknown member "zed"`) {
		t.Errorf("stdout:\n%s", out)
	}
	var rep struct {
		Events []struct {
			Op, Source, Reason string
			Applied            bool
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	ops := []string{"swap", "cover", "leave_shift", "unavailable", "join", "unavailable", "pause", "resume"}
	if len(rep.Events) != len(ops) {
		t.Fatalf("report.json events: %+v", rep.Events)
	}
	for i, e := range rep.Events {
		if e.Op != ops[i] || !strings.HasPrefix(e.Source, events+":") || e.Applied == (e.Reason != "") {
			t.Errorf("event %d: %+v", i, e)
		}
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("- at: 2026-11-05T10:00\n  op: cover\n  shift: x\n  member: alice\n  bye: bob\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = rota("simulate", "-f", team, "--rotation", "platform", "--weeks", "4", "--events", bad, "--out", t.TempDir())
	if code != 1 || !strings.Contains(stderr, bad+":1:3: [0].by: missing") || !strings.Contains(stderr, bad+":5:3: [0].bye: unknown field") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// labReport is what the tests read of a report.json.
type labReport struct {
	Shifts []struct{ ID string }
	Report struct {
		Spread            struct{ Shifts, Weekday, Weekend, Holiday int }
		Balance, Coverage float64
		Need              int `json:"need_violations"`
		Rest              int `json:"rest_violations"`
	}
	Events []struct {
		Op, Summary, Reason string
		Sent                time.Time
		Applied             bool
		Notes               []string
	}
	Run struct {
		ContinueAsNew  int     `json:"continue_as_new"`
		EventsPerShift float64 `json:"modelled_history_events_per_shift"`
		BytesPerShift  float64 `json:"payload_bytes_per_shift"`
		Activities     []struct {
			Name  string
			Count int
		}
	}
}

func readReport(t *testing.T, path string) labReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep labReport
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rep
}

// applied counts the events of rep that were applied.
func (rep labReport) applied() int {
	n := 0
	for _, e := range rep.Events {
		if e.Applied {
			n++
		}
	}
	return n
}

// csvAssignees reads a schedule in rota plan's CSV: each shift's
// assignees, by id.
func csvAssignees(t *testing.T, data string) map[string]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(data)).ReadAll()
	if err != nil || len(rows) < 2 || rows[0][0] != "id" || rows[0][5] != "assignees" {
		t.Fatalf("not a schedule (%v):\n%s", err, data)
	}
	out := map[string]string{}
	for _, r := range rows[1:] {
		out[r[0]] = r[5]
	}
	return out
}

// simulateCompare runs examples/events.yaml on rotation platform for 4
// weeks under fair, queue and lottery, and returns stdout and the output
// directory.
func simulateCompare(t *testing.T) (string, string) {
	t.Helper()
	team, events := filepath.Join("..", "..", "examples", "team.yaml"), filepath.Join("..", "..", "examples", "events.yaml")
	dir := t.TempDir()
	code, out, stderr := rota("simulate", "-f", team, "--rotation", "platform", "--weeks", "4", "--events", events,
		"--compare", "fair,queue,lottery", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	return out, dir
}

var compared = []string{"fair", "queue", "lottery"}

// TestSimulateCompare: --compare runs the scenario and its events under
// each strategy, one row each, and writes each one's files. The table has
// a column for the spread in all and of each kind, balance, coverage,
// need and rest violations, the shifts the events moved and the events
// applied, each row's figures those of its strategy's report.json, and
// MOVED the shifts whose assignees differ from rota plan's under that
// strategy, counted here from the two CSVs.
func TestSimulateCompare(t *testing.T) {
	out, dir := simulateCompare(t)
	lines := strings.Split(out, "\n")
	header := []string{"STRATEGY", "SPREAD", "WEEKDAY", "WEEKEND", "HOLIDAY", "BALANCE", "COVERAGE", "NEED-V", "REST-V", "MOVED", "EVENTS", "OK/ALL", "WALL"}
	if got := strings.Fields(lines[0]); !slices.Equal(got, header) {
		t.Fatalf("header %q, want %q; stdout:\n%s", got, header, out)
	}
	team := filepath.Join("..", "..", "examples", "team.yaml")
	for i, st := range compared {
		fields := strings.Fields(lines[1+i])
		if len(fields) != 12 || fields[0] != st {
			t.Errorf("row %d: %q", i, lines[1+i])
			continue
		}
		for _, name := range []string{"schedule.csv", "report.json", "report.html"} {
			if _, err := os.Stat(filepath.Join(dir, st, name)); err != nil {
				t.Error(err)
			}
		}
		rep := readReport(t, filepath.Join(dir, st, "report.json"))
		r := rep.Report
		sched, err := os.ReadFile(filepath.Join(dir, st, "schedule.csv"))
		if err != nil {
			t.Fatal(err)
		}
		code, plan, stderr := rota("plan", "-f", team, "--rotation", "platform", "--weeks", "4", "--strategy", st, "--format", "csv")
		if code != 0 {
			t.Fatalf("plan: exit %d: %s", code, stderr)
		}
		got, base := csvAssignees(t, string(sched)), csvAssignees(t, plan)
		moved := 0
		for id, who := range got {
			if w, ok := base[id]; !ok || w != who {
				moved++
			}
		}
		for id := range base {
			if _, ok := got[id]; !ok {
				moved++
			}
		}
		if moved == 0 {
			t.Errorf("%s: the events moved no shift", st)
		}
		want := []string{st, strconv.Itoa(r.Spread.Shifts), strconv.Itoa(r.Spread.Weekday), strconv.Itoa(r.Spread.Weekend),
			strconv.Itoa(r.Spread.Holiday), fmt.Sprintf("%.1f%%", r.Balance), fmt.Sprintf("%.1f%%", r.Coverage),
			strconv.Itoa(r.Need), strconv.Itoa(r.Rest), strconv.Itoa(moved), fmt.Sprintf("%d/%d", rep.applied(), len(rep.Events))}
		if !slices.Equal(fields[:11], want) {
			t.Errorf("row %s: %q\nwant   %q (and the wall time)", st, fields, want)
		}
	}
	if code, _, _ := rota("simulate", "-f", team, "--rotation", "platform", "--compare", "fair,bogus"); code != 2 {
		t.Errorf("an unknown strategy: exit %d, want 2", code)
	}
}

var (
	rowRE  = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	cellRE = regexp.MustCompile(`(?s)<t[dh][^>]*>(.*?)</t[dh]>`)
)

// tableRows returns the cells (unescaped text) of the body rows of the
// first table after id="ID" in page.
func tableRows(t *testing.T, page, id string) [][]string {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("the page has no %s", id)
	}
	sec := page[i:]
	j := strings.Index(sec, "<tbody>")
	k := strings.Index(sec, "</tbody>")
	if j < 0 || k < j {
		t.Fatalf("%s has no table", id)
	}
	var rows [][]string
	for _, m := range rowRE.FindAllStringSubmatch(sec[j:k], -1) {
		var cells []string
		for _, c := range cellRE.FindAllStringSubmatch(m[1], -1) {
			cells = append(cells, html.UnescapeString(c[1]))
		}
		rows = append(rows, cells)
	}
	return rows
}

// oneDecimal is a figure as the page shows it: at most one decimal.
func oneDecimal(x float64) string { return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64) }

// TestSimulatePage: report.html, as rota simulate --compare writes it
// for each strategy, shows each event's outcome (applied with what it
// changed, rejected with the workflow's reason), the run's figures and
// the strategies compared, each as report.json has it.
func TestSimulatePage(t *testing.T) {
	out, dir := simulateCompare(t)
	moved := map[string]string{}
	for i, st := range compared {
		if f := strings.Fields(strings.Split(out, "\n")[1+i]); len(f) > 9 {
			moved[st] = f[9]
		}
	}
	reports := map[string]labReport{}
	for _, st := range compared {
		reports[st] = readReport(t, filepath.Join(dir, st, "report.json"))
	}
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range compared {
		t.Run(st, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, st, "report.html"))
			if err != nil {
				t.Fatal(err)
			}
			page := string(data)
			rep := reports[st]

			// Events: one row each, in order.
			rows := tableRows(t, page, "events")
			if len(rows) != len(rep.Events) || len(rows) != 8 {
				t.Fatalf("%d event rows, report.json has %d events", len(rows), len(rep.Events))
			}
			rejected := 0
			for i, e := range rep.Events {
				outcome, applied := strings.Join(e.Notes, "; "), "yes"
				if !e.Applied {
					outcome, applied = e.Reason, "no"
					rejected++
				}
				want := []string{e.Sent.In(london).Format("Mon 2 Jan 2006 15:04 MST"), e.Op, e.Summary, applied, outcome}
				if !slices.Equal(rows[i], want) {
					t.Errorf("event %d: %q\nwant     %q", i, rows[i], want)
				}
				if outcome == "" {
					t.Errorf("event %d (%s) shows no outcome", i, e.Op)
				}
			}
			if rejected == 0 || strings.Count(page, `<td class="no">no</td>`) != rejected {
				t.Errorf("%d rejected events, %d marked so on the page", rejected, strings.Count(page, `<td class="no">no</td>`))
			}
			if st == "fair" {
				// The events were written for fair's schedule: only zed's is refused.
				if rejected != 1 || !slices.Contains(rows[5], `unknown member "zed"`) || rows[0][0] != "Thu 5 Nov 2026 10:00 GMT" {
					t.Errorf("fair: %d rejected; row 5 %q; row 0 %q", rejected, rows[5], rows[0])
				}
			}

			// The run's figures and the report's.
			r := rep.Report
			acts := make([]string, len(rep.Run.Activities))
			for i, a := range rep.Run.Activities {
				acts[i] = fmt.Sprintf("%s %d", a.Name, a.Count)
			}
			for _, want := range []string{
				fmt.Sprintf("<dt>Modelled history events per shift</dt><dd>%s ", oneDecimal(rep.Run.EventsPerShift)),
				fmt.Sprintf("<dt>Payload bytes per shift</dt><dd>%.0f ", math.Round(rep.Run.BytesPerShift)),
				fmt.Sprintf("<dt>Continue-as-new</dt><dd>%d</dd>", rep.Run.ContinueAsNew),
				fmt.Sprintf("<dt>Activities</dt><dd>%s</dd>", strings.Join(acts, ", ")),
				fmt.Sprintf("<dt>Shifts</dt><dd>%d</dd>", len(rep.Shifts)),
				fmt.Sprintf("<dd>%d in all; %d weekday, %d weekend, %d holiday</dd>", r.Spread.Shifts, r.Spread.Weekday, r.Spread.Weekend, r.Spread.Holiday),
				fmt.Sprintf("<dt>Violations</dt><dd>%d of needs, %d of rest</dd>", r.Need, r.Rest),
			} {
				if !strings.Contains(page, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			if len(acts) == 0 || rep.Run.EventsPerShift <= 0 || rep.Run.BytesPerShift <= 0 {
				t.Errorf("report.json's run: %+v", rep.Run)
			}

			// Every strategy's row, on every strategy's page.
			rows = tableRows(t, page, "compare")
			if len(rows) != len(compared) {
				t.Fatalf("%d rows compared, want %d", len(rows), len(compared))
			}
			for i, other := range compared {
				o := reports[other].Report
				want := []string{other, strconv.Itoa(o.Spread.Shifts), strconv.Itoa(o.Spread.Weekday), strconv.Itoa(o.Spread.Weekend),
					strconv.Itoa(o.Spread.Holiday), oneDecimal(o.Balance) + "%", oneDecimal(o.Coverage) + "%",
					strconv.Itoa(o.Need), strconv.Itoa(o.Rest), moved[other]}
				if !slices.Equal(rows[i], want) {
					t.Errorf("compared %s: %q\nwant        %q", other, rows[i], want)
				}
			}
		})
	}
}

// TestProgress: the bar shows the simulated date, shifts done and time
// taken, ends its line when done, and is not drawn off a terminal.
func TestProgress(t *testing.T) {
	var b strings.Builder
	from := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	drawProgress(&b, lab.Progress{Now: from.AddDate(0, 0, 14), From: from, To: from.AddDate(0, 0, 28), Shifts: 13, Elapsed: 1500 * time.Millisecond})
	if got := b.String(); got != "\r[###############...............] 2026-11-16  13 shifts  1.5s " {
		t.Errorf("%q", got)
	}
	b.Reset()
	drawProgress(&b, lab.Progress{Now: from.AddDate(0, 0, 28), From: from, To: from.AddDate(0, 0, 28), Shifts: 28, Done: true})
	if got := b.String(); !strings.HasPrefix(got, "\r[##############################] 2026-11-30  28 shifts") || !strings.HasSuffix(got, "\n") {
		t.Errorf("%q", got)
	}
	if isTerminal(&b) {
		t.Error("a buffer is no terminal")
	}
}
