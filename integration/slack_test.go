package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rota-scheduler/rota/internal/slackfake"
	"github.com/rota-scheduler/rota/workflows"
)

// TestWorkerSlack runs the worker binary against a real server with its
// notices going to a local Slack Web API server (ROTA_SLACK_TOKEN,
// ROTA_SLACK_API_URL). Applying a rotation whose shift is running sets the
// user group to exactly the person on shift and posts in the channel. The
// worker is killed with SIGKILL while Slack holds its first post, and
// restarted: the retried delivery finds that post and nothing is posted
// twice. The token is in neither the workflow's history (as `temporal
// workflow show --output json` exports it) nor the worker's log.
func TestWorkerSlack(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	ctx, c := dialServer(t, s, 4*time.Minute)
	workerBin := build(t, "./cmd/worker")

	const token = "xoxb-integration-0123456789-abcdefghij"
	slack := slackfake.New(token)
	t.Cleanup(slack.Close)
	slack.AddUser("UANN", "ann", "ann@example.com")
	slack.AddUser("UBEN", "ben", "ben@example.com")
	slack.AddUser("UCAT", "cat", "cat@example.com")
	slack.AddChannel("C0CHAT", "chat-oncall", true)
	slack.AddUsergroup("S0CHAT", "chat-oncall", "UOLD")
	// Slack holds the first post 3 s: the worker dies meanwhile.
	slack.Fail("chat.postMessage", slackfake.Fault{Delay: 3 * time.Second})

	dir := t.TempDir()
	env := append(os.Environ(), "TEMPORAL_ADDRESS="+s.Address, "TEMPORAL_NAMESPACE="+s.Namespace,
		"ROTA_FEED_BUCKET=file://"+filepath.ToSlash(filepath.Join(dir, "feeds")),
		"ROTA_SLACK_TOKEN="+token, "ROTA_SLACK_API_URL="+slack.URL())
	var logs []*lockedBuffer
	var running *exec.Cmd
	startWorker := func() {
		t.Helper()
		log := &lockedBuffer{}
		w := exec.Command(workerBin)
		w.Env, w.Stdout, w.Stderr = env, log, log
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		logs, running = append(logs, log), w
	}
	t.Cleanup(func() {
		if running != nil {
			_ = running.Process.Kill()
			_ = running.Wait()
		}
		if t.Failed() {
			for i, l := range logs {
				t.Logf("worker %d log:\n%s", i+1, l.String())
			}
		}
	})
	startWorker()
	waitFor(t, "the worker to check the token", time.Minute, func() bool {
		return strings.Contains(logs[0].String(), "slack: notices go to Slack")
	})
	if l := logs[0].String(); !strings.Contains(l, "bot=rota") || !strings.Contains(l, `team="Rota Test"`) {
		t.Errorf("the worker does not name the bot and workspace:\n%s", l)
	}

	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3).Add(9 * time.Hour)
	cfg := fmt.Sprintf(`version: 1
members:
  - {id: ann, name: Ann, slack: UANN}
  - {id: ben, name: Ben, email: ben@example.com}
  - {id: cat, name: Cat, slack: UCAT}
rotations:
  - id: chat
    name: Chat on-call
    timezone: Europe/Berlin
    start: %s
    shift: 1d
    strategy: queue
    members: [ann, ben, cat]
    plan_ahead: 2d
    notify_before: 1h
    slack: {channel: C0CHAT, usergroup: S0CHAT, topic: true}
`, start.Format("2006-01-02T15:04"))
	path := filepath.Join(dir, "team.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := rotaCLI(t, s, "apply", "-f", path); code != 0 {
		t.Fatalf("rota apply: exit %d\n%s", code, out)
	}

	// The first post reaches Slack, which holds it: kill the worker.
	waitFor(t, "the first post", time.Minute, func() bool {
		return slices.ContainsFunc(slack.Calls(), func(c slackfake.Call) bool { return c.Method == "chat.postMessage" })
	})
	if err := running.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = running.Wait()
	startWorker()

	// Once Temporal sees the delivery's heartbeat stop, it retries it on
	// the new worker; everything gets done.
	var who workflows.WhoResult
	waitFor(t, "the handoff's sends", 2*time.Minute, func() bool {
		var st workflows.StatusResult
		return query(ctx, c, workflows.QueryStatus, &st) == nil && st.Pending == 0 &&
			query(ctx, c, workflows.QueryWho, &who) == nil && len(who.OnCall) == 1 &&
			len(slack.UsergroupUsers("S0CHAT")) == 1 && slack.UsergroupUsers("S0CHAT")[0] != "UOLD"
	})
	ids := map[string]string{"ann": "UANN", "ben": "UBEN", "cat": "UCAT"}
	if g := slack.UsergroupUsers("S0CHAT"); !slices.Equal(g, []string{ids[who.OnCall[0]]}) {
		t.Errorf("user group %v, want exactly %s (%s), who is on shift", g, who.OnCall[0], ids[who.OnCall[0]])
	}
	current := who.Current[0].ID
	var keys []string
	for _, ch := range []string{"C0CHAT", "DUANN", "DUBEN", "DUCAT"} {
		for _, m := range slack.Messages(ch) {
			var md struct {
				Payload struct{ Key string } `json:"event_payload"`
			}
			if err := json.Unmarshal(m.Metadata, &md); err != nil || md.Payload.Key == "" {
				t.Errorf("a post without its key: %+v", m)
			}
			if slices.Contains(keys, md.Payload.Key) {
				t.Errorf("posted twice: %s", md.Payload.Key)
			}
			keys = append(keys, md.Payload.Key)
		}
	}
	if !slices.Contains(keys, current+"/handoff/announce") {
		t.Errorf("no handoff post for %s in %v", current, keys)
	}
	looked := slices.ContainsFunc(slack.Calls(), func(c slackfake.Call) bool { return c.Method == "conversations.history" })
	if !looked {
		t.Error("the retried delivery did not look for the post Slack held")
	}

	// The token stays in the worker's environment.
	show := exec.Command(temporalFor(t), "workflow", "show", "--workflow-id", "rota/chat",
		"--address", s.Address, "--namespace", s.Namespace, "--output", "json")
	hist, err := show.CombinedOutput()
	if err != nil || !strings.Contains(string(hist), "chat.postMessage") && !strings.Contains(string(hist), "Deliver") {
		t.Fatalf("temporal workflow show: %v\n%.2000s", err, hist)
	}
	if strings.Contains(string(hist), token) {
		t.Error("the workflow's history holds the Slack token")
	}
	for i, l := range logs {
		if strings.Contains(l.String(), token) {
			t.Errorf("worker %d's log holds the Slack token", i+1)
		}
	}
}

// query asks the rotation chat's workflow a query.
func query(ctx context.Context, c client.Client, name string, out any) error {
	v, err := c.QueryWorkflow(ctx, "rota/chat", "", name)
	if err != nil {
		return err
	}
	return v.Get(out)
}
