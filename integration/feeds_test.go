package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"
)

// TestWorkerServesFeeds runs the worker binary as make run does (--http,
// the feeds in a file:// bucket, a secret) against a real server: rota
// apply prints the new rotation's feed URL; the feed is published and
// served; a cover changes the event's assignee under the same UID with a
// higher SEQUENCE; the page shows who is on shift; a revoked URL answers
// 404; the worker stops cleanly.
func TestWorkerServesFeeds(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	worker := build(t, "./cmd/worker")
	build(t, "./cmd/starter")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	env := []string{
		"TEMPORAL_ADDRESS=" + s.Address, "TEMPORAL_NAMESPACE=" + s.Namespace,
		"ROTA_FEED_BUCKET=" + (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(dir, "feeds"))}).String(),
		"ROTA_FEED_SECRET=integration-feeds-secret-0123456789", "ROTA_BASE_URL=http://" + addr,
	}
	var log lockedBuffer
	w := exec.Command(worker, "--http", addr)
	w.Env = append(os.Environ(), env...)
	w.Stdout, w.Stderr = &log, &log
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = w.Process.Kill()
			_ = w.Wait()
		}
		if t.Failed() {
			t.Logf("worker log:\n%s", log.String())
		}
	}()
	rota := func(args ...string) (int, string) {
		t.Helper()
		cmd := exec.Command(build(t, "./cmd/starter"), args...)
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}

	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3).Add(9 * time.Hour)
	cfg := fmt.Sprintf(`version: 1
members:
  - {id: ann, name: Ann Arbor}
  - {id: ben, name: Ben Nevis}
  - {id: cat, name: Cat Stevens}
rotations:
  - id: feedme
    name: Feed on-call
    timezone: Europe/Berlin
    start: %s
    shift: 1d
    strategy: queue
    members: [ann, ben, cat]
    plan_ahead: 7d
    notify_before: 1d
`, start.Format("2006-01-02T15:04"))
	path := filepath.Join(dir, "team.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := rota("apply", "-f", path)
	if code != 0 || !strings.Contains(out, "subscribe  webcal://"+addr+"/feeds/rotations/feedme.ics?token=") {
		t.Fatalf("rota apply: exit %d, want the feed URL printed\n%s", code, out)
	}

	type links struct{ Kind, URL, Page string }
	feedsOf := func(id string, args ...string) []links {
		t.Helper()
		code, out := rota(append([]string{"feeds", id, "--format", "json"}, args...)...)
		if code != 0 {
			return nil
		}
		var l []links
		if err := json.Unmarshal([]byte(out), &l); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return l
	}
	var rot []links
	waitFor(t, "the rotation's feed", time.Minute, func() bool { rot = feedsOf("feedme"); return len(rot) == 1 })

	// fetch GETs the feed and decodes it: event by UID.
	fetch := func(u string) map[string]*ical.Event {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body bytes.Buffer
		if _, err := body.ReadFrom(resp.Body); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/calendar; charset=utf-8" || resp.Header.Get("ETag") == "" {
			t.Fatalf("GET feed: %s %v\n%s", resp.Status, resp.Header, body.String())
		}
		cal, err := ical.NewDecoder(&body).Decode()
		if err != nil {
			t.Fatalf("the served feed does not parse: %v", err)
		}
		evs := map[string]*ical.Event{}
		for _, e := range cal.Events() {
			uid, _ := e.Props.Text(ical.PropUID)
			evs[uid] = &e
		}
		return evs
	}
	text := func(e *ical.Event, prop string) string {
		v, _ := e.Props.Text(prop)
		return v
	}

	// The next final shift that has not started, in the schedule.
	code, out = rota("show", "feedme", "--format", "json")
	if code != 0 {
		t.Fatalf("rota show: exit %d\n%s", code, out)
	}
	var sched struct {
		Shifts []struct {
			ID, Status string
			Assignees  []string
		}
	}
	if err := json.Unmarshal([]byte(out), &sched); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var shiftID, was string
	for _, sh := range sched.Shifts {
		if sh.Status == "final" && len(sh.Assignees) == 1 {
			shiftID, was = sh.ID, sh.Assignees[0]
			break
		}
	}
	if shiftID == "" {
		t.Fatalf("no final shift in %s", out)
	}
	before := fetch(rot[0].URL)[shiftID+"@rota"]
	if before == nil || text(before, ical.PropStatus) != "CONFIRMED" {
		t.Fatalf("shift %s is not confirmed in the feed: %+v", shiftID, before)
	}
	seq, _ := before.Props.Get(ical.PropSequence).Int()

	by := "ann"
	if was == "ann" {
		by = "cat"
	}
	if code, out := rota("cover", "--shift", shiftID, "--member", was, "--by", by); code != 0 {
		t.Fatalf("rota cover: exit %d\n%s", code, out)
	}
	names := map[string]string{"ann": "Ann Arbor", "ben": "Ben Nevis", "cat": "Cat Stevens"}
	var after *ical.Event
	waitFor(t, "the cover in the feed (published 10 s after the change)", time.Minute, func() bool {
		after = fetch(rot[0].URL)[shiftID+"@rota"]
		return after != nil && strings.Contains(text(after, ical.PropSummary), names[by])
	})
	if n, _ := after.Props.Get(ical.PropSequence).Int(); n <= seq || text(after, ical.PropStatus) != "CONFIRMED" {
		t.Errorf("after the cover: SEQUENCE %d (was %d), STATUS %s", n, seq, text(after, ical.PropStatus))
	}
	// The member it was taken from sees it cancelled.
	old := feedsOf(was)
	if len(old) != 1 {
		t.Fatalf("no feed of %s", was)
	}
	if e := fetch(old[0].URL)[shiftID+"/"+was+"@rota"]; e == nil || text(e, ical.PropStatus) != "CANCELLED" {
		t.Errorf("%s's copy of %s: %+v, want CANCELLED", was, shiftID, e)
	}

	// The page shows who is on shift now.
	code, out = rota("who", "feedme", "--format", "json")
	var who struct {
		OnCall []string `json:"on_call"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &who) != nil || len(who.OnCall) != 1 {
		t.Fatalf("rota who: exit %d\n%s", code, out)
	}
	resp, err := http.Get(rot[0].Page)
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	_, _ = page.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(page.String(), names[who.OnCall[0]]) {
		t.Errorf("the page: %s, want %s on shift", resp.Status, names[who.OnCall[0]])
	}

	// Revoked: the old URL is a 404, the new one works.
	if code, out := rota("feeds", "feedme", "--revoke"); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("rota feeds --revoke: exit %d\n%s", code, out)
	}
	// The server revalidates what it caches every 2 s.
	status := func(u string) int {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	waitFor(t, "the revoked URL to answer 404", 10*time.Second, func() bool { return status(rot[0].URL) == http.StatusNotFound })
	if now := feedsOf("feedme"); len(now) != 1 || now[0].URL == rot[0].URL || fetch(now[0].URL)[shiftID+"@rota"] == nil {
		t.Errorf("the new URL after revoking: %+v", now)
	}

	// Without Slack or pager credentials the worker said, once each, that
	// their notices go to its log and their schedules are not synced.
	for _, say := range []string{"slack: no ROTA_SLACK_TOKEN, notices go to this log",
		"opsgenie: no ROTA_OPSGENIE_API_KEY", "pagerduty: no ROTA_PAGERDUTY_TOKEN"} {
		if n := strings.Count(log.String(), say); n != 1 {
			t.Errorf("the worker's log says %q %d times, want once", say, n)
		}
	}

	// SIGTERM: the worker stops, HTTP server included.
	if err := w.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Wait() }()
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			t.Errorf("worker exit: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("the worker did not stop in 30 s")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil); req != nil {
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			t.Error("the HTTP server still answers after the worker stopped")
		}
	}
}
