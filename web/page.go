package web

import (
	"context"
	"net/http"
)

// Source answers the schedule page's questions. STUB: replaced by the page.
type Source interface {
	Rotations(ctx context.Context) ([]string, error)
}

func (s *Server) page(w http.ResponseWriter, r *http.Request)  { http.NotFound(w, r) }
func (s *Server) index(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
