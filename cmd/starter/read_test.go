package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/rota-scheduler/rota/internal/calendar"
	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/workflows"
)

func TestKeywordList(t *testing.T) {
	p, err := converter.GetDefaultDataConverter().ToPayload([]string{"alice", "bob"})
	if err != nil {
		t.Fatal(err)
	}
	one, _ := converter.GetDefaultDataConverter().ToPayload("carol")
	sa := &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{"RotaMembers": p, "RotaOnCall": one}}
	if got := keywordList(sa, "RotaMembers"); strings.Join(got, ",") != "alice,bob" {
		t.Errorf("list: %q", got)
	}
	if got := keywordList(sa, "RotaOnCall"); strings.Join(got, ",") != "carol" {
		t.Errorf("single keyword: %q", got)
	}
	if got := keywordList(sa, "Missing"); got == nil || len(got) != 0 {
		t.Errorf("missing: %#v, want an empty list", got)
	}
	if got := keywordList(nil, "RotaMembers"); got == nil || len(got) != 0 {
		t.Errorf("nil attributes: %#v", got)
	}
}

func TestWhoOutput(t *testing.T) {
	paris, _ := calendar.LoadLocation("Europe/Paris")
	at := time.Date(2026, 11, 23, 10, 0, 0, 123456789, paris)
	v := normalizeWho("sre", whoView{WhoResult: workflows.WhoResult{
		At:      at,
		OnCall:  nil,
		Current: []render.Shift{{ID: "sre/main/2026-11-23T09:00:00Z", Layer: "main", Start: time.Date(2026, 11, 23, 10, 0, 0, 0, paris), End: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), Assignees: []string{"alice"}}},
		Next:    nil,
	}}, "Europe/London")
	data, _ := json.Marshal(v)
	s := string(data)
	for _, want := range []string{`"rotation":"sre"`, `"timezone":"Europe/London"`, `"at":"2026-11-23T09:00:00Z"`,
		`"on_call":[]`, `"next":[]`, `"start":"2026-11-23T09:00:00Z"`, `"problems":[]`} {
		if !strings.Contains(s, want) {
			t.Errorf("who JSON lacks %s: %s", want, s)
		}
	}
	var b bytes.Buffer
	if err := writeWho(&b, []whoView{v, {WhoResult: workflows.WhoResult{Rotation: "ops"}, Error: "ops: no answer"}}, nil); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// People see the rotation's zone, named.
	for _, want := range []string{"alice", "Mon 2026-11-23 09:00 GMT", "Tue 2026-11-24 09:00 GMT", "ops", "no answer"} {
		if !strings.Contains(out, want) {
			t.Errorf("who table lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	tokyo, _ := calendar.LoadLocation("Asia/Tokyo")
	_ = writeWho(&b, []whoView{v}, tokyo)
	if !strings.Contains(b.String(), "Mon 2026-11-23 18:00 JST") {
		t.Errorf("--tz not used:\n%s", b.String())
	}
}

func TestAuditOutput(t *testing.T) {
	entries := []workflows.AuditEntry{
		{Time: time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC), Operation: "swap", Via: "update", Input: "alice <-> bob",
			RequestedBy: "alice", Accepted: true, Notes: []string{"x: bob replaces alice"}},
		{Time: time.Date(2026, 11, 23, 9, 31, 0, 0, time.UTC), Operation: "cover", Via: "signal", Input: "zed covers bob",
			Reason: `unknown member "zed"`},
	}
	var b bytes.Buffer
	london, _ := calendar.LoadLocation("Europe/London")
	if err := writeAudit(&b, "sre", entries, london); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"shown in Europe/London", "Mon 2026-11-23 09:30 GMT", "accepted", "bob replaces alice", `rejected: unknown member "zed"`, "signal"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("audit lacks %q:\n%s", want, b.String())
		}
	}
}

func TestListOutput(t *testing.T) {
	var b bytes.Buffer
	rows := []listedRotation{{Rotation: "sre", Status: statusName("WORKFLOW_EXECUTION_STATUS_RUNNING"), OnCall: []string{"alice"},
		Members: []string{"alice", "bob"}, Started: "2026-11-23T09:00:00Z"}}
	if err := writeList(&b, rows, time.UTC); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sre", "running", "alice, bob", "Mon 2026-11-23 09:00 UTC"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("list lacks %q:\n%s", want, b.String())
		}
	}
	for in, want := range map[string]string{"ContinuedAsNew": "continued_as_new", "WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW": "continued_as_new",
		"Running": "running", "TimedOut": "timed_out"} {
		if got := statusName(in); got != want {
			t.Errorf("statusName(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestOpResult(t *testing.T) {
	var b bytes.Buffer
	printOpResult(&b, "sre", "swap", json.RawMessage(`{"shifts":["a","b"],"notes":["a: bob replaces alice"]}`))
	if b.String() != "sre: swap done\n  a: bob replaces alice\n" {
		t.Errorf("%q", b.String())
	}
	b.Reset()
	printOpResult(&b, "sre", "pause", json.RawMessage(`null`))
	if b.String() != "sre: pause done\n" {
		t.Errorf("%q", b.String())
	}
}
