package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/roster-hub/roster/internal/postgres"
)

// Client makes the requests of a signed-in administrator.
type Client struct {
	Base   string
	cookie string
	http   *http.Client
}

// SignIn posts the big seed's administrator credentials to /login.
func SignIn(ctx context.Context, base string) (*Client, error) {
	tr := &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128, IdleConnTimeout: time.Minute}
	c := &Client{Base: base, http: &http.Client{Transport: tr, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	form := url.Values{"email": {postgres.BigAdminEmail}, "password": {postgres.BigAdminPassword}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign-in answered %s", res.Status)
	}
	for _, ck := range res.Cookies() {
		if c.cookie != "" {
			c.cookie += "; "
		}
		c.cookie += ck.Name + "=" + ck.Value
	}
	if c.cookie == "" {
		return nil, fmt.Errorf("sign-in set no cookie")
	}
	return c, nil
}

// Do sends one scenario request and reads the whole answer.
func (c *Client) Do(ctx context.Context, s *Scenario, i int) (int, int, error) {
	var body io.Reader
	if s.Body != nil {
		body = strings.NewReader(s.Body(i))
	}
	req, err := http.NewRequestWithContext(ctx, s.Method, c.Base+s.Path, body)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Cookie", c.cookie)
	if s.Body != nil {
		ct := s.ContentType
		if ct == "" {
			ct = "application/x-www-form-urlencoded"
		}
		req.Header.Set("Content-Type", ct)
	}
	if s.Target != "" {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Target", s.Target)
		req.Header.Set("HX-Current-URL", c.Base+"/users")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, 0, err
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, int(n), err
}

// Stats are the latencies of one scenario run.
type Stats struct {
	Requests    int     `json:"requests"`
	Concurrency int     `json:"concurrency"`
	P50         float64 `json:"p50_ms"`
	P95         float64 `json:"p95_ms"`
	P99         float64 `json:"p99_ms"`
	Max         float64 `json:"max_ms"`
	RPS         float64 `json:"requests_per_s"`
	Bytes       int     `json:"bytes"`
	PeakRSSKB   int64   `json:"peak_rss_kb,omitempty"`
	Errors      int     `json:"errors"`
	// CPU time per request (user + system) of the server and of the
	// database's processes, over the timed requests: on a machine
	// shared with other work it moves less than wall time does.
	ServerCPUms float64 `json:"server_cpu_ms_per_request,omitempty"`
	DBCPUms     float64 `json:"db_cpu_ms_per_request,omitempty"`

	lat     []time.Duration // sorted
	elapsed time.Duration
}

// mergeStats is the stats of several runs of one scenario taken together
// (the slices of an interleaved measurement).
func mergeStats(parts []Stats) Stats {
	var m Stats
	var srvCPU, dbCPU float64
	for _, p := range parts {
		m.lat = append(m.lat, p.lat...)
		m.elapsed += p.elapsed
		m.Requests += p.Requests
		m.Errors += p.Errors
		m.Concurrency, m.Bytes = p.Concurrency, p.Bytes
		m.PeakRSSKB = max(m.PeakRSSKB, p.PeakRSSKB)
		srvCPU += p.ServerCPUms * float64(p.Requests)
		dbCPU += p.DBCPUms * float64(p.Requests)
	}
	if m.Requests == 0 {
		return m
	}
	slices.Sort(m.lat)
	m.P50, m.P95, m.P99, m.Max = pct(m.lat, 50), pct(m.lat, 95), pct(m.lat, 99), ms(m.lat[len(m.lat)-1])
	m.RPS = float64(m.Requests) / m.elapsed.Seconds()
	m.ServerCPUms, m.DBCPUms = srvCPU/float64(m.Requests), dbCPU/float64(m.Requests)
	return m
}

// cpuTicks is the user + system CPU time of process pid and, with
// children, of every process whose parent it is (clock ticks of 10 ms).
func cpuTicks(pid int, children bool) int64 {
	read := func(path string) (ppid int, ticks int64, ok bool) {
		b, err := os.ReadFile(path)
		if err != nil {
			return 0, 0, false
		}
		// Fields after the command name, which is in parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			return 0, 0, false
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 13 {
			return 0, 0, false
		}
		ppid, _ = strconv.Atoi(f[1])
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		return ppid, u + s, true
	}
	if !children {
		_, t, _ := read(fmt.Sprintf("/proc/%d/stat", pid))
		return t
	}
	var total int64
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		if d.Name()[0] < '0' || d.Name()[0] > '9' {
			continue
		}
		if ppid, t, ok := read("/proc/" + d.Name() + "/stat"); ok && ppid == pid {
			total += t
		}
	}
	return total
}

// Run fires requests at concurrency for d (at least min requests) after
// warm requests, sampling the server's memory meanwhile.
func Run(ctx context.Context, c *Client, srv *Server, s *Scenario, concurrency, warm, min int, d time.Duration) (Stats, error) {
	for i := range warm {
		code, _, err := c.Do(ctx, s, -1-i)
		if err != nil {
			return Stats{}, err
		}
		if code != s.want() {
			return Stats{}, fmt.Errorf("%s: %s answered %d, want %d", s.Name, s.Path, code, s.want())
		}
	}
	var mu sync.Mutex
	var lat []time.Duration
	st := Stats{Concurrency: concurrency}
	var peak int64
	stopSample := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, _ := srv.Memory(); rss > peak {
				peak = rss
			}
			select {
			case <-stopSample:
				return
			case <-t.C:
			}
		}
	}()
	srvCPU, dbCPU := cpuTicks(srv.PID, false), int64(0)
	if srv.Postmaster != 0 {
		dbCPU = cpuTicks(srv.Postmaster, true)
	}
	start := time.Now()
	end := start.Add(d)
	var next int
	var wg sync.WaitGroup
	var firstErr error
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if (time.Now().After(end) && len(lat) >= min) || firstErr != nil {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				t := time.Now()
				code, n, err := c.Do(ctx, s, i)
				el := time.Since(t)
				mu.Lock()
				if err != nil || code != s.want() {
					st.Errors++
					if firstErr == nil {
						firstErr = fmt.Errorf("%s: answered %d: %v", s.Name, code, err)
					}
				}
				lat = append(lat, el)
				st.Bytes = n
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stopSample)
	<-sampled
	st.Requests = len(lat)
	st.RPS = float64(len(lat)) / elapsed.Seconds()
	st.ServerCPUms = float64(cpuTicks(srv.PID, false)-srvCPU) * 10 / float64(len(lat))
	if srv.Postmaster != 0 {
		st.DBCPUms = float64(cpuTicks(srv.Postmaster, true)-dbCPU) * 10 / float64(len(lat))
	}
	slices.Sort(lat)
	st.P50, st.P95, st.P99 = pct(lat, 50), pct(lat, 95), pct(lat, 99)
	st.Max = ms(lat[len(lat)-1])
	st.PeakRSSKB = peak
	st.lat, st.elapsed = lat, elapsed
	return st, firstErr
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// pct is the nearest-rank percentile of sorted latencies.
func pct(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	k := int(float64(len(sorted))*p/100+0.999999) - 1
	k = max(0, min(k, len(sorted)-1))
	return ms(sorted[k])
}

// TimeCalls times a Go call (a store method with no HTTP route of its own)
// like Run does requests, at concurrency 1.
func TimeCalls(warm, min int, d time.Duration, call func() error) (Stats, error) {
	for range warm {
		if err := call(); err != nil {
			return Stats{}, err
		}
	}
	var lat []time.Duration
	start := time.Now()
	for time.Since(start) < d || len(lat) < min {
		t := time.Now()
		if err := call(); err != nil {
			return Stats{}, err
		}
		lat = append(lat, time.Since(t))
	}
	st := Stats{Requests: len(lat), Concurrency: 1, RPS: float64(len(lat)) / time.Since(start).Seconds()}
	slices.Sort(lat)
	st.P50, st.P95, st.P99, st.Max = pct(lat, 50), pct(lat, 95), pct(lat, 99), ms(lat[len(lat)-1])
	return st, nil
}
