// Package web serves what people open in a browser or subscribe to: the
// calendar feeds a rotation publishes and its schedule page.
package web

import (
	"log/slog"
	"net/http"

	"github.com/rota-scheduler/rota/feedstore"
)

// Server is the worker's HTTP side.
type Server struct {
	// Store holds the published feeds (and their generations).
	Store *feedstore.Store
	// Secret signs the feeds' tokens (ROTA_FEED_SECRET).
	Secret []byte
	// BaseURL is where people reach the server (ROTA_BASE_URL), for the
	// subscription links.
	BaseURL string
	// Index: GET / lists the rotations (--http-index).
	Index bool
	// Source answers the schedule page's questions (a Temporal client).
	Source Source
	Logger *slog.Logger
}

func (s *Server) log() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// Handler routes the server's requests.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /feeds/rotations/{file}", s.rotationFeed)
	mux.HandleFunc("GET /feeds/members/{file}", s.memberFeed)
	mux.HandleFunc("GET /rotations/{id}", s.page)
	mux.HandleFunc("GET /{$}", s.index)
	return mux
}
