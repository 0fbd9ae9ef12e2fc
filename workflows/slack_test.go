package workflows

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"go.temporal.io/sdk/testsuite"

	"github.com/rota-scheduler/rota/activities/slacknotifier"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/slackfake"
)

const slackToken = "xoxb-test-token-not-a-secret"

// slackTeam is a three-member daily queue rotation with a channel, a user
// group and the topic; bob has no slack id, only an email.
const slackTeam = `version: 1
members:
  - {id: ann, name: Ann, slack: UANN, timezone: Europe/London}
  - {id: bob, name: Bob, email: bob@example.com, timezone: America/New_York}
  - {id: cat, name: Cat, slack: UCAT}
rotations:
  - id: ops
    name: Ops on-call
    timezone: Europe/London
    start: 2026-03-02T09:00
    end: 2026-03-06T09:00
    shift: 24h
    strategy: queue
    plan_ahead: 3d
    notify_before: 1h
    members: [ann, bob, cat]
    duties: |
      - watch the alerts
      - write the handover note
    slack: {channel: C0OPS, usergroup: S0OPS, topic: true}
`

// slackWorkspace is the fake workspace slackTeam lives in.
func slackWorkspace(t *testing.T) *slackfake.Server {
	t.Helper()
	srv := slackfake.New(slackToken)
	t.Cleanup(srv.Close)
	srv.AddUser("UANN", "ann", "ann@example.com")
	srv.AddUser("UBOB", "bob", "bob@example.com")
	srv.AddUser("UCAT", "cat", "cat@example.com")
	srv.AddChannel("C0OPS", "ops", true)
	srv.AddUsergroup("S0OPS", "ops-oncall", "UOLD")
	return srv
}

func slackRotation(t *testing.T, yaml string) (config.Rotation, []config.Member) {
	t.Helper()
	cfg, err := config.Parse("team.yaml", []byte(yaml), ".")
	if err != nil {
		t.Fatal(err)
	}
	rot, _ := cfg.Rotation("ops")
	return *rot, cfg.Members
}

// slackCalls lists the calls the workspace got, one line each: the
// method's short name and what it was about.
func slackCalls(srv *slackfake.Server) []string {
	var out []string
	for _, c := range srv.Calls() {
		p := c.Params
		var line string
		switch c.Method {
		case "chat.postMessage":
			var md struct {
				Payload struct{ Key string } `json:"event_payload"`
			}
			_ = json.Unmarshal([]byte(p["metadata"]), &md)
			line = "post " + p["channel"] + " " + md.Payload.Key
			if p["thread_ts"] != "" {
				line += " (reply"
				if p["reply_broadcast"] == "true" {
					line += ", broadcast"
				}
				line += ")"
			}
		case "conversations.open":
			line = "open " + p["users"]
		case "conversations.history", "conversations.replies", "conversations.info":
			line = strings.TrimPrefix(c.Method, "conversations.") + " " + p["channel"]
		case "conversations.setTopic":
			line = "topic " + p["channel"] + ": " + p["topic"]
		case "usergroups.users.list":
			line = "group? " + p["usergroup"]
		case "usergroups.users.update":
			line = "group " + p["usergroup"] + " = " + p["users"]
		case "users.lookupByEmail":
			line = "lookup " + p["email"]
		default:
			line = c.Method
		}
		out = append(out, line)
	}
	return out
}

// TestSlackNotices runs four daily shifts against a fake Slack workspace
// through the real slack-go client: the exact calls, in order, of the
// reminders, the handoffs (post, user group, topic), a swap of two future
// shifts, a leave of the running shift (its notices reply to the
// handoff's post and the reminder, and the user group and topic follow at
// once), and the end, when nobody is on call.
func TestSlackNotices(t *testing.T) {
	srv := slackWorkspace(t)
	n := slacknotifier.New(slackToken, srv.URL())
	// The team's own topic, which rota keeps.
	api := slack.New(slackToken, slack.OptionAPIURL(srv.URL()))
	if _, err := api.SetTopicOfConversation("C0OPS", "Runbook: go/ops"); err != nil {
		t.Fatal(err)
	}
	srv.Reset()

	rot, members := slackRotation(t, slackTeam)
	rec := &recorder{notifier: n}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	steps := []*at{
		{when: day(3, 12), fn: func(env *testsuite.TestWorkflowEnvironment) {
			update(env, Swap, SwapInput{ShiftA: opsShift(4), MemberA: "cat", ShiftB: opsShift(5), MemberB: "ann", RequestedBy: "cat"})
		}},
		{when: day(4, 15), fn: func(env *testsuite.TestWorkflowEnvironment) {
			update(env, LeaveShift, LeaveShiftInput{Shift: opsShift(4), Member: "ann", Reason: "sick", RequestedBy: "ann"})
		}},
	}
	if _, err := runAll(t, rec, start, RotationInput{Rotation: rot, Members: members}, steps); err != nil {
		t.Fatal(err)
	}
	topic := func(who, until string) string {
		return "topic C0OPS: Runbook: go/ops | On call for Ops on-call: " + who + " (until " + until + " 09:00 GMT)"
	}
	want := []string{
		// Mon 2: Ann's reminder at 08:00, her handoff at 09:00.
		"open UANN",
		"post DUANN ops/main/2026-03-02T09:00:00Z/notify/ann",
		"post C0OPS ops/main/2026-03-02T09:00:00Z/handoff/announce",
		"group? S0OPS", "group S0OPS = UANN",
		"info C0OPS", topic("Ann", "Tue 2026-03-03"),
		// Tue 3: Bob has no slack id: his email finds him.
		"lookup bob@example.com", "open UBOB",
		"post DUBOB ops/main/2026-03-03T09:00:00Z/notify/bob",
		"post C0OPS ops/main/2026-03-03T09:00:00Z/handoff/announce",
		"group? S0OPS", "group S0OPS = UBOB",
		"info C0OPS", topic("Bob", "Wed 2026-03-04"),
		// Tue 3 12:00: Cat and Ann swap Wed and Thu: both hear, and the channel.
		"open UCAT",
		"post DUCAT ops/main/2026-03-04T09:00:00Z/change/1/cat",
		"post DUANN ops/main/2026-03-04T09:00:00Z/change/1/ann",
		"post C0OPS ops/main/2026-03-04T09:00:00Z/change/1/announce",
		// Wed 4: Ann, after the swap.
		"post DUANN ops/main/2026-03-04T09:00:00Z/notify/ann",
		"post C0OPS ops/main/2026-03-04T09:00:00Z/handoff/announce",
		"group? S0OPS", "group S0OPS = UANN",
		"info C0OPS", topic("Ann", "Thu 2026-03-05"),
		// Wed 4 15:00: Ann hands the running shift back. Her notice replies
		// to her reminder, the channel's to the handoff (and shows in the
		// channel); Bob takes the rest, handed off at once.
		"post DUANN ops/main/2026-03-04T09:00:00Z/change/2/ann (reply)",
		"post DUBOB ops/main/2026-03-04T09:00:00Z/change/2/bob",
		"post C0OPS ops/main/2026-03-04T09:00:00Z/change/2/announce (reply, broadcast)",
		"post C0OPS ops/main/2026-03-04T15:00:00Z/handoff/announce",
		"group? S0OPS", "group S0OPS = UBOB",
		"info C0OPS", topic("Bob", "Thu 2026-03-05"),
		// Thu 5: Cat.
		"post DUCAT ops/main/2026-03-05T09:00:00Z/notify/cat",
		"post C0OPS ops/main/2026-03-05T09:00:00Z/handoff/announce",
		"group? S0OPS", "group S0OPS = UCAT",
		"info C0OPS", topic("Cat", "Fri 2026-03-06"),
		// Fri 6: the rotation ends; the group keeps Cat, the channel hears.
		"post C0OPS ops/main/2026-03-05T09:00:00Z/end/nobody",
	}
	if got := slackCalls(srv); !slices.Equal(got, want) {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if g := srv.UsergroupUsers("S0OPS"); !slices.Equal(g, []string{"UCAT"}) {
		t.Errorf("user group %v at the end, want Cat kept", g)
	}

	// What people read: each in their zone, named; the duties as a
	// checklist; the commands with the shift id; Block Kit with a text.
	bob := srv.Messages("DUBOB")[0]
	for _, s := range []string{"You are on call for Ops on-call", "Tue 2026-03-03 04:00 EST to Wed 2026-03-04 04:00 EST (America/New_York)",
		"- [ ] watch the alerts", "rota leave-shift --shift ops/main/2026-03-03T09:00:00Z --member bob --reason TEXT"} {
		if !strings.Contains(bob.Text, s) {
			t.Errorf("Bob's reminder lacks %q:\n%s", s, bob.Text)
		}
	}
	var blocks []struct{ Type string }
	if err := json.Unmarshal([]byte(bob.Blocks), &blocks); err != nil || len(blocks) < 4 || blocks[0].Type != "header" {
		t.Errorf("Bob's reminder's blocks: %v %s", err, bob.Blocks)
	}
	channel := srv.Messages("C0OPS")
	texts := make([]string, len(channel))
	for i, m := range channel {
		texts[i] = strings.SplitN(m.Text, "\n", 2)[0]
	}
	for _, s := range []string{
		"Ops on-call: Ann on call now",
		"Ops on-call: Ann hands over to Bob",
		"Ops on-call changed: cat on ops/main/2026-03-04T09:00:00Z <-> ann on ops/main/2026-03-05T09:00:00Z",
		"Ops on-call changed: ann leaves ops/main/2026-03-04T09:00:00Z (sick)",
		"Ops on-call: nobody is on call now",
	} {
		if !slices.Contains(texts, s) {
			t.Errorf("no channel post %q in\n%s", s, strings.Join(texts, "\n"))
		}
	}
}

func day(d, hour int) time.Time { return time.Date(2026, 3, d, hour, 0, 0, 0, time.UTC) }
func opsShift(d int) string     { return fmt.Sprintf("ops/main/2026-03-%02dT09:00:00Z", d) }

// oneShift is slackTeam with one shift, Ann's on Mon 2.
var oneShift = strings.Replace(slackTeam, "end: 2026-03-06T09:00", "end: 2026-03-03T09:00", 1)

// runOne runs oneShift against srv, and returns the audit log as it was
// at noon.
func runOne(t *testing.T, srv *slackfake.Server) []AuditEntry {
	t.Helper()
	rot, members := slackRotation(t, oneShift)
	rec := &recorder{notifier: slacknotifier.New(slackToken, srv.URL())}
	var audit []AuditEntry
	steps := []*at{{when: day(2, 12), fn: func(env *testsuite.TestWorkflowEnvironment) {
		audit = query[[]AuditEntry](t, env, QueryAudit)
	}}}
	if _, err := runAll(t, rec, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), RotationInput{Rotation: rot, Members: members}, steps); err != nil {
		t.Fatal(err)
	}
	return audit
}

func deliveries(audit []AuditEntry) []AuditEntry {
	var out []AuditEntry
	for _, e := range audit {
		if e.Operation == "deliver" {
			out = append(out, e)
		}
	}
	return out
}

// TestSlackLostReply: the server stores Ann's reminder, then drops the
// connection. The retry finds the post by its key and does not post again.
func TestSlackLostReply(t *testing.T) {
	srv := slackWorkspace(t)
	srv.Fail("chat.postMessage", slackfake.Fault{DropReply: true})
	audit := runOne(t, srv)
	want := []string{
		"open UANN",
		"post DUANN ops/main/2026-03-02T09:00:00Z/notify/ann", // stored, reply lost
		"history DUANN", // the retry looks first: it is there
		"post C0OPS ops/main/2026-03-02T09:00:00Z/handoff/announce",
		"group? S0OPS", "group S0OPS = UANN", "info C0OPS",
		"topic C0OPS: On call for Ops on-call: Ann (until Tue 2026-03-03 09:00 GMT)",
		"post C0OPS ops/main/2026-03-02T09:00:00Z/end/nobody",
	}
	if got := slackCalls(srv); !slices.Equal(got, want) {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(srv.Messages("DUANN")); n != 1 {
		t.Errorf("Ann got %d reminders, want 1", n)
	}
	if d := deliveries(audit); len(d) != 2 || !strings.Contains(d[1].Notes[0], "done at attempt 2") {
		t.Errorf("audit: %+v", d)
	}
}

// TestSlackRateLimit: a 429 with Retry-After: 2 is waited out, 2 s and not
// the usual backoff, and the reminder goes out once.
func TestSlackRateLimit(t *testing.T) {
	srv := slackWorkspace(t)
	srv.Fail("chat.postMessage", slackfake.Fault{Status: 429, RetryAfter: 2})
	audit := runOne(t, srv)
	if n := len(srv.Messages("DUANN")); n != 1 {
		t.Errorf("Ann got %d reminders, want 1", n)
	}
	d := deliveries(audit)
	if len(d) != 2 || !strings.Contains(d[0].Reason, "rate limit") || !strings.Contains(d[1].Notes[0], "done at attempt 2") {
		t.Fatalf("audit: %+v", d)
	}
	if wait := d[1].Time.Sub(d[0].Time); wait != 2*time.Second {
		t.Errorf("retried after %s, want the 2s the server asked for", wait)
	}
}

// TestSlackNotInChannel: the bot is not in the channel. Each channel post
// and the topic are given up at once with what to do, in the audit log;
// the reminder, the user group, and the rest of the rotation go on.
func TestSlackNotInChannel(t *testing.T) {
	srv := slackWorkspace(t)
	srv.AddChannel("C0OPS", "ops", false)
	rot, members := slackRotation(t, strings.Replace(slackTeam, "end: 2026-03-06T09:00", "end: 2026-03-04T09:00", 1))
	rec := &recorder{notifier: slacknotifier.New(slackToken, srv.URL())}
	var audit []AuditEntry
	steps := []*at{{when: day(3, 12), fn: func(env *testsuite.TestWorkflowEnvironment) {
		audit = query[[]AuditEntry](t, env, QueryAudit)
	}}}
	if _, err := runAll(t, rec, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), RotationInput{Rotation: rot, Members: members}, steps); err != nil {
		t.Fatal(err)
	}
	given := 0
	for _, e := range deliveries(audit) {
		if !strings.Contains(e.Reason, "not_in_channel") {
			t.Errorf("audit: %+v", e)
			continue
		}
		if !slices.Contains(e.Notes, "given up: it cannot succeed") || !slices.Contains(e.Notes, "to fix: invite the bot to the channel: type /invite @rota in C0OPS") {
			t.Errorf("audit without the advice: %+v", e)
		}
		given++
	}
	if given != 4 { // Mon's and Tue's handoff post and topic
		t.Errorf("%d sends given up, want 4", given)
	}
	// The next handoff still happened: Bob holds the group, and each got
	// their reminder.
	if g := srv.UsergroupUsers("S0OPS"); !slices.Equal(g, []string{"UBOB"}) {
		t.Errorf("user group %v, want Bob's", g)
	}
	if len(srv.Messages("DUANN")) != 1 || len(srv.Messages("DUBOB")) != 1 {
		t.Errorf("reminders: Ann %d, Bob %d", len(srv.Messages("DUANN")), len(srv.Messages("DUBOB")))
	}
}
