package feedstore

import (
	"os"
	"strings"
	"testing"
)

func TestFromEnv(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	s, err := FromEnv(env(nil))
	if err != nil || !strings.HasPrefix(s.Bucket, "file://") || !strings.Contains(s.Bucket, ".data/feeds") || len(s.Secret) != 0 || s.BaseURL != "http://localhost:8080" {
		t.Errorf("defaults: %+v, %v", s, err)
	}
	if _, err := FromEnv(env(map[string]string{"ROTA_FEED_SECRET": "short"})); err == nil || !strings.Contains(err.Error(), "ROTA_FEED_SECRET") {
		t.Errorf("short secret: %v", err)
	}
	f := t.TempDir() + "/secret"
	if err := writeFile(f, "0123456789abcdef0123\n"); err != nil {
		t.Fatal(err)
	}
	s, err = FromEnv(env(map[string]string{"ROTA_FEED_SECRET_FILE": f, "ROTA_BASE_URL": "https://rota.example.com/"}))
	if err != nil || string(s.Secret) != "0123456789abcdef0123" || s.BaseURL != "https://rota.example.com" {
		t.Errorf("secret file: %+v, %v", s, err)
	}
	if _, err := FromEnv(env(map[string]string{"ROTA_FEED_SECRET_FILE": f + ".missing"})); err == nil || !strings.Contains(err.Error(), "ROTA_FEED_SECRET_FILE") {
		t.Errorf("missing secret file: %v", err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"s3://feeds?region=eu-west-1&access_key_id=AKIA&secret_access_key=SECRET": "s3://feeds",
		"azblob://feeds?sas_token=sv%3DSECRET":                                    "azblob://feeds",
		"file:///srv/rota/feeds?create_dir=true":                                  "file:///srv/rota/feeds",
		"https://user:SECRET@example.com/x":                                       "https://example.com/x",
	} {
		if got := Redact(in); got != want || strings.Contains(got, "SECRET") {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func writeFile(name, s string) error { return os.WriteFile(name, []byte(s), 0o600) }
