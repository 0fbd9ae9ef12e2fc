package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/workflows"
)

// TestUpdateID: the same request in the same window has the same id; any
// other field, rotation, operation or window gives another.
func TestUpdateID(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 1, 0, 0, time.UTC)
	swap := workflows.SwapInput{ShiftA: "sre/main/a", MemberA: "ann", ShiftB: "sre/main/b", MemberB: "bob", RequestedBy: "ann"}
	id := func(rotation, name string, arg any, at time.Time) string {
		s, err := updateID(rotation, name, arg, at)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := id("sre", workflows.Swap, swap, at)
	if got := id("sre", workflows.Swap, swap, at.Add(3*time.Minute)); got != base {
		t.Errorf("same window: %s, want %s", got, base)
	}
	other := swap
	other.RequestedBy = "bob"
	for name, got := range map[string]string{
		"another input":     id("sre", workflows.Swap, other, at),
		"another rotation":  id("ops", workflows.Swap, swap, at),
		"another operation": id("sre", workflows.Cover, swap, at),
		"the next window":   id("sre", workflows.Swap, swap, at.Add(updateWindow)),
	} {
		if got == base {
			t.Errorf("%s: same id %s", name, got)
		}
	}
	if !strings.HasPrefix(base, "rota-cli/swap/sre/") {
		t.Errorf("id %s", base)
	}
}

func TestStatusOutput(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	st := workflows.StatusResult{
		Rotation: "sre", At: at,
		Health: workflows.Health{Health: workflows.HealthDegraded,
			Failing:   []workflows.EffectFailure{{Time: at, Kind: "pager", Key: "sre/main/x/handoff/pager", Error: "opsgenie: 503", Attempts: 3}},
			Abandoned: []workflows.EffectFailure{{Time: at, Kind: "dm", Key: "sre/main/x/notify/ann", Error: "user_not_found", Attempts: 1, Abandoned: true}},
		},
		Pending: 1, NextStart: at.Add(24 * time.Hour),
	}
	var b bytes.Buffer
	if err := writeStatus(&b, st, time.UTC); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"sre: degraded, running (times in UTC)", "sends pending: 1", "failing, tried again:", "opsgenie: 503", "given up in the last day:", "user_not_found", "Thu 2026-12-03 09:00 UTC"} {
		if !strings.Contains(out, want) {
			t.Errorf("status output lacks %q:\n%s", want, out)
		}
	}
}

// TestGlobalAs: rota --as MEMBER COMMAND sets who asks for the command;
// a command's own --as still works, and wins.
func TestGlobalAs(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--as", "ann", "no-such-command"}, &out, &errb); code != 2 || globalAs != "ann" {
		t.Errorf("rota --as ann: exit %d, as %q", code, globalAs)
	}
	if code := run([]string{"--as=bob", "no-such-command"}, &out, &errb); code != 2 || globalAs != "bob" {
		t.Errorf("rota --as=bob: exit %d, as %q", code, globalAs)
	}
	if code := run([]string{"--as"}, &out, &errb); code != 2 {
		t.Errorf("rota --as alone: exit %d, want 2", code)
	}
	globalAs = "ann"
	defer func() { globalAs = "" }()
	fs := newFlags("swap")
	r := addRemote(fs, true)
	if r.as != "ann" {
		t.Errorf("--as default %q, want the global ann", r.as)
	}
	if err := fs.Parse([]string{"--as", "cat"}); err != nil || r.as != "cat" {
		t.Errorf("swap --as cat: %q, %v", r.as, err)
	}
}

// TestHelp: every command has a synopsis and an example; rota help CMD and
// rota CMD -h print them with the flags written --name; a bad flag is said
// once.
func TestHelp(t *testing.T) {
	for name := range commands {
		if s, ok := synopses[name]; !ok || !strings.HasPrefix(s.usage, "rota "+name) || s.example == "" {
			t.Errorf("%s: synopsis %+v", name, s)
		}
		for _, args := range [][]string{{"help", name}, {name, "-h"}} {
			var out, errb bytes.Buffer
			code := run(args, &out, &errb)
			help := errb.String()
			if code != 0 || !strings.Contains(help, "usage: rota "+name) || !strings.Contains(help, "example:") || !strings.Contains(help, "flags:\n  -") {
				t.Errorf("rota %v: exit %d\n%s", args, code, help)
			}
			if strings.Contains(help, "\n  -"+"-") == false && name != "validate" {
				t.Errorf("rota %v: no --flag in\n%s", args, help)
			}
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"show", "--bogus"}, &out, &errb); code != 2 || strings.Count(errb.String(), "bogus") != 1 {
		t.Errorf("bad flag: exit %d, stderr %q: want it said once", code, errb.String())
	}
	errb.Reset()
	run([]string{"help", "plan"}, &out, &errb)
	if !strings.Contains(errb.String(), "--weeks INT") || !strings.Contains(errb.String(), "(default 4)") {
		t.Errorf("plan help: %s", errb.String())
	}
}
