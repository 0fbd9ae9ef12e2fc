package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// synopsis is how a command is called, and an example that works against
// the stack `make run` starts.
type synopsis struct {
	usage, example string
}

var synopses = map[string]synopsis{
	"plan":        {"rota plan -f FILE... --rotation ID [--from DATE] [--to DATE | --weeks N | --shifts N] [--strategy S] [--format F] [--tz ZONE]", "rota plan -f examples/team.yaml --rotation platform --weeks 2 --format grid"},
	"simulate":    {"rota simulate -f FILE... --rotation ID [--weeks N] [--events FILE] [--strategy S | --compare S,S...] [--random-leave RATE] [--random-swaps N] [--seed N] [--out DIR]", "rota simulate -f examples/team.yaml --rotation platform --weeks 8 --events examples/events.yaml"},
	"validate":    {"rota validate -f FILE...", "rota validate -f examples/team.yaml"},
	"forecast":    {"rota forecast -f FILE... --rotation ID [--from DATE] [--shifts N] [--samples N] [--format F]", "rota forecast -f examples/team.yaml --rotation platform --shifts 5"},
	"apply":       {"rota apply -f FILE... [--rotation ID] [--dry-run]", "rota apply -f examples/team.yaml --dry-run"},
	"list":        {"rota list [--all] [--format F] [--tz ZONE]", "rota list"},
	"who":         {"rota who [ROTATION] [--format F] [--tz ZONE]", "rota who platform"},
	"show":        {"rota show ROTATION [--from DATE] [--weeks N] [--format F] [--tz ZONE]", "rota show platform --weeks 4 --format grid"},
	"audit":       {"rota audit ROTATION [--format F] [--tz ZONE]", "rota audit platform"},
	"status":      {"rota status ROTATION [--format F] [--tz ZONE]", "rota status platform"},
	"stats":       {"rota stats ROTATION [--format F]", "rota stats platform"},
	"swap":        {"rota swap --shift-a SHIFT --member-a MEMBER --shift-b SHIFT --member-b MEMBER [--as MEMBER]", "rota swap --shift-a $SA --member-a $MA --shift-b $SB --member-b $MB"},
	"cover":       {"rota cover --shift SHIFT --member MEMBER --by MEMBER [--as MEMBER]", "rota cover --shift $SC --member $MC --by $BY"},
	"leave-shift": {"rota leave-shift --shift SHIFT --member MEMBER [--reason TEXT] [--as MEMBER]", "rota leave-shift --shift $SL --member $ML --reason sick"},
	"unavailable": {"rota unavailable MEMBER --from DATE --to DATE [--reason TEXT] [--rotation ID] [--tz ZONE] [--as MEMBER]", "rota unavailable alice --from 2027-01-04 --to 2027-01-08 --reason holiday"},
	"available":   {"rota available MEMBER --from DATE --to DATE [--rotation ID] [--tz ZONE] [--as MEMBER]", "rota available alice --from 2027-01-04 --to 2027-01-08"},
	"assign":      {"rota assign --shift SHIFT --members MEMBER[,MEMBER...] [--as MEMBER]", "rota assign --shift $FAR --members carol"},
	"pause":       {"rota pause ROTATION [--reason TEXT] [--as MEMBER]", `rota pause platform --reason "office closed"`},
	"resume":      {"rota resume ROTATION [--as MEMBER]", "rota resume platform"},
	"pager":       {"rota pager ROTATION [--weeks N] [--format table|json] (with ROTA_OPSGENIE_API_KEY or ROTA_PAGERDUTY_TOKEN set)", "rota pager platform"},
	"feeds":       {"rota feeds ROTATION|MEMBER [--revoke] [--kind rotation|member] [--base-url URL] [--format F]", "rota feeds platform"},
}

// lastHelp prints the help of the command whose flags were parsed last;
// run calls it on -h (flag.ErrHelp).
var lastHelp func(w io.Writer)

// commandHelp prints a command's synopsis, what it does, an example and
// its flags, each written --name as errors name them.
func commandHelp(w io.Writer, name string, fs *flag.FlagSet) {
	sy, ok := synopses[name]
	if ok {
		fmt.Fprintf(w, "usage: %s\n", sy.usage)
	} else {
		fmt.Fprintf(w, "usage: rota %s [flags]\n", name)
	}
	if c, ok := commands[name]; ok {
		fmt.Fprintf(w, "  %s\n", c.summary)
	}
	if ok && sy.example != "" {
		fmt.Fprintf(w, "\nexample:\n  %s\n", sy.example)
		if strings.Contains(sy.example, "$") {
			fmt.Fprintln(w, "  (the $ values: source .data/try.env after make run)")
		}
	}
	fmt.Fprintln(w, "\nflags:")
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		head := "--" + f.Name
		if len(f.Name) == 1 {
			head = "-" + f.Name // -f FILE
		}
		if kind == "value" && f.Name == "f" {
			kind = "file"
		}
		if kind != "" {
			head += " " + strings.ToUpper(kind)
		}
		line := fmt.Sprintf("  %-22s %s", head, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			line += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintln(w, line)
	})
}

// newFlags returns a flag set whose errors are usage errors, printed once
// by run (the flag package itself prints nothing), and whose -h prints the
// command's help.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("rota "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	lastHelp = func(w io.Writer) { commandHelp(w, name, fs) }
	return fs
}

// flagError words a flag package error as rota's help does: --name.
func flagError(err error) string {
	msg := err.Error()
	for _, p := range []string{"flag provided but not defined: -", "flag needs an argument: -", "invalid value "} {
		if rest, ok := strings.CutPrefix(msg, p); ok {
			switch p {
			case "flag provided but not defined: -":
				return "unknown flag --" + strings.TrimPrefix(rest, "-") + " (-h lists the flags)"
			case "flag needs an argument: -":
				return "flag --" + strings.TrimPrefix(rest, "-") + " needs a value"
			}
		}
	}
	return strings.Replace(msg, " for flag -", " for flag --", 1)
}

// runHelp is `rota help [COMMAND]`.
func runHelp(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		usage(stdout)
		return nil
	}
	if _, ok := commands[args[0]]; !ok {
		return usagef("unknown command %q (rota help lists them)", args[0])
	}
	err := commands[args[0]].run([]string{"-h"}, stdout)
	if err == flag.ErrHelp && lastHelp != nil {
		lastHelp(stdout)
		return nil
	}
	return err
}
