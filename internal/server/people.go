package server

import "github.com/go-chi/chi/v5"

// peopleRoutes registers the routes of this file: User detail, status changes and bulk actions on people.
func (s *Server) peopleRoutes(r chi.Router) {}
