package slacknotifier

import (
	"strings"

	"github.com/slack-go/slack"

	"github.com/rota-scheduler/rota/activities"
)

// Blocks lays a message out in Block Kit: a header, its lines, the duty
// list as a checklist, the commands as code, the shift in small print.
func Blocks(m activities.Message) []slack.Block {
	bs := []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, clip(m.Title, 150), false, false))}
	if len(m.Lines) > 0 {
		bs = append(bs, section(strings.Join(escape(m.Lines), "\n")))
	}
	if len(m.Checklist) > 0 {
		items := escape(m.Checklist)
		for i, d := range items {
			items[i] = "☐ " + d
		}
		bs = append(bs, section("*Duties*\n"+strings.Join(items, "\n")))
	}
	if cs := m.Commands(); len(cs) > 0 {
		bs = append(bs, section("*To change it*\n```"+strings.Join(escape(cs), "\n")+"```"))
	}
	if f := m.Footer(); f != "" {
		bs = append(bs, slack.NewContextBlock("", slack.NewTextBlockObject(slack.PlainTextType, f, false, false)))
	}
	return bs
}

func section(mrkdwn string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, clip(mrkdwn, 3000), false, false), nil, nil)
}

// escape escapes the characters mrkdwn reads as markup.
func escape(lines []string) []string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = r.Replace(l)
	}
	return out
}

// clip keeps s within Block Kit's limit of n characters.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
