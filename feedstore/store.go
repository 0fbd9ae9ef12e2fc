// Package feedstore keeps the published calendar feeds in a blob store
// (gocloud.dev/blob): a local directory, memory in tests, or a cloud
// bucket when workers run on several machines.
//
// # Layout
//
//	rotations/<rotation>.ics      a rotation's feed (feed.RenderRotation)
//	parts/<rotation>.json         the feed.Rotation last published, as JSON:
//	                              what member feeds are assembled from
//	index/<member>/<rotation>     an empty marker: member has a part in rotation
//	members/<member>.ics          a member's feed (feed.RenderMember of their
//	                              parts of every rotation under index/<member>/)
//	generations/<kind>/<id>       a feed's generation (decimal; missing: 0),
//	                              raised to revoke the feed's URL
//
// Every blob this package writes carries its SHA-256 in its metadata
// ("sha256"), so that publishing what is already stored writes nothing; a
// member feed also records the parts it was built from ("parts"), so that
// it is rebuilt only when one of them changed. Ids are single path
// segments (see CheckID).
//
// # Atomicity
//
// Every blob is written whole through one blob.Writer and committed by its
// Close; on any error the writer's context is cancelled before Close, which
// makes every driver abandon the write. A reader therefore sees the old
// blob or the new one, never part of one:
//
//   - file:// (fileblob) writes to a temporary file in the same directory
//     and renames it over the blob at Close (rename is atomic on POSIX
//     file systems); a cancelled write removes the temporary file. Its
//     metadata is a sidecar file (<blob>.attrs) rewritten in place just
//     before the rename: a read at that moment may fail (Read tries again)
//     but never returns part of a body, and metadata is only trusted when
//     it matches the body (see meta).
//   - mem:// (memblob) swaps the stored byte slice under a lock at Close.
//   - s3:// uploads with PutObject (multipart for large blobs): S3 makes an
//     object visible only when its upload completed, and aborts a
//     cancelled multipart upload.
//   - gs:// uploads (resumably for large blobs) and GCS creates the object
//     generation only when the final chunk arrived; cancelling abandons it.
//   - azblob:// stages blocks and commits them with one Put Block List at
//     Close; uncommitted blocks are never visible.
//
// The stores are strongly consistent (read-after-write and list-after-write
// for S3 since 2020, GCS and Azure always), which the concurrency argument
// in rebuildMember relies on.
package feedstore

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/rota-scheduler/rota/internal/feed"
)

// ErrNotFound is returned (wrapped) by Read for a feed that is not stored.
var ErrNotFound = errors.New("feed not found")

// Metadata keys (lower case: the blob package lower-cases them anyway).
const (
	mdHash  = "sha256" // hex SHA-256 of the blob's body
	mdParts = "parts"  // member feeds: "rotation=parthash,..." they were built from
	mdKey   = "key"    // the idempotency key of the publication that wrote it
)

// maxPartsMeta bounds the "parts" metadata (S3 allows 2 KiB of user
// metadata in all). A member in so many rotations that it does not fit gets
// no per-part record: their feed is then rebuilt at every publication that
// concerns them, which is slower but still right.
const maxPartsMeta = 1500

// rebuildAttempts bounds how often a member feed is rebuilt because its
// parts changed while it was being built (see rebuildMember).
const rebuildAttempts = 3

// Store is a bucket of feeds. It is safe for concurrent use, also by
// several processes sharing the bucket.
type Store struct {
	bucket *blob.Bucket
	// Logger receives the store's warnings (nil: slog.Default()).
	Logger *slog.Logger
	// version counts the writes made through this Store, so that a cache
	// in the same process can see a change at once (Version).
	version atomic.Uint64
	// verify: the bucket's metadata is not written atomically with its
	// blobs (file://), see meta.
	verify bool
	// testHookBuilt, when set, is called after a member feed was built and
	// before it is written (tests widen the race window with it).
	testHookBuilt func(member string)
}

// Open opens the bucket at url (file://, mem://, s3://, gs://, azblob://).
// A file:// directory is created when missing.
func Open(ctx context.Context, u string) (*Store, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return nil, fmt.Errorf("feedstore: bucket url: %w", err)
	}
	if pu.Scheme == "file" {
		q := pu.Query()
		if q.Get("create_dir") == "" {
			q.Set("create_dir", "true")
			pu.RawQuery = q.Encode()
			u = pu.String()
		}
	}
	b, err := blob.OpenBucket(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("feedstore: open bucket %s://: %w", pu.Scheme, err)
	}
	return &Store{bucket: b, verify: pu.Scheme == "file"}, nil
}

// Close closes the bucket.
func (s *Store) Close() error {
	if err := s.bucket.Close(); err != nil {
		return fmt.Errorf("feedstore: close: %w", err)
	}
	return nil
}

// Version is a number that grows with every write made through s: a cache
// in the same process compares it to know that it must look again (writes
// by other processes it only sees by looking again).
func (s *Store) Version() uint64 { return s.version.Load() }

func (s *Store) log() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// CheckID reports whether id is usable as one path segment of the store: not
// empty, no '/', '\', "..", "." alone, or control characters. Rota's ids
// ([a-z0-9][a-z0-9._-]*) all are.
func CheckID(id string) error {
	switch {
	case id == "":
		return errors.New("empty id")
	case id == ".", strings.Contains(id, ".."):
		return fmt.Errorf("id %q: contains \"..\" or is \".\"", id)
	case strings.ContainsAny(id, `/\`):
		return fmt.Errorf("id %q: contains a slash", id)
	case strings.ContainsFunc(id, unicode.IsControl):
		return fmt.Errorf("id %q: contains a control character", id)
	case strings.ContainsRune(id, '\uFFFD'):
		return fmt.Errorf("id %q: not valid UTF-8", id)
	}
	return nil
}

func checkKind(kind string) error {
	if kind != feed.KindRotation && kind != feed.KindMember {
		return fmt.Errorf("unknown kind of feed %q", kind)
	}
	return nil
}

func rotationKey(id string) string    { return "rotations/" + id + ".ics" }
func memberKey(id string) string      { return "members/" + id + ".ics" }
func partsKey(id string) string       { return "parts/" + id + ".json" }
func markerPrefix(m string) string    { return "index/" + m + "/" }
func markerKey(m, rot string) string  { return markerPrefix(m) + rot }
func genKey(kind, id string) string   { return "generations/" + kind + "/" + id }
func feedKey(kind, id string) string  { return kind + "/" + id + ".ics" }
func hashOf(b []byte) string          { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }
func isNotFound(err error) bool       { return gcerrors.Code(err) == gcerrors.NotFound }
func shortHash(full string) string    { return full[:16] }
func feedName(kind, id string) string { return kind + "/" + id }

// Feed is a stored feed as Read returns it.
type Feed struct {
	Body []byte
	// ETag is a strong entity tag of Body: a quoted hash of it.
	ETag string
	// Modified is when the blob was last written.
	Modified time.Time
}

// ETag is the strong entity tag Read gives body.
func ETag(body []byte) string {
	h := sha256.Sum256(body)
	return `"` + hex.EncodeToString(h[:16]) + `"`
}

// Tag returns the ETag Read would give the stored feed, from the blob's
// metadata, without reading the feed: a cache asks it to know whether its
// copy is still current. Empty when the blob carries no hash.
func (s *Store) Tag(ctx context.Context, kind, id string) (string, error) {
	if err := checkKind(kind); err != nil {
		return "", fmt.Errorf("feedstore: tag of %s: %w", feedName(kind, id), err)
	}
	if err := CheckID(id); err != nil {
		return "", fmt.Errorf("feedstore: tag of %s: %w", feedName(kind, id), err)
	}
	a, err := s.bucket.Attributes(ctx, feedKey(kind, id))
	if isNotFound(err) {
		return "", fmt.Errorf("feedstore: tag of %s: %w", feedName(kind, id), ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("feedstore: tag of %s: %w", feedName(kind, id), err)
	}
	if h := a.Metadata[mdHash]; len(h) >= 32 {
		return `"` + h[:32] + `"`, nil
	}
	return "", nil
}

// Read returns the feed of kind (feed.KindRotation or feed.KindMember) and
// id; an error wrapping ErrNotFound when it is not stored.
func (s *Store) Read(ctx context.Context, kind, id string) (Feed, error) {
	if err := checkKind(kind); err != nil {
		return Feed{}, fmt.Errorf("feedstore: read %s: %w", feedName(kind, id), err)
	}
	if err := CheckID(id); err != nil {
		return Feed{}, fmt.Errorf("feedstore: read %s: %w", feedName(kind, id), err)
	}
	var err error
	for try := range readAttempts {
		if try > 0 {
			select {
			case <-ctx.Done():
				return Feed{}, fmt.Errorf("feedstore: read %s: %w", feedName(kind, id), ctx.Err())
			case <-time.After(time.Duration(try) * 10 * time.Millisecond):
			}
		}
		var f Feed
		f, err = s.read(ctx, feedKey(kind, id))
		if err == nil {
			return f, nil
		}
		if isNotFound(err) {
			return Feed{}, fmt.Errorf("feedstore: read %s: %w", feedName(kind, id), ErrNotFound)
		}
	}
	return Feed{}, fmt.Errorf("feedstore: read %s: %w", feedName(kind, id), err)
}

// readAttempts: a file bucket rewrites a blob's metadata sidecar in place
// just before committing the blob, so a read at that moment can fail (it
// never returns part of a body); trying again a moment later succeeds.
const readAttempts = 3

func (s *Store) read(ctx context.Context, key string) (Feed, error) {
	r, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return Feed{}, err
	}
	defer r.Close()
	body, err := io.ReadAll(r)
	if err != nil {
		return Feed{}, err
	}
	return Feed{Body: body, ETag: ETag(body), Modified: r.ModTime()}, nil
}

// Generation is the feed's generation: 0 until it is first revoked.
func (s *Store) Generation(ctx context.Context, kind, id string) (int, error) {
	if err := checkKind(kind); err != nil {
		return 0, fmt.Errorf("feedstore: generation of %s: %w", feedName(kind, id), err)
	}
	if err := CheckID(id); err != nil {
		return 0, fmt.Errorf("feedstore: generation of %s: %w", feedName(kind, id), err)
	}
	b, err := s.bucket.ReadAll(ctx, genKey(kind, id))
	if isNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("feedstore: generation of %s: %w", feedName(kind, id), err)
	}
	g, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || g < 0 {
		return 0, fmt.Errorf("feedstore: generation of %s: bad value %q", feedName(kind, id), b)
	}
	return g, nil
}

// Revoke raises the feed's generation, so that its current URL (whose
// token signs the generation) stops working, and returns the new one.
// Two revocations at the same time may both store the same generation:
// either way the old URL is revoked.
func (s *Store) Revoke(ctx context.Context, kind, id string) (int, error) {
	g, err := s.Generation(ctx, kind, id)
	if err != nil {
		return 0, err
	}
	g++
	if _, err := s.put(ctx, genKey(kind, id), []byte(strconv.Itoa(g)), "text/plain; charset=utf-8", nil, ""); err != nil {
		return 0, fmt.Errorf("feedstore: revoke %s: %w", feedName(kind, id), err)
	}
	return g, nil
}

// put writes body at key unless the blob stored there already has body's
// hash and the extra metadata (then it reports false and writes nothing).
// The write is atomic: see the package doc.
func (s *Store) put(ctx context.Context, key string, body []byte, contentType string, extra map[string]string, pubKey string) (bool, error) {
	h := hashOf(body)
	have, err := s.meta(ctx, key)
	if err != nil {
		return false, err
	}
	if have != nil && have[mdHash] == h && sameMeta(have, extra) {
		return false, nil
	}
	md := map[string]string{mdHash: h}
	maps.Copy(md, extra)
	if pubKey != "" && utf8Printable(pubKey) && len(pubKey) <= 256 {
		md[mdKey] = pubKey
	}
	sum := md5.Sum(body)
	return true, s.write(ctx, key, body, &blob.WriterOptions{ContentType: contentType, Metadata: md, ContentMD5: sum[:]})
}

// write writes body whole then commits it with Close; on an error it
// cancels the writer's context first, so that nothing is committed.
func (s *Store) write(ctx context.Context, key string, body []byte, opts *blob.WriterOptions) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, key, opts)
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		cancel()
		_ = w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	s.version.Add(1)
	return nil
}

func (s *Store) del(ctx context.Context, key string) error {
	err := s.bucket.Delete(ctx, key)
	switch {
	case err == nil:
		s.version.Add(1)
	case isNotFound(err):
		err = nil
	}
	return err
}

// meta returns the metadata of the blob at key (nil when it is missing).
// On a file bucket the metadata is a sidecar file written just before the
// blob is renamed into place, so a crash between the two would leave
// metadata describing a body that was never committed: there it is only
// trusted when the body's hash matches it (local reads are cheap).
func (s *Store) meta(ctx context.Context, key string) (map[string]string, error) {
	a, err := s.bucket.Attributes(ctx, key)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !s.verify {
		return a.Metadata, nil
	}
	b, err := s.bucket.ReadAll(ctx, key)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if a.Metadata[mdHash] != hashOf(b) {
		return map[string]string{}, nil
	}
	return a.Metadata, nil
}

func sameMeta(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func utf8Printable(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == '\uFFFD' })
}

// Publish stores rotation r's feed and brings its members' feeds up to
// date; key is the publication's idempotency key (recorded on what it
// writes). Publishing what is already stored writes nothing, and a member
// feed is rebuilt only when the member's part changed or they joined or
// left r, so that republishing is cheap and Modified (Last-Modified) only
// moves when a feed changes.
//
// The steps are ordered so that a publication cut short anywhere is
// completed by the next one (Temporal retries it): markers of r's members
// first; then the members who left r, unmarked and rebuilt while the old
// parts/<r>.json still names them; then parts/<r>.json; then the feeds. A
// member feed records the parts it was built from, so a member whose feed
// was not rebuilt last time is found out by comparing with that record.
func (s *Store) Publish(ctx context.Context, r feed.Rotation, key string) error {
	name := "rotation " + r.ID
	if err := CheckID(r.ID); err != nil {
		return fmt.Errorf("feedstore: publish %s: %w", name, err)
	}
	members := r.MemberIDs()
	for _, m := range members {
		if err := CheckID(m); err != nil {
			return fmt.Errorf("feedstore: publish %s: member: %w", name, err)
		}
	}
	newJSON, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("feedstore: publish %s: encode: %w", name, err)
	}
	// What member feeds will be built from is the stored JSON: decode it
	// back, so that a part's hash here is the one rebuildMember computes.
	var stored feed.Rotation
	if err := json.Unmarshal(newJSON, &stored); err != nil {
		return fmt.Errorf("feedstore: publish %s: decode: %w", name, err)
	}
	body, err := feed.RenderRotation(&stored)
	if err != nil {
		return fmt.Errorf("feedstore: publish %s: render: %w", name, err)
	}

	oldJSON, err := s.bucket.ReadAll(ctx, partsKey(r.ID))
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("feedstore: publish %s: read parts: %w", name, err)
	}
	var old feed.Rotation
	if len(oldJSON) > 0 {
		if err := json.Unmarshal(oldJSON, &old); err != nil {
			// Without the old parts the members who left are not known:
			// they keep a stale part until their feed is next rebuilt.
			s.log().Warn("feedstore: unreadable parts, members who left are not cleaned up", "rotation", r.ID, "error", err)
		}
	}

	for _, m := range members {
		if err := s.mark(ctx, m, r.ID); err != nil {
			return fmt.Errorf("feedstore: publish %s: mark member %s: %w", name, m, err)
		}
	}
	for _, m := range old.MemberIDs() {
		if slices.Contains(members, m) || CheckID(m) != nil {
			continue
		}
		if err := s.del(ctx, markerKey(m, r.ID)); err != nil {
			return fmt.Errorf("feedstore: publish %s: unmark member %s: %w", name, m, err)
		}
		if err := s.rebuildMember(ctx, m, key); err != nil {
			return fmt.Errorf("feedstore: publish %s: %w", name, err)
		}
	}
	if !bytes.Equal(oldJSON, newJSON) {
		if _, err := s.put(ctx, partsKey(r.ID), newJSON, "application/json", nil, key); err != nil {
			return fmt.Errorf("feedstore: publish %s: write parts: %w", name, err)
		}
	}
	if _, err := s.put(ctx, rotationKey(r.ID), body, "text/calendar; charset=utf-8", nil, key); err != nil {
		return fmt.Errorf("feedstore: publish %s: write feed: %w", name, err)
	}
	for _, m := range members {
		part := stored.Part(m)
		h, err := partHash(&part)
		if err != nil {
			return fmt.Errorf("feedstore: publish %s: member %s: %w", name, m, err)
		}
		up, err := s.memberHas(ctx, m, r.ID, h)
		if err != nil {
			return fmt.Errorf("feedstore: publish %s: member feed %s: %w", name, m, err)
		}
		if up {
			continue
		}
		if err := s.rebuildMember(ctx, m, key); err != nil {
			return fmt.Errorf("feedstore: publish %s: %w", name, err)
		}
	}
	return nil
}

// mark writes the marker index/<m>/<rot> unless it is there.
func (s *Store) mark(ctx context.Context, m, rot string) error {
	ok, err := s.bucket.Exists(ctx, markerKey(m, rot))
	if err != nil || ok {
		return err
	}
	return s.write(ctx, markerKey(m, rot), nil, &blob.WriterOptions{ContentType: "application/octet-stream"})
}

// memberHas reports whether member m's feed was built from the part of rot
// whose hash is h.
func (s *Store) memberHas(ctx context.Context, m, rot, h string) (bool, error) {
	md, err := s.meta(ctx, memberKey(m))
	if err != nil || md == nil {
		return false, err
	}
	for _, kv := range strings.Split(md[mdParts], ",") {
		if kv == rot+"="+shortHash(h) {
			return true, nil
		}
	}
	return false, nil
}

// partHash is the hash of a part as stored JSON.
func partHash(p *feed.Rotation) (string, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	return hashOf(b), nil
}

// rebuildMember writes member m's feed from their parts of every rotation
// marked under index/<m>/ (and deletes it when no part remains).
//
// Two rotations may publish at the same time with m in both: each writes
// its parts/<rotation>.json, then builds m's feed from the stored parts,
// and the later write of members/<m>.ics wins, which may have been built
// before the other rotation's new parts were stored. So after writing, the
// parts it was built from are looked at again (the markers and each parts
// file's hash): if any changed meanwhile the feed is rebuilt. This
// suffices, because of the two builders the one whose parts were stored
// last reads after both were stored: either its write is the later one,
// and it is right, or the other builder's write is later, and that
// builder's second look comes after the last parts write, sees the change
// and rebuilds. Each look is bounded (rebuildAttempts): a member whose
// parts keep changing gets an error, and the publication is retried.
func (s *Store) rebuildMember(ctx context.Context, m, key string) error {
	name := "member feed " + m
	for range rebuildAttempts {
		used, err := s.buildMember(ctx, m, key)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		now, err := s.stamps(ctx, m)
		if err != nil {
			return fmt.Errorf("%s: check parts: %w", name, err)
		}
		if maps.Equal(used, now) {
			return nil
		}
		s.log().Debug("feedstore: parts changed while building a member feed, rebuilding", "member", m)
	}
	return fmt.Errorf("%s: its parts kept changing while it was built (%d attempts)", name, rebuildAttempts)
}

// buildMember writes member m's feed and returns the stamps (rotation →
// hash of its parts file; "" for none) of what it was built from.
func (s *Store) buildMember(ctx context.Context, m, key string) (map[string]string, error) {
	rots, err := s.markers(ctx, m)
	if err != nil {
		return nil, err
	}
	used := make(map[string]string, len(rots))
	var parts []feed.Rotation
	var record []string
	var member *feed.Member
	for _, rot := range rots {
		b, err := s.bucket.ReadAll(ctx, partsKey(rot))
		if isNotFound(err) {
			// Marked but not yet stored: a rotation publishing now.
			used[rot] = ""
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read parts of %s: %w", rot, err)
		}
		used[rot] = hashOf(b)
		var r feed.Rotation
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("decode parts of %s: %w", rot, err)
		}
		p := r.Part(m)
		if len(p.Events) == 0 {
			continue
		}
		if member == nil {
			if i := slices.IndexFunc(p.Members, func(x feed.Member) bool { return x.ID == m }); i >= 0 {
				member = &p.Members[i]
			}
		}
		h, err := partHash(&p)
		if err != nil {
			return nil, fmt.Errorf("part of %s: %w", rot, err)
		}
		parts = append(parts, p)
		record = append(record, rot+"="+shortHash(h))
	}
	if len(parts) == 0 {
		if err := s.del(ctx, memberKey(m)); err != nil {
			return nil, fmt.Errorf("delete: %w", err)
		}
		return used, nil
	}
	who := feed.Member{ID: m, Name: m}
	if member != nil {
		who = *member
	}
	body, err := feed.RenderMember(who, parts)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	if s.testHookBuilt != nil {
		s.testHookBuilt(m)
	}
	rec := strings.Join(record, ",")
	if len(rec) > maxPartsMeta {
		rec = ""
	}
	if _, err := s.put(ctx, memberKey(m), body, "text/calendar; charset=utf-8", map[string]string{mdParts: rec}, key); err != nil {
		return nil, fmt.Errorf("write: %w", err)
	}
	return used, nil
}

// markers lists the rotations marked under index/<m>/, sorted.
func (s *Store) markers(ctx context.Context, m string) ([]string, error) {
	var rots []string
	it := s.bucket.List(&blob.ListOptions{Prefix: markerPrefix(m)})
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list rotations: %w", err)
		}
		rot := strings.TrimPrefix(o.Key, markerPrefix(m))
		if o.IsDir || CheckID(rot) != nil {
			continue
		}
		rots = append(rots, rot)
	}
	slices.Sort(rots)
	return rots, nil
}

// stamps is, for every rotation marked under index/<m>/, the hash of its
// stored parts file ("" when there is none), from its metadata (read and
// hashed when the metadata is missing).
func (s *Store) stamps(ctx context.Context, m string) (map[string]string, error) {
	rots, err := s.markers(ctx, m)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rots))
	for _, rot := range rots {
		a, err := s.bucket.Attributes(ctx, partsKey(rot))
		switch {
		case isNotFound(err):
			out[rot] = ""
			continue
		case err != nil:
			return nil, err
		}
		if h := a.Metadata[mdHash]; h != "" {
			out[rot] = h
			continue
		}
		b, err := s.bucket.ReadAll(ctx, partsKey(rot))
		switch {
		case isNotFound(err):
			out[rot] = ""
		case err != nil:
			return nil, err
		default:
			out[rot] = hashOf(b)
		}
	}
	return out, nil
}
