package feedstore

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Settings of the feeds, from the environment of the worker (and of the
// `rota feeds` command, which signs the same URLs):
//
//	ROTA_FEED_BUCKET       where feeds are stored (default file://<cwd>/.data/feeds)
//	ROTA_FEED_SECRET       the key that signs feed URLs, or
//	ROTA_FEED_SECRET_FILE  a file holding it (make run writes .data/feed-secret)
//	ROTA_BASE_URL          the server's address as people reach it
type Settings struct {
	Bucket  string
	Secret  []byte
	BaseURL string
}

// MinSecret is the shortest secret taken, in bytes.
const MinSecret = 16

// FromEnv reads the settings; an empty Secret means feeds are published
// but not served (no URL can be signed).
func FromEnv(getenv func(string) string) (Settings, error) {
	s := Settings{Bucket: getenv("ROTA_FEED_BUCKET"), BaseURL: strings.TrimRight(getenv("ROTA_BASE_URL"), "/")}
	if s.Bucket == "" {
		dir, err := filepath.Abs(filepath.Join(".data", "feeds"))
		if err != nil {
			return s, fmt.Errorf("ROTA_FEED_BUCKET: %w", err)
		}
		s.Bucket = "file://" + filepath.ToSlash(dir) + "?create_dir=true"
	}
	secret := getenv("ROTA_FEED_SECRET")
	if f := getenv("ROTA_FEED_SECRET_FILE"); secret == "" && f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return s, fmt.Errorf("ROTA_FEED_SECRET_FILE: %w", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	if secret != "" && len(secret) < MinSecret {
		return s, errors.New("ROTA_FEED_SECRET: too short: want at least 16 bytes (e.g. openssl rand -hex 32)")
	}
	s.Secret = []byte(secret)
	if s.BaseURL == "" {
		s.BaseURL = "http://localhost:8080"
	}
	return s, nil
}

// Redact is a bucket URL fit for a log: scheme, host and path, without the
// user info and query parameters that may carry credentials.
func Redact(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return "(unparsable bucket url)"
	}
	return (&url.URL{Scheme: pu.Scheme, Host: pu.Host, Path: pu.Path}).String()
}
