package integration

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
)

// temporalFor returns the Temporal CLI for the real-server tests, or skips
// the test: they run when ROTA_INTEGRATION=1 (then a missing CLI fails) or
// when bin/temporal exists.
func temporalFor(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("integration: skipped with -short")
	}
	bin, err := TemporalBinary(".")
	forced := os.Getenv("ROTA_INTEGRATION") == "1"
	switch {
	case err != nil && forced:
		t.Fatalf("ROTA_INTEGRATION=1 but %v", err)
	case err != nil:
		t.Skipf("integration: skipped: %v (or set ROTA_INTEGRATION=1 to require it)", err)
	case os.Getenv("ROTA_INTEGRATION") == "0":
		t.Skip("integration: skipped: ROTA_INTEGRATION=0")
	}
	return bin
}

// lockedBuffer collects a process's output for the test log.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServer starts a dev server for the test and stops it at the end,
// logging its output if the test failed.
func startServer(t *testing.T) *DevServer {
	t.Helper()
	bin := temporalFor(t)
	log := &lockedBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := StartDevServer(ctx, bin, t.TempDir(), log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("dev server output:\n%s", log)
		}
	})
	return s
}

// dialServer connects to s for the rest of the test, within limit (the
// context is the test's deadline for its calls).
func dialServer(t *testing.T, s *DevServer, limit time.Duration) (context.Context, client.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	c, err := s.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return ctx, c
}

var buildOnce = map[string]string{}
var buildMu sync.Mutex

// build compiles a command of the module once per test binary.
func build(t *testing.T, pkg string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := buildOnce[pkg]; ok {
		return p
	}
	dir, err := os.MkdirTemp("", "rota-it-")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = ".."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	buildOnce[pkg] = out
	return out
}

// rotaCLI runs bin/rota against the server and returns its exit code and output.
func rotaCLI(t *testing.T, s *DevServer, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(build(t, "./cmd/starter"), args...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "TEMPORAL_ADDRESS="+s.Address, "TEMPORAL_NAMESPACE="+s.Namespace)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, string(out)
}

// The harness itself: the server starts on free ports with the search
// attributes, registration is idempotent, and the CLI reaches it.
func TestDevServerHarness(t *testing.T) {
	s := startServer(t)
	ctx, c := dialServer(t, s, time.Minute)
	if err := EnsureSearchAttributes(ctx, c, s.Namespace); err != nil {
		t.Fatalf("registering again: %v", err)
	}
	if err := hasSearchAttributes(ctx, c, s.Namespace); err != nil {
		t.Fatal(err)
	}

	if code, out := rotaCLI(t, s, "list", "--format", "json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("rota list --format json = %d %q, want 0 []", code, out)
	}
	code, out := rotaCLI(t, s, "apply", "--dry-run", "-f", "examples/team.yaml")
	if code != 0 || !strings.Contains(out, "platform: new rotation") || !strings.Contains(out, "dry run: nothing applied") {
		t.Errorf("rota apply --dry-run = %d\n%s", code, out)
	}
	if code, out := rotaCLI(t, s, "who", "nosuch"); code != 1 || !strings.Contains(out, `no rotation "nosuch" is running`) {
		t.Errorf("rota who nosuch = %d %q", code, out)
	}
	if code, out := rotaCLI(t, s, "pause", "nosuch"); code != 1 || !strings.Contains(out, `no rotation "nosuch"`) {
		t.Errorf("rota pause nosuch = %d %q", code, out)
	}
}

// Without a CLI the tests skip, and the message says how to get one.
func TestTemporalBinaryLookup(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "integration")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", "")
	t.Setenv("ROTA_TEMPORAL_BIN", "")
	if _, err := TemporalBinary(sub); err == nil || !strings.Contains(err.Error(), "make temporal") {
		t.Errorf("no CLI: %v", err)
	}
	// bin/temporal at the module root is found from a package directory.
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "bin", "temporal")
	if err := os.WriteFile(want, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := TemporalBinary(sub); err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	t.Setenv("ROTA_TEMPORAL_BIN", filepath.Join(dir, "nope"))
	if _, err := TemporalBinary(sub); err == nil || !strings.Contains(err.Error(), "ROTA_TEMPORAL_BIN") {
		t.Errorf("bad ROTA_TEMPORAL_BIN: %v", err)
	}
}
