package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/opsgeniefake"
	"github.com/rota-scheduler/rota/internal/pagerdutyfake"
)

// TestWorkerPagers runs the worker binary against a real server with
// local Opsgenie and PagerDuty APIs (ROTA_OPSGENIE_API_KEY/URL,
// ROTA_PAGERDUTY_TOKEN/URL): applying a rotation mirrors its final shifts
// into both schedules; rota pager shows them agreeing (exit 0), and an
// override deleted by hand as a difference (exit 1). Neither secret is in
// the workflow's history or the worker's log.
func TestWorkerPagers(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	workerBin := build(t, "./cmd/worker")
	const key, token = "og-integration-key-0123456789", "pd-integration-token-0123456789"
	og := opsgeniefake.New(key)
	t.Cleanup(og.Close)
	og.AddSchedule("chat-schedule")
	pd := pagerdutyfake.New(token)
	t.Cleanup(pd.Close)
	pd.AddSchedule("PCHAT")
	for _, u := range []string{"ann", "ben", "cat"} {
		og.AddUser(u + "@example.com")
		pd.AddUser("P"+strings.ToUpper(u), u+"@example.com")
	}
	dir := t.TempDir()
	env := append(os.Environ(), "TEMPORAL_ADDRESS="+s.Address, "TEMPORAL_NAMESPACE="+s.Namespace,
		"ROTA_FEED_BUCKET=file://"+filepath.ToSlash(filepath.Join(dir, "feeds")),
		"ROTA_OPSGENIE_API_KEY="+key, "ROTA_OPSGENIE_API_URL="+og.URL(),
		"ROTA_PAGERDUTY_TOKEN="+token, "ROTA_PAGERDUTY_API_URL="+pd.URL())
	log := &lockedBuffer{}
	w := exec.Command(workerBin)
	w.Env, w.Stdout, w.Stderr = env, log, log
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = w.Process.Kill()
		_ = w.Wait()
		if t.Failed() {
			t.Logf("worker log:\n%s", log.String())
		}
	})
	rota := func(args ...string) (int, string) {
		cmd := exec.Command(build(t, "./cmd/starter"), args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}

	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3).Add(9 * time.Hour)
	cfg := `version: 1
members:
  - {id: ann, email: ann@example.com}
  - {id: ben, email: ben@example.com}
  - {id: cat, opsgenie: cat@example.com, pagerduty: PCAT}
rotations:
  - id: chat
    timezone: Europe/Berlin
    start: ` + start.Format("2006-01-02T15:04") + `
    shift: 1d
    strategy: queue
    members: [ann, ben, cat]
    plan_ahead: 4d
    notify_before: 1h
    opsgenie: {schedule: chat-schedule}
    pagerduty: {schedule: PCHAT}
`
	path := filepath.Join(dir, "team.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := rota("apply", "-f", path); code != 0 {
		t.Fatalf("rota apply: exit %d\n%s", code, out)
	}
	// The running shift and the four planned ahead, in both tools.
	waitFor(t, "the overrides", time.Minute, func() bool {
		return len(og.Overrides("chat-schedule")) >= 5 && len(pd.Overrides("PCHAT")) >= 5
	})
	code, out := rota("pager", "chat", "--weeks", "1")
	if code != 0 || strings.Contains(out, "DIFFERS") || !strings.Contains(out, "OPSGENIE (chat-schedule)") {
		t.Fatalf("rota pager: exit %d, want 0 and every shift ok\n%s", code, out)
	}
	t.Logf("rota pager chat:\n%s", out)

	// Someone deletes the running shift's override by hand.
	now := time.Now()
	for _, o := range og.Overrides("chat-schedule") {
		if !o.Start.After(now) && o.End.After(now) {
			og.DeleteOverride("chat-schedule", o.Alias)
		}
	}
	code, out = rota("pager", "chat", "--weeks", "1")
	if code != 1 || !strings.Contains(out, "DIFFERS") || !strings.Contains(out, "1 of ") {
		t.Errorf("rota pager after a hand edit: exit %d, want 1 and the shift that differs\n%s", code, out)
	}

	show := exec.Command(temporalFor(t), "workflow", "show", "--workflow-id", "rota/chat",
		"--address", s.Address, "--namespace", s.Namespace, "--output", "json")
	hist, err := show.CombinedOutput()
	if err != nil || !strings.Contains(string(hist), "RotationWorkflow") {
		t.Fatalf("temporal workflow show: %v\n%.2000s", err, hist)
	}
	for _, secret := range []string{key, token} {
		if strings.Contains(string(hist), secret) {
			t.Errorf("the history holds a pager secret")
		}
		if strings.Contains(log.String(), secret) {
			t.Errorf("the worker's log holds a pager secret")
		}
	}
	if l := log.String(); !strings.Contains(l, "opsgenie: schedules are synced") || !strings.Contains(l, "pagerduty: schedules are synced") {
		t.Errorf("the worker does not say which pagers it syncs:\n%s", l)
	}
}
