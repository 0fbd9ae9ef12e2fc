package feed

import (
	"net/url"
	"testing"
)

func TestURL(t *testing.T) {
	tok := Token([]byte("secret"), KindMember, "alice", 0)
	for _, c := range []struct{ base, kind, id, token, want string }{
		{"https://rota.example.com", KindRotation, "sre", "abc_-", "https://rota.example.com/feeds/rotations/sre.ics?token=abc_-"},
		{"https://rota.example.com/", KindMember, "alice", "abc", "https://rota.example.com/feeds/members/alice.ics?token=abc"},
		{"http://localhost:8080//", KindMember, "a b", "x+y/z=", "http://localhost:8080/feeds/members/a%20b.ics?token=x%2By%2Fz%3D"},
		{"https://rota.example.com/rota", KindMember, "alice", tok, "https://rota.example.com/rota/feeds/members/alice.ics?token=" + tok},
	} {
		got := URL(c.base, c.kind, c.id, c.token)
		if got != c.want {
			t.Errorf("URL(%q, %q, %q, %q) = %q, want %q", c.base, c.kind, c.id, c.token, got, c.want)
		}
		u, err := url.Parse(got)
		if err != nil || u.Query().Get("token") != c.token {
			t.Errorf("URL %q does not give back the token %q (%v)", got, c.token, err)
		}
	}
}

func TestWebcal(t *testing.T) {
	for in, want := range map[string]string{
		"https://rota.example.com/feeds/members/alice.ics?token=x": "webcal://rota.example.com/feeds/members/alice.ics?token=x",
		"http://localhost:8080/feeds/rotations/sre.ics":            "webcal://localhost:8080/feeds/rotations/sre.ics",
		"HTTPS://rota.example.com/a.ics":                           "webcal://rota.example.com/a.ics",
		"webcal://rota.example.com/a.ics":                          "webcal://rota.example.com/a.ics",
		"ftp://x":                                                  "ftp://x",
		"":                                                         "",
	} {
		if got := Webcal(in); got != want {
			t.Errorf("Webcal(%q) = %q, want %q", in, got, want)
		}
	}
}
