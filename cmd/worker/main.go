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
//	ROTA_HTTP           -http       serve the feeds and the schedule pages on this address (e.g. :8080)
//	ROTA_HTTP_INDEX     -http-index GET / lists the rotations (set to 1)
//	ROTA_FEED_BUCKET, ROTA_FEED_SECRET or ROTA_FEED_SECRET_FILE, ROTA_BASE_URL: the calendar feeds (see package feedstore)
//	ROTA_SLACK_TOKEN, ROTA_SLACK_API_URL: the Slack app's bot token, and the Web API's base URL (default Slack's own)
//	ROTA_OPSGENIE_API_KEY, ROTA_OPSGENIE_API_URL: Opsgenie's API key and base URL (default https://api.opsgenie.com)
//	ROTA_PAGERDUTY_TOKEN, ROTA_PAGERDUTY_API_URL: a PagerDuty REST API key and base URL (default https://api.pagerduty.com)
//
// Secrets (the feed secret, the Slack token, the pager keys) are read from
// the environment only, and never logged. Calendar feeds are published to
// the feed bucket; notices go to Slack when a token is set, to the log
// otherwise; pager overrides go to each pager the worker has a key for
// (without one, the sync is logged and skipped).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/activities/pagers"
	"github.com/rota-scheduler/rota/activities/slacknotifier"
	"github.com/rota-scheduler/rota/feedstore"
	"github.com/rota-scheduler/rota/internal/temporalconn"
	"github.com/rota-scheduler/rota/web"
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
	httpAddr := fs.String("http", env("ROTA_HTTP", ""), "serve the calendar feeds and schedule pages on `addr`, e.g. :8080 ($ROTA_HTTP; empty: no HTTP)")
	index := fs.Bool("http-index", env("ROTA_HTTP_INDEX", "") == "1", "GET / lists the rotations ($ROTA_HTTP_INDEX=1)")
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

	feeds, err := feedstore.FromEnv(os.Getenv)
	if err != nil {
		return err
	}
	store, err := feedstore.Open(ctx, feeds.Bucket)
	if err != nil {
		return fmt.Errorf("ROTA_FEED_BUCKET %s: %w", feedstore.Redact(feeds.Bucket), err)
	}
	defer store.Close()
	logger.Info("calendar feeds", "bucket", feedstore.Redact(feeds.Bucket))
	acts := activities.NewLogging(logger)
	acts.Calendars = store
	if err := useSlack(ctx, acts, os.Getenv, logger); err != nil {
		return err
	}
	if err := usePagers(acts, os.Getenv, logger); err != nil {
		return err
	}

	if *httpAddr != "" {
		if len(feeds.Secret) == 0 {
			return errors.New("-http needs ROTA_FEED_SECRET or ROTA_FEED_SECRET_FILE to sign the feed URLs (e.g. openssl rand -hex 32)")
		}
		srv := &web.Server{Store: store, Secret: feeds.Secret, BaseURL: feeds.BaseURL, Index: *index,
			Source: web.TemporalSource(c), Logger: logger}
		ln, err := net.Listen("tcp", *httpAddr)
		if err != nil {
			return fmt.Errorf("-http: %w", err)
		}
		logger.Info("serving feeds and schedule pages", "addr", ln.Addr().String(), "base_url", feeds.BaseURL, "index", *index)
		go serveHTTP(ctx, ln, srv.Handler(), logger)
	}

	w := worker.New(c, workflows.TaskQueue, worker.Options{Interceptors: workflows.Interceptors()})
	Register(w, acts)
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

// useSlack makes acts send notices to Slack when ROTA_SLACK_TOKEN is set,
// once auth.test has accepted the token; without one, notices stay in the
// log, and the worker says so.
func useSlack(ctx context.Context, acts *activities.Activities, getenv func(string) string, logger *slog.Logger) error {
	token, api := getenv("ROTA_SLACK_TOKEN"), getenv("ROTA_SLACK_API_URL")
	if token == "" {
		logger.Info("slack: no ROTA_SLACK_TOKEN, notices go to this log")
		return nil
	}
	n := slacknotifier.New(token, api)
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	bot, team, err := n.Check(cctx)
	if err != nil {
		var se *activities.SendError
		if errors.As(err, &se) && se.Advice != "" {
			return fmt.Errorf("slack: auth.test: %w (%s)", err, se.Advice)
		}
		return fmt.Errorf("slack: auth.test: %w", err)
	}
	if api == "" {
		api = "https://slack.com/api/"
	}
	logger.Info("slack: notices go to Slack", "bot", bot, "team", team, "api", api)
	acts.Notifier = n
	return nil
}

// usePagers gives acts the pagers the environment has keys for, and
// says which.
func usePagers(acts *activities.Activities, getenv func(string) string, logger *slog.Logger) error {
	ps, status, err := pagers.FromEnv(getenv)
	if err != nil {
		return err
	}
	acts.Pagers = ps
	for _, s := range status {
		if s.On {
			logger.Info(s.Name+": schedules are synced", "api", s.URL)
		} else {
			logger.Info(s.Name + ": no " + s.SecretVar + ", its schedules are not synced")
		}
	}
	return nil
}

// serveHTTP serves h on ln until ctx ends, then shuts down gracefully.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("http server", "error", err)
	}
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
