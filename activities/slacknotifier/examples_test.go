package slacknotifier

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/engine"
)

const examplesFile = "../../docs/slack-notices.md"

// TestNoticeExamples renders each notice as people see it into
// docs/slack-notices.md (the text, and the Block Kit JSON that Slack's
// Block Kit Builder shows), and checks that the file is current:
// ROTA_UPDATE_EXAMPLES=1 writes it.
func TestNoticeExamples(t *testing.T) {
	rot := &config.Rotation{ID: "sre", Name: "SRE on-call", Timezone: "Europe/London",
		Duties: "- acknowledge pages within 15 minutes\n- write the handover note"}
	ada := config.Member{ID: "ada", Name: "Ada", Timezone: "Europe/Berlin"}
	bo := config.Member{ID: "bo", Name: "Bo", Timezone: "America/New_York"}
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	sh := engine.Shift{ID: "sre/main/2026-12-07T09:00:00Z", Layer: "main", Start: start, End: start.AddDate(0, 0, 7), Assignees: []string{"ada"}}
	next := sh
	next.ID, next.Start, next.End, next.Assignees = "sre/main/2026-12-14T09:00:00Z", sh.End, sh.End.AddDate(0, 0, 7), []string{"bo"}
	swapped := sh
	swapped.Assignees = []string{"bo"}
	examples := []struct {
		title, when string
		msg         activities.Message
	}{
		{"Reminder (direct message)", "`notify_before` the start, to each assignee, in their zone",
			activities.NotifyMessage(rot, sh, ada, []config.Member{ada})},
		{"Handoff (channel post)", "at the start, in the rotation's channel; the user group and topic follow",
			activities.HandoffMessage(rot, next, []config.Member{ada}, []config.Member{bo})},
		{"Change (channel post, and a direct message to each person concerned)", "on every accepted change; it replies to the shift's handoff post or reminder when there is one",
			activities.ChangeMessage(rot, activities.ChangeNotice{Operation: "swap", Summary: "ada on sre/main/2026-12-07T09:00:00Z <-> bo on sre/main/2026-12-14T09:00:00Z",
				RequestedBy: "ada", Shifts: []engine.Shift{swapped}}, bo)},
		{"Nobody on call (channel post)", "when a shift ends with nobody after it; the user group keeps its members",
			activities.NobodyMessage(rot, &next, []config.Member{bo})},
	}
	var b strings.Builder
	b.WriteString("# What rota's Slack notices look like\n\n")
	b.WriteString("Rendered by `go test ./activities/slacknotifier -run TestNoticeExamples` from the code that sends them\n")
	b.WriteString("(`ROTA_UPDATE_EXAMPLES=1` rewrites this file). Each post carries the text (what notifications and\n")
	b.WriteString("screen readers show) and Block Kit blocks; paste the JSON into https://app.slack.com/block-kit-builder\n")
	b.WriteString("to see it as Slack draws it.\n")
	for _, e := range examples {
		blocks, err := json.MarshalIndent(map[string]any{"blocks": Blocks(e.msg)}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "\n## %s\n\nSent %s.\n\n```text\n%s\n```\n\n<details><summary>Block Kit</summary>\n\n```json\n%s\n```\n\n</details>\n",
			e.title, e.when, e.msg.Text(), blocks)
	}
	ours := activities.TopicText(rot, next, []config.Member{bo})
	fmt.Fprintf(&b, "\n## Channel topic\n\nWith `topic: true`, at each handoff; the text the team wrote before ` | ` stays:\n\n```text\n%s\n```\n",
		Topic("Runbook: https://wiki.example.com/sre", ours))
	got := b.String()
	if os.Getenv("ROTA_UPDATE_EXAMPLES") == "1" {
		if err := os.WriteFile(examplesFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(examplesFile)
	if err != nil || string(want) != got {
		t.Errorf("%s is not current (%v): run ROTA_UPDATE_EXAMPLES=1 go test ./activities/slacknotifier -run TestNoticeExamples", examplesFile, err)
	}
}
