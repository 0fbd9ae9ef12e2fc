package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFileSizeLimit: a file over the limit, or an endless one, is an error
// naming the file and the limit, read no further than the limit.
func TestFileSizeLimit(t *testing.T) {
	old := maxFileSize
	maxFileSize = 1 << 20
	defer func() { maxFileSize = old }()

	big := filepath.Join(t.TempDir(), "big.yaml")
	body := "version: 1\n# " + strings.Repeat("x", 1<<20) + "\n"
	if err := os.WriteFile(big, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []string{big}
	if _, err := os.Stat("/dev/zero"); err == nil {
		cases = append(cases, "/dev/zero")
	}
	for _, name := range cases {
		_, err := Load(name)
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "larger than 1 MiB, the most a config file may be") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A file within the limit is read.
	ok := filepath.Join(t.TempDir(), "ok.yaml")
	if err := os.WriteFile(ok, []byte("version: 1\nmembers: [{id: a}]\nrotations: [{id: r, timezone: UTC, start: 2026-01-05T09:00, shift: 1d, members: [a]}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(ok); err != nil {
		t.Errorf("a small file: %v", err)
	}
}
