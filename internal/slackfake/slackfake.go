// Package slackfake is a local stand-in for the part of Slack's Web API that
// rota uses. It lets tests run the real slack-go client (or a separate worker
// process) against a workspace they control, inspect every call made and
// inject faults such as rate limits or lost replies.
package slackfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Identity of the bot the fake workspace answers as.
const (
	botUserID = "UBOT"
	botID     = "BBOT"
)

const (
	maxBodyBytes  = 8 << 20
	maxTopicRunes = 250
	defaultLimit  = 100
	maxLimit      = 1000
	tsBaseSeconds = 1700000000
	tsStepMicros  = 100
)

// Call is one request that reached a method, as recorded by the server.
type Call struct {
	Method string
	// Params holds every form, query or top-level JSON value (the first
	// value per key), except the token.
	Params map[string]string
	Time   time.Time
}

// Message is a message stored by chat.postMessage.
type Message struct {
	Channel   string
	TS        string
	ThreadTS  string // parent's ts for a thread reply, else empty
	Text      string
	Blocks    string // the raw "blocks" JSON as sent
	Broadcast bool   // a thread reply also shown in the channel
	Metadata  json.RawMessage
}

// Fault alters the answer to one call. Faults are used once each, by the next
// calls of their method, in the order they were added.
type Fault struct {
	// Error makes the call answer ok:false with this Slack error without
	// performing it.
	Error string
	// Status is the HTTP status to answer with; the call is not performed.
	// With Error empty the body's error is "ratelimited" for 429 and
	// "internal_error" otherwise.
	Status int
	// RetryAfter, in seconds, is sent as the Retry-After header.
	RetryAfter int
	// DropReply performs the call (unless Error or Status is set) and then
	// closes the connection without answering, as a lost reply would.
	DropReply bool
	// Delay holds the call this long before it is performed, whether or
	// not the client is still there: a slow Slack, or a worker that dies
	// while it waits.
	Delay time.Duration
}

type user struct {
	id, name, email string
}

type channel struct {
	id, name string
	member   bool
	im       bool
	user     string // the other party of an IM
	topic    string
	msgs     []*Message // oldest first
}

type usergroup struct {
	id, handle string
	users      []string
}

// obj is a JSON object in an answer.
type obj = map[string]any

// Server is a fake Slack Web API server. It is safe for concurrent use.
type Server struct {
	token string
	srv   *httptest.Server

	mu       sync.Mutex
	calls    []Call
	faults   map[string][]Fault
	users    map[string]*user
	channels map[string]*channel
	groups   map[string]*usergroup
	seq      int // number of ts values handed out
	// open: unknown channels, users and user groups are created as they
	// are named (see AcceptAll); onCall sees every call.
	open   bool
	onCall func(Call)
}

// New starts a server on a free local port that accepts only the given bot
// token.
func New(token string) *Server {
	s := newServer(token)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// Listen starts a server on ln (for a fixed address), as New does.
func Listen(ln net.Listener, token string) *Server {
	s := newServer(token)
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.srv.Listener.Close()
	s.srv.Listener = ln
	s.srv.Start()
	return s
}

func newServer(token string) *Server {
	return &Server{
		token:    token,
		faults:   map[string][]Fault{},
		users:    map[string]*user{},
		channels: map[string]*channel{},
		groups:   map[string]*usergroup{},
	}
}

// AcceptAll makes the workspace take any id it is given: a channel (C…
// or G…, with the bot in it), a user (U…) or a user group (S…) it does not
// know is created when a call names it, and an email looked up gets a
// user. For trying rota against it by hand; each call goes to onCall (nil:
// nowhere).
func (s *Server) AcceptAll(onCall func(Call)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open, s.onCall = true, onCall
}

// createLocked creates what an open workspace's call names.
func (s *Server) createLocked(p map[string]string) {
	if id := p["channel"]; (strings.HasPrefix(id, "C") || strings.HasPrefix(id, "G")) && s.channels[id] == nil {
		s.channels[id] = &channel{id: id, name: strings.ToLower(id), member: true}
	}
	for _, id := range splitList(p["users"]) {
		if strings.HasPrefix(id, "U") && s.users[id] == nil {
			s.users[id] = &user{id: id, name: strings.ToLower(id)}
		}
	}
	if id := p["usergroup"]; strings.HasPrefix(id, "S") && s.groups[id] == nil {
		s.groups[id] = &usergroup{id: id, handle: strings.ToLower(id)}
	}
	if email := p["email"]; email != "" {
		for _, u := range s.users {
			if strings.EqualFold(u.email, email) {
				return
			}
		}
		local, _, _ := strings.Cut(email, "@")
		id := "U" + strings.ToUpper(local)
		s.users[id] = &user{id: id, name: local, email: email}
	}
}

// URL returns the base API URL, as slack.OptionAPIURL wants it
// ("http://127.0.0.1:PORT/api/").
func (s *Server) URL() string { return s.srv.URL + "/api/" }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// AddUser adds (or replaces) a workspace member.
func (s *Server) AddUser(id, name, email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[id] = &user{id: id, name: name, email: email}
}

// AddChannel adds a public channel, or updates its name and membership.
// With botMember false, posting there fails with not_in_channel.
func (s *Server) AddChannel(id, name string, botMember bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.channels[id]; ok && !ch.im {
		ch.name, ch.member = name, botMember
		return
	}
	s.channels[id] = &channel{id: id, name: name, member: botMember}
}

// AddUsergroup adds (or replaces) a user group with the given members.
func (s *Server) AddUsergroup(id, handle string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = &usergroup{id: id, handle: handle, users: append([]string{}, users...)}
}

// Calls returns copies of the recorded calls, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = Call{Method: c.Method, Params: copyParams(c.Params), Time: c.Time}
	}
	return out
}

// Reset forgets the recorded calls; the workspace, messages and pending
// faults stay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// Messages returns copies of the messages stored in a channel, oldest first,
// thread replies included.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[channel]
	if !ok {
		return nil
	}
	out := make([]Message, len(ch.msgs))
	for i, m := range ch.msgs {
		out[i] = *m
		if m.Metadata != nil {
			out[i].Metadata = append(json.RawMessage{}, m.Metadata...)
		}
	}
	return out
}

// Topic returns a channel's current topic.
func (s *Server) Topic(channel string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.channels[channel]; ok {
		return ch.topic
	}
	return ""
}

// UsergroupUsers returns a copy of a user group's members.
func (s *Server) UsergroupUsers(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.groups[id]; ok {
		return append([]string{}, g.users...)
	}
	return nil
}

// Fail queues a fault for the next call of method not yet given one.
func (s *Server) Fail(method string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], f)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok || method == "" || strings.Contains(method, "/") {
		writeJSON(w, http.StatusNotFound, errResp("unknown_method"))
		return
	}
	params, token, badReq := readParams(w, r)

	s.mu.Lock()
	call := Call{Method: method, Params: copyParams(params), Time: time.Now()}
	s.calls = append(s.calls, call)
	fault, faulted := s.popFaultLocked(method)
	onCall := s.onCall
	s.mu.Unlock()
	if onCall != nil {
		onCall(call)
	}

	if faulted && fault.Delay > 0 {
		time.Sleep(fault.Delay)
	}
	if faulted && fault.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(fault.RetryAfter))
	}
	if faulted && (fault.Error != "" || fault.Status != 0) {
		if fault.DropReply {
			dropConn(w)
			return
		}
		status, e := fault.Status, fault.Error
		if status == 0 {
			status = http.StatusOK
		}
		if e == "" {
			e = "internal_error"
			if status == http.StatusTooManyRequests {
				e = "ratelimited"
			}
		}
		writeJSON(w, status, errResp(e))
		return
	}

	var resp obj
	switch {
	case badReq != "":
		resp = errResp(badReq)
	case token != s.token:
		resp = errResp("invalid_auth")
	default:
		resp = s.dispatch(method, params)
	}
	if faulted && fault.DropReply {
		dropConn(w)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) popFaultLocked(method string) (Fault, bool) {
	q := s.faults[method]
	if len(q) == 0 {
		return Fault{}, false
	}
	f := q[0]
	if len(q) == 1 {
		delete(s.faults, method)
	} else {
		s.faults[method] = q[1:]
	}
	return f, true
}

func (s *Server) dispatch(method string, p map[string]string) obj {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open {
		s.createLocked(p)
	}
	switch method {
	case "auth.test":
		return obj{"ok": true, "url": "https://fake.slack.com/", "team": "Rota Test", "user": "rota",
			"team_id": "T0001", "user_id": botUserID, "bot_id": botID}
	case "chat.postMessage":
		return s.postMessage(p)
	case "conversations.open":
		return s.openConversation(p)
	case "conversations.history":
		return s.history(p)
	case "conversations.replies":
		return s.replies(p)
	case "conversations.info":
		ch, ok := s.channels[p["channel"]]
		if !ok {
			return errResp("channel_not_found")
		}
		return obj{"ok": true, "channel": channelJSON(ch)}
	case "conversations.setTopic":
		return s.setTopic(p)
	case "usergroups.users.list":
		g, ok := s.groups[p["usergroup"]]
		if !ok {
			return errResp("no_such_subteam")
		}
		return obj{"ok": true, "users": append([]string{}, g.users...)}
	case "usergroups.users.update":
		return s.updateUsergroup(p)
	case "users.lookupByEmail":
		email := p["email"]
		for _, u := range s.users {
			if email != "" && strings.EqualFold(u.email, email) {
				return obj{"ok": true, "user": obj{"id": u.id, "name": u.name, "profile": obj{"email": u.email}}}
			}
		}
		return errResp("users_not_found")
	default:
		return errResp("unknown_method")
	}
}

func (s *Server) postMessage(p map[string]string) obj {
	ch, ok := s.channels[p["channel"]]
	if !ok {
		return errResp("channel_not_found")
	}
	if !ch.member {
		return errResp("not_in_channel")
	}
	text, blocks := p["text"], p["blocks"]
	if blocks != "" {
		var v []json.RawMessage
		if err := json.Unmarshal([]byte(blocks), &v); err != nil {
			return errResp("invalid_blocks")
		}
		if len(v) == 0 && text == "" {
			return errResp("no_text")
		}
	} else if text == "" {
		return errResp("no_text")
	}
	var meta json.RawMessage
	if m := p["metadata"]; m != "" {
		var v map[string]json.RawMessage
		if err := json.Unmarshal([]byte(m), &v); err != nil {
			return errResp("invalid_metadata_format")
		}
		meta = json.RawMessage(m)
	}
	threadTS := p["thread_ts"]
	if threadTS != "" {
		parent := ch.find(threadTS)
		if parent == nil {
			return errResp("thread_not_found")
		}
		if parent.ThreadTS != "" {
			threadTS = parent.ThreadTS // a reply to a reply joins the same thread
		}
	}
	s.seq++
	total := s.seq * tsStepMicros
	ts := fmt.Sprintf("%d.%06d", tsBaseSeconds+total/1_000_000, total%1_000_000)
	m := &Message{
		Channel:   ch.id,
		TS:        ts,
		ThreadTS:  threadTS,
		Text:      text,
		Blocks:    blocks,
		Broadcast: threadTS != "" && isTrue(p["reply_broadcast"]),
		Metadata:  meta,
	}
	ch.msgs = append(ch.msgs, m)
	msg := obj{"type": "message", "text": text, "ts": ts, "user": botUserID, "bot_id": botID}
	if threadTS != "" {
		msg["thread_ts"] = threadTS
	}
	return obj{"ok": true, "channel": ch.id, "ts": ts, "message": msg}
}

func (s *Server) openConversation(p map[string]string) obj {
	users := splitList(p["users"])
	if len(users) != 1 {
		return errResp("invalid_arguments")
	}
	u, ok := s.users[users[0]]
	if !ok {
		return errResp("user_not_found")
	}
	id := "D" + u.id
	if _, ok := s.channels[id]; !ok {
		s.channels[id] = &channel{id: id, member: true, im: true, user: u.id}
	}
	return obj{"ok": true, "channel": obj{"id": id}}
}

func (s *Server) history(p map[string]string) obj {
	ch, ok := s.channels[p["channel"]]
	if !ok {
		return errResp("channel_not_found")
	}
	var msgs []*Message
	for i := len(ch.msgs) - 1; i >= 0; i-- {
		if m := ch.msgs[i]; m.ThreadTS == "" || m.Broadcast {
			msgs = append(msgs, m)
		}
	}
	return ch.page(msgs, p)
}

func (s *Server) replies(p map[string]string) obj {
	ch, ok := s.channels[p["channel"]]
	if !ok {
		return errResp("channel_not_found")
	}
	m := ch.find(p["ts"])
	if m == nil {
		return errResp("thread_not_found")
	}
	if m.ThreadTS != "" {
		m = ch.find(m.ThreadTS)
	}
	msgs := []*Message{m}
	for _, r := range ch.msgs {
		if r.ThreadTS == m.TS {
			msgs = append(msgs, r)
		}
	}
	return ch.page(msgs, p)
}

func (s *Server) setTopic(p map[string]string) obj {
	ch, ok := s.channels[p["channel"]]
	if !ok {
		return errResp("channel_not_found")
	}
	if ch.im {
		return errResp("method_not_supported_for_channel_type")
	}
	if !ch.member {
		return errResp("not_in_channel")
	}
	if utf8.RuneCountInString(p["topic"]) > maxTopicRunes {
		return errResp("too_long")
	}
	ch.topic = p["topic"]
	return obj{"ok": true, "channel": channelJSON(ch)}
}

func (s *Server) updateUsergroup(p map[string]string) obj {
	g, ok := s.groups[p["usergroup"]]
	if !ok {
		return errResp("no_such_subteam")
	}
	users := splitList(p["users"])
	if len(users) == 0 {
		return errResp("no_users_provided")
	}
	seen := map[string]bool{}
	var list []string
	for _, u := range users {
		if _, ok := s.users[u]; !ok {
			return errResp("invalid_users")
		}
		if !seen[u] {
			seen[u] = true
			list = append(list, u)
		}
	}
	g.users = list
	return obj{"ok": true, "usergroup": obj{"id": g.id, "handle": g.handle, "users": append([]string{}, list...)}}
}

// find returns the message with the given ts, or nil.
func (ch *channel) find(ts string) *Message {
	if ts == "" {
		return nil
	}
	for _, m := range ch.msgs {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

// page answers a history or replies call with msgs, honouring limit, cursor
// and include_all_metadata.
func (ch *channel) page(msgs []*Message, p map[string]string) obj {
	limit := defaultLimit
	if v := p["limit"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errResp("invalid_limit")
		}
		if n > 0 {
			limit = min(n, maxLimit)
		}
	}
	offset := 0
	if v := p["cursor"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errResp("invalid_cursor")
		}
		offset = min(n, len(msgs))
	}
	end := min(offset+limit, len(msgs))
	withMeta := isTrue(p["include_all_metadata"])
	out := make([]obj, 0, end-offset)
	for _, m := range msgs[offset:end] {
		out = append(out, ch.messageJSON(m, withMeta))
	}
	resp := obj{"ok": true, "messages": out, "has_more": end < len(msgs)}
	if end < len(msgs) {
		resp["response_metadata"] = obj{"next_cursor": strconv.Itoa(end)}
	}
	return resp
}

func (ch *channel) messageJSON(m *Message, withMeta bool) obj {
	out := obj{"type": "message", "ts": m.TS, "text": m.Text, "user": botUserID, "bot_id": botID}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
		if m.Broadcast {
			out["subtype"] = "thread_broadcast"
		}
	} else {
		n := 0
		for _, r := range ch.msgs {
			if r.ThreadTS == m.TS {
				n++
			}
		}
		if n > 0 {
			out["thread_ts"] = m.TS
			out["reply_count"] = n
		}
	}
	if withMeta && len(m.Metadata) > 0 {
		out["metadata"] = m.Metadata
	}
	return out
}

func channelJSON(ch *channel) obj {
	if ch.im {
		return obj{"id": ch.id, "is_im": true, "user": ch.user, "is_member": true}
	}
	return obj{"id": ch.id, "name": ch.name, "is_channel": true, "is_member": ch.member,
		"topic": obj{"value": ch.topic, "creator": "", "last_set": 0}}
}

// readParams collects the request's values and token. badReq names the
// Slack error to answer when the body cannot be read.
func readParams(w http.ResponseWriter, r *http.Request) (params map[string]string, token, badReq string) {
	params = map[string]string{}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		for k, v := range r.URL.Query() {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
		badReq = readJSON(r.Body, params)
	} else {
		if err := r.ParseForm(); err != nil {
			badReq = "invalid_arguments"
		}
		for k, v := range r.Form {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
	}
	token = params["token"]
	delete(params, "token")
	if token == "" {
		if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			token = strings.TrimSpace(b)
		}
	}
	return params, token, badReq
}

// readJSON puts a JSON object's top-level fields into params: strings as
// they are, numbers and bools as written, objects and arrays as raw JSON.
func readJSON(body io.Reader, params map[string]string) string {
	data, err := io.ReadAll(body)
	if err != nil {
		return "invalid_arguments"
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return ""
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return "invalid_json"
	}
	for k, raw := range fields {
		switch raw[0] {
		case 'n': // null
		case '"':
			var v string
			if json.Unmarshal(raw, &v) == nil {
				params[k] = v
			}
		default:
			params[k] = string(raw)
		}
	}
	return ""
}

// dropConn closes the connection without sending an answer.
func dropConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // net/http aborts the reply quietly
	}
	_ = conn.Close()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"ok":false,"error":"internal_error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func errResp(e string) obj { return obj{"ok": false, "error": e} }

func isTrue(v string) bool { return v == "1" || strings.EqualFold(v, "true") }

func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func copyParams(p map[string]string) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}
