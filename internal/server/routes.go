package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// routes lists every route of the application.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(requestID, s.logRequests, s.recoverPanics, securityHeaders, s.localize, s.loadSession)

	r.Handle("/static/*", staticFiles())
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	r.Get("/", s.handle(s.handleHome))

	r.Get("/login", s.handle(s.handleLoginPage))
	r.Post("/login", s.handle(s.handleLogin))
	r.Get("/signup", s.handle(s.handleSignupPage))
	r.Post("/signup", s.handle(s.handleSignup))

	r.Group(func(r chi.Router) {
		r.Use(s.requireSignedIn)
		r.Post("/logout", s.handle(s.handleLogout))
		r.Post("/logout/everywhere", s.handle(s.handleLogoutEverywhere))
		r.Get("/account", s.handle(s.handleMyAccount))

		r.Group(func(r chi.Router) {
			r.Use(s.requireHubAdmin)
			r.Get("/users", s.handle(s.handleUsers))
		})
	})
	r.NotFound(s.handle(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
	r.MethodNotAllowed(s.handle(func(w http.ResponseWriter, r *http.Request) error { return errMethod }))

	// Cross-origin state changes are refused before any handler runs.
	return http.NewCrossOriginProtection().Handler(r)
}
