// Package integration runs rota against a real Temporal server: a dev
// server started from the pinned Temporal CLI (bin/temporal, built by
// `make temporal`) on free loopback ports with a throwaway database.
//
// The real-server tests run when ROTA_INTEGRATION=1 is set (then a missing
// CLI is a failure) or when bin/temporal exists; they skip with a message
// otherwise, with ROTA_INTEGRATION=0, and with -short. `make test` and
// `make integration` run them. The checks of docker-compose.yml and the
// Dockerfile always run.
package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/rota-scheduler/rota/workflows"
)

// indexedType is the API's type of a search attribute type's name.
func indexedType(name string) enumspb.IndexedValueType {
	if v, ok := enumspb.IndexedValueType_value["INDEXED_VALUE_TYPE_"+strings.ToUpper(strings.ReplaceAll(name, "List", "_List"))]; ok {
		return enumspb.IndexedValueType(v)
	}
	return enumspb.INDEXED_VALUE_TYPE_UNSPECIFIED
}

// TemporalBinary finds the Temporal CLI: $ROTA_TEMPORAL_BIN, then the
// repository's bin/temporal (looked for from dir upwards), then $PATH.
func TemporalBinary(dir string) (string, error) {
	if p := os.Getenv("ROTA_TEMPORAL_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("ROTA_TEMPORAL_BIN: %w", err)
		}
		return p, nil
	}
	for d, _ := filepath.Abs(dir); ; {
		p := filepath.Join(d, "bin", "temporal")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			break // the module root: stop here
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p, nil
	}
	return "", errors.New("no Temporal CLI: run `make temporal` (builds bin/temporal) or set ROTA_TEMPORAL_BIN")
}

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// DevServerArgs returns the arguments of `temporal server start-dev` for a
// headless server on free loopback ports (frontend, HTTP, metrics), its
// SQLite database in dir, with rota's search attributes.
func DevServerArgs(dir string) ([]string, [3]int, error) {
	var ports [3]int
	for i := range ports {
		p, err := FreePort()
		if err != nil {
			return nil, ports, fmt.Errorf("free port: %w", err)
		}
		ports[i] = p
	}
	args := []string{"server", "start-dev", "--headless",
		"--ip", "127.0.0.1",
		"--port", strconv.Itoa(ports[0]),
		"--http-port", strconv.Itoa(ports[1]),
		"--metrics-port", strconv.Itoa(ports[2]),
		"--db-filename", filepath.Join(dir, "temporal.db"),
		"--log-level", "warn",
	}
	for _, a := range workflows.SearchAttributes {
		args = append(args, "--search-attribute", a.Name+"="+a.Type)
	}
	return args, ports, nil
}

// DevServer is a running `temporal server start-dev`.
type DevServer struct {
	Address   string // host:port of the frontend
	Namespace string
	cmd       *exec.Cmd
	done      chan struct{}
	err       error // the process's exit, once done is closed
}

// StartDevServer starts a headless dev server with its database in dir,
// on free loopback ports, with rota's search attributes, and waits until
// it answers. Its output goes to log.
func StartDevServer(ctx context.Context, bin, dir string, log io.Writer) (*DevServer, error) {
	args, ports, err := DevServerArgs(dir)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &DevServer{
		Address:   net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])),
		Namespace: "default",
		cmd:       cmd,
		done:      make(chan struct{}),
	}
	go func() { s.err = cmd.Wait(); close(s.done) }()
	if err := s.waitHealthy(ctx, 90*time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// quietLogger keeps the SDK's info lines out of test output.
func quietLogger() sdklog.Logger {
	return sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// Dial connects a client to the server.
func (s *DevServer) Dial(ctx context.Context) (client.Client, error) {
	return client.DialContext(ctx, client.Options{HostPort: s.Address, Namespace: s.Namespace, Logger: quietLogger()})
}

func (s *DevServer) waitHealthy(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("the dev server exited: %v", s.err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		c, err := s.Dial(dctx)
		if err == nil {
			_, err = c.CheckHealth(dctx, &client.CheckHealthRequest{})
			if err == nil {
				err = hasSearchAttributes(dctx, c, s.Namespace)
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
	return fmt.Errorf("the dev server at %s was not ready in %s: %v", s.Address, limit, last)
}

// hasSearchAttributes checks that rota's search attributes exist with their types.
func hasSearchAttributes(ctx context.Context, c client.Client, ns string) error {
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	if err != nil {
		return err
	}
	for _, a := range workflows.SearchAttributes {
		if t, ok := resp.GetCustomAttributes()[a.Name]; !ok || t != indexedType(a.Type) {
			return fmt.Errorf("search attribute %s is not a %s (have %v)", a.Name, a.Type, resp.GetCustomAttributes())
		}
	}
	return nil
}

// EnsureSearchAttributes registers rota's search attributes where missing,
// as `temporal operator search-attribute create` does.
func EnsureSearchAttributes(ctx context.Context, c client.Client, ns string) error {
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	if err != nil {
		return err
	}
	missing := map[string]enumspb.IndexedValueType{}
	for _, a := range workflows.SearchAttributes {
		if _, ok := resp.GetCustomAttributes()[a.Name]; !ok {
			missing[a.Name] = indexedType(a.Type)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: ns, SearchAttributes: missing})
	return err
}

// Stop ends the server (SIGTERM, then SIGKILL after 15 s) and waits for it.
func (s *DevServer) Stop() {
	if s == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}
