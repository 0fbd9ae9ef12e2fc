package web

import "net/http"

// STUB: replaced by the feeds handlers.
func (s *Server) rotationFeed(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (s *Server) memberFeed(w http.ResponseWriter, r *http.Request)   { http.NotFound(w, r) }
