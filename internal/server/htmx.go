package server

import (
	"net/http"

	"github.com/a-h/templ"
)

// isFragment reports whether a request wants only a fragment: htmx asked,
// and it is neither a boosted navigation nor a history restore (those get
// the whole page).
func isFragment(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" &&
		r.Header.Get("HX-Boosted") != "true" &&
		r.Header.Get("HX-History-Restore-Request") != "true"
}

// hxTarget is the id of the element an htmx request will swap into.
func hxTarget(r *http.Request) string {
	if !isFragment(r) {
		return ""
	}
	return r.Header.Get("HX-Target")
}

// render writes a component as the response. Every response that can
// differ by HX-Request says so for caches.
func render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	h := w.Header()
	h.Add("Vary", "HX-Request")
	h.Set("Content-Type", "text/html; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	return c.Render(r.Context(), w)
}

// redirect sends the browser to url after a form post: 303 for plain
// requests, HX-Location for htmx (so it swaps without a full reload).
func redirect(w http.ResponseWriter, r *http.Request, url string) {
	if isFragment(r) {
		w.Header().Set("HX-Location", url)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, url, http.StatusSeeOther)
}
