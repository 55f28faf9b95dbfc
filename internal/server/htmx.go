package server

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"

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
//
// The page is rendered whole into a pooled buffer, then written at once
// with its length: a People page of 120 KB went out in thirty 4 KB chunks
// (a system call each, a third of the server's time on that page), and a
// rendering error half-way through could only truncate the page; now it
// becomes the error page.
func render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) error {
	buf := pagePool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 { // keep buffers of ordinary pages only
			buf.Reset()
			pagePool.Put(buf)
		}
	}()
	if err := c.Render(r.Context(), buf); err != nil {
		return err
	}
	h := w.Header()
	h.Add("Vary", "HX-Request")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// pagePool holds the buffers pages are rendered into.
var pagePool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

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
