package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-hub/roster/internal/postgres"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// logAddr waits for the log line msg and returns its addr.
func logAddr(t *testing.T, out *lockedBuffer, msg string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(out.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
				if a, _ := m["addr"].(string); a != "" {
					return a
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %q log line:\n%s", msg, out.String())
	return ""
}

func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// `roster serve` serves the metrics on METRICS_ADDR, a listener of their
// own, and not on the public one; /readyz is public.
func TestServeMetricsOnTheirOwnListener(t *testing.T) {
	url := postgres.NewDBURL(t)
	env := map[string]string{"DATABASE_URL": url, "ADDR": "127.0.0.1:0", "METRICS_ADDR": "127.0.0.1:0", "PASSWORD_COST": "4"}
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, out) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	public := "http://" + logAddr(t, out, "serving")
	metrics := "http://" + logAddr(t, out, "metrics")
	if code, body := fetch(t, public+"/readyz"); code != http.StatusOK || body != "ready\n" {
		t.Errorf("/readyz: %d %q", code, body)
	}
	fetch(t, public+"/login")
	if code, _ := fetch(t, public+"/metrics"); code != http.StatusNotFound {
		t.Errorf("public /metrics: %d, want 404", code)
	}
	code, body := fetch(t, metrics+"/metrics")
	if code != http.StatusOK || !strings.Contains(body, `roster_http_request_duration_seconds_count{method="GET",route="/login",code="2xx"} 1`) ||
		!strings.Contains(body, "roster_ready 1") || !strings.Contains(body, "roster_job_queue_jobs{") {
		t.Errorf("metrics listener: %d\n%s", code, body)
	}
	// Go's profiler: on the private listener only.
	if code, body := fetch(t, metrics+"/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("metrics listener /debug/pprof/: %d", code)
	}
	if code, _ := fetch(t, metrics+"/debug/pprof/heap?debug=1"); code != http.StatusOK {
		t.Errorf("metrics listener heap profile: %d", code)
	}
	for _, p := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/profile"} {
		if code, _ := fetch(t, public+p); code != http.StatusNotFound {
			t.Errorf("public %s: %d, want 404", p, code)
		}
	}
}

func TestMetricsAddrSetting(t *testing.T) {
	for _, tc := range []struct{ set, want string }{{"", "127.0.0.1:9464"}, {"off", ""}, {"0.0.0.0:9000", "0.0.0.0:9000"}} {
		got, _ := lookupEnv(func(string) string { return tc.set }, "ROSTER_TEST_UNSET_SETTING", "127.0.0.1:9464")
		if got != tc.want {
			t.Errorf("METRICS_ADDR=%q: %q, want %q", tc.set, got, tc.want)
		}
	}
}
