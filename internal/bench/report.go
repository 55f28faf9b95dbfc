package bench

import (
	"fmt"
	"html"
	"io"
	"math"
	"sort"
	"strings"
)

// Result is one scenario measured at one size.
type Result struct {
	Name      string  `json:"name"`
	Group     string  `json:"group"`
	Note      string  `json:"note,omitempty"`
	Path      string  `json:"path,omitempty"`
	Stats     *Stats  `json:"stats,omitempty"`
	Floor     *Floor  `json:"floor,omitempty"`
	Ratio     float64 `json:"p50_over_floor,omitempty"`
	TargetP95 float64 `json:"target_p95_ms,omitempty"`
	Met       *bool   `json:"p95_met,omitempty"`
	RatioMet  *bool   `json:"ratio_met,omitempty"`
	NotBuilt  bool    `json:"not_built,omitempty"`
	Error     string  `json:"error,omitempty"`
}

// SizeRun is every scenario run at one account size.
type SizeRun struct {
	Users       int64     `json:"users"`
	Database    string    `json:"database"`
	SeedSeconds float64   `json:"seed_seconds,omitempty"` // when seeded by this or an earlier run
	Fixture     *Fixture  `json:"fixture"`
	Results     []*Result `json:"results"`
	Throughput  []*Result `json:"throughput,omitempty"`
	// Growth: the People-table scenarios measured again, taking turns
	// with the smaller sizes (the largest size only; the smaller sizes'
	// Results are measured so).
	Growth      []*Result `json:"growth,omitempty"`
	ServerHWMKB int64     `json:"server_vmhwm_kb"`
}

// Check is one target of the issue, met or missed.
type Check struct {
	Target string `json:"target"`
	Got    string `json:"got"`
	Met    *bool  `json:"met"` // nil: not measured
}

// Report is a whole run.
type Report struct {
	Started     string     `json:"started"`
	Command     string     `json:"command"`
	Machine     string     `json:"machine"`
	Postgres    string     `json:"postgres"`
	Settings    []string   `json:"cluster_settings"`
	Concurrency int        `json:"concurrency"`
	Seconds     float64    `json:"seconds_per_scenario"`
	Sizes       []*SizeRun `json:"sizes"`
	Checks      []Check    `json:"checks"`
}

var groupTarget = map[string]float64{"people": 20, "search": 50, "short": 50, "dashboard": 15, "invitations": 20, "hub": 40, "submit": 1000, "export": 10000, "import": 20000}

func boolp(b bool) *bool { return &b }

func mark(m *bool) string {
	switch {
	case m == nil:
		return "—"
	case *m:
		return "met"
	}
	return "MISSED"
}

// Judge fills in each result's targets and the run's checks.
func (r *Report) Judge() {
	main := r.Sizes[len(r.Sizes)-1]
	for _, res := range main.Results {
		if res.Stats == nil {
			continue
		}
		if t, ok := groupTarget[res.Group]; ok {
			res.TargetP95 = t
			res.Met = boolp(res.Stats.P95 <= t)
		}
		if res.Floor != nil && res.Floor.ExecMS > 0 && res.Group != "http" {
			res.Ratio = res.Stats.P50 / res.Floor.ExecMS
			res.RatioMet = boolp(res.Ratio <= 1.5)
		}
	}
	var c []Check
	add := func(target, got string, met *bool) { c = append(c, Check{target, got, met}) }
	worst := func(groups ...string) (*Result, bool) {
		var w *Result
		for _, res := range main.Results {
			if res.Stats != nil && containsStr(groups, res.Group) && (w == nil || res.Stats.P95 > w.Stats.P95) {
				w = res
			}
		}
		return w, w != nil
	}
	for _, g := range []struct {
		groups []string
		label  string
	}{
		{[]string{"people"}, "people table fragment, any filter/page: p95 ≤ 20 ms"},
		{[]string{"search"}, "search ≥ 3 characters, rare to common: p95 ≤ 50 ms"},
		{[]string{"short"}, "two-letter search: p95 ≤ 50 ms"},
		{[]string{"dashboard"}, "dashboard: p95 ≤ 15 ms"},
		{[]string{"invitations"}, "invitations tab, any status: p95 ≤ 20 ms"},
		{[]string{"hub"}, "full hub page: p95 ≤ 40 ms"},
		{[]string{"submit"}, "Add users, 500 addresses: ≤ 1 s (p95)"},
		{[]string{"export"}, "CSV export of the whole account: ≤ 10 s (p95)"},
		{[]string{"import"}, "CSV import dry run, 100,000 rows: ≤ 20 s (p95)"},
	} {
		if w, ok := worst(g.groups...); ok {
			add(g.label, fmt.Sprintf("worst %.1f ms (%s)", w.Stats.P95, w.Name), boolp(w.Stats.P95 <= groupTarget[w.Group]))
		}
	}
	for _, res := range main.Results {
		if res.Group == "export" && res.Stats != nil {
			add("CSV export: RSS stays flat", fmt.Sprintf("server peak RSS %.0f MB during the export (%s bytes each)", float64(res.Stats.PeakRSSKB)/1024, thousands(int64(res.Stats.Bytes))),
				boolp(res.Stats.PeakRSSKB <= 120*1024))
		}
	}
	for _, t := range main.Throughput {
		if t.Group == "throughput16" && t.Stats != nil {
			add("filtered people fragment at 16 connections: ≥ 800 requests/s", fmt.Sprintf("%.0f requests/s", t.Stats.RPS), boolp(t.Stats.RPS >= 800))
			add("server RSS under that load: ≤ 120 MB", fmt.Sprintf("peak %.0f MB (VmHWM over the whole run %.0f MB)", float64(t.Stats.PeakRSSKB)/1024, float64(main.ServerHWMKB)/1024),
				boolp(t.Stats.PeakRSSKB <= 120*1024))
		}
	}
	// A request whose floor is under twice the HTTP exchange alone (with
	// the session's statement, which every signed-in request runs) cannot
	// be within 1.5× of it, whatever its handler does: the exchange alone
	// is more than half its floor.
	exchange := 0.0
	if h := find(main.Results, "HTTP exchange alone"); h != nil && h.Stats != nil {
		exchange = h.Stats.P50
	}
	n, bad, bound := 0, []string{}, 0
	for _, res := range main.Results {
		if res.RatioMet != nil {
			n++
			if !*res.RatioMet {
				bad = append(bad, fmt.Sprintf("%s %.1f×", res.Name, res.Ratio))
				if res.Floor.ExecMS < 2*exchange {
					bound++
				}
			}
		}
	}
	if n > 0 {
		got := fmt.Sprintf("%d of %d scenarios within 1.5×", n-len(bad), n)
		if len(bad) > 0 {
			got += "; over: " + strings.Join(bad, ", ")
		}
		if exchange > 0 {
			got += fmt.Sprintf("; %d of those over have a floor under twice the HTTP exchange alone (p50 %.2f ms), so cannot be within 1.5× whatever the server does", bound, exchange)
		}
		add("request p50 ≤ 1.5 × its SQL floor", got, boolp(len(bad) == 0))
	}
	if len(r.Sizes) > 1 && r.Sizes[0].Users < main.Users {
		small := r.Sizes[0]
		worstRatio, which := 0.0, ""
		for _, res := range curve(main) {
			if s := find(small.Results, res.Name); s != nil && s.Stats != nil && res.Stats != nil && s.Stats.P95 > 0 {
				if q := res.Stats.P95 / s.Stats.P95; q > worstRatio {
					worstRatio, which = q, res.Name
				}
			}
		}
		add(fmt.Sprintf("p95 at %s people ≤ 2 × p95 at %s", thousands(main.Users), thousands(small.Users)),
			fmt.Sprintf("worst %.2f× (%s)", worstRatio, which), boolp(worstRatio <= 2))
	}
	if main.SeedSeconds > 0 && main.Users >= 1000000 {
		add("seed 1,000,000 people: < 60 s", fmt.Sprintf("%.1f s (whole seed: %s people in all, invitations, memberships, audit, indexes)", main.SeedSeconds, thousands(main.Fixture.Users)),
			boolp(main.SeedSeconds < 60))
	}
	for _, res := range main.Results {
		if res.NotBuilt {
			add(res.Name, "not built yet", nil)
		}
	}
	r.Checks = c
}

func containsStr(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func find(rs []*Result, name string) *Result {
	for _, r := range rs {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// PrintTable writes one size's results as a table.
func PrintTable(w io.Writer, s *SizeRun, judged bool) {
	fmt.Fprintf(w, "\n%s people (database %s)\n", thousands(s.Users), s.Database)
	fmt.Fprintf(w, "%-32s %-34s %8s %8s %8s %8s %9s %8s %7s\n", "scenario", "data", "p50 ms", "p95 ms", "p99 ms", "req/s", "floor ms", "p50/flr", "target")
	fmt.Fprintln(w, strings.Repeat("-", 132))
	for _, r := range s.Results {
		if r.NotBuilt {
			fmt.Fprintf(w, "%-32s %-34s %s\n", r.Name, "", "not built yet (no route answers)")
			continue
		}
		if r.Stats == nil {
			fmt.Fprintf(w, "%-32s %-34s error: %s\n", r.Name, "", r.Error)
			continue
		}
		floor, ratio := "", ""
		if r.Floor != nil {
			floor = fmt.Sprintf("%.2f", r.Floor.ExecMS)
			if r.Floor.ExecMS > 0 {
				ratio = fmt.Sprintf("%.1f×", r.Stats.P50/r.Floor.ExecMS)
			}
		}
		target := ""
		if judged && r.Met != nil {
			target = fmt.Sprintf("≤%.0f %s", r.TargetP95, mark(r.Met))
		}
		fmt.Fprintf(w, "%-32s %-34s %8.2f %8.2f %8.2f %8.0f %9s %8s %s\n", r.Name, cut(r.Note, 34), r.Stats.P50, r.Stats.P95, r.Stats.P99, r.Stats.RPS, floor, ratio, target)
	}
	for _, r := range s.Throughput {
		if r.Stats != nil {
			fmt.Fprintf(w, "%-32s %-34s %8.2f %8.2f %8.2f %8.0f  at %d connections, peak RSS %.0f MB, CPU a request: server %.2f ms, PostgreSQL %.2f ms\n", r.Name, cut(r.Note, 34), r.Stats.P50, r.Stats.P95, r.Stats.P99, r.Stats.RPS,
				r.Stats.Concurrency, float64(r.Stats.PeakRSSKB)/1024, r.Stats.ServerCPUms, r.Stats.DBCPUms)
		}
	}
}

// PrintChecks writes the targets, met or missed.
func PrintChecks(w io.Writer, checks []Check) {
	fmt.Fprintln(w, "\nTargets")
	for _, c := range checks {
		fmt.Fprintf(w, "  %-7s %-62s %s\n", mark(c.Met), c.Target, c.Got)
	}
}

func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// curve is a size's results on the growth curve: the interleaved
// measurement where there is one (Growth), else its own run's.
func curve(s *SizeRun) []*Result {
	if len(s.Growth) > 0 {
		return s.Growth
	}
	return s.Results
}

// PrintGrowth writes the growth curve as a table: p95 at each size and the
// largest over the smallest.
func PrintGrowth(w io.Writer, sizes []*SizeRun) {
	fmt.Fprintf(w, "\nGrowth: p95 ms, the sizes taking turns\n%-32s", "scenario")
	for _, s := range sizes {
		fmt.Fprintf(w, " %12s", thousands(s.Users))
	}
	fmt.Fprintf(w, " %8s\n", "ratio")
	for _, r := range curve(sizes[len(sizes)-1]) {
		fmt.Fprintf(w, "%-32s", r.Name)
		var first, last float64
		for i, s := range sizes {
			x := find(curve(s), r.Name)
			if x == nil || x.Stats == nil {
				fmt.Fprintf(w, " %12s", "—")
				continue
			}
			if i == 0 {
				first = x.Stats.P95
			}
			last = x.Stats.P95
			fmt.Fprintf(w, " %12.2f", x.Stats.P95)
		}
		if first > 0 && last > 0 {
			fmt.Fprintf(w, " %7.1f×", last/first)
		}
		fmt.Fprintln(w)
	}
}

// GrowthSVG draws p95 latency against account size for the scenarios
// measured at every size, as a hand-written SVG line chart (log x axis).
func GrowthSVG(sizes []*SizeRun) string {
	type series struct {
		name string
		ys   []float64
	}
	var ss []series
	for _, r := range curve(sizes[len(sizes)-1]) {
		ok := true
		var ys []float64
		for _, s := range sizes {
			x := find(curve(s), r.Name)
			if x == nil || x.Stats == nil {
				ok = false
				break
			}
			ys = append(ys, x.Stats.P95)
		}
		if ok && r.Group != "hub" {
			ss = append(ss, series{r.Name, ys})
		}
	}
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].ys[len(ss[i].ys)-1] > ss[j].ys[len(ss[j].ys)-1] })
	const W, H, left, right, top, bottom = 860, 460, 60, 250, 40, 50
	pw, ph := float64(W-left-right), float64(H-top-bottom)
	ymax := 20.0
	for _, s := range ss {
		for _, y := range s.ys {
			ymax = math.Max(ymax, y)
		}
	}
	step := niceStep(ymax / 5)
	ymax = math.Ceil(ymax*1.05/step) * step
	lx0, lx1 := math.Log10(float64(sizes[0].Users)), math.Log10(float64(sizes[len(sizes)-1].Users))
	if lx1 == lx0 {
		lx1 = lx0 + 1
	}
	xp := func(n int64) float64 { return left + (math.Log10(float64(n))-lx0)/(lx1-lx0)*pw }
	yp := func(v float64) float64 { return top + ph - v/ymax*ph }
	colors := []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22", "#393b79", "#637939", "#e6550d"}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", W, H, W, H)
	fmt.Fprintf(&b, `<title>People table: p95 latency against account size</title>`+"\n")
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/>`+"\n", W, H)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" font-weight="bold">People table: p95 latency (ms) against people in the account</text>`+"\n", left)
	for v := 0.0; v <= ymax+1e-9; v += step {
		fmt.Fprintf(&b, `<line x1="%d" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#e5e5e5"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			left, left+pw, yp(v), yp(v), left-6, yp(v)+4, trimFloat(v))
	}
	for _, t := range []float64{20, 50} {
		if t <= ymax {
			fmt.Fprintf(&b, `<line x1="%d" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#999" stroke-dasharray="5,4"/><text x="%.1f" y="%.1f" fill="#666" text-anchor="end">target %.0f ms</text>`+"\n",
				left, left+pw, yp(t), yp(t), left+pw-4, yp(t)-4, t)
		}
	}
	for _, s := range sizes {
		x := xp(s.Users)
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%.1f" stroke="#ccc"/><text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n",
			x, x, top, top+ph, x, top+ph+18, thousands(s.Users))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">people in the account (log scale)</text>`+"\n", left+pw/2, H-8)
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%.1f" stroke="#333"/><line x1="%d" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#333"/>`+"\n",
		left, left, top, top+ph, left, left+pw, top+ph, top+ph)
	for i, s := range ss {
		col := colors[i%len(colors)]
		var pts []string
		for k, y := range s.ys {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xp(sizes[k].Users), yp(y)))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n", col, strings.Join(pts, " "))
		for k, y := range s.ys {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s at %s: p95 %.2f ms</title></circle>`+"\n",
				xp(sizes[k].Users), yp(y), col, html.EscapeString(s.name), thousands(sizes[k].Users), y)
		}
		ly := top + 10 + i*18
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="3"/><text x="%d" y="%d">%s (%.1f ms)</text>`+"\n",
			W-right+16, W-right+36, ly, ly, col, W-right+42, ly+4, html.EscapeString(s.name), s.ys[len(s.ys)-1])
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func niceStep(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
