package server

import "github.com/go-chi/chi/v5"

// groupRoutes registers the routes of this file: The Groups and Roles screens.
func (s *Server) groupRoutes(r chi.Router) {}
