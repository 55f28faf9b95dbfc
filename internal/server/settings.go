package server

import "github.com/go-chi/chi/v5"

// settingsRoutes registers the routes of this file: The account settings screen.
func (s *Server) settingsRoutes(r chi.Router) {}
