package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-chi/chi/v5"

	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
)

// scopeFixture is the demo account seen by its Finance group
// administrator: ids inside their reach and ids outside it.
type scopeFixture struct {
	finance, payables, sales int64
	inside                   int64 // a person only in Finance's subtree
	straddler                int64 // in Finance's subtree and in Sales
	outside                  int64 // only in Sales' subtree
	noGroup                  int64 // in no group
	invIn, invOut, invNone   int64 // pending email invitations: Payables, Sales, no group
	linkIn, linkOut          int64 // invite links: Finance, Sales
	reqOut                   int64 // a join request through the Sales link
	importOut                int64 // an import made by the account administrator
	bulkOut                  int64 // a bulk job of the account administrator
	adminRole                int64
}

func newScopeFixture(t *testing.T, a *app) scopeFixture {
	t.Helper()
	ctx := context.Background()
	var f scopeFixture
	var accountID, adminID int64
	q := func(sql string, dest any, args ...any) {
		t.Helper()
		if err := a.Pool.QueryRow(ctx, sql, args...).Scan(dest); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	q(`SELECT account_id FROM users WHERE email = $1`, &accountID, postgres.DemoAdminEmail)
	q(`SELECT id FROM users WHERE email = $1`, &adminID, postgres.DemoAdminEmail)
	q(`SELECT id FROM groups WHERE account_id = $1 AND name = 'Finance'`, &f.finance, accountID)
	q(`SELECT id FROM groups WHERE account_id = $1 AND name = 'Payables'`, &f.payables, accountID)
	q(`SELECT id FROM groups WHERE account_id = $1 AND name = 'Sales'`, &f.sales, accountID)
	q(`SELECT id FROM roles WHERE account_id = $1 AND key = 'administrator'`, &f.adminRole, accountID)
	// People wholly in one subtree, without Administrator anywhere.
	only := func(top int64, skip ...int64) int64 {
		var id int64
		q(`SELECT u.id FROM users u WHERE u.account_id = $1 AND u.admin_grants = 0 AND u.status = 'active' AND u.group_count = 1 AND u.id <> ALL($3)
		   AND EXISTS (SELECT 1 FROM memberships m JOIN groups g ON g.account_id = m.account_id AND g.id = m.group_id
		               WHERE m.account_id = u.account_id AND m.user_id = u.id AND g.path @> ARRAY[$2::bigint])
		   ORDER BY u.id LIMIT 1`, &id, accountID, top, append(skip, 0))
		return id
	}
	f.inside = only(f.finance)
	f.straddler = only(f.finance, f.inside)
	f.outside = only(f.sales)
	q(`SELECT id FROM users WHERE account_id = $1 AND group_count = 0 ORDER BY id LIMIT 1`, &f.noGroup, accountID)
	if _, err := a.Pool.Exec(ctx, `INSERT INTO memberships (account_id, user_id, group_id) VALUES ($1, $2, $3)`, accountID, f.straddler, f.sales); err != nil {
		t.Fatal(err)
	}
	inv := func(kind, email, label string, groups []int64) int64 {
		var id int64
		q(`INSERT INTO invitations (account_id, kind, email, label, token_hash, group_ids, invited_by, expires_at, max_uses, approval_required)
		   VALUES ($1, $2, nullif($3, ''), nullif($4, ''), sha256(random()::text::bytea), $5, $6, now() + interval '20 days', CASE WHEN $2 = 'link' THEN 10 END, true) RETURNING id`,
			&id, accountID, kind, email, label, groups, adminID)
		return id
	}
	f.invIn = inv("email", "in.scope@newco.example", "", []int64{f.payables})
	f.invOut = inv("email", "out.of.scope@newco.example", "", []int64{f.sales})
	f.invNone = inv("email", "no.group@newco.example", "", []int64{})
	f.linkIn = inv("link", "", "Finance scope link", []int64{f.finance})
	f.linkOut = inv("link", "", "Sales scope link", []int64{f.sales})
	q(`INSERT INTO join_requests (account_id, invitation_id, email, name, status, group_ids) VALUES ($1, $2, 'joiner@newco.example', 'Jo Iner', 'pending', $3) RETURNING id`,
		&f.reqOut, accountID, f.linkOut, []int64{f.sales})
	im, err := a.Invitations.PrepareImport(ctx, accountID, adminID, "admin.csv", nil,
		[]roster.ImportRow{{Line: 2, Email: "csv.person@newco.example", Name: "Csv Person", Outcome: roster.ImportInvite, GroupIDs: []int64{f.sales}}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	f.importOut = im.ID
	q(`INSERT INTO bulk_jobs (account_id, actor_id, action, group_id, view, status, total, done, changed, finished_at)
	   VALUES ($1, $2, 'add_group', $3, 'q=nobody', 'done', 0, 0, 0, now()) RETURNING id`, &f.bulkOut, accountID, adminID, f.sales)
	for name, id := range map[string]int64{"inside": f.inside, "straddler": f.straddler, "outside": f.outside, "no group": f.noGroup} {
		if id == 0 {
			t.Fatalf("fixture: no %s person", name)
		}
	}
	return f
}

// accountSnapshot digests every row of the demo account that a request
// could change, so a refused request can be shown to have changed nothing.
func accountSnapshot(t *testing.T, a *app) string {
	t.Helper()
	var s string
	err := a.Pool.QueryRow(context.Background(), `SELECT md5(concat_ws('|',
	  (SELECT string_agg(concat_ws(',', id, email, name, status, session_version), ';' ORDER BY id) FROM users),
	  (SELECT string_agg(concat_ws(',', user_id, group_id), ';' ORDER BY user_id, group_id) FROM memberships),
	  (SELECT string_agg(concat_ws(',', user_id, group_id, role_id), ';' ORDER BY user_id, group_id, role_id) FROM role_assignments),
	  (SELECT string_agg(concat_ws(',', id, status, expires_at, token_hash, group_ids, use_count), ';' ORDER BY id) FROM invitations),
	  (SELECT string_agg(concat_ws(',', id, status, group_ids), ';' ORDER BY id) FROM join_requests),
	  (SELECT string_agg(concat_ws(',', id, parent_id, name), ';' ORDER BY id) FROM groups),
	  (SELECT string_agg(concat_ws(',', id, status), ';' ORDER BY id) FROM csv_imports),
	  (SELECT count(*) FROM audit_events WHERE action <> 'signed_in')))`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// scopeCase is one request a Finance group administrator makes with ids
// outside their reach, and the status it must get.
type scopeCase struct {
	method, path string
	form         url.Values
	want         int
}

// scopeCases lists, for every route of the application, what a group
// administrator gets when they aim it outside their subtree. Public routes
// and routes with nothing to aim have no cases but must still be listed.
func scopeCases(f scopeFixture) map[string][]scopeCase {
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	get := func(path string, want int) scopeCase { return scopeCase{http.MethodGet, path, nil, want} }
	post := func(path string, form url.Values, want int) scopeCase {
		return scopeCase{http.MethodPost, path, form, want}
	}
	nf, forbidden, unprocessable := http.StatusNotFound, http.StatusForbidden, http.StatusUnprocessableEntity
	person := func(n int64) string { return "/users/" + id(n) }
	return map[string][]scopeCase{
		"GET /": nil, "GET /login": nil, "POST /login": nil, "GET /signup": nil, "POST /signup": nil, "GET /healthz": nil,
		"GET /static/*": nil, "GET /dev/mail": nil, "GET /readyz": nil, "POST /locale": nil, "POST /logout": nil, "POST /logout/everywhere": nil, "GET /account": nil,
		// Invitee pages take tokens, not ids.
		"GET /invite/{token}": nil, "POST /invite/{token}": nil, "POST /invite/{token}/ask": nil,
		"GET /join/{token}": nil, "POST /join/{token}": nil, "POST /join/{token}/confirm": nil, "POST /join/{token}/ask": nil,
		"GET /join/confirm/{token}": nil, "POST /join/confirm/{token}": nil,
		// Lists are held to the scope: checked by TestGroupAdministratorSeesOnlyTheirSubtree.
		"GET /users": nil, "GET /users/add": nil, "POST /users/add/check": nil, "GET /users/import": nil, "GET /users/import/template.csv": nil,

		"GET /users/{id}": {get(person(f.outside), nf), get(person(f.noGroup), nf)},
		"POST /users/{id}/status": {
			post(person(f.outside)+"/status", url.Values{"status": {"deactivated"}}, nf),
			post(person(f.straddler)+"/status", url.Values{"status": {"deactivated"}}, forbidden)},
		"POST /users/{id}/remove": {post(person(f.outside)+"/remove", nil, nf), post(person(f.straddler)+"/remove", nil, forbidden)},
		"POST /users/{id}/groups": {
			post(person(f.outside)+"/groups", url.Values{"group": {id(f.payables)}}, nf),
			post(person(f.inside)+"/groups", url.Values{"group": {id(f.sales)}}, nf)},
		"POST /users/{id}/groups/{gid}": {
			post(person(f.straddler)+"/groups/"+id(f.sales), url.Values{"role": {id(f.adminRole)}}, nf),
			post(person(f.outside)+"/groups/"+id(f.sales), url.Values{"role": {id(f.adminRole)}}, nf)},
		"POST /users/{id}/groups/{gid}/remove": {post(person(f.straddler)+"/groups/"+id(f.sales)+"/remove", nil, nf)},
		"POST /users/bulk": {
			post("/users/bulk", url.Values{"id": {id(f.inside), id(f.outside)}, "action": {"add_group"}, "group": {id(f.payables)}}, nf),
			post("/users/bulk", url.Values{"id": {id(f.inside)}, "action": {"add_group"}, "group": {id(f.sales)}}, nf),
			post("/users/bulk", url.Values{"id": {id(f.straddler)}, "action": {"deactivate"}}, forbidden),
			post("/users/bulk", url.Values{"id": {id(f.straddler)}, "action": {"revoke_role"}, "role": {id(f.adminRole)}}, forbidden)},
		"GET /users/bulk/{id}":        {get("/users/bulk/"+id(f.bulkOut), nf)},
		"GET /users/export.csv":       {get("/users/export.csv?id="+id(f.outside), nf), get("/users/export.csv?group="+id(f.sales), nf)},
		"GET /invitations/export.csv": {get("/invitations/export.csv?igroup="+id(f.sales), nf)},
		"POST /users/invite":          {post("/users/invite", url.Values{"emails": {"x1@newco.example"}, "group": {id(f.sales)}}, unprocessable)},
		"POST /users/links":           {post("/users/links", url.Values{"label": {"x"}, "max_uses": {"5"}, "group": {id(f.sales)}}, unprocessable)},
		"GET /invitations/{id}/link": {get("/invitations/"+id(f.invOut)+"/link", nf), get("/invitations/"+id(f.invNone)+"/link", nf),
			get("/invitations/"+id(f.linkOut)+"/link", nf)},
		"GET /invitations/{id}/joined": {get("/invitations/"+id(f.linkOut)+"/joined", nf)},
		"POST /invitations/{id}/{action}": {
			post("/invitations/"+id(f.invOut)+"/revoke", nil, nf), post("/invitations/"+id(f.invOut)+"/resend", nil, nf),
			post("/invitations/"+id(f.invNone)+"/extend", nil, nf), post("/invitations/"+id(f.linkOut)+"/regenerate", nil, nf)},
		"POST /invitations/bulk": {
			post("/invitations/bulk", url.Values{"id": {id(f.invIn), id(f.invOut)}, "action": {"revoke"}}, nf),
			post("/invitations/bulk", url.Values{"id": {id(f.invNone)}, "action": {"resend"}}, nf)},
		"GET /join-requests/{id}/approve":   {get("/join-requests/"+id(f.reqOut)+"/approve", nf)},
		"POST /join-requests/{id}/approve":  {post("/join-requests/"+id(f.reqOut)+"/approve", url.Values{"group": {id(f.payables)}}, nf)},
		"POST /join-requests/{id}/deny":     {post("/join-requests/"+id(f.reqOut)+"/deny", nil, nf)},
		"POST /users/import":                nil, // rows are checked against their groups: TestGroupAdministratorImport
		"GET /users/import/{id}":            {get("/users/import/"+id(f.importOut), nf)},
		"POST /users/import/{id}/confirm":   {post("/users/import/"+id(f.importOut)+"/confirm", nil, nf)},
		"GET /users/import/{id}/progress":   {get("/users/import/"+id(f.importOut)+"/progress", nf)},
		"GET /users/import/{id}/report.csv": {get("/users/import/"+id(f.importOut)+"/report.csv", nf)},
		// Groups: their subtree only, and the group they administer stays put.
		"GET /groups":              nil,                                                     // held to the subtree: TestGroupAdministratorSeesOnlyTheirSubtree
		"GET /groups/new":          {get("/groups/new?parent="+id(f.sales), http.StatusOK)}, // an unknown parent falls back to theirs
		"POST /groups":             {post("/groups", url.Values{"parent": {id(f.sales)}, "name": {"X"}}, nf)},
		"GET /groups/{id}/rename":  {get("/groups/"+id(f.sales)+"/rename", nf)},
		"POST /groups/{id}/rename": {post("/groups/"+id(f.sales)+"/rename", url.Values{"name": {"X"}}, nf)},
		"GET /groups/{id}/move":    {get("/groups/"+id(f.sales)+"/move", nf)},
		"POST /groups/{id}/move": {
			post("/groups/"+id(f.sales)+"/move", url.Values{"parent": {id(f.finance)}}, nf),
			post("/groups/"+id(f.payables)+"/move", url.Values{"parent": {id(f.sales)}}, nf),
			post("/groups/"+id(f.finance)+"/move", url.Values{"parent": {id(f.sales)}}, unprocessable)},
		"GET /groups/{id}/delete":  {get("/groups/"+id(f.sales)+"/delete", nf)},
		"POST /groups/{id}/delete": {post("/groups/"+id(f.sales)+"/delete", nil, nf), post("/groups/"+id(f.finance)+"/delete", nil, unprocessable)},
		// Account-wide screens are the account administrators'.
		"GET /roles":        {get("/roles", forbidden)},
		"GET /roles/new":    {get("/roles/new", forbidden)},
		"POST /roles":       {post("/roles", url.Values{"name": {"X"}}, forbidden)},
		"GET /audit":        {get("/audit", forbidden)},
		"GET /audit/people": {get("/audit/people?q=a", forbidden)},
		"GET /settings":     {get("/settings", forbidden)},
		"POST /settings":    {post("/settings", url.Values{"invite_validity_days": {"5"}}, forbidden)},
	}
}

// A group administrator aiming any route at people, groups, invitations,
// links, join requests or imports outside their subtree gets 404 (or 403
// where the thing is theirs to see but not to change), and nothing
// changes. A new route without a row here fails the test.
func TestGroupAdministratorScopeOnEveryRoute(t *testing.T) {
	a := newApp(t)
	f := newScopeFixture(t, a)
	cases := scopeCases(f)
	seen := map[string]bool{}
	err := chi.Walk(a.Server.Routes(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		key := method + " " + strings.TrimSuffix(route, "/")
		if route == "/" {
			key = method + " /"
		}
		if route == "/static/*" {
			key = "GET /static/*" // a file server under every method
		}
		seen[key] = true
		if _, ok := cases[key]; !ok {
			t.Errorf("route %s has no row in scopeCases: say what a group administrator gets from it outside their subtree", key)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for key := range cases {
		if !seen[key] && key != "GET /dev/mail" { // only with the dev outbox
			if !seen[key] {
				t.Errorf("scopeCases lists %s, which is not a route", key)
			}
		}
	}
	c := a.signIn(t, postgres.DemoGroupAdminEmail, postgres.DemoMemberPassword)
	before := accountSnapshot(t, a)
	n := 0
	for key, list := range cases {
		for _, tc := range list {
			for _, htmx := range []bool{false, true} {
				var headers []string
				if htmx {
					headers = []string{"HX-Request", "true"}
				}
				var status int
				if tc.method == http.MethodGet {
					res, _ := a.get(t, c, tc.path, headers...)
					status = res.StatusCode
				} else {
					status = a.post(t, c, tc.path, tc.form, headers...).StatusCode
				}
				if status != tc.want {
					t.Errorf("%s: %s %s (htmx %v) answered %d, want %d", key, tc.method, tc.path, htmx, status, tc.want)
				}
				n++
			}
		}
	}
	if after := accountSnapshot(t, a); after != before {
		t.Errorf("refused requests changed the account")
	}
	t.Logf("%d routes walked, %d refused requests", len(seen), n)
}

// The hub of a group administrator shows their subtree: its people,
// invitations, counts and exports, and offers only their groups.
func TestGroupAdministratorSeesOnlyTheirSubtree(t *testing.T) {
	a := newApp(t)
	f := newScopeFixture(t, a)
	ctx := context.Background()
	c := a.signIn(t, postgres.DemoGroupAdminEmail, postgres.DemoMemberPassword)
	email := func(id int64) string {
		var e string
		if err := a.Pool.QueryRow(ctx, `SELECT email FROM users WHERE id = $1`, id).Scan(&e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	var want int64
	if err := a.Pool.QueryRow(ctx, `SELECT count(DISTINCT m.user_id) FROM memberships m JOIN groups g ON g.account_id = m.account_id AND g.id = m.group_id
	  WHERE g.path @> ARRAY[$1::bigint]`, f.finance).Scan(&want); err != nil {
		t.Fatal(err)
	}
	res, body := a.get(t, c, "/users?sort=added&desc=1")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("hub: %d %s", res.StatusCode, body)
	}
	doc := parse(t, body)
	if got := doc.Find("#people-count").Text(); got != fmt.Sprint(want) {
		t.Errorf("People tab count %q, want %d (Finance's subtree)", got, want)
	}
	if !strings.Contains(doc.Find("#scope-banner").Text(), "Finance") {
		t.Errorf("no banner naming the subtree: %q", doc.Find("#scope-banner").Text())
	}
	// Every group offered is in Finance's subtree.
	doc.Find("select[name=group] option[value]").Each(func(_ int, s *goquery.Selection) {
		if v, _ := s.Attr("value"); v != "" && v != "0" {
			gid, _ := strconv.ParseInt(v, 10, 64)
			var in bool
			a.Pool.QueryRow(ctx, `SELECT path @> ARRAY[$2::bigint] FROM groups WHERE id = $1`, gid, f.finance).Scan(&in)
			if !in {
				t.Errorf("group picker offers %s (%s), outside Finance", v, s.Text())
			}
		}
	})
	rows := func(q string) string {
		_, body := a.get(t, c, "/users?q="+url.QueryEscape(q))
		return parse(t, body).Find("#people-results tbody").Text()
	}
	for _, q := range []string{email(f.inside), email(f.straddler)} {
		if !strings.Contains(rows(q), q) {
			t.Errorf("searching %s (in reach) does not find them", q)
		}
	}
	for _, q := range []string{email(f.outside), email(f.noGroup)} {
		if strings.Contains(rows(q), q) {
			t.Errorf("searching %s (out of reach) shows them", q)
		}
	}
	// A filter on a group out of reach is dropped with a note.
	if _, body := a.get(t, c, "/users?group="+strconv.FormatInt(f.sales, 10)); !strings.Contains(body, "alert-warn") || strings.Contains(body, email(f.outside)) {
		t.Errorf("a Sales filter was not dropped with a note")
	}
	// Invitations: the Payables one, not the Sales or group-less ones.
	_, body = a.get(t, c, "/users?tab=invitations")
	if !strings.Contains(body, "in.scope@newco.example") || strings.Contains(body, "out.of.scope@newco.example") || strings.Contains(body, "no.group@newco.example") ||
		strings.Contains(body, "Sales scope link") || !strings.Contains(body, "Finance scope link") {
		t.Errorf("Invitations tab is not held to Finance's subtree")
	}
	// Exports hold to the same reach.
	_, csv := a.get(t, c, "/users/export.csv")
	if !strings.Contains(csv, email(f.inside)) || strings.Contains(csv, email(f.outside)) || strings.Contains(csv, email(f.noGroup)) {
		t.Errorf("People export is not held to Finance's subtree")
	}
	if rows := strings.Count(strings.TrimSpace(csv), "\n"); int64(rows) != want {
		t.Errorf("People export has %d rows, want %d", rows, want)
	}
	_, csv = a.get(t, c, "/invitations/export.csv")
	if !strings.Contains(csv, "in.scope@newco.example") || strings.Contains(csv, "out.of.scope@newco.example") || strings.Contains(csv, "no.group@newco.example") {
		t.Errorf("Invitations export is not held to Finance's subtree")
	}
	// The person page of someone also in Sales shows that membership read
	// only, and no status actions.
	_, body = a.get(t, c, "/users/"+strconv.FormatInt(f.straddler, 10))
	doc = parse(t, body)
	if doc.Find("tr.elsewhere").Length() != 1 || doc.Find(`form[action$="/status"]`).Length() != 0 {
		t.Errorf("straddler's page: %d read-only memberships, %d status forms", doc.Find("tr.elsewhere").Length(), doc.Find(`form[action$="/status"]`).Length())
	}

	// What is theirs they manage: invite into Payables, not without a group.
	if res := a.post(t, c, "/users/invite", url.Values{"emails": {"nogroup.try@newco.example"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("invite with no group: %d, want 422", res.StatusCode)
	}
	if res := a.post(t, c, "/users/invite", url.Values{"emails": {"payables.new@newco.example"}, "group": {strconv.FormatInt(f.payables, 10)}}); res.StatusCode != http.StatusOK {
		t.Errorf("invite into Payables: %d", res.StatusCode)
	}
	var invited int
	a.Pool.QueryRow(ctx, `SELECT count(*) FROM invitations WHERE email = 'payables.new@newco.example' AND group_ids = ARRAY[$1::bigint]`, f.payables).Scan(&invited)
	if invited != 1 {
		t.Errorf("the Payables invitation was not made")
	}
	if res := a.post(t, c, "/users/"+strconv.FormatInt(f.inside, 10)+"/status", url.Values{"status": {"deactivated"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("deactivate someone in reach: %d", res.StatusCode)
	}
	if res := a.post(t, c, "/invitations/"+strconv.FormatInt(f.invIn, 10)+"/revoke", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("revoke an invitation in reach: %d", res.StatusCode)
	}
	// Their subtree's groups are theirs to add, move and delete.
	fid, pid := strconv.FormatInt(f.finance, 10), strconv.FormatInt(f.payables, 10)
	if res := a.post(t, c, "/groups", url.Values{"parent": {fid}, "name": {"Audit Team"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("create a subgroup of Finance: %d", res.StatusCode)
	}
	var team int64
	a.Pool.QueryRow(ctx, `SELECT id FROM groups WHERE name = 'Audit Team' AND parent_id = $1`, f.finance).Scan(&team)
	tid := strconv.FormatInt(team, 10)
	if res := a.post(t, c, "/groups/"+tid+"/move", url.Values{"parent": {pid}}); team == 0 || res.StatusCode != http.StatusSeeOther {
		t.Errorf("move it under Payables: %d", res.StatusCode)
	}
	if res := a.post(t, c, "/groups/"+tid+"/delete", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("delete it: %d", res.StatusCode)
	}
	// The counts they see are their subtree's, recounted.
	_, body = a.get(t, c, "/users")
	doc = parse(t, body)
	var active int64
	a.Pool.QueryRow(ctx, `SELECT count(DISTINCT u.id) FROM users u JOIN memberships m ON m.account_id = u.account_id AND m.user_id = u.id
	  JOIN groups g ON g.account_id = m.account_id AND g.id = m.group_id WHERE g.path @> ARRAY[$1::bigint] AND u.status = 'active'`, f.finance).Scan(&active)
	if got := doc.Find(`a[href="/users?status=active"] .card-value`).Text(); got != fmt.Sprint(active) {
		t.Errorf("Active card %q, want %d", got, active)
	}
}

// A group administrator's CSV import accepts rows naming their groups and
// refuses, row by row, those naming others' groups or none.
func TestGroupAdministratorImport(t *testing.T) {
	a := newApp(t)
	newScopeFixture(t, a)
	c := a.signIn(t, postgres.DemoGroupAdminEmail, postgres.DemoMemberPassword)
	csv := "email,name,groups\nok.row@newco.example,Ok Row,Finance > Payables\nsales.row@newco.example,Sales Row,Sales\nbare.row@newco.example,Bare Row,\n"
	res, body := a.upload(t, c, "people.csv", []byte(csv))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	for _, want := range []string{"Unknown group", "Give one of the groups you manage"} {
		if !strings.Contains(body, want) {
			t.Errorf("dry run does not say %q", want)
		}
	}
	var id int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT id FROM csv_imports ORDER BY id DESC LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	var invites, errs int
	a.Pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE outcome = 'invite'), count(*) FILTER (WHERE outcome = 'error') FROM csv_import_rows WHERE import_id = $1`, id).Scan(&invites, &errs)
	if invites != 1 || errs != 2 {
		t.Errorf("dry run: %d to invite and %d errors, want 1 and 2", invites, errs)
	}
}
