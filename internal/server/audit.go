package server

import "github.com/go-chi/chi/v5"

// auditRoutes registers the routes of this file: The audit log screen.
func (s *Server) auditRoutes(r chi.Router) {}
