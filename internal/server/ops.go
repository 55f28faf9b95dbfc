package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/roster-hub/roster/internal/roster"
)

// OpsStore tells the operations endpoints how the database is doing.
type OpsStore interface {
	// Ready returns nil when the database answers and its schema is at the
	// latest migration this binary embeds; otherwise an error whose text
	// says why (no secrets, no data: it is shown on /readyz).
	Ready(ctx context.Context) error
	// PoolStats returns the connection pool's figures.
	PoolStats() roster.PoolStats
	// QueueDepth returns how many jobs of the queue are in each state
	// (available, retryable, running, scheduled).
	QueueDepth(ctx context.Context) (map[string]int64, error)
}

// handleReady answers load balancers: 200 when the database is reachable
// and migrated to this binary's latest version, else 503 with the reason.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.Ops == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "not ready: no readiness checks configured\n")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.Ops.Ready(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "not ready: "+err.Error()+"\n")
		return
	}
	io.WriteString(w, "ready\n")
}

// latencyBuckets are the upper bounds (seconds) of the request latency
// histograms.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type seriesKey struct{ method, route, class string }

type histogram struct {
	buckets []uint64 // cumulative counts are computed when written
	count   uint64
	sum     float64
}

// metrics keeps the request latency histograms of this process, per
// method, route pattern (never the raw path: bounded, and no tokens) and
// status class.
type metrics struct {
	mu     sync.Mutex
	series map[seriesKey]*histogram
}

func newMetrics() *metrics { return &metrics{series: map[seriesKey]*histogram{}} }

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	class := "other"
	if status >= 100 && status < 600 {
		class = strconv.Itoa(status/100) + "xx"
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other"
	}
	k := seriesKey{method, route, class}
	sec := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.series[k]
	if h == nil {
		h = &histogram{buckets: make([]uint64, len(latencyBuckets))}
		m.series[k] = h
	}
	for i, b := range latencyBuckets {
		if sec <= b {
			h.buckets[i]++
			break
		}
	}
	h.count++
	h.sum += sec
}

// routePattern is the matched route of a request, or "unmatched" (never
// the raw path, so the metric's labels stay few and carry no tokens).
func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
		return rc.RoutePattern()
	}
	return "unmatched"
}

// MetricsHandler serves the Prometheus text exposition format (version
// 0.0.4): request latency histograms, the database pool and the job queue.
// It is meant for a private listener (METRICS_ADDR), not the public router.
func (s *Server) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		bw := bufio.NewWriter(w)
		defer bw.Flush()
		s.metrics.write(bw)
		if s.Ops == nil {
			return
		}
		p := s.Ops.PoolStats()
		gauge(bw, "roster_db_pool_connections", "Connections of the database pool, by state.", []sample{
			{`state="acquired"`, float64(p.Acquired)}, {`state="idle"`, float64(p.Idle)},
			{`state="constructing"`, float64(p.Constructing)}, {`state="total"`, float64(p.Total)}})
		gauge(bw, "roster_db_pool_max_connections", "The pool's maximum number of connections.", []sample{{"", float64(p.Max)}})
		counter(bw, "roster_db_pool_acquires_total", "Connections acquired from the pool.", float64(p.Acquires))
		counter(bw, "roster_db_pool_empty_acquires_total", "Acquires that had to wait for a connection.", float64(p.EmptyAcquires))
		counter(bw, "roster_db_pool_canceled_acquires_total", "Acquires canceled by their context.", float64(p.CanceledAcquires))
		counter(bw, "roster_db_pool_acquire_seconds_total", "Time spent acquiring connections.", p.AcquireDuration.Seconds())
		counter(bw, "roster_db_pool_new_connections_total", "Connections opened.", float64(p.NewConns))
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		up := 1.0
		if err := s.Ops.Ready(ctx); err != nil {
			up = 0
		}
		gauge(bw, "roster_ready", "1 when the database answers and is migrated to this binary's latest version.", []sample{{"", up}})
		depth, err := s.Ops.QueueDepth(ctx)
		if err != nil {
			return
		}
		var qs []sample
		for _, st := range []string{"available", "retryable", "running", "scheduled"} {
			qs = append(qs, sample{`state="` + st + `"`, float64(depth[st])})
		}
		gauge(bw, "roster_job_queue_jobs", "Jobs of the queue (email, imports, sweeps) by state.", qs)
	})
}

type sample struct {
	labels string
	value  float64
}

func gauge(w io.Writer, name, help string, ss []sample) { family(w, name, help, "gauge", ss) }

func counter(w io.Writer, name, help string, v float64) {
	family(w, name, help, "counter", []sample{{"", v}})
}

func family(w io.Writer, name, help, kind string, ss []sample) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
	for _, s := range ss {
		if s.labels == "" {
			fmt.Fprintf(w, "%s %s\n", name, formatFloat(s.value))
		} else {
			fmt.Fprintf(w, "%s{%s} %s\n", name, s.labels, formatFloat(s.value))
		}
	}
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// labelValue escapes a label value for the text format.
func labelValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func (m *metrics) write(w io.Writer) {
	const name = "roster_http_request_duration_seconds"
	fmt.Fprintf(w, "# HELP %s Latency of HTTP requests by method, route pattern and status class.\n# TYPE %s histogram\n", name, name)
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([]seriesKey, 0, len(m.series))
	for k := range m.series {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.route != b.route {
			return a.route < b.route
		}
		if a.method != b.method {
			return a.method < b.method
		}
		return a.class < b.class
	})
	for _, k := range keys {
		h := m.series[k]
		labels := `method="` + labelValue(k.method) + `",route="` + labelValue(k.route) + `",code="` + k.class + `"`
		var cum uint64
		for i, b := range latencyBuckets {
			cum += h.buckets[i]
			fmt.Fprintf(w, "%s_bucket{%s,le=\"%s\"} %d\n", name, labels, formatFloat(b), cum)
		}
		fmt.Fprintf(w, "%s_bucket{%s,le=\"+Inf\"} %d\n", name, labels, h.count)
		fmt.Fprintf(w, "%s_sum{%s} %s\n", name, labels, formatFloat(h.sum))
		fmt.Fprintf(w, "%s_count{%s} %d\n", name, labels, h.count)
	}
}

// Body caps: every request body is bounded before any handler reads it; a
// declared length over the cap is refused at once with a clear page (413).
const (
	maxBodyBytes = 1 << 20
	// importPath takes CSV uploads, whose handler sets its own, larger cap.
	importPath = "/users/import"
	// maxImportBody is an upload's cap: the largest CSV and the form around it.
	maxImportBody = roster.MaxImportBytes + 64<<10
)

// bodyCap is the largest body the request may send.
func bodyCap(r *http.Request) int64 {
	if r.Method == http.MethodPost && r.URL.Path == importPath {
		return maxImportBody
	}
	return maxBodyBytes
}

// limitBodies caps request bodies (bodyCap).
func (s *Server) limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := bodyCap(r)
		// The upload form answers an oversized file itself, in the dialog.
		if r.ContentLength > limit && limit != maxImportBody {
			s.serveError(w, r, errTooLarge)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			st := &bodyState{}
			r.Body = &cappedBody{ReadCloser: http.MaxBytesReader(w, r.Body, limit), st: st}
			r = r.WithContext(context.WithValue(r.Context(), keyBody, st))
		}
		next.ServeHTTP(w, r)
	})
}

// bodyState remembers that a request's body went over its cap, so that
// whatever error the handler makes of the cut form, the answer is the
// clear 413 page (serveError).
type bodyState struct{ overCap bool }

type cappedBody struct {
	io.ReadCloser
	st *bodyState
}

func (c *cappedBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		c.st.overCap = true
	}
	return n, err
}

// bodyOverCap reports whether the request's body went over its cap: the
// global one, or a handler's own (http.MaxBytesReader keeps its error and
// returns it again to a read of nothing).
func bodyOverCap(r *http.Request) bool {
	if st, _ := r.Context().Value(keyBody).(*bodyState); st != nil && st.overCap {
		return true
	}
	if r.Body == nil || r.Body == http.NoBody {
		return false
	}
	_, err := r.Body.Read(nil)
	_, over := errors.AsType[*http.MaxBytesError](err)
	return over
}
