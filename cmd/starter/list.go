package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/rota-scheduler/rota/internal/render"
	"github.com/rota-scheduler/rota/workflows"
)

// listedRotation is a rotation workflow as visibility (ListWorkflow) sees it.
type listedRotation struct {
	Rotation   string   `json:"rotation"`
	WorkflowID string   `json:"workflow_id"`
	RunID      string   `json:"run_id"`
	Status     string   `json:"status"`
	Health     string   `json:"health,omitempty"` // RotaHealth: ok, degraded or stalled
	OnCall     []string `json:"on_call"`
	Members    []string `json:"members"`
	Started    string   `json:"started"`
	Closed     string   `json:"closed,omitempty"`
}

// rotationsQuery lists rotation workflows.
const rotationsQuery = "WorkflowType = '" + workflowType + "'"

// runningQuery lists running rotation workflows.
const runningQuery = workflows.RunningQuery

// listRotations runs a visibility query, newest first, every page.
func listRotations(ctx context.Context, c client.Client, q string) ([]listedRotation, error) {
	var out []listedRotation
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q, NextPageToken: token, PageSize: 200})
		if err != nil {
			return nil, fmt.Errorf("list rotations: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			id := e.GetExecution().GetWorkflowId()
			r := listedRotation{
				Rotation:   strings.TrimPrefix(id, workflows.WorkflowID("")),
				WorkflowID: id,
				RunID:      e.GetExecution().GetRunId(),
				Status:     statusName(e.GetStatus().String()),
				OnCall:     keywordList(e.GetSearchAttributes(), workflows.AttrOnCall),
				Members:    keywordList(e.GetSearchAttributes(), workflows.AttrMembers),
				Health:     keyword(e.GetSearchAttributes(), workflows.AttrHealth),
			}
			if t := e.GetStartTime(); t != nil {
				r.Started = render.UTC(t.AsTime())
			}
			if t := e.GetCloseTime(); t != nil && !t.AsTime().IsZero() && e.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
				r.Closed = render.UTC(t.AsTime())
			}
			out = append(out, r)
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return out, nil
		}
	}
}

// statusName turns WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW or
// ContinuedAsNew (as the API's enums print) into continued_as_new.
func statusName(s string) string {
	s = strings.TrimPrefix(s, "WORKFLOW_EXECUTION_STATUS_")
	if strings.Contains(s, "_") || strings.ToUpper(s) == s {
		return strings.ToLower(s)
	}
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// keyword decodes a Keyword search attribute ("" when unset).
func keyword(sa *commonpb.SearchAttributes, name string) string {
	p, ok := sa.GetIndexedFields()[name]
	if !ok {
		return ""
	}
	var s string
	if converter.GetDefaultDataConverter().FromPayload(p, &s) != nil {
		return ""
	}
	return s
}

// keywordList decodes a KeywordList search attribute.
func keywordList(sa *commonpb.SearchAttributes, name string) []string {
	p, ok := sa.GetIndexedFields()[name]
	if !ok {
		return []string{}
	}
	var list []string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &list); err != nil {
		var one string // older servers may hand a single keyword back
		if converter.GetDefaultDataConverter().FromPayload(p, &one) == nil && one != "" {
			return []string{one}
		}
		return []string{}
	}
	if list == nil {
		list = []string{}
	}
	return list
}

func runList(args []string, stdout io.Writer) error {
	fs := newFlags("list")
	format := fs.String("format", "table", "output: table or json")
	all := fs.Bool("all", false, "include rotations whose workflow has ended")
	tz := fs.String("tz", "", "show times in this IANA zone (default: TZ)")
	rem := addRemote(fs, false)
	if _, err := parseArgs(fs, args, 0, 0, ""); err != nil {
		return err
	}
	if err := checkFormat(*format, "table", "json"); err != nil {
		return err
	}
	loc, err := loadZone(*tz)
	if err != nil {
		return err
	}
	ctx, c, done, err := rem.session()
	if err != nil {
		return err
	}
	defer done()
	q := runningQuery
	if *all {
		q = rotationsQuery
	}
	rows, err := listRotations(ctx, c, q)
	if err != nil {
		return err
	}
	// Visibility knows the workflow is running, not that the rotation is
	// paused: ask each running one.
	for i := range rows {
		if rows[i].Status != "running" {
			continue
		}
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var cfg workflows.ConfigResult
		if query(qctx, c, rows[i].Rotation, workflows.QueryConfig, &cfg) == nil && cfg.Paused {
			rows[i].Status = "paused"
		}
		cancel()
	}
	if *format == "json" {
		if rows == nil {
			rows = []listedRotation{}
		}
		return writeJSON(stdout, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(stdout, "no rotations running (rota apply -f FILE starts them)")
		return nil
	}
	return writeList(stdout, rows, viewZone(loc, ""))
}

func writeList(w io.Writer, rows []listedRotation, loc *time.Location) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROTATION\tSTATUS\tHEALTH\tON CALL\tMEMBERS\tSTARTED")
	for _, r := range rows {
		started := r.Started
		if t, err := time.Parse(time.RFC3339, r.Started); err == nil {
			started = render.Local(t, loc)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Rotation, r.Status, orDash(r.Health), orDash(strings.Join(r.OnCall, ", ")),
			orDash(strings.Join(r.Members, ", ")), started)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
