// Command slackfake is a local stand-in for the part of Slack's Web API
// that rota uses, for trying rota's Slack mode where Slack is out of
// reach: it takes any channel, user and user group id, and prints each
// call rota makes (never the token).
//
//	go run ./cmd/slackfake                # listens on 127.0.0.1:9333, token xoxb-local
//	ROTA_SLACK_TOKEN=xoxb-local ROTA_SLACK_API_URL=http://127.0.0.1:9333/api/ make run
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/rota-scheduler/rota/internal/slackfake"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9333", "listen on `host:port`")
	token := flag.String("token", "xoxb-local", "the bot token it accepts")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "slackfake:", err)
		os.Exit(1)
	}
	srv := slackfake.Listen(ln, *token)
	defer srv.Close()
	srv.AcceptAll(func(c slackfake.Call) { fmt.Println(describe(c)) })
	fmt.Printf("slackfake: Slack's Web API on %s\n  ROTA_SLACK_TOKEN=%s ROTA_SLACK_API_URL=%s\n", ln.Addr(), *token, srv.URL())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
}

// describe is a call in one line: the method and what it names.
func describe(c slackfake.Call) string {
	parts := []string{c.Time.UTC().Format("15:04:05"), c.Method}
	for _, k := range []string{"channel", "users", "usergroup", "email", "thread_ts", "topic"} {
		if v := c.Params[k]; v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	if t := c.Params["text"]; t != "" {
		first, _, more := strings.Cut(t, "\n")
		if more {
			first += " …"
		}
		parts = append(parts, fmt.Sprintf("text=%q", first))
	}
	return strings.Join(parts, " ")
}
