package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/feedstore"
	"github.com/rota-scheduler/rota/internal/feed"
)

// TestFeeds: rota feeds prints URLs whose tokens the server takes, for a
// rotation (with its page) and a member; --revoke makes the old token
// invalid; an id with no feed is an error that says why.
func TestFeeds(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "feeds")
	bucket := (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
	secret := "0123456789abcdef0123456789abcdef"
	env := map[string]string{"ROTA_FEED_BUCKET": bucket, "ROTA_FEED_SECRET": secret, "ROTA_BASE_URL": "https://rota.example.com"}
	old := getenv
	getenv = func(k string) string { return env[k] }
	defer func() { getenv = old }()

	ctx := context.Background()
	st, err := feedstore.Open(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	r := feed.Rotation{ID: "sre", Name: "SRE on-call", Timezone: "UTC", Members: []feed.Member{{ID: "ada", Name: "Ada"}},
		Events: []feed.Event{{Shift: "sre/main/x", Start: start, End: start.Add(24 * time.Hour), Assignees: []string{"ada"}, Status: feed.Confirmed, Modified: start}}}
	if err := st.Publish(ctx, r, "k1"); err != nil {
		t.Fatal(err)
	}

	links := func(args ...string) []feedLinks {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(append([]string{"feeds", "--format", "json"}, args...), &out, &errb); code != 0 {
			t.Fatalf("rota feeds %v: exit %d: %s", args, code, errb.String())
		}
		var l []feedLinks
		if err := json.Unmarshal(out.Bytes(), &l); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
		return l
	}
	token := func(u string) string {
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		return pu.Query().Get("token")
	}

	rot := links("sre")
	if len(rot) != 1 || rot[0].Kind != "rotation" || !strings.HasPrefix(rot[0].URL, "https://rota.example.com/feeds/rotations/sre.ics?token=") ||
		rot[0].Webcal != "webcal://"+strings.TrimPrefix(rot[0].URL, "https://") || !strings.HasPrefix(rot[0].Page, "https://rota.example.com/rotations/sre?token=") {
		t.Fatalf("rotation links: %+v", rot)
	}
	if !feed.ValidToken([]byte(secret), feed.KindRotation, "sre", 0, token(rot[0].URL)) {
		t.Error("the rotation URL's token is not the server's")
	}
	mem := links("ada")
	if len(mem) != 1 || mem[0].Kind != "member" || !feed.ValidToken([]byte(secret), feed.KindMember, "ada", 0, token(mem[0].URL)) || mem[0].Page != "" {
		t.Fatalf("member links: %+v", mem)
	}

	revoked := links("ada", "--revoke")
	if len(revoked) != 1 || revoked[0].URL == mem[0].URL {
		t.Fatalf("revoke: %+v", revoked)
	}
	gen, err := st.Generation(ctx, feed.KindMember, "ada")
	if err != nil || gen != 1 || feed.ValidToken([]byte(secret), feed.KindMember, "ada", gen, token(mem[0].URL)) ||
		!feed.ValidToken([]byte(secret), feed.KindMember, "ada", gen, token(revoked[0].URL)) {
		t.Errorf("after revoke: generation %d (%v); the old token must fail and the new one work", gen, err)
	}
	if again := links("ada"); again[0].URL != revoked[0].URL {
		t.Errorf("after revoke, rota feeds prints %s, want the new URL %s", again[0].URL, revoked[0].URL)
	}

	for _, c := range []struct {
		args []string
		env  map[string]string
		code int
		want string
	}{
		{[]string{"feeds", "nobody"}, nil, 1, "no feed of nobody"},
		{[]string{"feeds"}, nil, 2, "ROTATION|MEMBER"},
		{[]string{"feeds", "sre", "--kind", "team"}, nil, 2, "--kind"},
		{[]string{"feeds", "sre"}, map[string]string{"ROTA_FEED_SECRET": ""}, 1, "ROTA_FEED_SECRET"},
	} {
		saved := map[string]string{}
		for k, v := range c.env {
			saved[k], env[k] = env[k], v
		}
		var out, errb bytes.Buffer
		if code := run(c.args, &out, &errb); code != c.code || !strings.Contains(errb.String(), c.want) {
			t.Errorf("rota %v: exit %d, %q; want exit %d mentioning %q", c.args, code, errb.String(), c.code, c.want)
		}
		for k, v := range saved {
			env[k] = v
		}
	}
}
