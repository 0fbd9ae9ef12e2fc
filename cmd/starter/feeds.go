package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rota-scheduler/rota/feedstore"
	"github.com/rota-scheduler/rota/internal/feed"
)

// feedLinks is what `rota feeds` prints of one feed.
type feedLinks struct {
	Kind   string `json:"kind"` // "rotation" or "member"
	ID     string `json:"id"`
	URL    string `json:"url"`
	Webcal string `json:"webcal"`
	Page   string `json:"page,omitempty"` // the schedule page (rotations)
}

// feedKinds are the feed kinds with the word the command uses for each.
var feedKinds = []struct{ kind, word string }{{feed.KindRotation, "rotation"}, {feed.KindMember, "member"}}

// runFeeds is `rota feeds ID [--revoke]`: the subscription URLs of the
// feeds of a rotation or a member, signed with the feed secret; --revoke
// first makes the current URL stop working.
func runFeeds(args []string, stdout io.Writer) error {
	fs := newFlags("feeds")
	revoke := fs.Bool("revoke", false, "revoke the feed's current URL and print the new one")
	kindFlag := fs.String("kind", "", "rotation or member, when a rotation and a member have the same id")
	base := fs.String("base-url", "", "the server's address as subscribers reach it ($ROTA_BASE_URL; default http://localhost:8080)")
	format := fs.String("format", "text", "text or json")
	pos, err := parseArgs(fs, args, 1, 1, "ROTATION|MEMBER")
	if err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usagef("--format: want text or json, not %q", *format)
	}
	if *kindFlag != "" && *kindFlag != "rotation" && *kindFlag != "member" {
		return usagef("--kind: want rotation or member, not %q", *kindFlag)
	}
	id := pos[0]
	if err := feedstore.CheckID(id); err != nil {
		return usagef("%s", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	set, st, err := openFeeds(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if *base != "" {
		set.BaseURL = *base
	}

	// The feeds published under id: a rotation's, a member's, or both.
	var kinds []string
	for _, k := range feedKinds {
		if *kindFlag != "" && *kindFlag != k.word {
			continue
		}
		_, err := st.Tag(ctx, k.kind, id)
		switch {
		case err == nil:
			kinds = append(kinds, k.kind)
		case !errors.Is(err, feedstore.ErrNotFound):
			return err
		}
	}
	if len(kinds) == 0 {
		return fmt.Errorf("no feed of %s in %s: a rotation publishes its feeds once its worker has planned it (rota apply), and a member's when one of their rotations did", id, feedstore.Redact(set.Bucket))
	}
	if *revoke && len(kinds) > 1 {
		return usagef("%s is both a rotation and a member: say which feed to revoke with --kind", id)
	}
	var out []feedLinks
	for _, kind := range kinds {
		if *revoke {
			if _, err := st.Revoke(ctx, kind, id); err != nil {
				return err
			}
		}
		gen, err := st.Generation(ctx, kind, id)
		if err != nil {
			return err
		}
		out = append(out, linksOf(set, kind, id, gen))
	}
	if *format == "json" {
		return writeJSON(stdout, out)
	}
	for _, l := range out {
		if *revoke {
			fmt.Fprintf(stdout, "revoked the %s feed %s: its old URL now answers 404 (subscribers need the new one)\n", l.Kind, l.ID)
		}
		writeFeedLinks(stdout, l)
	}
	return nil
}

// openFeeds opens the feed bucket with the settings the worker has (the
// environment), which must include the secret that signs the URLs.
func openFeeds(ctx context.Context) (feedstore.Settings, *feedstore.Store, error) {
	set, err := feedstore.FromEnv(getenv)
	if err != nil {
		return set, nil, err
	}
	if len(set.Secret) == 0 {
		return set, nil, errors.New("no feed secret: set ROTA_FEED_SECRET or ROTA_FEED_SECRET_FILE as the worker has it (after make run: source .data/try.env)")
	}
	st, err := feedstore.Open(ctx, set.Bucket)
	return set, st, err
}

// linksOf signs the URLs of a feed of generation gen.
func linksOf(set feedstore.Settings, kind, id string, gen int) feedLinks {
	tok := feed.Token(set.Secret, kind, id, gen)
	u := feed.URL(set.BaseURL, kind, id, tok)
	l := feedLinks{Kind: "member", ID: id, URL: u, Webcal: feed.Webcal(u)}
	if kind == feed.KindRotation {
		l.Kind, l.Page = "rotation", feed.PageURL(set.BaseURL, id, tok)
	}
	return l
}

func writeFeedLinks(w io.Writer, l feedLinks) {
	fmt.Fprintf(w, "%s %s calendar feed:\n  subscribe  %s\n  url        %s\n", l.Kind, l.ID, l.Webcal, l.URL)
	if l.Page != "" {
		fmt.Fprintf(w, "  page       %s\n", l.Page)
	}
}

// applyFeedLinks prints, after rota apply, the feed URLs of the rotations
// it started (when the feed secret is set here; the feed itself appears
// once the worker has planned the rotation).
func applyFeedLinks(w io.Writer, started []string) {
	if len(started) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	set, st, err := openFeeds(ctx)
	if err != nil {
		fmt.Fprintf(w, "calendar feeds: %s; rota feeds ROTATION prints a rotation's subscription URL once it is set\n", err)
		return
	}
	defer st.Close()
	for _, id := range started {
		gen, err := st.Generation(ctx, feed.KindRotation, id)
		if err != nil {
			fmt.Fprintf(w, "calendar feed of %s: %s\n", id, err)
			continue
		}
		writeFeedLinks(w, linksOf(set, feed.KindRotation, id, gen))
	}
}
