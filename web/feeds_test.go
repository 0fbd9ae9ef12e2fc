package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/rota-scheduler/rota/feedstore"
	"github.com/rota-scheduler/rota/internal/feed"
)

var (
	testSecret = []byte("test-secret-0123456789")
	day0       = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
)

// dailyRotation is a rotation of n daily shifts from day0, taken in turn by
// members.
func dailyRotation(id string, n int, members ...string) feed.Rotation {
	r := feed.Rotation{ID: id, Name: "Rotation " + id, Timezone: "Europe/Berlin", Duties: "Answer pages\nTriage tickets"}
	for _, m := range members {
		r.Members = append(r.Members, feed.Member{ID: m, Name: "Member " + m})
	}
	for i := range n {
		start := day0.AddDate(0, 0, i)
		status := feed.Confirmed
		if i > 14 {
			status = feed.Tentative
		}
		r.Events = append(r.Events, feed.Event{
			Shift: id + "/" + start.Format(time.RFC3339), Kind: "day", Start: start, End: start.AddDate(0, 0, 1),
			Assignees: []string{members[i%len(members)]}, Status: status, Modified: day0.Add(-24 * time.Hour),
		})
	}
	return r
}

func newTestServer(t testing.TB) (*Server, *feedstore.Store) {
	t.Helper()
	st, err := feedstore.Open(context.Background(), "mem://")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return &Server{Store: st, Secret: testSecret, BaseURL: "https://rota.example.com"}, st
}

func publish(t testing.TB, st *feedstore.Store, r feed.Rotation) {
	t.Helper()
	if err := st.Publish(context.Background(), r, "test"); err != nil {
		t.Fatal(err)
	}
}

func feedPath(kind, id, token string) string { return feed.URL("", kind, id, token) }

func do(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func countEvents(t testing.TB, body []byte) int {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("unparsable feed (%d bytes): %v", len(body), err)
	}
	return len(cal.Events())
}

// same404 checks that rec is exactly the reference 404 (an unknown path).
func same404(t *testing.T, what string, ref, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code != http.StatusNotFound {
		t.Errorf("%s: status %d, want 404", what, rec.Code)
	}
	if !maps.EqualFunc(ref.Header(), rec.Header(), slices.Equal[[]string]) {
		t.Errorf("%s: headers %v, want %v", what, rec.Header(), ref.Header())
	}
	if rec.Body.String() != ref.Body.String() {
		t.Errorf("%s: body %q, want %q", what, rec.Body, ref.Body)
	}
}

func TestFeedNotFoundIsUniform(t *testing.T) {
	srv, st := newTestServer(t)
	publish(t, st, dailyRotation("sre", 10, "alice", "bob"))
	h := srv.Handler()
	ref := do(h, "GET", "/no/such/page")
	if ref.Code != http.StatusNotFound || ref.Header().Get("Content-Type") == "" {
		t.Fatalf("reference 404: %d %v", ref.Code, ref.Header())
	}
	good := feed.Token(testSecret, feed.KindRotation, "sre", 0)
	if rec := do(h, "GET", feedPath(feed.KindRotation, "sre", good)); rec.Code != http.StatusOK {
		t.Fatalf("the right token: %d", rec.Code)
	}
	noSecret := &Server{Store: st}
	for _, c := range []struct {
		what string
		h    http.Handler
		path string
	}{
		{"wrong token", h, feedPath(feed.KindRotation, "sre", "x"+good[1:])},
		{"missing token", h, "/feeds/rotations/sre.ics"},
		{"empty token", h, "/feeds/rotations/sre.ics?token="},
		{"another feed's token", h, feedPath(feed.KindRotation, "sre", feed.Token(testSecret, feed.KindMember, "sre", 0))},
		{"a later generation's token", h, feedPath(feed.KindRotation, "sre", feed.Token(testSecret, feed.KindRotation, "sre", 1))},
		{"unknown feed", h, feedPath(feed.KindRotation, "nope", feed.Token(testSecret, feed.KindRotation, "nope", 0))},
		{"unknown member", h, feedPath(feed.KindMember, "zed", feed.Token(testSecret, feed.KindMember, "zed", 0))},
		{"unknown kind", h, feedPath("teams", "sre", feed.Token(testSecret, "teams", "sre", 0))},
		{"not .ics", h, "/feeds/rotations/sre.json?token=" + good},
		{"no extension", h, "/feeds/rotations/sre?token=" + good},
		{"bad id", h, "/feeds/rotations/a..b.ics?token=" + feed.Token(testSecret, feed.KindRotation, "a..b", 0)},
		{"empty secret", noSecret.Handler(), feedPath(feed.KindRotation, "sre", feed.Token(nil, feed.KindRotation, "sre", 0))},
		{"empty secret, server's token", noSecret.Handler(), feedPath(feed.KindRotation, "sre", good)},
	} {
		same404(t, c.what, ref, do(c.h, "GET", c.path))
	}
}

func TestFeedServed(t *testing.T) {
	srv, st := newTestServer(t)
	r := dailyRotation("sre", 40, "alice", "bob")
	publish(t, st, r)
	h := srv.Handler()
	f, err := st.Read(context.Background(), feed.KindRotation, "sre")
	if err != nil {
		t.Fatal(err)
	}
	path := feedPath(feed.KindRotation, "sre", feed.Token(testSecret, feed.KindRotation, "sre", 0))
	rec := do(h, "GET", path)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	for k, want := range map[string]string{
		"Content-Type":   "text/calendar; charset=utf-8",
		"ETag":           f.ETag,
		"Last-Modified":  f.Modified.UTC().Format(http.TimeFormat),
		"Cache-Control":  "private, max-age=300",
		"Vary":           "Accept-Encoding",
		"Content-Length": strconv.Itoa(len(f.Body)),
	} {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if rec.Header().Get("Content-Encoding") != "" {
		t.Error("encoded without Accept-Encoding")
	}
	if !bytes.Equal(rec.Body.Bytes(), f.Body) {
		t.Error("the body is not the stored feed")
	}
	if n := countEvents(t, rec.Body.Bytes()); n != 40 {
		t.Errorf("%d events, want 40", n)
	}

	mpath := feedPath(feed.KindMember, "alice", feed.Token(testSecret, feed.KindMember, "alice", 0))
	if rec := do(h, "GET", mpath); rec.Code != http.StatusOK || countEvents(t, rec.Body.Bytes()) != 20 {
		t.Errorf("alice's feed: %d, %s", rec.Code, rec.Body)
	}
}

func TestFeedConditional(t *testing.T) {
	srv, st := newTestServer(t)
	publish(t, st, dailyRotation("sre", 5, "alice"))
	h := srv.Handler()
	path := feedPath(feed.KindRotation, "sre", feed.Token(testSecret, feed.KindRotation, "sre", 0))
	first := do(h, "GET", path)
	etag, lm := first.Header().Get("ETag"), first.Header().Get("Last-Modified")
	lmTime, _ := http.ParseTime(lm)
	gzETag := do(h, "GET", path, "Accept-Encoding", "gzip").Header().Get("ETag")
	if gzETag == etag || gzETag == "" {
		t.Errorf("the gzip encoding's ETag %s is the identity's %s", gzETag, etag)
	}
	for _, c := range []struct {
		what   string
		header []string
		want   int
	}{
		{"matching ETag", []string{"If-None-Match", etag}, 304},
		{"matching ETag among others", []string{"If-None-Match", `"x", ` + etag}, 304},
		{"weak matching ETag", []string{"If-None-Match", "W/" + etag}, 304},
		{"gzip ETag", []string{"If-None-Match", gzETag}, 304},
		{"star", []string{"If-None-Match", "*"}, 304},
		{"other ETag", []string{"If-None-Match", `"other"`}, 200},
		{"If-Modified-Since = Last-Modified", []string{"If-Modified-Since", lm}, 304},
		{"If-Modified-Since later", []string{"If-Modified-Since", lmTime.Add(time.Hour).Format(http.TimeFormat)}, 304},
		{"If-Modified-Since earlier", []string{"If-Modified-Since", lmTime.Add(-time.Second).Format(http.TimeFormat)}, 200},
		{"If-Modified-Since garbage", []string{"If-Modified-Since", "yesterday"}, 200},
		// If-None-Match takes precedence (RFC 9110 13.2.2).
		{"other ETag, not modified since", []string{"If-None-Match", `"other"`, "If-Modified-Since", lm}, 200},
		{"matching ETag, modified since", []string{"If-None-Match", etag, "If-Modified-Since", lmTime.Add(-time.Hour).Format(http.TimeFormat)}, 304},
	} {
		rec := do(h, "GET", path, c.header...)
		if rec.Code != c.want {
			t.Errorf("%s: %d, want %d", c.what, rec.Code, c.want)
			continue
		}
		if c.want == 304 {
			if rec.Body.Len() != 0 || rec.Header().Get("ETag") == "" || rec.Header().Get("Cache-Control") == "" {
				t.Errorf("%s: 304 with body %q, headers %v", c.what, rec.Body, rec.Header())
			}
		}
	}
	// A 304 for another token is still a 404.
	if rec := do(h, "GET", "/feeds/rotations/sre.ics?token=bad", "If-None-Match", etag); rec.Code != 404 {
		t.Errorf("conditional request with a bad token: %d", rec.Code)
	}
}

func TestFeedHead(t *testing.T) {
	srv, st := newTestServer(t)
	publish(t, st, dailyRotation("sre", 30, "alice"))
	h := srv.Handler()
	path := feedPath(feed.KindRotation, "sre", feed.Token(testSecret, feed.KindRotation, "sre", 0))
	for _, ae := range []string{"", "gzip"} {
		get, head := do(h, "GET", path, "Accept-Encoding", ae), do(h, "HEAD", path, "Accept-Encoding", ae)
		if head.Code != 200 || head.Body.Len() != 0 {
			t.Errorf("HEAD (%q): %d with %d bytes of body", ae, head.Code, head.Body.Len())
		}
		if cl := head.Header().Get("Content-Length"); cl != strconv.Itoa(get.Body.Len()) {
			t.Errorf("HEAD (%q): Content-Length %s, the GET body has %d", ae, cl, get.Body.Len())
		}
		if head.Header().Get("ETag") != get.Header().Get("ETag") {
			t.Errorf("HEAD (%q): ETag differs from GET's", ae)
		}
	}
	// Through a real server too: no body on the wire, the same length.
	ts := httptest.NewServer(h)
	defer ts.Close()
	res, err := http.Head(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || len(b) != 0 || res.ContentLength <= 0 {
		t.Errorf("HEAD over HTTP: %d, %d bytes, Content-Length %d", res.StatusCode, len(b), res.ContentLength)
	}
}

func TestFeedGzip(t *testing.T) {
	srv, st := newTestServer(t)
	publish(t, st, dailyRotation("sre", 60, "alice", "bob"))
	h := srv.Handler()
	path := feedPath(feed.KindRotation, "sre", feed.Token(testSecret, feed.KindRotation, "sre", 0))
	plain := do(h, "GET", path).Body.Bytes()
	for ae, want := range map[string]bool{
		"gzip": true, "gzip, deflate, br": true, "br;q=1.0, gzip;q=0.8": true, "*": true, "x-gzip": true,
		"": false, "identity": false, "gzip;q=0": false, "*;q=0": false, "br": false, "*, gzip;q=0": false,
	} {
		rec := do(h, "GET", path, "Accept-Encoding", ae)
		if rec.Header().Get("Vary") != "Accept-Encoding" {
			t.Errorf("%q: no Vary", ae)
		}
		if got := rec.Header().Get("Content-Encoding") == "gzip"; got != want {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", ae, got, want)
			continue
		}
		body := rec.Body.Bytes()
		if want {
			if cl := rec.Header().Get("Content-Length"); cl != strconv.Itoa(len(body)) {
				t.Errorf("%q: Content-Length %s for %d bytes", ae, cl, len(body))
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(body, plain) {
			t.Errorf("%q: the decoded body differs", ae)
		}
	}
	// Encoded once per version: two requests share the same bytes.
	a := do(h, "GET", path, "Accept-Encoding", "gzip").Body.Bytes()
	if len(a) >= len(plain) {
		t.Errorf("gzip %d bytes, plain %d", len(a), len(plain))
	}
}

func TestFeedRevocation(t *testing.T) {
	srv, st := newTestServer(t)
	publish(t, st, dailyRotation("sre", 5, "alice"))
	h := srv.Handler()
	ref := do(h, "GET", "/no/such/page")
	for _, kind := range []string{feed.KindRotation, feed.KindMember} {
		id := map[string]string{feed.KindRotation: "sre", feed.KindMember: "alice"}[kind]
		old := feedPath(kind, id, feed.Token(testSecret, kind, id, 0))
		if rec := do(h, "GET", old); rec.Code != 200 {
			t.Fatalf("%s before revoking: %d", kind, rec.Code)
		}
		gen, err := st.Revoke(context.Background(), kind, id)
		if err != nil {
			t.Fatal(err)
		}
		same404(t, kind+" old token after revoking", ref, do(h, "GET", old))
		if rec := do(h, "GET", feedPath(kind, id, feed.Token(testSecret, kind, id, gen))); rec.Code != 200 {
			t.Errorf("%s new generation's token: %d", kind, rec.Code)
		}
	}
}

func TestFeedStoreDown(t *testing.T) {
	st, err := feedstore.Open(context.Background(), "mem://")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Store: st, Secret: testSecret}
	_ = st.Close()
	rec := do(srv.Handler(), "GET", feedPath(feed.KindRotation, "sre", feed.Token(testSecret, feed.KindRotation, "sre", 0)))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("store closed: %d, want 503", rec.Code)
	}
}

// Readers during publications get one published version whole, never a
// mix of two or a partial one.
func TestFeedConcurrentReaders(t *testing.T) {
	srv, st := newTestServer(t)
	h := srv.Handler()
	const publications, readers = 100, 100
	// Publication i has this many events: each differs from the one
	// before, and they stay small so that 100 readers parsing under -race
	// leave the publisher some CPU.
	count := func(i int) int { return 4 + 2*(i%10) }
	publish(t, st, dailyRotation("sre", count(0), "alice", "bob"))
	paths := []string{
		feedPath(feed.KindRotation, "sre", feed.Token(testSecret, feed.KindRotation, "sre", 0)),
		feedPath(feed.KindMember, "alice", feed.Token(testSecret, feed.KindMember, "alice", 0)),
	}
	var done atomic.Bool
	var reads atomic.Int64
	var seen sync.Map // ETags served
	var wg sync.WaitGroup
	for g := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !done.Load() || i == 0; i++ {
				member := (g+i)%2 == 1
				ae := []string{"", "gzip"}[g%2]
				rec := do(h, "GET", paths[(g+i)%2], "Accept-Encoding", ae)
				if rec.Code != 200 {
					t.Errorf("reader: status %d", rec.Code)
					return
				}
				body := rec.Body.Bytes()
				if ae == "gzip" {
					zr, err := gzip.NewReader(bytes.NewReader(body))
					if err == nil {
						body, err = io.ReadAll(zr)
					}
					if err != nil {
						t.Errorf("reader: bad gzip: %v", err)
						return
					}
				}
				cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
				if err != nil {
					t.Errorf("reader: unparsable feed: %v", err)
					return
				}
				n, ok := len(cal.Events()), false
				for p := range publications {
					want := count(p)
					if member {
						want = (want + 1) / 2 // alice has every other shift
					}
					ok = ok || n == want
				}
				if !ok {
					t.Errorf("reader: %d events, not a published count", n)
					return
				}
				reads.Add(1)
				seen.Store(rec.Header().Get("ETag"), true)
				time.Sleep(2 * time.Millisecond) // leave the publisher some CPU
			}
		}()
	}
	for i := 1; i < publications; i++ {
		publish(t, st, dailyRotation("sre", count(i), "alice", "bob"))
	}
	done.Store(true)
	wg.Wait()
	// After the last publication the feed is the last one.
	rec := do(h, "GET", paths[0])
	if n := countEvents(t, rec.Body.Bytes()); n != count(publications-1) {
		t.Errorf("after the publications: %d events, want %d", n, count(publications-1))
	}
	versions := 0
	seen.Range(func(any, any) bool { versions++; return true })
	if versions < 10 {
		t.Errorf("readers saw only %d versions: the publications did not reach them", versions)
	}
	t.Logf("%d reads of %d versions during %d publications", reads.Load(), versions, publications)
}

// yearRotation is a year of daily shifts behind and 180 days of forecast
// ahead: 545 events, the largest a daily rotation's feed gets.
func yearRotation() feed.Rotation {
	r := dailyRotation("sre", 365+180, "alice", "bob", "carol", "dave", "erin")
	for i := range r.Events {
		r.Events[i].Status = feed.Confirmed
		if i >= 365 {
			r.Events[i].Status = feed.Tentative
		}
		if i%7 == 3 { // a swap now and then
			r.Events[i].Seq = 1
			r.Events[i].Gone = []feed.Gone{{Member: "bob", Seq: 1, Modified: day0}}
		}
	}
	return r
}

func benchmarkServe(b *testing.B, acceptEncoding string) {
	srv, st := newTestServer(b)
	publish(b, st, yearRotation())
	h := srv.Handler()
	path := feedPath(feed.KindRotation, "sre", feed.Token(testSecret, feed.KindRotation, "sre", 0))
	req := httptest.NewRequest("GET", path, nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	first := httptest.NewRecorder()
	h.ServeHTTP(first, req)
	if first.Code != 200 {
		b.Fatalf("status %d", first.Code)
	}
	size := first.Body.Len()
	b.SetBytes(int64(size))
	b.ReportAllocs()
	// The recorder writes into one buffer, reset each time, as a server
	// writes into a socket: what is measured is the handler, not the
	// growing of a fresh 400 KB buffer per request.
	buf := bytes.NewBuffer(make([]byte, 0, size))
	b.ResetTimer()
	for range b.N {
		buf.Reset()
		rec := httptest.NewRecorder()
		rec.Body = buf
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Body.Len() != size {
			b.Fatalf("status %d, %d bytes", rec.Code, rec.Body.Len())
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(size), "body-bytes")
}

// BenchmarkServeRotationFeedYear serves a year-long daily rotation's feed
// from the cache (run with -cpu 1 for the one-core figure).
func BenchmarkServeRotationFeedYear(b *testing.B) { benchmarkServe(b, "") }

// BenchmarkServeRotationFeedYearGzip is the same, gzipped (what calendar
// applications ask for).
func BenchmarkServeRotationFeedYearGzip(b *testing.B) { benchmarkServe(b, "gzip") }
