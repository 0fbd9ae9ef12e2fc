// Package config loads rota's configuration files (version 1, see
// docs/config.md) into validated values. Every error names the file, the
// line and the field; all errors of a file are reported together.
package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/rota-scheduler/rota/internal/calendar"
)

// Level is a skill level from 1 (beginner) to 4 (expert).
type Level int

const (
	Beginner     Level = 1
	Intermediate Level = 2
	Advanced     Level = 3
	Expert       Level = 4
)

// Strategy names how a layer picks who serves.
type Strategy string

const (
	Fair    Strategy = "fair"
	Queue   Strategy = "queue"
	Lottery Strategy = "lottery"
)

// Strategies are every strategy, in the order the docs list them.
var Strategies = []Strategy{Fair, Queue, Lottery}

// ParseStrategy reads a strategy's name.
func ParseStrategy(s string) (Strategy, error) {
	for _, st := range Strategies {
		if string(st) == s {
			return st, nil
		}
	}
	return "", fmt.Errorf("unknown strategy %q: want %s", s, StrategyNames())
}

// StrategyNames lists the strategies for people: "fair, queue or lottery".
func StrategyNames() string {
	names := make([]string, len(Strategies))
	for i, s := range Strategies {
		names[i] = string(s)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Config is one or more files loaded together.
type Config struct {
	Members   []Member   // in file order
	Rotations []Rotation // in file order
}

// Member is a person who can take shifts.
type Member struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"` // defaults to ID
	Email       string           `json:"email,omitempty"`
	Slack       string           `json:"slack,omitempty"`
	Opsgenie    string           `json:"opsgenie,omitempty"`
	PagerDuty   string           `json:"pagerduty,omitempty"` // a PagerDuty user id
	Timezone    string           `json:"timezone,omitempty"`  // IANA zone for showing times; may be empty
	Skills      map[string]Level `json:"skills,omitempty"`
	Unavailable []Window         `json:"unavailable,omitempty"`
}

// Moment is a bound of a window or a membership: in a config file, a civil
// date (a whole day in the rotation's zone) or an absolute instant.
type Moment = calendar.Moment

// Window is a span when a member cannot serve. A date as From means the
// start of that day; a date as To means the end of that day (inclusive).
// An instant as To is exclusive.
type Window struct {
	From   Moment `json:"from"`
	To     Moment `json:"to"`
	Reason string `json:"reason,omitempty"`
}

// Need asks for at least Min and at most Max members with Skill at Level or
// above on every shift. Max 0 with HasMax false means no limit.
type Need struct {
	Skill  string `json:"skill"`
	Level  Level  `json:"level"`
	Min    int    `json:"min"`
	Max    int    `json:"max,omitempty"`
	HasMax bool   `json:"has_max,omitempty"`
}

// Membership is a member's place in a layer, optionally bounded in time
// (a member who joins or leaves the rotation). From is inclusive, Until
// exclusive; nil means unbounded.
type Membership struct {
	ID    string  `json:"id"`
	From  *Moment `json:"from,omitempty"`
	Until *Moment `json:"until,omitempty"`
}

// Layer is a part of a rotation with its own days, order and strategy. A
// rotation without layers has exactly one, named "main", built from its
// rotation-level fields. Every field is resolved (inherited values filled in).
type Layer struct {
	Name     string            `json:"name"`
	Days     calendar.Weekdays `json:"days,omitempty"` // empty: every day
	Members  []Membership      `json:"members"`
	Strategy Strategy          `json:"strategy"`
	Size     int               `json:"size"`
	Needs    []Need            `json:"needs,omitempty"`
	Grace    int               `json:"grace,omitempty"`
}

// Slack says where a rotation shows up in Slack.
type Slack struct {
	Channel   string `json:"channel,omitempty"`
	Usergroup string `json:"usergroup,omitempty"`
	Topic     bool   `json:"topic,omitempty"`
}

// PagerSchedule names the paging tool's schedule (Opsgenie's by name,
// PagerDuty's by id) whose overrides follow a rotation.
type PagerSchedule struct {
	Schedule string `json:"schedule,omitempty"`
	// NoRepair (the YAML's repair: false): a drift between the schedule
	// and the rotation is reported, not repaired.
	NoRepair bool `json:"no_repair,omitempty"`
}

// Rotation is a duty handed from member to member on a calendar, with all
// defaults applied and the file-level weekend and holidays resolved into it.
type Rotation struct {
	ID           string             `json:"id"`
	Name         string             `json:"name"` // defaults to ID
	Timezone     string             `json:"timezone"`
	Start        calendar.DateTime  `json:"start"`
	End          *calendar.DateTime `json:"end,omitempty"`
	Shift        calendar.Period    `json:"shift"`
	Layers       []Layer            `json:"layers"`
	Seed         int64              `json:"seed"`
	MinRest      time.Duration      `json:"min_rest,omitempty"`
	PlanAhead    time.Duration      `json:"plan_ahead"`    // default 14 days
	NotifyBefore time.Duration      `json:"notify_before"` // default 3 days
	Duties       string             `json:"duties,omitempty"`
	Slack        *Slack             `json:"slack,omitempty"`
	Opsgenie     *PagerSchedule     `json:"opsgenie,omitempty"`
	PagerDuty    *PagerSchedule     `json:"pagerduty,omitempty"`
	Admins       []string           `json:"admins,omitempty"`
	Weekend      calendar.Weekdays  `json:"weekend"`  // default sat, sun
	Holidays     []calendar.Date    `json:"holidays"` // sorted, unique
}

// rotationJSON is Rotation's JSON form: durations written as a config file
// writes them ("14d", "24h"), so that the workflow's history and the diffs
// of `rota apply` read as the config does.
type rotationJSON struct {
	rotationAlias
	MinRest      jsonDuration `json:"min_rest,omitempty"`
	PlanAhead    jsonDuration `json:"plan_ahead"`
	NotifyBefore jsonDuration `json:"notify_before"`
}

type rotationAlias Rotation

// MarshalJSON writes the rotation with its durations as text.
func (r Rotation) MarshalJSON() ([]byte, error) {
	return json.Marshal(rotationJSON{rotationAlias: rotationAlias(r),
		MinRest: jsonDuration(r.MinRest), PlanAhead: jsonDuration(r.PlanAhead), NotifyBefore: jsonDuration(r.NotifyBefore)})
}

// UnmarshalJSON reads what MarshalJSON writes, and the nanoseconds that
// earlier versions wrote.
func (r *Rotation) UnmarshalJSON(b []byte) error {
	var j rotationJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Rotation(j.rotationAlias)
	r.MinRest, r.PlanAhead, r.NotifyBefore = time.Duration(j.MinRest), time.Duration(j.PlanAhead), time.Duration(j.NotifyBefore)
	return nil
}

// jsonDuration is a duration in JSON: "14d" (calendar.FormatDuration), or
// a number of nanoseconds when read.
type jsonDuration time.Duration

func (d jsonDuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(calendar.FormatDuration(time.Duration(d)))
}

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := calendar.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = jsonDuration(v)
		return nil
	}
	var ns int64
	if err := json.Unmarshal(b, &ns); err != nil {
		return fmt.Errorf("duration: want text such as \"14d\": %w", err)
	}
	*d = jsonDuration(ns)
	return nil
}
