package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/rota-scheduler/rota/internal/config"
)

// Pager is one paging tool's schedule API: its overrides, which rota uses
// to make pages follow the rotation, and who it has on call. An
// implementation only speaks the tool's API; what to create, change or
// delete is decided once, by SyncPager, for every tool.
type Pager interface {
	// Name is the tool's name as the config says it ("opsgenie",
	// "pagerduty").
	Name() string
	// Alias is the id rota gives the override of a shift's seat (its
	// first assignee, its second...), stable so that putting it again
	// replaces it, also with another user after a swap (Opsgenie:
	// OverrideAlias); "" when the tool gives ids itself (PagerDuty).
	Alias(rotation, shift string, seat int) string
	// User is the tool's identifier of a member: an Opsgenie username, a
	// PagerDuty user id (the config's, else found by the member's email).
	User(ctx context.Context, m config.Member) (string, error)
	// Overrides lists rota's overrides of rotation on schedule that
	// overlap [from, to). known are the ids rota made before (PagerDuty
	// overrides carry no mark of who made them, so only these are rota's;
	// Opsgenie's aliases say it themselves).
	Overrides(ctx context.Context, schedule, rotation string, from, to time.Time, known []string) ([]PagerOverride, error)
	// Put creates o, or replaces the override o.ID names; it returns the
	// id of the override that now stands for o's shift and user.
	Put(ctx context.Context, schedule, rotation string, o PagerOverride) (string, error)
	// Delete removes the override with o.ID.
	Delete(ctx context.Context, schedule string, o PagerOverride) error
	// OnCall lists the users (as User gives them) on call for schedule at t.
	OnCall(ctx context.Context, schedule string, t time.Time) ([]string, error)
}

// PagerOverride is an override of a paging tool's schedule: User on call
// from Start to End, in seat Seat (the index of the assignee) of Shift.
type PagerOverride struct {
	// Shift is the shift id; ID the tool's id of the override (Opsgenie:
	// its alias, from OverrideAlias; PagerDuty: the id it gave).
	Shift string    `json:"shift"`
	ID    string    `json:"id,omitempty"`
	Seat  int       `json:"seat,omitempty"`
	User  string    `json:"user"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// AliasPrefix starts the aliases of rotation's overrides (OverrideAlias).
func AliasPrefix(rotation string) string { return "rota-" + rotation + "-" }

// OverrideAlias is a stable alias for the override of a shift's seat:
// AliasPrefix(rotation) and a hash of the two.
func OverrideAlias(rotation, shift string, seat int) string {
	h := sha256.Sum256([]byte(shift + "\x00" + strconv.Itoa(seat)))
	return AliasPrefix(rotation) + hex.EncodeToString(h[:8])
}
