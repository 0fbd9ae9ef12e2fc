package web

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/rota-scheduler/rota/feedstore"
	"github.com/rota-scheduler/rota/internal/feed"
)

// Serving the feeds. A calendar application polls a feed URL every few
// hours, and every subscriber of a busy rotation does, so serving must be
// cheap: a feed is kept in memory, gzipped once per version, and looked up
// in the store again at most every feedTTL (at once when this process wrote
// to the store).

const (
	// feedTTL is how long a cached feed is served before the store is asked
	// whether it changed (or was revoked). Another worker's publication or
	// revocation shows within it.
	feedTTL = 2 * time.Second
	// feedLoadTimeout bounds a look at the store.
	feedLoadTimeout = 10 * time.Second
	// The cache's bounds: the least recently served feeds are dropped
	// beyond them.
	feedCacheEntries = 1024
	feedCacheBytes   = 64 << 20
	// feedCacheControl: "private" because the URL carries the feed's token,
	// a credential, so shared caches (proxies, CDNs) must not keep a copy;
	// max-age=300 lets a client reuse its copy for five minutes (calendar
	// applications poll far less often), short enough for a change to show
	// soon, and revalidating after that is a cheap 304.
	feedCacheControl = "private, max-age=300"
	feedContentType  = "text/calendar; charset=utf-8"
)

func (s *Server) rotationFeed(w http.ResponseWriter, r *http.Request) {
	s.serveFeed(w, r, feed.KindRotation)
}

func (s *Server) memberFeed(w http.ResponseWriter, r *http.Request) {
	s.serveFeed(w, r, feed.KindMember)
}

// serveFeed answers GET and HEAD /feeds/<kind>/<id>.ics?token=T.
func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request, kind string) {
	id, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok {
		s.notFound(w, r, kind, "not an .ics file")
		return
	}
	v, ok := s.authorize(w, r, kind, id)
	if !ok {
		return
	}
	if !v.found {
		s.notFound(w, r, kind, "unknown feed")
		return
	}

	body, etag := v.body, v.etag
	gz := acceptsGzip(r.Header.Values("Accept-Encoding"))
	if gz {
		body, etag = v.gz, v.gzETag
	}
	h := w.Header()
	h.Set("Cache-Control", feedCacheControl)
	h.Set("Vary", "Accept-Encoding")
	h.Set("ETag", etag)
	if v.lastModified != "" {
		h.Set("Last-Modified", v.lastModified)
	}
	if notModified(r, v) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", feedContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := w.Write(body); err != nil {
		s.log().Debug("feed write failed", "kind", kind, "id", id, "error", err)
	}
}

// authorize checks the request's token against the feed's (kind, id and
// the feed's generation in the store), whether or not the feed was
// published. When it is not the feed's, or the server has no secret or
// store, it answers as notFound does, and when the store cannot be reached
// 503; ok is false then. v is the feed as the cache has it.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, kind, id string) (v *feedVersion, ok bool) {
	switch {
	case len(s.Secret) == 0:
		s.notFound(w, r, kind, "no feed secret configured")
		return nil, false
	case s.Store == nil:
		s.notFound(w, r, kind, "no feed store configured")
		return nil, false
	case feedstore.CheckID(id) != nil:
		s.notFound(w, r, kind, "bad id")
		return nil, false
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), feedLoadTimeout)
	defer cancel()
	v, err := cacheFor(s.Store).get(ctx, s.Store, kind, id, s.log())
	if err != nil {
		// The token cannot be checked without the store: the answer says
		// nothing about it.
		s.log().Error("feed store unavailable", "kind", kind, "id", id, "error", err)
		w.Header().Set("Retry-After", "30")
		http.Error(w, "feed store unavailable", http.StatusServiceUnavailable)
		return nil, false
	}
	// The token is checked whether or not the feed exists, so that both
	// take the same time.
	if !feed.ValidToken(s.Secret, kind, id, v.gen, r.URL.Query().Get("token")) {
		s.notFound(w, r, kind, "wrong token")
		return nil, false
	}
	return v, true
}

// notFound is the one answer to every feed or schedule page request that
// is not served: a wrong, missing or outdated token, an unknown feed or
// rotation, a name not ending in .ics, a server without a secret. It is
// byte for byte the mux's answer to an unknown path (http.NotFound), so that no answer tells a guessed feed
// or token from another. The reason is only logged (never the token).
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, kind, reason string) {
	s.log().Debug("feed not served", "kind", kind, "reason", reason)
	http.NotFound(w, r)
}

// notModified reports whether the client's copy is current: If-None-Match
// when it is given (it takes precedence, RFC 9110 13.2.2), else
// If-Modified-Since.
func notModified(r *http.Request, v *feedVersion) bool {
	if inm := r.Header.Values("If-None-Match"); len(inm) > 0 {
		// Weak comparison (RFC 9110 13.1.2); either encoding's tag is the
		// same content.
		for _, t := range strings.Split(strings.Join(inm, ","), ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || t == v.etag || t == v.gzETag {
				return true
			}
		}
		return false
	}
	ims := r.Header.Get("If-Modified-Since")
	if ims == "" || v.modified.IsZero() {
		return false
	}
	t, err := http.ParseTime(ims)
	return err == nil && !v.modified.Truncate(time.Second).After(t)
}

// acceptsGzip reports whether Accept-Encoding allows gzip: named (or x-gzip)
// with a q above 0, or not named and "*" with a q above 0.
func acceptsGzip(values []string) bool {
	gz, star := -1.0, -1.0
	for _, part := range strings.Split(strings.Join(values, ","), ",") {
		name, params, _ := strings.Cut(part, ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, val, _ := strings.Cut(p, "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
				if err != nil {
					f = 0
				}
				q = f
			}
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "gzip", "x-gzip":
			gz = q
		case "*":
			star = q
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}

// feedVersion is one version of a feed as served: immutable once made, so
// that a request serves one version whole, however the cache moves on.
type feedVersion struct {
	found bool // false: the store has no such feed
	gen   int
	// body and gz are the feed and its gzip encoding; etag and gzETag their
	// entity tags (a different representation needs its own strong tag).
	body, gz     []byte
	etag, gzETag string
	modified     time.Time
	lastModified string    // modified, in http.TimeFormat
	checked      time.Time // when the store was last asked
	storeVer     uint64    // the store's Version when it was asked
	size         int64
}

// feedCache holds the feeds served recently, least recently served dropped
// first beyond its bounds. It is safe for concurrent use.
type feedCache struct {
	mu      sync.Mutex
	lru     *list.List // of *cacheEntry, most recent first
	entries map[string]*list.Element
	bytes   int64
}

// cacheEntry is one feed's place in the cache; mu is held while the store
// is asked, so that only one request at a time does it.
type cacheEntry struct {
	key  string
	mu   sync.Mutex
	cur  atomic.Pointer[feedVersion]
	size int64 // guarded by feedCache.mu
}

// feedCaches are the caches, one per store. A Server's fields are its
// configuration, so the cache hangs off the store it caches, held weakly:
// a store that is gone takes its cache along.
var feedCaches sync.Map // weak.Pointer[feedstore.Store] → *feedCache

func cacheFor(st *feedstore.Store) *feedCache {
	k := weak.Make(st)
	if c, ok := feedCaches.Load(k); ok {
		return c.(*feedCache)
	}
	c, loaded := feedCaches.LoadOrStore(k, &feedCache{lru: list.New(), entries: map[string]*list.Element{}})
	if !loaded {
		runtime.AddCleanup(st, func(k weak.Pointer[feedstore.Store]) { feedCaches.Delete(k) }, k)
	}
	return c.(*feedCache)
}

// entry returns the cache entry of key, made when missing, as the most
// recently served.
func (c *feedCache) entry(key string) *cacheEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.lru.MoveToFront(el)
		return el.Value.(*cacheEntry)
	}
	e := &cacheEntry{key: key}
	c.entries[key] = c.lru.PushFront(e)
	c.evict()
	return e
}

// resize records e's new size and drops what no longer fits.
func (c *feedCache) resize(e *cacheEntry, size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[e.key]; !ok {
		return // dropped meanwhile
	}
	c.bytes += size - e.size
	e.size = size
	c.evict()
}

// evict drops the least recently served entries beyond the bounds, never
// the most recent one. A request still holding a dropped entry serves it.
func (c *feedCache) evict() {
	for c.lru.Len() > 1 && (c.lru.Len() > feedCacheEntries || c.bytes > feedCacheBytes) {
		el := c.lru.Back()
		e := el.Value.(*cacheEntry)
		c.lru.Remove(el)
		delete(c.entries, e.key)
		c.bytes -= e.size
	}
}

func fresh(v *feedVersion, st *feedstore.Store, now time.Time) bool {
	return v != nil && v.storeVer == st.Version() && now.Sub(v.checked) < feedTTL
}

// get returns the feed's current version: the cached one while it is
// fresh, else what the store holds now. When the store cannot be reached
// the version cached (if any) goes on being served.
func (c *feedCache) get(ctx context.Context, st *feedstore.Store, kind, id string, log *slog.Logger) (*feedVersion, error) {
	e := c.entry(kind + "/" + id)
	if v := e.cur.Load(); fresh(v, st, time.Now()) {
		return v, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	prev := e.cur.Load()
	if fresh(prev, st, time.Now()) {
		return prev, nil // another request just looked
	}
	v, err := load(ctx, st, kind, id, prev)
	if err != nil {
		if prev == nil {
			return nil, err
		}
		log.Warn("feed store unavailable, serving the cached feed", "kind", kind, "id", id, "error", err)
		stale := *prev
		stale.checked, stale.storeVer = time.Now(), st.Version()
		e.cur.Store(&stale)
		return &stale, nil
	}
	e.cur.Store(v)
	c.resize(e, v.size)
	return v, nil
}

// load asks the store for the feed and its generation, reusing prev's
// encodings when the feed did not change.
func load(ctx context.Context, st *feedstore.Store, kind, id string, prev *feedVersion) (*feedVersion, error) {
	v := &feedVersion{checked: time.Now(), storeVer: st.Version(), size: int64(len(kind) + len(id) + 256)}
	gen, err := st.Generation(ctx, kind, id)
	if err != nil {
		return nil, err
	}
	v.gen = gen
	if prev != nil && prev.found {
		// Unchanged (the usual case): the blob's metadata says so, and
		// the feed is not read again.
		if tag, err := st.Tag(ctx, kind, id); err == nil && tag == prev.etag {
			keep := *prev
			keep.checked, keep.storeVer, keep.gen = v.checked, v.storeVer, gen
			return &keep, nil
		}
	}
	f, err := st.Read(ctx, kind, id)
	if errors.Is(err, feedstore.ErrNotFound) {
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	v.found, v.body, v.etag, v.modified = true, f.Body, f.ETag, f.Modified
	if !f.Modified.IsZero() {
		v.lastModified = f.Modified.UTC().Format(http.TimeFormat)
	}
	if prev != nil && prev.found && prev.etag == f.ETag {
		v.body, v.gz, v.gzETag = prev.body, prev.gz, prev.gzETag
	} else {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		if _, err := zw.Write(f.Body); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		v.gz = b.Bytes()
		v.gzETag = strings.TrimSuffix(f.ETag, `"`) + `-gzip"`
	}
	v.size += int64(len(v.body) + len(v.gz))
	return v, nil
}
