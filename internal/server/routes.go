package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// routes lists every route of the application.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	s.router = r
	r.Use(requestID, s.logRequests, s.recoverPanics, securityHeaders, s.limitBodies, s.localize, s.loadSession)

	r.Method(http.MethodGet, "/static/*", staticFiles())
	r.Method(http.MethodHead, "/static/*", staticFiles())
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	r.Get("/readyz", s.handleReady) // ops.go
	r.Get("/", s.handle(s.handleHome))

	r.Get("/login", s.handle(s.handleLoginPage))
	r.Post("/login", s.handle(s.handleLogin))
	r.Get("/signup", s.handle(s.handleSignupPage))
	r.Post("/signup", s.handle(s.handleSignup))
	r.Post("/locale", s.handle(s.handleSetLocale)) // locale.go

	// Invitee pages: opening never consumes a link, only the POSTs do.
	r.Group(func(r chi.Router) {
		r.Use(s.tokenPage)
		r.Get("/invite/{token}", s.handle(s.handleInvitePage))
		r.Post("/invite/{token}", s.handle(s.handleInviteAccept))
		r.Post("/invite/{token}/ask", s.handle(s.handleAskNewInvitation))
		r.Get("/join/{token}", s.handle(s.handleJoinPage))
		r.Post("/join/{token}", s.handle(s.handleJoinStart))
		r.Post("/join/{token}/confirm", s.handle(s.handleJoinConfirmCode))
		r.Post("/join/{token}/ask", s.handle(s.handleAskNewInvitation))
		r.Get("/join/confirm/{token}", s.handle(s.handleJoinConfirmLinkPage))
		r.Post("/join/confirm/{token}", s.handle(s.handleJoinConfirmLink))
	})
	if s.Outbox != nil {
		r.Get("/dev/mail", s.handle(s.handleDevOutbox))
	}

	r.Group(func(r chi.Router) {
		r.Use(s.requireSignedIn)
		r.Post("/logout", s.handle(s.handleLogout))
		r.Post("/logout/everywhere", s.handle(s.handleLogoutEverywhere))
		r.Get("/account", s.handle(s.handleMyAccount))

		r.Group(func(r chi.Router) {
			r.Use(s.requireHubAdmin)
			r.Get("/users", s.handle(s.handleUsers))
			r.Get("/users/add", s.handle(s.handleAddUsers))
			r.Post("/users/add/check", s.handle(s.handleCheckAddresses))
			r.Post("/users/invite", s.handle(s.handleInviteByEmail))
			r.Post("/users/links", s.handle(s.handleCreateLink))
			r.Get("/invitations/{id}/link", s.handle(s.handleInvitationLink))
			r.Get("/invitations/{id}/joined", s.handle(s.handleJoinedThrough))
			r.Post("/invitations/{id}/{action}", s.handle(s.handleInvitationAction))
			r.Post("/invitations/bulk", s.handle(s.handleInvitationsBulk))
			r.Get("/join-requests/{id}/approve", s.handle(s.handleApprovePage))
			r.Post("/join-requests/{id}/approve", s.handle(s.handleApprove))
			r.Post("/join-requests/{id}/deny", s.handle(s.handleDeny))
			s.peopleRoutes(r)   // people.go
			s.csvRoutes(r)      // csv.go
			s.groupRoutes(r)    // groups.go
			s.auditRoutes(r)    // audit.go
			s.settingsRoutes(r) // settings.go
		})
	})
	r.NotFound(s.handle(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
	r.MethodNotAllowed(s.handle(func(w http.ResponseWriter, r *http.Request) error { return errMethod }))

	// Cross-origin state changes are refused before any handler runs.
	return http.NewCrossOriginProtection().Handler(r)
}

// Routes is the router, for tests that walk every route (chi.Walk).
func (s *Server) Routes() chi.Routes { return s.router }
