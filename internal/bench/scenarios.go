package bench

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/postgres"
)

// Scenario is one kind of request.
type Scenario struct {
	Name   string
	Group  string // target group: people, search, short, invitations, hub, dashboard, submit
	Method string
	Path   string
	Target string // HX-Target; "" for a full page
	Body   func(i int) string
	Want   int
	Growth bool   // part of the growth curve
	Note   string // what it matches, shown in the table
	Store  bool   // a store call, not HTTP (no route renders it alone)
	Absent bool   // the feature is not built yet
	// ContentType of Body (default: a urlencoded form).
	ContentType string
}

func (s *Scenario) want() int {
	if s.Want != 0 {
		return s.Want
	}
	return http.StatusOK
}

// Fixture is what the scenarios need to know about the seeded data.
type Fixture struct {
	AccountID          int64
	Users              int64
	Roles              map[string]int64
	DeepGroup          int64
	DeepGroupDepth     int
	DeepGroupPeople    int64
	TopGroup           int64
	Terms              map[string]string // rare, medium, common, short
	TermMatches        map[string]int64
	DeepCursor         string
	DeepPage           int
	ExportBuilt        bool
	ImportBuilt        bool
	SubmitRun          string
	RoleFilterPeople   int64
	AdminFilterPeople  int64
	CombinedFilterNote string
}

// LoadFixture looks the seeded data up.
func LoadFixture(ctx context.Context, pool *pgxpool.Pool) (*Fixture, error) {
	f := &Fixture{Roles: map[string]int64{}, Terms: map[string]string{}, TermMatches: map[string]int64{}}
	err := pool.QueryRow(ctx, `SELECT u.account_id, c.users_total FROM users u JOIN account_counters c ON c.account_id = u.account_id
	WHERE lower(u.email) = $1`, postgres.BigAdminEmail).Scan(&f.AccountID, &f.Users)
	if err != nil {
		return nil, fmt.Errorf("the benchmark account: %w", err)
	}
	rows, _ := pool.Query(ctx, `SELECT key, id FROM roles WHERE account_id = $1 AND key IS NOT NULL`, f.AccountID)
	var k string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&k, &id}, func() error { f.Roles[k] = id; return nil }); err != nil {
		return nil, err
	}
	// The deepest group that still has people in its subtree, and a
	// department (a child of the root).
	err = pool.QueryRow(ctx, `SELECT g.id, array_length(g.path, 1) FROM groups g WHERE g.account_id = $1
	  AND EXISTS (SELECT 1 FROM memberships m WHERE m.account_id = g.account_id AND m.group_id = g.id)
	ORDER BY array_length(g.path, 1) DESC, g.id LIMIT 1`, f.AccountID).Scan(&f.DeepGroup, &f.DeepGroupDepth)
	if err != nil {
		return nil, err
	}
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT m.user_id) FROM memberships m WHERE m.account_id = $1 AND m.group_id IN
	  (SELECT id FROM groups WHERE account_id = $1 AND path @> ARRAY[$2::bigint])`, f.AccountID, f.DeepGroup).Scan(&f.DeepGroupPeople); err != nil {
		return nil, err
	}
	if err := pool.QueryRow(ctx, `SELECT id FROM groups WHERE account_id = $1 AND array_length(path, 1) = 2 ORDER BY id LIMIT 1`, f.AccountID).Scan(&f.TopGroup); err != nil {
		return nil, err
	}
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT user_id) FROM role_assignments WHERE account_id = $1 AND role_id = $2`, f.AccountID, f.Roles["finance"]).Scan(&f.RoleFilterPeople); err != nil {
		return nil, err
	}
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT user_id) FROM role_assignments WHERE account_id = $1 AND role_id = $2`, f.AccountID, f.Roles["administrator"]).Scan(&f.AdminFilterPeople); err != nil {
		return nil, err
	}
	// Search terms by how many people they find: a word of the names whose
	// count is nearest to ~100, ~0.5% and ~10% of the account; and
	// surnames of ~0.5% ("spread") and ~5% ("surname"): their people are
	// spread through the name order, where a first name's sort together.
	rows, err = pool.Query(ctx, `SELECT CASE WHEN o > 1 THEN '~' ELSE '' END || w, count(*) FROM users u, unnest(string_to_array(u.name_key, ' ')) WITH ORDINALITY x(w, o)
	WHERE u.account_id = $1 AND length(w) >= 4 GROUP BY 1`, f.AccountID)
	if err != nil {
		return nil, err
	}
	words := map[string]int64{}
	var w string
	var n int64
	if _, err := pgx.ForEachRow(rows, []any{&w, &n}, func() error { words[w] = n; return nil }); err != nil {
		return nil, err
	}
	// A word counts once as a first name and once, marked "~", as a later
	// word of a name.
	all := map[string]int64{}
	for w, n := range words {
		all[strings.TrimPrefix(w, "~")] += n
	}
	want := map[string]float64{"rare": 100, "medium": float64(f.Users) * 0.005, "common": float64(f.Users) * 0.10,
		"spread": float64(f.Users) * 0.005, "surname": float64(f.Users) * 0.05}
	for _, kind := range []string{"rare", "medium", "common", "spread", "surname"} {
		best, bestD := "", math.Inf(1)
		var keys []string
		for w := range all {
			// A surname is only ever a later word of a name.
			if (kind != "spread" && kind != "surname") || words[w] == 0 {
				keys = append(keys, w)
			}
		}
		sort.Strings(keys)
		for _, w := range keys {
			if d := math.Abs(math.Log(float64(all[w]) / want[kind])); d < bestD {
				best, bestD = w, d
			}
		}
		f.Terms[kind] = best
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE account_id = $1 AND (name_key LIKE '%' || $2 || '%' OR email_key LIKE '%' || $2 || '%')`, f.AccountID, best).Scan(&n); err != nil {
			return nil, err
		}
		f.TermMatches[kind] = n
	}
	f.Terms["short"] = "ma"
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE account_id = $1 AND (name_key LIKE 'ma%' OR name_key LIKE '% ma%' OR email_key LIKE 'ma%')`, f.AccountID).Scan(&n); err != nil {
		return nil, err
	}
	f.TermMatches["short"] = n
	// "Page 10,000 of 50": the cursor after row 499,950 by name (or the
	// middle page of a smaller account).
	row := int64(499950)
	if row >= f.Users {
		row = f.Users / 2 / 50 * 50
	}
	f.DeepPage = int(row/50) + 1
	var key string
	if err := pool.QueryRow(ctx, `SELECT id, name_key FROM users WHERE account_id = $1 ORDER BY name_key, id OFFSET $2 LIMIT 1`, f.AccountID, row-1).Scan(&id, &key); err != nil {
		return nil, err
	}
	// The same opaque cursor the People table puts in its "next" links.
	f.DeepCursor = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10) + ":" + key))
	return f, nil
}

// searchKinds are the kinds of search term a fixture looks up.
var searchKinds = []string{"rare", "medium", "common", "spread", "surname", "short"}

// hasTerms reports whether a (cached) fixture has a term of every kind.
func (f *Fixture) hasTerms() bool {
	for _, k := range searchKinds {
		if f.Terms[k] == "" {
			return false
		}
	}
	return true
}

// Scenarios lists the scenarios on the fixture's data.
func Scenarios(f *Fixture, runID string) []*Scenario {
	q := func(v url.Values) string { return "/users?" + v.Encode() }
	role := func(k string) string { return strconv.FormatInt(f.Roles[k], 10) }
	people := func(name string, v url.Values, note string) *Scenario {
		return &Scenario{Name: name, Group: "people", Method: "GET", Path: q(v), Target: "people-results", Growth: true, Note: note}
	}
	search := func(name, kind string) *Scenario {
		g := "search"
		if kind == "short" {
			g = "short"
		}
		return &Scenario{Name: name, Group: g, Method: "GET", Path: q(url.Values{"q": {f.Terms[kind]}}), Target: "people-results", Growth: true,
			Note: fmt.Sprintf("%q: %s matches", f.Terms[kind], thousands(f.TermMatches[kind]))}
	}
	list := []*Scenario{
		// No target: what every signed-in request costs before its handler
		// runs (the HTTP exchange, the session's statement), the measure of
		// what a ratio to the SQL floor can be.
		{Name: "HTTP exchange alone", Group: "http", Method: "GET", Path: "/healthz", Note: "/healthz: the session's statement only"},
		{Name: "hub page (full)", Group: "hub", Method: "GET", Path: "/users", Note: "cards, chart, first 50 people"},
		people("people, no filter", url.Values{}, "first 50 by name"),
		search("search rare", "rare"),
		search("search medium", "medium"),
		search("search common", "common"),
		search("search surname", "spread"),
		search("search common surname", "surname"),
		search("search two letters", "short"),
		people("role filter", url.Values{"role": {role("finance")}}, fmt.Sprintf("Finance: %s people", thousands(f.RoleFilterPeople))),
		people("role filter, selective", url.Values{"role": {role("administrator")}}, fmt.Sprintf("Administrator: %s people", thousands(f.AdminFilterPeople))),
		people("deep subgroup", url.Values{"group": {strconv.FormatInt(f.DeepGroup, 10)}},
			fmt.Sprintf("level %d, %s people", f.DeepGroupDepth-1, thousands(f.DeepGroupPeople))),
		people("filters combined", url.Values{"q": {f.Terms["medium"]}, "status": {"active"}, "role": {role("requisitioner")},
			"group": {strconv.FormatInt(f.TopGroup, 10)}}, "search+status+role+department"),
		// Filters that narrow each other without a search: their counts
		// are neither kept nor bounded by a range, the slowest People
		// views found by hand (not the list, whose target they
		// share: any filter combination).
		people("role and status", url.Values{"role": {role("approver")}, "status": {"deactivated"}}, "Approver+deactivated"),
		people("department and status", url.Values{"group": {strconv.FormatInt(f.TopGroup, 10)}, "status": {"deactivated"}}, "department+deactivated"),
		people("never signed in and status", url.Values{"never": {"1"}, "status": {"deactivated"}}, "never signed in+deactivated"),
		people("page 10,000 deep", url.Values{"after": {f.DeepCursor}}, fmt.Sprintf("keyset page %s", thousands(int64(f.DeepPage)))),
		people("sort by last sign-in", url.Values{"order": {"signin:desc"}}, "newest sign-in first"),
	}
	for _, st := range []string{"", "pending", "expiring", "accepted", "expired", "revoked", "join_request"} {
		v := url.Values{"tab": {"invitations"}}
		name := "invitations, all"
		if st != "" {
			v.Set("istatus", st)
			name = "invitations, " + st
		}
		list = append(list, &Scenario{Name: name, Group: "invitations", Method: "GET", Path: q(v), Target: "invites-results"})
	}
	list = append(list,
		&Scenario{Name: "dashboard", Group: "dashboard", Store: true, Note: "UserStore.Dashboard (no route renders the cards alone)"},
		&Scenario{Name: "CSV export, whole account", Group: "export", Method: "GET", Path: "/users/export.csv", Absent: !f.ExportBuilt},
		&Scenario{Name: "Add users, 500 addresses", Group: "submit", Method: "POST", Path: "/users/invite", Target: "dialog",
			Body: func(i int) string {
				var b strings.Builder
				for k := range 500 {
					fmt.Fprintf(&b, "new.hire.%s.%d.%d@newhire.example\n", runID, i+1000, k)
				}
				return url.Values{"emails": {b.String()}, "validity": {"30"}}.Encode()
			}, Note: "500 new addresses, invited and queued"},
		importScenario(f, runID),
	)
	return list
}

// ImportRows is the size of the CSV import dry run.
const ImportRows = 100000

// ImportFilePrefix names the harness's uploads (the cleanup removes them).
const ImportFilePrefix = "bench-import-"

// importScenario uploads a 100,000-row CSV to the import's dry run: new
// addresses with a role (invite), the account's own administrator (already
// a member: skip), repeated addresses and addresses that are not valid
// (errors with their line numbers).
func importScenario(f *Fixture, runID string) *Scenario {
	var b strings.Builder
	b.WriteString("email,name,groups,roles\r\n")
	for i := range ImportRows {
		switch {
		case i%1000 == 999:
			fmt.Fprintf(&b, "%s,Admin Again,,\r\n", postgres.BigAdminEmail)
		case i%500 == 7:
			fmt.Fprintf(&b, "not-an-address-%d,Nobody %d,,\r\n", i, i)
		case i%250 == 3:
			fmt.Fprintf(&b, "import.%s.%d@newhire.example,Twice %d,,Requisitioner\r\n", runID, i-1, i)
		default:
			fmt.Fprintf(&b, "import.%s.%d@newhire.example,New Hire %d,,Requisitioner\r\n", runID, i, i)
		}
	}
	const boundary = "benchimportboundary7MA4YWxkTrZu0gW"
	body := "--" + boundary + "\r\n" +
		`Content-Disposition: form-data; name="file"; filename="` + ImportFilePrefix + runID + `.csv"` + "\r\n" +
		"Content-Type: text/csv\r\n\r\n" + b.String() + "\r\n--" + boundary + "--\r\n"
	return &Scenario{Name: "CSV import dry run, 100,000 rows", Group: "import", Method: "POST", Path: "/users/import", Target: "dialog",
		Body: func(int) string { return body }, ContentType: "multipart/form-data; boundary=" + boundary, Absent: !f.ImportBuilt,
		Note: fmt.Sprintf("%s rows (%.1f MB): invite, skip, errors", thousands(ImportRows), float64(len(body))/1e6)}
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
