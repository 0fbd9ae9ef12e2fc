// Package pagers builds the paging tools rota has credentials for, from
// the environment: the worker syncs them, rota pager reads them.
package pagers

import (
	"cmp"
	"fmt"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/activities/opsgenie"
	"github.com/rota-scheduler/rota/activities/pagerduty"
)

// Tool is a paging tool's environment: the secret and the API's base URL.
type Tool struct {
	Name, SecretVar, URLVar, DefaultURL string
}

// Tools are the paging tools rota knows.
var Tools = []Tool{
	{"opsgenie", "ROTA_OPSGENIE_API_KEY", "ROTA_OPSGENIE_API_URL", opsgenie.DefaultURL},
	{"pagerduty", "ROTA_PAGERDUTY_TOKEN", "ROTA_PAGERDUTY_API_URL", pagerduty.DefaultAPIURL},
}

// Status says how a tool is set up, for the log (never the secret).
type Status struct {
	Tool
	On  bool
	URL string
}

// FromEnv returns the pagers whose secret getenv has, and how each tool
// is set up.
func FromEnv(getenv func(string) string) ([]activities.Pager, []Status, error) {
	var out []activities.Pager
	var st []Status
	for _, t := range Tools {
		secret, url := getenv(t.SecretVar), getenv(t.URLVar)
		s := Status{Tool: t, URL: cmp.Or(url, t.DefaultURL)}
		if secret != "" {
			var p activities.Pager
			var err error
			switch t.Name {
			case "opsgenie":
				p, err = opsgenie.New(secret, url)
			case "pagerduty":
				p, err = pagerduty.New(secret, url)
			}
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", t.URLVar, err)
			}
			out, s.On = append(out, p), true
		}
		st = append(st, s)
	}
	return out, st, nil
}
