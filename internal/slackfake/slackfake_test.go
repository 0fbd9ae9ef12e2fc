package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

const testToken = "xoxb-test-token"

// setup starts a server with a small workspace and a client pointed at it.
func setup(t *testing.T) (*Server, *slack.Client) {
	t.Helper()
	srv := New(testToken)
	t.Cleanup(srv.Close)
	srv.AddUser("U1", "alice", "alice@example.com")
	srv.AddUser("U2", "bob", "bob@example.com")
	srv.AddUser("U3", "carol", "carol@example.com")
	srv.AddChannel("C1", "oncall", true)
	srv.AddChannel("C2", "elsewhere", false)
	srv.AddUsergroup("S1", "oncall-now", "U1")
	return srv, slack.New(testToken, slack.OptionAPIURL(srv.URL()))
}

func TestAuthTest(t *testing.T) {
	_, api := setup(t)
	res, err := api.AuthTestContext(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.UserID != "UBOT" || res.BotID != "BBOT" || res.TeamID != "T0001" || res.Team != "Rota Test" {
		t.Errorf("auth.test = %+v", res)
	}
}

func TestWrongToken(t *testing.T) {
	srv, _ := setup(t)
	api := slack.New("xoxb-wrong", slack.OptionAPIURL(srv.URL()))
	_, err := api.AuthTestContext(context.Background())
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Fatalf("err = %v, want invalid_auth", err)
	}
	_, _, err = api.PostMessageContext(context.Background(), "C1", slack.MsgOptionText("hi", false))
	if err == nil || err.Error() != "invalid_auth" {
		t.Fatalf("post err = %v, want invalid_auth", err)
	}
	if n := len(srv.Messages("C1")); n != 0 {
		t.Errorf("%d messages stored with a wrong token", n)
	}
	if n := len(srv.Calls()); n != 2 {
		t.Errorf("%d calls recorded, want 2", n)
	}
}

// rawCall sends a request without slack-go and decodes the answer.
func rawCall(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("answer %q is not JSON: %v", body, err)
	}
	return res.StatusCode, out
}

func TestRawRequests(t *testing.T) {
	srv, _ := setup(t)
	newReq := func(method, path, ctype, body string) *http.Request {
		req, err := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		return req
	}
	bearer := func(r *http.Request, tok string) *http.Request {
		r.Header.Set("Authorization", "Bearer "+tok)
		return r
	}
	tests := []struct {
		name    string
		req     *http.Request
		wantErr string // "" means ok:true
	}{
		{"get with bearer", bearer(newReq("GET", "conversations.info?channel=C1", "", ""), testToken), ""},
		{"get with query token", newReq("GET", "auth.test?token="+testToken, "", ""), ""},
		{"get with wrong bearer", bearer(newReq("GET", "auth.test", "", ""), "nope"), "invalid_auth"},
		{"no token", newReq("POST", "auth.test", "application/x-www-form-urlencoded", ""), "invalid_auth"},
		{"json body", bearer(newReq("POST", "chat.postMessage", "application/json; charset=utf-8",
			`{"channel":"C1","text":"from json","unfurl_links":false,"n":3,"blocks":[]}`), testToken), ""},
		{"json token field", newReq("POST", "auth.test", "application/json", `{"token":"`+testToken+`"}`), ""},
		{"bad json", bearer(newReq("POST", "auth.test", "application/json", `{"channel":`), testToken), "invalid_json"},
		{"bad form", newReq("POST", "auth.test", "application/x-www-form-urlencoded", "token=%zz"), "invalid_arguments"},
		{"unknown method", newReq("POST", "chat.frobnicate", "application/x-www-form-urlencoded", "token="+testToken), "unknown_method"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, out := rawCall(t, tc.req)
			if status != http.StatusOK {
				t.Errorf("status = %d", status)
			}
			if tc.wantErr == "" {
				if out["ok"] != true {
					t.Errorf("answer = %v, want ok", out)
				}
			} else if out["ok"] != false || out["error"] != tc.wantErr {
				t.Errorf("answer = %v, want error %s", out, tc.wantErr)
			}
		})
	}

	var jsonCall *Call
	for _, c := range srv.Calls() {
		if c.Method == "chat.postMessage" {
			jsonCall = &c
		}
	}
	if jsonCall == nil {
		t.Fatal("chat.postMessage not recorded")
	}
	want := map[string]string{"channel": "C1", "text": "from json", "unfurl_links": "false", "n": "3", "blocks": "[]"}
	for k, v := range want {
		if jsonCall.Params[k] != v {
			t.Errorf("Params[%q] = %q, want %q", k, jsonCall.Params[k], v)
		}
	}
	if got := srv.Calls()[len(srv.Calls())-1].Method; got != "chat.frobnicate" {
		t.Errorf("last call = %s, want the unknown method recorded", got)
	}
}

func TestPostAndHistoryWithMetadata(t *testing.T) {
	srv, api := setup(t)
	ctx := context.Background()
	meta := slack.SlackMetadata{EventType: "rota_handover", EventPayload: map[string]any{"shift": "2024-W01", "n": 2}}
	block := slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*hi*", false, false), nil, nil)
	ch, ts, err := api.PostMessageContext(ctx, "C1",
		slack.MsgOptionText("handover", false), slack.MsgOptionBlocks(block), slack.MsgOptionMetadata(meta))
	if err != nil {
		t.Fatal(err)
	}
	if ch != "C1" || ts != "1700000000.000100" {
		t.Errorf("post = %s %s", ch, ts)
	}
	_, ts2, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("second", false))
	if err != nil {
		t.Fatal(err)
	}
	if ts2 != "1700000000.000200" {
		t.Errorf("second ts = %s", ts2)
	}

	hist, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1", IncludeAllMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Messages) != 2 || hist.HasMore {
		t.Fatalf("history = %d messages, has_more %v", len(hist.Messages), hist.HasMore)
	}
	if hist.Messages[0].Timestamp != ts2 || hist.Messages[1].Timestamp != ts {
		t.Errorf("history not newest first: %s, %s", hist.Messages[0].Timestamp, hist.Messages[1].Timestamp)
	}
	m := hist.Messages[1]
	if m.Text != "handover" || m.User != "UBOT" || m.BotID != "BBOT" {
		t.Errorf("message = %+v", m.Msg)
	}
	if m.Metadata.EventType != "rota_handover" || m.Metadata.EventPayload["shift"] != "2024-W01" {
		t.Errorf("metadata = %+v", m.Metadata)
	}

	plain, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Messages[1].Metadata.EventType != "" {
		t.Errorf("metadata sent without include_all_metadata: %+v", plain.Messages[1].Metadata)
	}

	stored := srv.Messages("C1")
	if len(stored) != 2 {
		t.Fatalf("stored %d messages", len(stored))
	}
	var got slack.SlackMetadata
	if err := json.Unmarshal(stored[0].Metadata, &got); err != nil || got.EventType != "rota_handover" {
		t.Errorf("stored metadata %s: %v", stored[0].Metadata, err)
	}
	if !strings.Contains(stored[0].Blocks, `"type":"section"`) {
		t.Errorf("stored blocks = %s", stored[0].Blocks)
	}
}

func TestHistoryLimitAndCursor(t *testing.T) {
	_, api := setup(t)
	ctx := context.Background()
	for _, text := range []string{"a", "b", "c", "d", "e"} {
		if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText(text, false)); err != nil {
			t.Fatal(err)
		}
	}
	var texts []string
	params := &slack.GetConversationHistoryParameters{ChannelID: "C1", Limit: 2}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		res, err := api.GetConversationHistoryContext(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range res.Messages {
			texts = append(texts, m.Text)
		}
		if !res.HasMore {
			break
		}
		params.Cursor = res.ResponseMetaData.NextCursor
	}
	if got := strings.Join(texts, ""); got != "edcba" {
		t.Errorf("paged history = %q, want edcba", got)
	}
}

func TestThreads(t *testing.T) {
	srv, api := setup(t)
	ctx := context.Background()
	_, parent, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("parent", false))
	if err != nil {
		t.Fatal(err)
	}
	_, r1, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("reply 1", false), slack.MsgOptionTS(parent))
	if err != nil {
		t.Fatal(err)
	}
	_, r2, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("reply 2", false), slack.MsgOptionTS(parent), slack.MsgOptionBroadcast())
	if err != nil {
		t.Fatal(err)
	}

	msgs, hasMore, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: parent})
	if err != nil {
		t.Fatal(err)
	}
	if hasMore || len(msgs) != 3 {
		t.Fatalf("replies = %d, has_more %v", len(msgs), hasMore)
	}
	for i, want := range []string{parent, r1, r2} {
		if msgs[i].Timestamp != want {
			t.Errorf("replies[%d].ts = %s, want %s", i, msgs[i].Timestamp, want)
		}
		if msgs[i].ThreadTimestamp != parent {
			t.Errorf("replies[%d].thread_ts = %s, want %s", i, msgs[i].ThreadTimestamp, parent)
		}
	}

	hist, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Messages) != 2 || hist.Messages[0].Timestamp != r2 || hist.Messages[1].Timestamp != parent {
		t.Errorf("history should hold the broadcast reply and the parent, got %+v", hist.Messages)
	}
	if hist.Messages[1].ReplyCount != 2 {
		t.Errorf("reply_count = %d", hist.Messages[1].ReplyCount)
	}

	stored := srv.Messages("C1")
	if len(stored) != 3 || stored[1].ThreadTS != parent || stored[1].Broadcast || !stored[2].Broadcast {
		t.Errorf("stored = %+v", stored)
	}

	_, _, _, err = api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: "1.000000"})
	if err == nil || err.Error() != "thread_not_found" {
		t.Errorf("replies to unknown ts: err = %v", err)
	}
}

func TestPostErrors(t *testing.T) {
	_, api := setup(t)
	tests := []struct {
		name    string
		channel string
		opts    []slack.MsgOption
		wantErr string
	}{
		{"bot not member", "C2", []slack.MsgOption{slack.MsgOptionText("x", false)}, "not_in_channel"},
		{"unknown channel", "C404", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"im not opened", "DU1", []slack.MsgOption{slack.MsgOptionText("x", false)}, "channel_not_found"},
		{"no text", "C1", nil, "no_text"},
		{"empty blocks no text", "C1", []slack.MsgOption{slack.MsgOptionBlocks()}, "no_text"},
		{"unknown thread", "C1", []slack.MsgOption{slack.MsgOptionText("x", false), slack.MsgOptionTS("1700000000.999900")}, "thread_not_found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := api.PostMessageContext(context.Background(), tc.channel, tc.opts...)
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("err = %v, want %s", err, tc.wantErr)
			}
		})
	}
}

func TestOpenConversation(t *testing.T) {
	srv, api := setup(t)
	ctx := context.Background()
	for range 2 {
		ch, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U2"}})
		if err != nil {
			t.Fatal(err)
		}
		if ch.ID != "DU2" {
			t.Errorf("IM id = %s, want DU2", ch.ID)
		}
	}
	if _, _, err := api.PostMessageContext(ctx, "DU2", slack.MsgOptionText("you are on call", false)); err != nil {
		t.Fatal(err)
	}
	if msgs := srv.Messages("DU2"); len(msgs) != 1 || msgs[0].Text != "you are on call" {
		t.Errorf("IM messages = %+v", msgs)
	}
	_, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U404"}})
	if err == nil || err.Error() != "user_not_found" {
		t.Errorf("unknown user: err = %v", err)
	}
}

func TestUsergroups(t *testing.T) {
	srv, api := setup(t)
	ctx := context.Background()
	users, err := api.GetUserGroupMembersContext(ctx, "S1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(users, ",") != "U1" {
		t.Errorf("members = %v", users)
	}
	g, err := api.UpdateUserGroupMembersContext(ctx, "S1", "U2,U3")
	if err != nil {
		t.Fatal(err)
	}
	if g.ID != "S1" || g.Handle != "oncall-now" || strings.Join(g.Users, ",") != "U2,U3" {
		t.Errorf("updated group = %+v", g)
	}
	if got := strings.Join(srv.UsergroupUsers("S1"), ","); got != "U2,U3" {
		t.Errorf("UsergroupUsers = %s", got)
	}

	tests := []struct {
		name, group, users, wantErr string
	}{
		{"no users", "S1", "", "no_users_provided"},
		{"unknown user", "S1", "U2,U404", "invalid_users"},
		{"unknown group", "S404", "U1", "no_such_subteam"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := api.UpdateUserGroupMembersContext(ctx, tc.group, tc.users)
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("err = %v, want %s", err, tc.wantErr)
			}
		})
	}
	if got := strings.Join(srv.UsergroupUsers("S1"), ","); got != "U2,U3" {
		t.Errorf("failed updates changed the group: %s", got)
	}
	if _, err := api.GetUserGroupMembersContext(ctx, "S404"); err == nil || err.Error() != "no_such_subteam" {
		t.Errorf("list unknown group: err = %v", err)
	}
}

func TestTopic(t *testing.T) {
	srv, api := setup(t)
	ctx := context.Background()
	long250 := strings.Repeat("é", 250)
	tests := []struct {
		name, channel, topic, wantErr string
	}{
		{"set", "C1", "On call: alice", ""},
		{"250 runes", "C1", long250, ""},
		{"too long", "C1", long250 + "x", "too_long"},
		{"not member", "C2", "x", "not_in_channel"},
		{"unknown channel", "C404", "x", "channel_not_found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := api.SetTopicOfConversationContext(ctx, tc.channel, tc.topic)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Errorf("err = %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ch.ID != tc.channel || ch.Topic.Value != tc.topic {
				t.Errorf("channel = %s topic %q", ch.ID, ch.Topic.Value)
			}
			if srv.Topic(tc.channel) != tc.topic {
				t.Errorf("Topic = %q", srv.Topic(tc.channel))
			}
		})
	}
	if srv.Topic("C1") != long250 {
		t.Error("too_long changed the topic")
	}

	info, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "C2"})
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "elsewhere" || info.IsMember || !info.IsChannel {
		t.Errorf("info = %+v", info.GroupConversation)
	}
	if _, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "C404"}); err == nil || err.Error() != "channel_not_found" {
		t.Errorf("info unknown: err = %v", err)
	}
}

func TestLookupByEmail(t *testing.T) {
	_, api := setup(t)
	u, err := api.GetUserByEmailContext(context.Background(), "Bob@Example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "U2" || u.Name != "bob" || u.Profile.Email != "bob@example.com" {
		t.Errorf("user = %s %s %s", u.ID, u.Name, u.Profile.Email)
	}
	if _, err := api.GetUserByEmailContext(context.Background(), "nobody@example.com"); err == nil || err.Error() != "users_not_found" {
		t.Errorf("unknown email: err = %v", err)
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	post := func(api *slack.Client) error {
		_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false))
		return err
	}

	t.Run("rate limited", func(t *testing.T) {
		srv, api := setup(t)
		srv.Fail("chat.postMessage", Fault{Status: http.StatusTooManyRequests, RetryAfter: 2})
		var rl *slack.RateLimitedError
		if err := post(api); !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
			t.Fatalf("err = %v, want RateLimitedError after 2s", err)
		}
		if n := len(srv.Messages("C1")); n != 0 {
			t.Errorf("rate-limited post stored %d messages", n)
		}
		if err := post(api); err != nil {
			t.Errorf("fault used more than once: %v", err)
		}
	})

	t.Run("drop reply", func(t *testing.T) {
		srv, api := setup(t)
		srv.Fail("chat.postMessage", Fault{DropReply: true})
		if err := post(api); err == nil {
			t.Fatal("dropped reply gave no error")
		}
		if msgs := srv.Messages("C1"); len(msgs) != 1 || msgs[0].Text != "x" {
			t.Errorf("messages = %+v, want the message stored", msgs)
		}
	})

	t.Run("delay", func(t *testing.T) {
		srv, api := setup(t)
		srv.Fail("chat.postMessage", Fault{Delay: 300 * time.Millisecond})
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if _, _, err := api.PostMessageContext(cctx, "C1", slack.MsgOptionText("x", false)); err == nil {
			t.Fatal("the client did not give up")
		}
		waitMsgs := time.Now().Add(5 * time.Second)
		for len(srv.Messages("C1")) == 0 && time.Now().Before(waitMsgs) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := len(srv.Messages("C1")); n != 1 {
			t.Errorf("%d messages: want the delayed post stored after the client left", n)
		}
	})

	t.Run("slack error then in order", func(t *testing.T) {
		srv, api := setup(t)
		srv.Fail("chat.postMessage", Fault{Error: "not_in_channel"})
		srv.Fail("chat.postMessage", Fault{Error: "missing_scope"})
		srv.Fail("auth.test", Fault{Status: http.StatusInternalServerError})
		for _, want := range []string{"not_in_channel", "missing_scope", ""} {
			got := ""
			if err := post(api); err != nil {
				got = err.Error()
			}
			if got != want {
				t.Errorf("err = %q, want %q", got, want)
			}
		}
		var sce slack.StatusCodeError
		if _, err := api.AuthTestContext(ctx); !errors.As(err, &sce) || sce.Code != http.StatusInternalServerError {
			t.Errorf("auth.test err = %v, want status 500", err)
		}
		if n := len(srv.Messages("C1")); n != 1 {
			t.Errorf("stored %d messages, want 1", n)
		}
		if n := len(srv.Calls()); n != 4 {
			t.Errorf("recorded %d calls, want 4 (faulted ones included)", n)
		}
	})
}

func TestCallsAndReset(t *testing.T) {
	srv, api := setup(t)
	ctx := context.Background()
	before := time.Now()
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hello", false)); err != nil {
		t.Fatal(err)
	}
	if _, err := api.GetUserGroupMembersContext(ctx, "S1"); err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls()
	if len(calls) != 2 || calls[0].Method != "chat.postMessage" || calls[1].Method != "usergroups.users.list" {
		t.Fatalf("calls = %+v", calls)
	}
	c := calls[0]
	if c.Params["channel"] != "C1" || c.Params["text"] != "hello" {
		t.Errorf("params = %v", c.Params)
	}
	if _, ok := c.Params["token"]; ok {
		t.Error("token recorded in Params")
	}
	if c.Time.Before(before) {
		t.Errorf("call time %v before %v", c.Time, before)
	}
	calls[0].Params["channel"] = "changed"
	if srv.Calls()[0].Params["channel"] != "C1" {
		t.Error("Calls does not return copies")
	}

	srv.Reset()
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("%d calls after Reset", n)
	}
	if n := len(srv.Messages("C1")); n != 1 {
		t.Errorf("Reset dropped messages: %d left", n)
	}
}

func TestConcurrentPosts(t *testing.T) {
	srv, api := setup(t)
	const n = 20
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if _, _, err := api.PostMessageContext(context.Background(), "C1", slack.MsgOptionText("x", false)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	msgs := srv.Messages("C1")
	if len(msgs) != n {
		t.Fatalf("stored %d, want %d", len(msgs), n)
	}
	for i := 1; i < n; i++ {
		if msgs[i].TS <= msgs[i-1].TS {
			t.Errorf("ts not increasing: %s then %s", msgs[i-1].TS, msgs[i].TS)
		}
	}
	if msgs[n-1].TS != "1700000000.002000" {
		t.Errorf("last ts = %s", msgs[n-1].TS)
	}
}

func TestURL(t *testing.T) {
	srv, _ := setup(t)
	u, err := url.Parse(srv.URL())
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Path != "/api/" {
		t.Errorf("URL() = %q", srv.URL())
	}
}
