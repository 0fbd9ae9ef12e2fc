package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/workflows"
)

// runStatus prints a rotation's health: whether planning works, which
// sends are failing or were given up, and the latest failures. It exits 1
// when the rotation is not ok, so scripts can check it.
func runStatus(args []string, stdout io.Writer) error {
	r, err := openReadOne("status", args, []string{"table", "json"}, nil, nil)
	if err != nil {
		return err
	}
	defer r.done()
	ctx, c, rotation, loc := r.ctx, r.c, r.rotation, r.loc
	var st workflows.StatusResult
	if err := query(ctx, c, rotation, workflows.QueryStatus, &st); err != nil {
		return err
	}
	st.At = st.At.UTC().Truncate(time.Second)
	if r.format == "json" {
		if err := writeJSON(stdout, st); err != nil {
			return err
		}
	} else {
		var cfg workflows.ConfigResult
		if loc == nil {
			if err := query(ctx, c, rotation, workflows.QueryConfig, &cfg); err != nil {
				return err
			}
		}
		if err := writeStatus(stdout, st, viewZone(loc, cfg.Rotation.Timezone)); err != nil {
			return err
		}
	}
	if st.Health.Health != workflows.HealthOK {
		return fmt.Errorf("%s is %s", rotation, st.Health.Health)
	}
	return nil
}

func writeStatus(w io.Writer, st workflows.StatusResult, loc *time.Location) error {
	state := "running"
	if st.Paused {
		state = "paused"
	}
	fmt.Fprintf(w, "%s: %s, %s (times in %s)\n", st.Rotation, st.Health.Health, state, loc)
	if st.PlanError != "" {
		fmt.Fprintf(w, "planning: %s\n", st.PlanError)
	}
	if !st.NextStart.IsZero() {
		fmt.Fprintf(w, "planned up to %s\n", render.Local(st.NextStart, loc))
	}
	fmt.Fprintf(w, "sends pending: %d\n", st.Pending)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	section := func(title string, fs []workflows.EffectFailure) {
		if len(fs) == 0 {
			return
		}
		fmt.Fprintf(tw, "\n%s\n", title)
		fmt.Fprintln(tw, "SINCE\tKIND\tATTEMPTS\tERROR\tKEY")
		for _, f := range fs {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", render.Local(f.Time, loc), f.Kind, f.Attempts, f.Error, f.Key)
		}
	}
	section("failing, tried again:", st.Failing)
	section("given up in the last day:", st.Abandoned)
	var recovered []workflows.EffectFailure
	for _, f := range st.Failures {
		if f.Recovered {
			recovered = append(recovered, f)
		}
	}
	section("done after failing:", recovered)
	return tw.Flush()
}
