package lab

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rota-scheduler/rota/activities"
	"github.com/rota-scheduler/rota/internal/config"
	"github.com/rota-scheduler/rota/internal/feed"
)

// sink stands in for Slack and the calendar store: it performs nothing
// and counts what it was asked to do, by kind.
type sink struct {
	mu    sync.Mutex
	sends map[string]int
}

func (s *sink) add(kind string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sends == nil {
		s.sends = map[string]int{}
	}
	s.sends[kind]++
}

func (s *sink) DirectMessage(context.Context, config.Member, activities.Message, activities.Post) (activities.Posted, error) {
	s.add("direct_message")
	return activities.Posted{}, nil
}

func (s *sink) Announce(context.Context, string, activities.Message, activities.Post) (activities.Posted, error) {
	s.add("announce")
	return activities.Posted{}, nil
}

func (s *sink) SetUsergroup(context.Context, string, []config.Member, string) error {
	s.add("set_usergroup")
	return nil
}

func (s *sink) SetTopic(context.Context, string, string, string) error {
	s.add("set_topic")
	return nil
}

func (s *sink) Publish(context.Context, feed.Rotation, string) error {
	s.add("publish_calendar")
	return nil
}

// pager is an in-memory paging tool (Opsgenie- or PagerDuty-like by
// name) that keeps the overrides rota puts, so that the pager sync and
// its drift checks run as they would against the real tool.
type pager struct {
	name string
	sink *sink

	mu        sync.Mutex
	overrides []activities.PagerOverride
}

func (p *pager) Name() string { return p.name }

func (p *pager) Alias(rotation, shift string, seat int) string {
	return activities.OverrideAlias(rotation, shift, seat)
}

func (p *pager) User(_ context.Context, m config.Member) (string, error) { return m.ID, nil }

func (p *pager) Overrides(_ context.Context, _, rotation string, from, to time.Time, _ []string) ([]activities.PagerOverride, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []activities.PagerOverride
	for _, o := range p.overrides {
		if o.End.After(from) && o.Start.Before(to) && strings.HasPrefix(o.ID, activities.AliasPrefix(rotation)) {
			out = append(out, o)
		}
	}
	return out, nil
}

func (p *pager) Put(_ context.Context, _, rotation string, o activities.PagerOverride) (string, error) {
	p.sink.add(p.name + "_put")
	o.ID = activities.OverrideAlias(rotation, o.Shift, o.Seat)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.overrides = slices.DeleteFunc(p.overrides, func(x activities.PagerOverride) bool { return x.ID == o.ID })
	p.overrides = append(p.overrides, o)
	return o.ID, nil
}

func (p *pager) Delete(_ context.Context, _ string, o activities.PagerOverride) error {
	p.sink.add(p.name + "_delete")
	p.mu.Lock()
	defer p.mu.Unlock()
	p.overrides = slices.DeleteFunc(p.overrides, func(x activities.PagerOverride) bool { return x.ID == o.ID })
	return nil
}

func (p *pager) OnCall(_ context.Context, _ string, t time.Time) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, o := range p.overrides {
		if !o.Start.After(t) && t.Before(o.End) {
			out = append(out, o.User)
		}
	}
	return out, nil
}
