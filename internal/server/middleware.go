package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/web/layout"
	"github.com/roster-hub/roster/web/static"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyActor
	keyAccount
	keySessionToken
	keyBody
)

func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// requestID gives every request an id, returned in X-Request-Id and logged.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyRequestID, id)))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line per request. It logs the route pattern, not
// the path, so tokens in paths never reach the log.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		s.metrics.observe(r.Method, routePattern(r), sw.status, time.Since(start))
		if strings.HasPrefix(r.URL.Path, "/static/") {
			return
		}
		route := redactTokens(r.URL.Path)
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		level := slog.LevelInfo
		switch {
		case sw.status == http.StatusServiceUnavailable:
			level = slog.LevelWarn // the database is away, not a fault of this request
		case sw.status >= 500:
			level = slog.LevelError
		}
		s.Logger.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method), slog.String("route", route), slog.Int("status", sw.status),
			slog.Duration("duration", time.Since(start)), slog.Int("bytes", sw.bytes),
			slog.Bool("htmx", r.Header.Get("HX-Request") == "true"), slog.String("request_id", requestIDFrom(r.Context())))
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.serveError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows only this origin's scripts and styles: no
// inline script, no eval (htmx is configured for it), no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// localize picks the language from the picker's cookie or the browser;
// loadSession refines it with the person's saved choice and the account's
// default (see locale.go).
func (s *Server) localize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := requestLocalizer(r, "", "")
		ctx := i18n.WithLocalizer(r.Context(), l)
		if r.Method == http.MethodGet {
			ctx = layout.WithReturn(ctx, r.URL.RequestURI()) // where the language picker comes back to
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

const sessionCookie = "roster_session"

// loadSession puts the signed-in person (if any) into the context. The
// cookie holds only a random token; the database says whether it is still
// good, so sign-out-everywhere and deactivation act on the next request.
func (s *Server) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		sess, _ := s.cookies.Get(r, sessionCookie)
		token, _ := sess.Values["t"].(string)
		if token == "" {
			next.ServeHTTP(w, r)
			return
		}
		actor, acc, err := s.Accounts.SessionActor(r.Context(), token, s.SessionIdle, s.SessionMax)
		if err != nil {
			if roster.ErrorCode(err) != roster.ENOTFOUND {
				s.serveError(w, r, err)
				return
			}
			next.ServeHTTP(w, r) // expired or revoked: signed out
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// A change may alter the groups or roles before the page
			// that answers it is drawn: that page reads their version
			// anew rather than trust the one read with the session.
			acc.CatalogueVersion = 0
		}
		ctx := context.WithValue(r.Context(), keyActor, &actor)
		ctx = context.WithValue(ctx, keyAccount, &acc)
		ctx = context.WithValue(ctx, keySessionToken, token)
		ctx = i18n.WithLocalizer(ctx, requestLocalizer(r, actor.User.Locale, acc.Settings.DefaultLocale))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func actorFrom(ctx context.Context) (*roster.Actor, *roster.Account) {
	a, _ := ctx.Value(keyActor).(*roster.Actor)
	acc, _ := ctx.Value(keyAccount).(*roster.Account)
	return a, acc
}

// requireSignedIn sends signed-out people to the sign-in page, and back
// here afterwards.
func (s *Server) requireSignedIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, _ := actorFrom(r.Context()); a == nil {
			to := "/login"
			if r.Method == http.MethodGet {
				to += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			if r.Header.Get("HX-Request") == "true" {
				w.Header().Set("HX-Redirect", to)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireHubAdmin lets only administrators open the hub.
func (s *Server) requireHubAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, _ := actorFrom(r.Context()); a == nil || !a.CanOpenHub() {
			s.serveError(w, r, errForbid)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func staticFiles() http.Handler {
	fs := http.StripPrefix("/static/", http.FileServerFS(static.FS))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		fs.ServeHTTP(w, r)
	})
}

// throttle counts failures per key in a sliding window. It is per process;
// several processes each allow the limit.
type throttle struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	hits   map[string][]time.Time
}

func newThrottle(limit int, window time.Duration) *throttle {
	return &throttle{limit: limit, window: window, hits: map[string][]time.Time{}}
}

// blocked reports whether key has reached its limit within the window.
func (t *throttle) blocked(key string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.prune(key, now)) >= t.limit
}

func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.hits[key] = append(t.prune(key, now), now)
	if len(t.hits) > 100000 { // bound memory under a spray of keys
		clear(t.hits)
	}
}

func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.hits, key)
}

func (t *throttle) prune(key string, now time.Time) []time.Time {
	h := t.hits[key]
	i := 0
	for i < len(h) && now.Sub(h[i]) > t.window {
		i++
	}
	h = h[i:]
	if len(h) == 0 {
		delete(t.hits, key)
		return nil
	}
	t.hits[key] = h
	return h
}

// tokenPage guards the invitee pages: the token in the address must not
// leak to other sites through the Referer header, nor be cached; and a
// client that keeps trying tokens that name nothing (404) is slowed down
// (429) before it reaches the database again.
func (s *Server) tokenPage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-store")
		key, now := "token:"+s.clientIP(r), s.Now()
		if s.tokenThrottle.blocked(key, now) {
			s.serveError(w, r, errTooMany)
			return
		}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == http.StatusNotFound {
			s.tokenThrottle.fail(key, now)
		}
	})
}

// redactTokens hides path segments shaped like link tokens, for paths no
// route matched (whose pattern cannot stand in for them).
func redactTokens(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if roster.ValidTokenShape(p) {
			parts[i] = "{token}"
		}
	}
	return strings.Join(parts, "/")
}
