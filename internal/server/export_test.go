package server

import "github.com/go-chi/chi/v5"

// Routes are the server's routes, for tests that walk every one.
func (s *Server) Routes() chi.Routes { return s.router }
