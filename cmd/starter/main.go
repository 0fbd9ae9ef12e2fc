// Command rota is the client of the rota rotation scheduler: it previews
// rotations offline from their config files (plan, validate, forecast) and
// drives the running rotations on Temporal.
//
// Errors go to stderr with exit status 1; usage errors exit 2.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand of rota.
type command struct {
	summary string
	run     func(args []string, stdout io.Writer) error
}

// commands is set in init: the commands' help reads it.
var commands map[string]command

func init() {
	commands = map[string]command{
		"plan":     {"preview a rotation's assignments from config files", runPlan},
		"validate": {"check config files and report every error", runValidate},
		"forecast": {"chance that each member serves each of the next shifts", runForecast},
		"simulate": {"run a rotation's real workflow over simulated weeks, with scripted events (the rotation lab)", runSimulate},

		// On a Temporal server (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE).
		"apply":       {"start or update the rotations of config files on Temporal", runApply},
		"list":        {"list the rotations running on Temporal, with who is on call", runList},
		"who":         {"who is on call now (one rotation, or all)", runWho},
		"show":        {"a running rotation's schedule", runShow},
		"audit":       {"the operations on a rotation and what they did", runAudit},
		"status":      {"a rotation's health: failing sends, planning errors", runStatus},
		"stats":       {"load per member of a rotation", runStats},
		"swap":        {"trade two members' seats on two shifts", runSwap},
		"cover":       {"have someone take a member's seat on a shift", runCover},
		"leave-shift": {"take a member off a shift; a replacement is found", runLeaveShift},
		"unavailable": {"report a member unavailable, in every rotation they are in", runUnavailable},
		"available":   {"withdraw reported unavailability", runAvailable},
		"assign":      {"set a shift's assignees by hand", runAssign},
		"pause":       {"stop planning and announcements of a rotation", runPause},
		"resume":      {"resume a paused rotation", runResume},
		"feeds":       {"the calendar feed URLs of a rotation or a member (--revoke: new URL)", runFeeds},
		"pager":       {"what rota plans beside what Opsgenie or PagerDuty holds (exit 1: they differ)", runPager},
	}
}

// usageError is a mistake in how rota was called: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "help" {
		if err := runHelp(args[1:], stderr); err != nil {
			fmt.Fprintf(stderr, "rota help: %s\n", err)
			return 2
		}
		return 0
	}
	globalAs = ""
	for len(args) > 0 && (args[0] == "--as" || strings.HasPrefix(args[0], "--as=") || args[0] == "-as") {
		if v, ok := strings.CutPrefix(args[0], "--as="); ok {
			globalAs, args = v, args[1:]
			continue
		}
		if len(args) < 2 {
			fmt.Fprintln(stderr, "rota: --as needs a member id")
			return 2
		}
		globalAs, args = args[1], args[2:]
	}
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "rota: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	err := cmd.run(args[1:], stdout)
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		if lastHelp != nil {
			lastHelp(stderr)
		}
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "rota %s: %s\n", args[0], ue.msg)
		return 2
	default:
		fmt.Fprintf(stderr, "rota %s: %s\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: rota [--as MEMBER] COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nrota help COMMAND (or rota COMMAND -h) shows how to call a command, an example and its flags.")
}

// files is a repeatable -f flag.
type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(s string) error { *f = append(*f, s); return nil }

// parse parses args, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{flagError(err)}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
