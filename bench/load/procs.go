package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/rota-scheduler/rota/integration"
)

// child is a process the load command started, in its own process group
// (so that stopping it stops what it started), killed by the kernel if the
// load command dies first (Pdeathsig; best effort: it follows the thread
// that started it).
type child struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func startChild(name string, cmd *exec.Cmd) (*child, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, done: make(chan struct{})}
	go func() { c.err = c.cmd.Wait(); close(c.done) }()
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// exited reports whether the process has ended, and how.
func (c *child) exited() (bool, error) {
	select {
	case <-c.done:
		return true, c.err
	default:
		return false, nil
	}
}

// stop ends the process group: SIGTERM, then SIGKILL after grace.
func (c *child) stop(grace time.Duration) {
	if c == nil {
		return
	}
	if ok, _ := c.exited(); ok {
		return
	}
	_ = syscall.Kill(-c.pid(), syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		_ = syscall.Kill(-c.pid(), syscall.SIGKILL)
		<-c.done
	}
}

// loopback accepts only host:port addresses on a loopback interface: the
// load command is for this machine's dev server.
func loopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("address %q: only a loopback address (127.0.0.1, ::1, localhost) is allowed", addr)
	}
	return nil
}

// startServer starts `temporal server start-dev` headless on free
// loopback ports with its SQLite database in dir (with the given SQLite
// pragmas, PRAGMA=VALUE, if any) and rota's search attributes, and waits
// until it answers with them registered.
func startServer(ctx context.Context, bin, dir string, pragmas []string, log io.Writer) (*child, string, error) {
	args, ports, err := integration.DevServerArgs(dir)
	if err != nil {
		return nil, "", err
	}
	for _, p := range pragmas {
		args = append(args, "--sqlite-pragma", p)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	srv, err := startChild("temporal dev server", cmd)
	if err != nil {
		return nil, "", err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	if err := waitReady(ctx, srv, addr, 90*time.Second); err != nil {
		srv.stop(15 * time.Second)
		return nil, "", err
	}
	return srv, addr, nil
}

// waitReady waits until the server at addr answers and has rota's search
// attributes (registering them if they are missing).
func waitReady(ctx context.Context, srv *child, addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		if srv != nil {
			if ok, err := srv.exited(); ok {
				return fmt.Errorf("the dev server exited: %v", err)
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		c, err := client.DialContext(dctx, client.Options{HostPort: addr, Namespace: namespace, Logger: quietLogger()})
		if err == nil {
			_, err = c.CheckHealth(dctx, &client.CheckHealthRequest{})
			if err == nil {
				err = integration.EnsureSearchAttributes(dctx, c, namespace)
			}
			c.Close()
		}
		cancel()
		if err == nil {
			return nil
		}
		last = err
		time.Sleep(300 * time.Millisecond)
	}
	return fmt.Errorf("the Temporal server at %s was not ready in %s: %w", addr, limit, last)
}

// moduleRoot is the directory of rota's go.mod, found from the working
// directory upwards.
func moduleRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/rota-scheduler/rota\n") {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("not inside the rota module: run the load command from the repository")
		}
		d = parent
	}
}

// buildWorker compiles cmd/worker into dir.
func buildWorker(ctx context.Context, root, dir string) (string, error) {
	out := filepath.Join(dir, "rota-worker")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/worker")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/worker: %w\n%s", err, b)
	}
	return out, nil
}

// startWorker starts one rota worker against addr, as `make run` does but
// without HTTP: notices go to its log (the logging senders), calendar
// feeds to a bucket in dir.
func startWorker(bin, addr, dir string, log io.Writer) (*child, error) {
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"TEMPORAL_ADDRESS="+addr,
		"TEMPORAL_NAMESPACE="+namespace,
		"ROTA_FEED_BUCKET=file://"+filepath.ToSlash(filepath.Join(dir, "feeds"))+"?create_dir=true",
		"ROTA_LOG_LEVEL=info",
		// Nothing may reach a real Slack or pager from a load test.
		"ROTA_SLACK_TOKEN=", "ROTA_OPSGENIE_API_KEY=", "ROTA_PAGERDUTY_TOKEN=",
		"TEMPORAL_API_KEY=", "TEMPORAL_TLS_CERT=", "TEMPORAL_TLS_KEY=",
	)
	cmd.Stdout, cmd.Stderr = log, log
	return startChild("rota worker", cmd)
}

// temporalVersion is the first line of `temporal --version`.
func temporalVersion(bin string) string {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}
