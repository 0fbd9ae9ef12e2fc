// Command worker runs rota's Temporal worker: the rotation workflows and
// their activities, on task queue "rota".
//
// Configuration comes from the environment, and flags override it:
//
//	TEMPORAL_ADDRESS    -address    host:port of the Temporal frontend (default localhost:7233)
//	TEMPORAL_NAMESPACE  -namespace  namespace (default "default")
//	TEMPORAL_API_KEY, or TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: credentials (environment only)
//	ROTA_LOG_FORMAT     -log-format text or json (default text)
//	ROTA_LOG_LEVEL      -log-level  debug, info, warn or error (default info)
//
// Secrets (the Slack and Opsgenie tokens of later versions) are read from
// the environment only, and never logged. For now every side effect is
// logged instead of performed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/temporalconn"
	"github.com/rota-scheduler/rota/workflows"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var conn temporalconn.Conn
	conn.Register(fs, os.Getenv)
	format := fs.String("log-format", env("ROTA_LOG_FORMAT", "text"), "log format: text or json ($ROTA_LOG_FORMAT)")
	level := fs.String("log-level", env("ROTA_LOG_LEVEL", "info"), "log level: debug, info, warn or error ($ROTA_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	logger, err := newLogger(stderr, *format, *level)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts, err := conn.Options(os.Getenv)
	if err != nil {
		return err
	}
	opts.Logger = tlog.NewStructuredLogger(logger)
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", conn.Address, err)
	}
	defer c.Close()

	w := worker.New(c, workflows.TaskQueue, worker.Options{Interceptors: workflows.Interceptors()})
	Register(w, activities.NewLogging(logger))
	logger.Info("worker starting", "address", conn.Address, "namespace", conn.Namespace, "task_queue", workflows.TaskQueue)

	interrupt := make(chan any)
	go func() {
		<-ctx.Done()
		logger.Info("shutting down")
		close(interrupt)
	}()
	if err := w.Run(interrupt); err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	logger.Info("worker stopped")
	return nil
}

// Register registers rota's workflow and activities on w.
func Register(w worker.Registry, acts *activities.Activities) {
	w.RegisterWorkflow(workflows.RotationWorkflow)
	w.RegisterActivity(acts)
}

func newLogger(out io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("bad log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(out, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(out, opts)), nil
	}
	return nil, fmt.Errorf("bad log format %q: want text or json", format)
}
