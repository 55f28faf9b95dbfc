package server

import "github.com/go-chi/chi/v5"

// csvRoutes registers the routes of this file: CSV export of the People and Invitations views, and CSV import.
func (s *Server) csvRoutes(r chi.Router) {}
