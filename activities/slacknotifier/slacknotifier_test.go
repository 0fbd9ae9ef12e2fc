package slacknotifier

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/slackfake"
)

const token = "xoxb-unit-test"

func workspace(t *testing.T) (*slackfake.Server, *Notifier) {
	t.Helper()
	srv := slackfake.New(token)
	t.Cleanup(srv.Close)
	srv.AddUser("UANN", "ann", "ann@example.com")
	srv.AddUser("UBOB", "bob", "bob@example.com")
	srv.AddChannel("C1", "ops", true)
	srv.AddUsergroup("S1", "oncall", "UANN")
	return srv, New(token, srv.URL())
}

func methods(srv *slackfake.Server) []string {
	var out []string
	for _, c := range srv.Calls() {
		out = append(out, c.Method)
	}
	return out
}

func TestTopic(t *testing.T) {
	ours := "On call for Ops: Ann (until Tue 09:00 GMT)"
	long := strings.Repeat("x", 300)
	for _, c := range []struct{ name, cur, want string }{
		{"empty", "", ours},
		{"the team's text is kept", "Runbook: go/ops", "Runbook: go/ops | " + ours},
		{"rota's part is replaced", "Runbook: go/ops | On call for Ops: Bob (until Mon 09:00 GMT)", "Runbook: go/ops | " + ours},
		{"only rota's part", "On call for Ops: Bob (until Mon)", ours},
		{"a long team text is cut", long, strings.Repeat("x", TopicLimit-len(ours)-len(topicSep)-1) + "…" + topicSep + ours},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Topic(c.cur, ours)
			if got != c.want {
				t.Errorf("Topic(%q) = %q, want %q", c.cur, got, c.want)
			}
			if n := len([]rune(got)); n > TopicLimit {
				t.Errorf("%d characters", n)
			}
		})
	}
}

// TestUsergroupOnlyWhenItDiffers: setting the group to who it holds reads
// it and writes nothing; a group is never emptied.
func TestUsergroupOnlyWhenItDiffers(t *testing.T) {
	srv, n := workspace(t)
	ann := config.Member{ID: "ann", Slack: "UANN"}
	bob := config.Member{ID: "bob", Email: "bob@example.com"}
	if err := n.SetUsergroup(t.Context(), "S1", []config.Member{ann}, "k1"); err != nil {
		t.Fatal(err)
	}
	if err := n.SetUsergroup(t.Context(), "S1", []config.Member{bob, ann}, "k2"); err != nil {
		t.Fatal(err)
	}
	if err := n.SetUsergroup(t.Context(), "S1", []config.Member{ann, bob}, "k3"); err != nil {
		t.Fatal(err)
	}
	want := []string{"usergroups.users.list", "users.lookupByEmail", "usergroups.users.list", "usergroups.users.update", "usergroups.users.list"}
	if got := methods(srv); !slices.Equal(got, want) {
		t.Errorf("calls %v, want %v", got, want)
	}
	if g := srv.UsergroupUsers("S1"); !slices.Equal(g, []string{"UANN", "UBOB"}) {
		t.Errorf("group %v", g)
	}
	if err := n.SetUsergroup(t.Context(), "S1", nil, "k4"); !activities.IsPermanent(err) {
		t.Errorf("emptying the group: %v, want a permanent error", err)
	}
}

// TestTopicOnlyWhenItDiffers: the topic is read, and set only when rota's
// part changed.
func TestTopicOnlyWhenItDiffers(t *testing.T) {
	srv, n := workspace(t)
	for range 2 {
		if err := n.SetTopic(t.Context(), "C1", "On call for Ops: Ann", "k"); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"conversations.info", "conversations.setTopic", "conversations.info"}
	if got := methods(srv); !slices.Equal(got, want) {
		t.Errorf("calls %v, want %v", got, want)
	}
}

// TestErrorsCarryAdvice: the errors a retry cannot heal are permanent and
// say what to do; a rate limit carries its wait.
func TestErrorsCarryAdvice(t *testing.T) {
	srv, n := workspace(t)
	msg := activities.Message{Title: "hi"}
	for _, c := range []struct {
		name, method string
		fault        slackfake.Fault
		call         func() error
		advice       string
	}{
		{"not in channel", "chat.postMessage", slackfake.Fault{Error: "not_in_channel"}, func() error {
			_, err := n.Announce(t.Context(), "C1", msg, activities.Post{Key: "k"})
			return err
		}, "invite the bot to the channel: type /invite @rota in C1"},
		{"unknown channel", "chat.postMessage", slackfake.Fault{}, func() error {
			_, err := n.Announce(t.Context(), "C404", msg, activities.Post{Key: "k"})
			return err
		}, "check rotations[].slack.channel: C404 must be a channel's id"},
		{"unknown user group", "usergroups.users.list", slackfake.Fault{}, func() error {
			return n.SetUsergroup(t.Context(), "S404", []config.Member{{ID: "ann", Slack: "UANN"}}, "k")
		}, "check rotations[].slack.usergroup: S404"},
		{"unknown user", "usergroups.users.update", slackfake.Fault{}, func() error {
			return n.SetUsergroup(t.Context(), "S1", []config.Member{{ID: "zed", Slack: "UZED"}}, "k")
		}, "check members[].slack"},
		{"missing scope", "chat.postMessage", slackfake.Fault{Error: "missing_scope"}, func() error {
			_, err := n.Announce(t.Context(), "C1", msg, activities.Post{Key: "k"})
			return err
		}, "add the scope Slack names to the app"},
		{"no email match", "users.lookupByEmail", slackfake.Fault{}, func() error {
			_, err := n.DirectMessage(t.Context(), config.Member{ID: "zed", Email: "zed@example.com"}, msg, activities.Post{Key: "k"})
			return err
		}, "no Slack user has zed's email"},
		{"no contact", "", slackfake.Fault{}, func() error {
			_, err := n.DirectMessage(t.Context(), config.Member{ID: "zed"}, msg, activities.Post{Key: "k"})
			return err
		}, "give member zed a slack user id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.fault != (slackfake.Fault{}) {
				srv.Fail(c.method, c.fault)
			}
			err := c.call()
			var se *activities.SendError
			if !errors.As(err, &se) || !se.Permanent || !strings.Contains(se.Advice, c.advice) {
				t.Errorf("error %v (%+v), want permanent with advice %q", err, se, c.advice)
			}
		})
	}
	srv.Fail("chat.postMessage", slackfake.Fault{Status: 429, RetryAfter: 3})
	_, err := n.Announce(t.Context(), "C1", msg, activities.Post{Key: "k"})
	var se *activities.SendError
	if !errors.As(err, &se) || se.Permanent || se.RetryAfter.Seconds() != 3 {
		t.Errorf("rate limit: %v (%+v), want a retryable error with RetryAfter 3s", err, se)
	}
	bad := New("xoxb-wrong", srv.URL())
	if _, _, err := bad.Check(t.Context()); !errors.As(err, &se) || !strings.Contains(se.Advice, "ROTA_SLACK_TOKEN") {
		t.Errorf("a wrong token: %v", err)
	}
	if bot, team, err := n.Check(t.Context()); err != nil || bot != "rota" || team != "Rota Test" {
		t.Errorf("auth.test: %q %q %v", bot, team, err)
	}
}

// TestBlocks: Block Kit escapes mrkdwn's markup, and keeps every part.
func TestBlocks(t *testing.T) {
	srv, n := workspace(t)
	m := activities.Message{Title: "On call", Lines: []string{"R&D <team>"}, Checklist: []string{"page > 5"},
		Shift: "s1", For: "ann"}
	if _, err := n.Announce(t.Context(), "C1", m, activities.Post{Key: "k"}); err != nil {
		t.Fatal(err)
	}
	got := srv.Messages("C1")[0]
	for _, s := range []string{`"type":"header"`, `R\u0026amp;D \u0026lt;team\u0026gt;`, `☐ page \u0026gt; 5`, "```rota swap --shift-a s1 --member-a ann", `"type":"context"`} {
		if !strings.Contains(got.Blocks, s) {
			t.Errorf("blocks lack %s: %s", s, got.Blocks)
		}
	}
	if got.Text != m.Text() {
		t.Errorf("text %q, want %q", got.Text, m.Text())
	}
}
