package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/server"
)

func TestReadyzSaysWhyNotReady(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.client(t)
	res, body := a.get(t, c, "/readyz")
	if res.StatusCode != http.StatusOK || body != "ready\n" {
		t.Fatalf("/readyz on a migrated database: %d %q", res.StatusCode, body)
	}

	// A database behind the binary (or ahead of it): not current.
	ctx := context.Background()
	if _, err := a.Pool.Exec(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, true)`); err != nil {
		t.Fatal(err)
	}
	res, body = a.get(t, c, "/readyz")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "migrations not current: database at version 99999") {
		t.Fatalf("/readyz with a foreign migration: %d %q", res.StatusCode, body)
	}
	if _, err := a.Pool.Exec(ctx, `DELETE FROM goose_db_version WHERE version_id = 99999`); err != nil {
		t.Fatal(err)
	}
	if res, _ := a.get(t, c, "/readyz"); res.StatusCode != http.StatusOK {
		t.Fatalf("/readyz after: %d", res.StatusCode)
	}

	// An unreachable database: a pool that is closed.
	pool, err := postgres.Open(ctx, a.Pool.Config().ConnString(), 2)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := postgres.NewOps(pool)
	if err != nil {
		t.Fatal(err)
	}
	pool.Close()
	h := server.NewServer(server.Deps{Ops: ops, Logger: discardLogger()})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "database unreachable") {
		t.Fatalf("/readyz without a database: %d %q", rec.Code, rec.Body.String())
	}
	// /healthz is the process alone.
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/healthz: %d", rec.Code)
	}
}

// A line of the Prometheus text format: a comment, or a sample.
var expositionLine = regexp.MustCompile(`^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|\+Inf|NaN))$`)

func TestMetricsOnTheirOwnHandler(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	admin := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	a.get(t, admin, "/users")
	a.get(t, admin, "/users/999999999") // 404
	a.get(t, admin, "/invite/"+randomToken())

	// Not on the public router.
	if res, _ := a.get(t, admin, "/metrics"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics on the public router: %d", res.StatusCode)
	}
	rec := httptest.NewRecorder()
	a.Server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	for _, want := range []string{
		"# TYPE roster_http_request_duration_seconds histogram",
		`roster_http_request_duration_seconds_bucket{method="GET",route="/users",code="2xx",le="+Inf"} 1`,
		`roster_http_request_duration_seconds_count{method="GET",route="/users/{id}",code="4xx"} 1`,
		`roster_http_request_duration_seconds_count{method="POST",route="/login",code="3xx"} 1`,
		`route="/invite/{token}",code="4xx"`,
		`roster_db_pool_connections{state="acquired"}`,
		`roster_db_pool_max_connections `,
		`roster_db_pool_acquires_total `,
		`roster_job_queue_jobs{state="available"}`,
		`roster_job_queue_jobs{state="retryable"}`,
		`roster_job_queue_jobs{state="running"}`,
		"roster_ready 1",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// No raw paths (tokens, ids) in the labels.
	if strings.Contains(body, "999999999") || regexp.MustCompile(`/invite/[A-Za-z0-9_-]{20,}`).MatchString(body) {
		t.Error("metrics carry a raw path")
	}
	for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		if !expositionLine.MatchString(line) {
			t.Errorf("not the text exposition format: %q", line)
		}
	}
	// The queue depth counts River's jobs: the demo seed's invitations
	// queued emails, and a job made available now is counted.
	if _, err := a.Pool.Exec(context.Background(), `INSERT INTO river_job (args, kind, max_attempts, queue, state, scheduled_at)
	VALUES ('{}', 'metrics_probe', 1, 'metrics_probe_queue', 'available', now() + interval '1 hour')`); err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	a.Server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if m := regexp.MustCompile(`roster_job_queue_jobs\{state="available"\} (\d+)`).FindStringSubmatch(rec.Body.String()); m == nil || m[1] == "0" {
		t.Errorf("queue depth does not count an available job: %v", m)
	}
}

// Every request is logged as one structured line with its request id (the
// X-Request-Id the client saw) and route pattern; tokens in paths never
// reach the log.
func TestRequestLogsCarryRequestIDsAndNoTokens(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	var buf syncBuffer
	h := server.NewServer(server.Deps{
		Accounts: postgres.NewAccountStore(a.Pool), Users: postgres.NewUserStore(a.Pool), Groups: postgres.NewGroupStore(a.Pool),
		Invitations: a.Invitations, Logger: slog.New(slog.NewJSONHandler(&buf, nil)),
		SessionKeys: [][]byte{[]byte("0123456789abcdef0123456789abcdef")},
	})
	token := randomToken()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/join/"+token, nil))
	id := rec.Header().Get("X-Request-Id")
	if len(id) != 16 {
		t.Fatalf("X-Request-Id %q", id)
	}
	rec2 := httptest.NewRecorder()
	h.ServeHTTP(rec2, httptest.NewRequest(http.MethodGet, "/nowhere/"+token, nil))
	logs := buf.String()
	if strings.Contains(logs, token) {
		t.Fatalf("a token reached the log:\n%s", logs)
	}
	found := false
	for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		if m["request_id"] == id {
			found = true
			if m["route"] != "/join/{token}" || m["status"].(float64) != 404 || m["method"] != "GET" {
				t.Errorf("log line %v", m)
			}
		}
	}
	if !found {
		t.Fatalf("no log line with request id %s:\n%s", id, logs)
	}
	if rec2.Header().Get("X-Request-Id") == id {
		t.Error("two requests share an id")
	}
}
