package feedstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rota-scheduler/rota/internal/feed"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// rotation builds a rotation of daily shifts, shift i assigned to
// assignees[i%len(assignees)].
func rotation(id string, days int, assignees ...string) feed.Rotation {
	r := feed.Rotation{ID: id, Name: "Rotation " + id, Timezone: "Europe/Berlin"}
	for _, m := range assignees {
		r.Members = append(r.Members, feed.Member{ID: m, Name: "Member " + m})
	}
	for i := range days {
		start := t0.AddDate(0, 0, i)
		r.Events = append(r.Events, feed.Event{
			Shift: fmt.Sprintf("%s/%s", id, start.Format(time.RFC3339)), Start: start, End: start.AddDate(0, 0, 1),
			Assignees: []string{assignees[i%len(assignees)]}, Status: feed.Confirmed, Modified: t0.Add(-time.Hour),
		})
	}
	return r
}

// stores opens a mem:// store and a file:// store (in a directory that does
// not exist yet) and runs f on each.
func stores(t *testing.T, f func(t *testing.T, s *Store)) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "not", "yet")
	for _, u := range []string{"mem://", (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()} {
		t.Run(u[:4], func(t *testing.T) {
			s, err := Open(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			f(t, s)
		})
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("file:// directory not created: %v", err)
	}
}

func publish(t *testing.T, s *Store, r feed.Rotation) {
	t.Helper()
	if err := s.Publish(context.Background(), r, "test/"+r.ID); err != nil {
		t.Fatalf("publish %s: %v", r.ID, err)
	}
}

func read(t *testing.T, s *Store, kind, id string) Feed {
	t.Helper()
	f, err := s.Read(context.Background(), kind, id)
	if err != nil {
		t.Fatalf("read %s/%s: %v", kind, id, err)
	}
	return f
}

// wantMember is what the member feed of m assembled from rots must be.
func wantMember(t *testing.T, m string, rots ...feed.Rotation) []byte {
	t.Helper()
	var parts []feed.Rotation
	who := feed.Member{ID: m, Name: m}
	found := false
	for _, r := range rots {
		p := r.Part(m)
		if len(p.Events) == 0 {
			continue
		}
		for _, x := range r.Members {
			if x.ID == m && !found {
				who, found = x, true
			}
		}
		parts = append(parts, p)
	}
	b, err := feed.RenderMember(who, parts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPublishSharedMember(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		dba := rotation("dba", 14, "alice", "carol")
		sre := rotation("sre", 10, "alice", "bob")
		publish(t, s, sre)
		publish(t, s, dba)

		rb, _ := feed.RenderRotation(&sre)
		if got := read(t, s, feed.KindRotation, "sre"); !bytes.Equal(got.Body, rb) {
			t.Errorf("rotation feed sre:\n%s\nwant\n%s", got.Body, rb)
		}
		// Parts are assembled in rotation id order: dba, then sre.
		if got, want := read(t, s, feed.KindMember, "alice").Body, wantMember(t, "alice", dba, sre); !bytes.Equal(got, want) {
			t.Errorf("alice's feed:\n%s\nwant\n%s", got, want)
		}
		if got, want := read(t, s, feed.KindMember, "bob").Body, wantMember(t, "bob", sre); !bytes.Equal(got, want) {
			t.Errorf("bob's feed:\n%s\nwant\n%s", got, want)
		}
		if got, want := read(t, s, feed.KindMember, "carol").Body, wantMember(t, "carol", dba); !bytes.Equal(got, want) {
			t.Errorf("carol's feed:\n%s\nwant\n%s", got, want)
		}
		f := read(t, s, feed.KindMember, "alice")
		if f.ETag != ETag(f.Body) || f.ETag[0] != '"' || f.Modified.IsZero() {
			t.Errorf("feed ETag %s, Modified %v", f.ETag, f.Modified)
		}
	})
}

func TestMemberRemoved(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		sre := rotation("sre", 6, "alice", "bob")
		dba := rotation("dba", 6, "alice", "carol")
		publish(t, s, sre)
		publish(t, s, dba)

		// alice leaves dba (her shifts go to carol, nothing cancelled):
		// her feed keeps only her sre part.
		dba2 := rotation("dba", 6, "carol")
		publish(t, s, dba2)
		if got, want := read(t, s, feed.KindMember, "alice").Body, wantMember(t, "alice", sre); !bytes.Equal(got, want) {
			t.Errorf("alice's feed after leaving dba:\n%s\nwant\n%s", got, want)
		}
		if ok, _ := s.bucket.Exists(ctx, markerKey("alice", "dba")); ok {
			t.Error("alice's dba marker is still there")
		}

		// bob leaves sre but his shifts keep him as Gone (the engine's
		// tombstones): he still has a part, with cancelled events.
		sre2 := rotation("sre", 6, "alice")
		for i := range sre2.Events {
			if i%2 == 1 {
				sre2.Events[i].Seq = 1
				sre2.Events[i].Gone = []feed.Gone{{Member: "bob", Seq: 1, Modified: t0}}
			}
		}
		publish(t, s, sre2)
		if got, want := read(t, s, feed.KindMember, "bob").Body, wantMember(t, "bob", sre2); !bytes.Equal(got, want) {
			t.Errorf("bob's feed with tombstones:\n%s\nwant\n%s", got, want)
		}

		// The tombstones expire: bob has no part left, his feed is gone.
		publish(t, s, rotation("sre", 6, "alice"))
		if _, err := s.Read(ctx, feed.KindMember, "bob"); !errors.Is(err, ErrNotFound) {
			t.Errorf("bob's feed without parts: %v, want ErrNotFound", err)
		}
		if ok, _ := s.bucket.Exists(ctx, markerKey("bob", "sre")); ok {
			t.Error("bob's sre marker is still there")
		}
	})
}

func TestRepublishIsIdempotent(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		sre := rotation("sre", 30, "alice", "bob")
		publish(t, s, sre)
		rot, alice, bob := read(t, s, feed.KindRotation, "sre"), read(t, s, feed.KindMember, "alice"), read(t, s, feed.KindMember, "bob")
		v := s.Version()
		time.Sleep(20 * time.Millisecond) // a rewrite would show in Modified

		publish(t, s, rotation("sre", 30, "alice", "bob"))
		if s.Version() != v {
			t.Errorf("republishing the same rotation wrote %d blobs", s.Version()-v)
		}
		for _, c := range []struct {
			kind, id string
			before   Feed
		}{{feed.KindRotation, "sre", rot}, {feed.KindMember, "alice", alice}, {feed.KindMember, "bob", bob}} {
			if got := read(t, s, c.kind, c.id); !got.Modified.Equal(c.before.Modified) || got.ETag != c.before.ETag {
				t.Errorf("%s/%s after republishing: Modified %v ETag %s, was %v %s", c.kind, c.id, got.Modified, got.ETag, c.before.Modified, c.before.ETag)
			}
		}

		// A change to one of alice's shifts rewrites the rotation and her
		// feed, and leaves bob's alone.
		changed := rotation("sre", 30, "alice", "bob")
		changed.Events[0].End = changed.Events[0].End.Add(time.Hour)
		changed.Events[0].Seq = 1
		publish(t, s, changed)
		if got := read(t, s, feed.KindMember, "alice"); got.ETag == alice.ETag || !got.Modified.After(alice.Modified) {
			t.Error("alice's feed did not change with her shift")
		}
		if got := read(t, s, feed.KindRotation, "sre"); got.ETag == rot.ETag {
			t.Error("the rotation feed did not change")
		}
		if got := read(t, s, feed.KindMember, "bob"); !got.Modified.Equal(bob.Modified) {
			t.Error("bob's feed was rewritten though his part did not change")
		}
	})
}

// A member feed whose rebuild was cut short (here: deleted behind the
// store's back) is rebuilt by the next publication, though nothing changed.
func TestRepublishHealsMemberFeed(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		sre := rotation("sre", 5, "alice", "bob")
		publish(t, s, sre)
		if err := s.bucket.Delete(ctx, memberKey("bob")); err != nil {
			t.Fatal(err)
		}
		publish(t, s, sre)
		if got, want := read(t, s, feed.KindMember, "bob").Body, wantMember(t, "bob", sre); !bytes.Equal(got, want) {
			t.Errorf("bob's feed not healed:\n%s", got)
		}
	})
}

func TestBadIDs(t *testing.T) {
	s, err := Open(context.Background(), "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, id := range []string{"", ".", "..", "a/b", "../x", "a..b", `a\b`, "a\nb", "a\x00b", "a\x7fb", "\xff"} {
		if err := CheckID(id); err == nil {
			t.Errorf("CheckID(%q) accepted", id)
		}
		r := rotation("sre", 2, "alice")
		r.ID = id
		if err := s.Publish(ctx, r, "k"); err == nil {
			t.Errorf("Publish with rotation id %q accepted", id)
		}
		r = rotation("sre", 2, "alice")
		r.Events[0].Assignees = []string{id}
		if err := s.Publish(ctx, r, "k"); err == nil {
			t.Errorf("Publish with member id %q accepted", id)
		}
		if _, err := s.Read(ctx, feed.KindMember, id); err == nil || errors.Is(err, ErrNotFound) {
			t.Errorf("Read(%q) = %v, want an id error", id, err)
		}
		if _, err := s.Revoke(ctx, feed.KindMember, id); err == nil {
			t.Errorf("Revoke(%q) accepted", id)
		}
	}
	if s.Version() != 0 {
		t.Errorf("bad publications wrote %d blobs", s.Version())
	}
	for _, id := range []string{"sre", "sre-main", "team.a_b", "0"} {
		if err := CheckID(id); err != nil {
			t.Errorf("CheckID(%q): %v", id, err)
		}
	}
	if _, err := s.Read(ctx, "teams", "sre"); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Read of an unknown kind = %v", err)
	}
	if _, err := s.Read(ctx, feed.KindRotation, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Read of a missing feed = %v, want ErrNotFound", err)
	}
}

func TestRevoke(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if g, err := s.Generation(ctx, feed.KindRotation, "sre"); err != nil || g != 0 {
			t.Fatalf("Generation = %d, %v; want 0", g, err)
		}
		for want := 1; want <= 3; want++ {
			g, err := s.Revoke(ctx, feed.KindRotation, "sre")
			if err != nil || g != want {
				t.Fatalf("Revoke = %d, %v; want %d", g, err, want)
			}
			if g, err := s.Generation(ctx, feed.KindRotation, "sre"); err != nil || g != want {
				t.Fatalf("Generation = %d, %v; want %d", g, err, want)
			}
		}
		if g, _ := s.Generation(ctx, feed.KindMember, "sre"); g != 0 {
			t.Errorf("member sre's generation %d: revoking the rotation's feed changed it", g)
		}
	})
}

// Two rotations sharing a member publish at the same time, over and over:
// once they are done the member feed is the one of their last parts.
func TestConcurrentPublishers(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		const rounds = 15
		final := make([]feed.Rotation, 2)
		failed := make([]error, 2)
		var wg sync.WaitGroup
		for k, id := range []string{"dba", "sre"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range rounds {
					r := rotation(id, 3+i, "alice", "bob")
					final[k] = r
					failed[k] = s.Publish(context.Background(), r, "k")
				}
			}()
		}
		wg.Wait()
		for k, err := range failed {
			// Only a member feed whose parts kept changing may fail, and
			// Temporal would retry it: do so. A publication that succeeded
			// is not repeated, so a stale feed shows.
			if err != nil {
				t.Logf("publish %s: %v (retrying)", final[k].ID, err)
				publish(t, s, final[k])
			}
		}
		if got, want := read(t, s, feed.KindMember, "alice").Body, wantMember(t, "alice", final...); !bytes.Equal(got, want) {
			t.Errorf("alice's feed after concurrent publications is stale:\n%s\nwant\n%s", got, want)
		}
	})
}

// The race rebuildMember guards against, made to happen: dba's publication
// has built alice's feed from sre's old part when sre publishes its new
// part and alice's feed in full; then dba writes what it built. Its second
// look at the parts must find sre's change and rebuild.
func TestStaleMemberFeedRace(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		sre, dba := rotation("sre", 4, "alice", "bob"), rotation("dba", 4, "alice", "carol")
		publish(t, s, sre)
		publish(t, s, dba)
		sre2, dba2 := rotation("sre", 7, "alice", "bob"), rotation("dba", 5, "alice", "carol")
		var first atomic.Bool
		s.testHookBuilt = func(string) {
			if first.CompareAndSwap(false, true) { // the first build: dba2's, of alice
				if err := s.Publish(context.Background(), sre2, "k"); err != nil {
					t.Errorf("publish sre: %v", err)
				}
			}
		}
		publish(t, s, dba2)
		s.testHookBuilt = nil
		if got, want := read(t, s, feed.KindMember, "alice").Body, wantMember(t, "alice", dba2, sre2); !bytes.Equal(got, want) {
			t.Errorf("alice's feed is stale:\n%s\nwant\n%s", got, want)
		}
	})
}

// Tag gives, without reading the feed, the ETag Read gives; it follows a
// change, and an unknown feed is ErrNotFound.
func TestTagIsReadsETag(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		publish(t, s, rotation("sre", 5, "alice", "bob"))
		for _, c := range [][2]string{{feed.KindRotation, "sre"}, {feed.KindMember, "alice"}} {
			tag, err := s.Tag(ctx, c[0], c[1])
			if want := read(t, s, c[0], c[1]).ETag; err != nil || tag != want {
				t.Errorf("%s/%s: Tag %q, %v; Read's ETag %q", c[0], c[1], tag, err, want)
			}
		}
		before, _ := s.Tag(ctx, feed.KindRotation, "sre")
		changed := rotation("sre", 5, "alice", "bob")
		changed.Events[0].Seq = 1
		publish(t, s, changed)
		if after, _ := s.Tag(ctx, feed.KindRotation, "sre"); after == before || after != read(t, s, feed.KindRotation, "sre").ETag {
			t.Errorf("Tag after a change: %q (was %q)", after, before)
		}
		if _, err := s.Tag(ctx, feed.KindRotation, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Tag of an unknown feed: %v", err)
		}
	})
}
