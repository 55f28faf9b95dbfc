package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/roster-hub/roster/internal/mail"
	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/internal/server"
)

// The isolation suite (issue 6, item 1): one table with a row for every
// route of the router. A subject (an administrator of account B, and later
// a group administrator) is given the ids of things it must not reach
// (account A's people, groups, roles, invitations, links, join requests,
// imports, filters), and every request must answer 404 (or, for lists and
// exports that take ids in the query, show nothing of them) and change
// nothing: a checksum of every tenant table's rows of account A is the
// same before and after. TestIsolationTableCoversEveryRoute fails when a
// route is added without a row.

// isoIDs are the ids of one side of the fixture.
type isoIDs struct {
	Account, Admin, Person, Group, Role, Invitation, Link, JoinRequest, Import, BulkJob int64
}

// isoFixture holds the ids the subject must not reach (Other) and the
// subject's own (Own), and the words that must never appear in a response
// to the subject (names only Other's rows carry).
type isoFixture struct {
	Other, Own isoIDs
	Markers    []string
}

// isoReq is one request of a row. Want is the status it must answer (0:
// 404).
type isoReq struct {
	Path    string
	Form    url.Values // posted as a form (POST rows)
	File    string     // posted as the "file" part of a multipart form instead
	Headers []string
	Want    int
}

// routeRow covers one route (method and pattern, as chi.Walk names it).
// Either Public says why the route takes no id of any account and nothing
// is requested, or Reqs builds the requests from the fixture.
type routeRow struct {
	Method, Pattern string
	Public          string
	Reqs            func(f *isoFixture) []isoReq
	// Optional routes exist only in some configurations (the dev outbox).
	Optional bool
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// randomToken is shaped like a link token and names nothing.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func get(path string, want int) isoReq { return isoReq{Path: path, Want: want} }

func post(path string, form url.Values, want int) isoReq {
	if form == nil {
		form = url.Values{}
	}
	return isoReq{Path: path, Form: form, Want: want}
}

func reqs(rs ...isoReq) func(*isoFixture) []isoReq {
	return func(*isoFixture) []isoReq { return rs }
}

// isolationRows is the table: every route of routes.go.
func isolationRows() []routeRow {
	const ok, notFound = http.StatusOK, 0
	return []routeRow{
		// Public pages and the process's own endpoints: no account data.
		{Method: "GET", Pattern: "/static/*", Public: "embedded static files"},
		{Method: "HEAD", Pattern: "/static/*", Public: "embedded static files"},
		{Method: "GET", Pattern: "/healthz", Public: "process liveness, no data"},
		{Method: "GET", Pattern: "/readyz", Public: "database readiness, no account data"},
		{Method: "GET", Pattern: "/", Reqs: reqs(get("/", http.StatusSeeOther))},
		{Method: "GET", Pattern: "/login", Reqs: reqs(get("/login", http.StatusSeeOther))},
		{Method: "POST", Pattern: "/login", Public: "sign-in takes credentials, not ids (throttle and same-answer tests in auth_test.go)"},
		{Method: "GET", Pattern: "/signup", Reqs: reqs(get("/signup", ok))},
		{Method: "POST", Pattern: "/signup", Public: "creates a new account; takes no id"},
		{Method: "GET", Pattern: "/dev/mail", Public: "dev only (no SMTP): the process's outbox, never in serve", Optional: true},

		// Invitee pages take tokens, not ids: a token that names nothing is
		// as unknown as another account's would be (tokens are 32 random
		// bytes, kept only as SHA-256).
		{Method: "GET", Pattern: "/invite/{token}", Reqs: func(*isoFixture) []isoReq { return []isoReq{get("/invite/"+randomToken(), notFound)} }},
		{Method: "POST", Pattern: "/invite/{token}", Reqs: func(*isoFixture) []isoReq {
			return []isoReq{post("/invite/"+randomToken(), url.Values{"name": {"X"}, "password": {"long enough password 1"}}, notFound)}
		}},
		{Method: "POST", Pattern: "/invite/{token}/ask", Reqs: func(*isoFixture) []isoReq { return []isoReq{post("/invite/"+randomToken()+"/ask", nil, notFound)} }},
		{Method: "GET", Pattern: "/join/{token}", Reqs: func(*isoFixture) []isoReq { return []isoReq{get("/join/"+randomToken(), notFound)} }},
		{Method: "POST", Pattern: "/join/{token}", Reqs: func(*isoFixture) []isoReq {
			return []isoReq{post("/join/"+randomToken(), url.Values{"email": {"x@example.com"}, "name": {"X"}, "password": {"long enough password 1"}}, notFound)}
		}},
		{Method: "POST", Pattern: "/join/{token}/confirm", Reqs: func(*isoFixture) []isoReq {
			return []isoReq{post("/join/"+randomToken()+"/confirm", url.Values{"code": {"123456"}}, notFound)}
		}},
		{Method: "POST", Pattern: "/join/{token}/ask", Reqs: func(*isoFixture) []isoReq { return []isoReq{post("/join/"+randomToken()+"/ask", nil, notFound)} }},
		{Method: "GET", Pattern: "/join/confirm/{token}", Public: "shows a button only; the POST below checks the token"},
		{Method: "POST", Pattern: "/join/confirm/{token}", Reqs: func(*isoFixture) []isoReq { return []isoReq{post("/join/confirm/"+randomToken(), nil, notFound)} }},

		// The caller's own session and page.
		{Method: "POST", Pattern: "/logout", Public: "ends the caller's own session; takes no id"},
		{Method: "POST", Pattern: "/locale", Public: "saves the caller's own language; takes no id"},
		{Method: "POST", Pattern: "/logout/everywhere", Public: "ends the caller's own sessions; takes no id"},
		{Method: "GET", Pattern: "/account", Reqs: reqs(get("/account", ok))},

		// The hub: lists take ids in the query and must show nothing of them.
		{Method: "GET", Pattern: "/users", Reqs: func(f *isoFixture) []isoReq {
			o := f.Other
			return []isoReq{
				get("/users?group="+id(o.Group), ok),
				get("/users?role="+id(o.Role)+"&role="+id(o.Role+1), ok),
				get("/users?invited_by="+id(o.Admin), ok),
				get("/users?q=asecret", ok),
				get("/users?tab=invitations&igroup="+id(o.Group)+"&irole="+id(o.Role)+"&iinvited_by="+id(o.Admin), ok),
				get("/users?tab=invitations&iq=asecret", ok),
				get("/users?tab=invitations&istatus=join_request", ok),
			}
		}},
		{Method: "GET", Pattern: "/users/add", Reqs: reqs(get("/users/add", ok), get("/users/add?tab=link", ok))},
		{Method: "POST", Pattern: "/users/add/check", Reqs: reqs(post("/users/add/check", url.Values{"emails": {"new.person@example.com"}}, ok))},
		{Method: "POST", Pattern: "/users/invite", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{post("/users/invite", url.Values{"emails": {"new.person@example.com"}, "group": {id(f.Other.Group)}, "role": {id(f.Other.Role)}},
				http.StatusUnprocessableEntity)}
		}},
		{Method: "POST", Pattern: "/users/links", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{post("/users/links", url.Values{"label": {"L"}, "max_uses": {"5"}, "validity": {"24"}, "group": {id(f.Other.Group)}},
				http.StatusUnprocessableEntity)}
		}},
		{Method: "GET", Pattern: "/invitations/{id}/link", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{get("/invitations/"+id(f.Other.Invitation)+"/link", notFound), get("/invitations/"+id(f.Other.Link)+"/link", notFound)}
		}},
		{Method: "GET", Pattern: "/invitations/{id}/joined", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{get("/invitations/"+id(f.Other.Link)+"/joined", notFound)}
		}},
		{Method: "POST", Pattern: "/invitations/{id}/{action}", Reqs: func(f *isoFixture) []isoReq {
			var out []isoReq
			for _, action := range []string{"resend", "revoke", "extend", "remove", "regenerate"} {
				out = append(out, post("/invitations/"+id(f.Other.Invitation)+"/"+action, nil, notFound),
					post("/invitations/"+id(f.Other.Link)+"/"+action, nil, notFound))
			}
			return out
		}},
		// Bulk actions take ids in the form: another account's are not
		// among the caller's, so nothing changes ("0 changed").
		{Method: "POST", Pattern: "/invitations/bulk", Reqs: func(f *isoFixture) []isoReq {
			var out []isoReq
			for _, action := range []string{"resend", "revoke", "remove_expired"} {
				out = append(out, post("/invitations/bulk", url.Values{"action": {action}, "id": {id(f.Other.Invitation), id(f.Other.Link)}}, http.StatusSeeOther))
			}
			return out
		}},
		{Method: "GET", Pattern: "/join-requests/{id}/approve", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{get("/join-requests/"+id(f.Other.JoinRequest)+"/approve", notFound)}
		}},
		{Method: "POST", Pattern: "/join-requests/{id}/approve", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{post("/join-requests/"+id(f.Other.JoinRequest)+"/approve", url.Values{"group": {id(f.Own.Group)}}, notFound)}
		}},
		{Method: "POST", Pattern: "/join-requests/{id}/deny", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{post("/join-requests/"+id(f.Other.JoinRequest)+"/deny", nil, notFound)}
		}},

		// People (people.go).
		{Method: "GET", Pattern: "/users/{id}", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{get("/users/"+id(f.Other.Person), notFound), get("/users/"+id(f.Other.Admin), notFound),
				{Path: "/users/" + id(f.Other.Person), Headers: []string{"HX-Request", "true", "HX-Target", "dialog"}}}
		}},
		{Method: "POST", Pattern: "/users/{id}/status", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{post("/users/"+id(f.Other.Person)+"/status", url.Values{"status": {"deactivated"}}, notFound)}
		}},
		{Method: "POST", Pattern: "/users/{id}/remove", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{post("/users/"+id(f.Other.Person)+"/remove", nil, notFound)}
		}},
		{Method: "POST", Pattern: "/users/{id}/groups", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{
				post("/users/"+id(f.Other.Person)+"/groups", url.Values{"group": {id(f.Own.Group)}}, notFound),
				// the caller's own person into another account's group
				post("/users/"+id(f.Own.Person)+"/groups", url.Values{"group": {id(f.Other.Group)}, "role": {id(f.Other.Role)}}, notFound),
			}
		}},
		{Method: "POST", Pattern: "/users/{id}/groups/{gid}", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{
				post("/users/"+id(f.Other.Person)+"/groups/"+id(f.Other.Group), url.Values{"role": {id(f.Other.Role)}}, notFound),
				post("/users/"+id(f.Own.Person)+"/groups/"+id(f.Other.Group), url.Values{"role": {id(f.Other.Role)}}, notFound),
			}
		}},
		{Method: "POST", Pattern: "/users/{id}/groups/{gid}/remove", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{
				post("/users/"+id(f.Other.Person)+"/groups/"+id(f.Other.Group)+"/remove", nil, notFound),
				post("/users/"+id(f.Own.Person)+"/groups/"+id(f.Other.Group)+"/remove", nil, notFound),
			}
		}},
		{Method: "POST", Pattern: "/users/bulk", Reqs: func(f *isoFixture) []isoReq {
			o := f.Other
			var out []isoReq
			for _, action := range []string{"deactivate", "reactivate", "remove_group", "revoke_role"} {
				// another account's people are none of the caller's: nothing changes
				out = append(out, post("/users/bulk", url.Values{"action": {action}, "id": {id(o.Person), id(o.Admin)}, "group": {id(f.Own.Group)}, "role": {id(o.Role)}}, http.StatusSeeOther),
					// another account's group is not found
					post("/users/bulk", url.Values{"action": {action}, "id": {id(o.Person), id(o.Admin)}, "group": {id(o.Group)}, "role": {id(o.Role)}}, notFound))
			}
			out = append(out,
				post("/users/bulk", url.Values{"action": {"add_group"}, "id": {id(f.Own.Person)}, "group": {id(o.Group)}}, notFound),
				post("/users/bulk", url.Values{"action": {"add_group"}, "all": {"1"}, "group": {id(o.Group)}, "return": {"/users"}}, notFound),
				post("/users/bulk", url.Values{"action": {"grant_role"}, "id": {id(f.Own.Person)}, "group": {id(f.Own.Group)}, "role": {id(o.Role)}}, http.StatusBadRequest),
				post("/users/bulk", url.Values{"action": {"export"}, "id": {id(o.Person)}}, http.StatusSeeOther))
			return out
		}},

		{Method: "GET", Pattern: "/users/bulk/{id}", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{get("/users/bulk/"+id(f.Other.BulkJob), notFound)}
		}},

		// CSV export and import (csv.go, csvimport.go).
		{Method: "GET", Pattern: "/users/export.csv", Reqs: func(f *isoFixture) []isoReq {
			o := f.Other
			return []isoReq{get("/users/export.csv?id="+id(o.Person)+"&id="+id(o.Admin), ok),
				get("/users/export.csv?group="+id(o.Group), notFound),
				get("/users/export.csv?role="+id(o.Role)+"&invited_by="+id(o.Admin), ok),
				get("/users/export.csv?q=asecret", ok)}
		}},
		{Method: "GET", Pattern: "/invitations/export.csv", Reqs: func(f *isoFixture) []isoReq {
			o := f.Other
			return []isoReq{get("/invitations/export.csv?igroup="+id(o.Group), notFound),
				get("/invitations/export.csv?irole="+id(o.Role)+"&iinvited_by="+id(o.Admin), ok),
				get("/invitations/export.csv?iq=asecret", ok)}
		}},
		{Method: "GET", Pattern: "/users/import", Reqs: reqs(get("/users/import", ok))},
		{Method: "POST", Pattern: "/users/import", Reqs: reqs(isoReq{Path: "/users/import",
			File: "email,name,groups,roles\nnew.person@example.com,New Person,Finance,Approver\n", Want: ok})},
		{Method: "GET", Pattern: "/users/import/template.csv", Reqs: reqs(get("/users/import/template.csv", ok))},
		{Method: "GET", Pattern: "/users/import/{id}", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{get("/users/import/"+id(f.Other.Import), notFound)}
		}},
		{Method: "POST", Pattern: "/users/import/{id}/confirm", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{post("/users/import/"+id(f.Other.Import)+"/confirm", nil, notFound)}
		}},
		{Method: "GET", Pattern: "/users/import/{id}/progress", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{get("/users/import/"+id(f.Other.Import)+"/progress", notFound),
				{Path: "/users/import/" + id(f.Other.Import) + "/progress", Headers: []string{"HX-Request", "true"}}}
		}},
		{Method: "GET", Pattern: "/users/import/{id}/report.csv", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{get("/users/import/"+id(f.Other.Import)+"/report.csv", notFound)}
		}},

		// Groups and roles (groups.go).
		{Method: "GET", Pattern: "/groups", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{get("/groups", ok), get("/groups?g="+id(f.Other.Group)+"&done=created", ok)}
		}},
		{Method: "GET", Pattern: "/groups/new", Reqs: func(f *isoFixture) []isoReq { return []isoReq{get("/groups/new?parent="+id(f.Other.Group), ok)} }},
		{Method: "POST", Pattern: "/groups", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{post("/groups", url.Values{"parent": {id(f.Other.Group)}, "name": {"Planted"}}, notFound)}
		}},
		{Method: "GET", Pattern: "/groups/{id}/rename", Reqs: func(f *isoFixture) []isoReq { return []isoReq{get("/groups/"+id(f.Other.Group)+"/rename", notFound)} }},
		{Method: "POST", Pattern: "/groups/{id}/rename", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{post("/groups/"+id(f.Other.Group)+"/rename", url.Values{"name": {"Renamed"}}, notFound)}
		}},
		{Method: "GET", Pattern: "/groups/{id}/move", Reqs: func(f *isoFixture) []isoReq { return []isoReq{get("/groups/"+id(f.Other.Group)+"/move", notFound)} }},
		{Method: "POST", Pattern: "/groups/{id}/move", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{
				post("/groups/"+id(f.Other.Group)+"/move", url.Values{"parent": {id(f.Own.Group)}}, notFound),
				post("/groups/"+id(f.Own.Group)+"/move", url.Values{"parent": {id(f.Other.Group)}}, notFound),
			}
		}},
		{Method: "GET", Pattern: "/groups/{id}/delete", Reqs: func(f *isoFixture) []isoReq { return []isoReq{get("/groups/"+id(f.Other.Group)+"/delete", notFound)} }},
		{Method: "POST", Pattern: "/groups/{id}/delete", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{post("/groups/"+id(f.Other.Group)+"/delete", nil, notFound)}
		}},
		{Method: "GET", Pattern: "/roles", Reqs: func(f *isoFixture) []isoReq {
			return []isoReq{get("/roles", ok), get("/roles?created="+id(f.Other.Role), ok)}
		}},
		{Method: "GET", Pattern: "/roles/new", Reqs: reqs(get("/roles/new", ok))},
		{Method: "POST", Pattern: "/roles", Public: "creates a role in the caller's own account; takes no id"},

		// Audit log (audit.go): filters by another account's people show nothing.
		{Method: "GET", Pattern: "/audit", Reqs: func(f *isoFixture) []isoReq {
			o := f.Other
			return []isoReq{get("/audit?actor="+id(o.Admin), ok), get("/audit?target=alice.asecret@acme.example", ok),
				get("/audit?action=invited", ok), get("/audit?actor="+id(o.Person)+"&from=2000-01-01", ok)}
		}},
		{Method: "GET", Pattern: "/audit/people", Reqs: reqs(get("/audit/people?target=asecret", ok), get("/audit/people?target=alex", ok))},

		// Settings (settings.go): the caller's own account only.
		{Method: "GET", Pattern: "/settings", Reqs: reqs(get("/settings", ok))},
		{Method: "POST", Pattern: "/settings", Public: "saves the caller's own account's settings; takes no id"},
	}
}

// walkRoutes lists every method and pattern of the router, with every
// optional route switched on.
func walkRoutes(t *testing.T) []string {
	t.Helper()
	s := server.NewServer(server.Deps{Outbox: mail.NewOutbox(discardLogger(), 1), Logger: discardLogger()})
	var out []string
	err := chi.Walk(s.Routes(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.ReplaceAll(route, "/*/", "/") // chi names groups' joins so
		out = append(out, method+" "+route)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func TestIsolationTableCoversEveryRoute(t *testing.T) {
	t.Parallel()
	rows := map[string]routeRow{}
	for _, r := range isolationRows() {
		k := r.Method + " " + r.Pattern
		if _, dup := rows[k]; dup {
			t.Errorf("two rows for %s", k)
		}
		if (r.Public == "") == (r.Reqs == nil) {
			t.Errorf("%s: a row says either why it is public or which requests to make", k)
		}
		rows[k] = r
	}
	routes := walkRoutes(t)
	withID := 0
	for _, k := range routes {
		r, ok := rows[k]
		if !ok {
			t.Errorf("route %s has no row in the isolation table (isolation_test.go): add one giving it another account's ids, or say why it takes none", k)
			continue
		}
		if r.Reqs != nil {
			withID++
		}
		delete(rows, k)
	}
	for k, r := range rows {
		if !r.Optional {
			t.Errorf("row %s names no route of the router", k)
		}
	}
	t.Logf("isolation table: %d routes, %d requested with another account's ids, %d public or caller-only", len(routes), withID, len(routes)-withID)
}

// snapshot is a checksum of account acc's rows in every tenant table (every
// table with an account_id column, found in the catalogue so that tables
// added later are covered), and of its accounts row. Sessions' last-seen
// time is left out: reads refresh it.
func snapshot(t testing.TB, a *app, acc int64) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := a.Pool.Query(ctx, `SELECT table_name FROM information_schema.columns
	WHERE table_schema = 'public' AND column_name = 'account_id' ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d tenant tables found: %v", len(tables), tables)
	}
	out := map[string]string{}
	for _, tb := range append(tables, "accounts") {
		col := "account_id"
		if tb == "accounts" {
			col = "id"
		}
		q := fmt.Sprintf(`SELECT count(*) || ':' || coalesce(md5(string_agg((to_jsonb(t) - 'last_seen_at')::text, '|' ORDER BY (to_jsonb(t) - 'last_seen_at')::text)), '')
		FROM %q t WHERE %s = $1`, tb, col)
		var sum string
		if err := a.Pool.QueryRow(ctx, q, acc).Scan(&sum); err != nil {
			t.Fatalf("%s: %v", tb, err)
		}
		out[tb] = sum
	}
	return out
}

func sameSnapshot(t testing.TB, before, after map[string]string, what string) {
	t.Helper()
	for tb, b := range before {
		if after[tb] != b {
			t.Errorf("%s changed account A's %s (%s -> %s)", what, tb, b, after[tb])
		}
	}
}

// newIsolationFixture makes account A (the demo account, plus rows named
// "…Asecret…" of every kind) and account B (a new sign-up with a person
// and a group of its own), and returns the ids and B's administrator.
func newIsolationFixture(t *testing.T, a *app) (*isoFixture, *http.Client) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	f := &isoFixture{Markers: []string{postgres.DemoAccountName, "Alice Asecret", "alice.asecret@acme.example", "Pat Asecret",
		"pending.asecret@example.com", "Asecret Group", "Asecret Role", "Asecret Link", "Jill Asecret", "jill.asecret@example.com",
		"Ivy Asecret", "import.asecret@example.com", "asecret.csv"}}
	o := &f.Other
	o.Account = a.admAccount(t)
	o.Admin = a.admUserID(t, postgres.DemoAdminEmail)
	groups := postgres.NewGroupStore(a.Pool)
	g, err := groups.CreateGroup(ctx, o.Account, o.Admin, rootGroup(t, a, o.Account), "Asecret Group", now)
	if err != nil {
		t.Fatal(err)
	}
	o.Group = g.ID
	role, err := groups.CreateRole(ctx, o.Account, o.Admin, "Asecret Role", "Only account A has it", now)
	if err != nil {
		t.Fatal(err)
	}
	o.Role = role.ID
	if err := a.Pool.QueryRow(ctx, `INSERT INTO users (account_id, email, name) VALUES ($1, 'alice.asecret@acme.example', 'Alice Asecret') RETURNING id`,
		o.Account).Scan(&o.Person); err != nil {
		t.Fatal(err)
	}
	users := postgres.NewUserStore(a.Pool)
	if _, err := users.AddToGroup(ctx, o.Account, o.Admin, []int64{o.Person}, o.Group, []int64{o.Role}, now); err != nil {
		t.Fatal(err)
	}
	res, err := a.Invitations.CreateEmailInvitations(ctx, o.Account, o.Admin, roster.EmailInvites{
		Addresses: []roster.Address{{Email: "pending.asecret@example.com", Name: "Pat Asecret"}}, GroupIDs: []int64{o.Group}, RoleIDs: []int64{o.Role},
	}, now)
	if err != nil || len(res) != 1 || res[0].Outcome != roster.OutcomeInvited {
		t.Fatalf("invite in A: %v %+v", err, res)
	}
	if err := a.Pool.QueryRow(ctx, `SELECT id FROM invitations WHERE account_id = $1 AND email = 'pending.asecret@example.com'`, o.Account).Scan(&o.Invitation); err != nil {
		t.Fatal(err)
	}
	link, _, err := a.Invitations.CreateInviteLink(ctx, o.Account, o.Admin, roster.LinkInvite{
		Label: "Asecret Link", GroupIDs: []int64{o.Group}, ValidityHours: 48, MaxUses: 5, Approval: true,
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	o.Link = link.ID
	if err := a.Pool.QueryRow(ctx, `INSERT INTO join_requests (account_id, invitation_id, email, name, status, group_ids)
	VALUES ($1, $2, 'jill.asecret@example.com', 'Jill Asecret', 'pending', ARRAY[$3::bigint]) RETURNING id`, o.Account, o.Link, o.Group).Scan(&o.JoinRequest); err != nil {
		t.Fatal(err)
	}
	im, err := a.Invitations.PrepareImport(ctx, o.Account, o.Admin, "asecret.csv", nil, []roster.ImportRow{
		{Line: 2, Email: "import.asecret@example.com", Name: "Ivy Asecret", Groups: "Asecret Group", GroupIDs: []int64{o.Group}, Outcome: roster.ImportInvite},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	o.Import = im.ID
	if err := a.Pool.QueryRow(ctx, `INSERT INTO bulk_jobs (account_id, actor_id, action, group_id, view, status, finished_at)
	VALUES ($1, $2, 'add_group', $3, 'q=asecret', 'done', now()) RETURNING id`, o.Account, o.Admin, o.Group).Scan(&o.BulkJob); err != nil {
		t.Fatal(err)
	}

	// Account B, signed up through the site.
	c := a.client(t)
	res2 := a.post(t, c, "/signup", url.Values{"account": {"Bravo Isolation"}, "name": {"Bea Bravo"}, "email": {"bea@bravo.example"},
		"password": {"bravo-admin-password"}})
	if res2.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign up B: %d", res2.StatusCode)
	}
	w := &f.Own
	w.Admin = a.admUserID(t, "bea@bravo.example")
	a.Pool.QueryRow(ctx, `SELECT account_id FROM users WHERE id = $1`, w.Admin).Scan(&w.Account)
	bg, err := groups.CreateGroup(ctx, w.Account, w.Admin, rootGroup(t, a, w.Account), "Bravo Team", now)
	if err != nil {
		t.Fatal(err)
	}
	w.Group = bg.ID
	hash, _ := server.HashPassword("bravo-person-password", bcrypt.MinCost)
	if err := a.Pool.QueryRow(ctx, `INSERT INTO users (account_id, email, name, password_hash) VALUES ($1, 'bob@bravo.example', 'Bob Bravo', $2) RETURNING id`,
		w.Account, hash).Scan(&w.Person); err != nil {
		t.Fatal(err)
	}
	if _, err := users.AddToGroup(ctx, w.Account, w.Admin, []int64{w.Person}, w.Group, nil, now); err != nil {
		t.Fatal(err)
	}
	return f, c
}

func rootGroup(t testing.TB, a *app, acc int64) int64 {
	t.Helper()
	var id int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT id FROM groups WHERE account_id = $1 AND parent_id IS NULL`, acc).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// do sends one request of a row and returns the response and its body.
func (a *app) do(t testing.TB, c *http.Client, method string, q isoReq, headers ...string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	ctype := ""
	switch {
	case q.File != "":
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "people.csv")
		fw.Write([]byte(q.File))
		mw.Close()
		body, ctype = &buf, mw.FormDataContentType()
	case method != http.MethodGet && method != http.MethodHead:
		body, ctype = strings.NewReader(q.Form.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequest(method, a.URL+q.Path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	h := append(slices.Clone(q.Headers), headers...)
	for i := 0; i+1 < len(h); i += 2 {
		req.Header.Set(h[i], h[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// isoSubject is who runs the table: a name and a signed-in client.
// Accept, when set, may accept a status other than the row's (a group
// administrator gets 403 from the account-wide screens, where an
// administrator of another account gets the row's 404); it must still be
// a refusal, and the no-leak and no-change checks still apply.
type isoSubject struct {
	Name   string
	Client *http.Client
	Accept func(r routeRow, q isoReq, status int) bool
}

// runIsolation runs every row of the table as subj with f's ids: each
// request answers its status (404 unless the row says otherwise), no 5xx,
// and no response names anything of f.Other; account A's rows are the
// same before and after.
func runIsolation(t *testing.T, a *app, f *isoFixture, subj isoSubject, rows []routeRow) int {
	t.Helper()
	before := snapshot(t, a, f.Other.Account)
	n := 0
	for _, r := range rows {
		if r.Reqs == nil {
			continue
		}
		for _, q := range r.Reqs(f) {
			n++
			res, body := a.do(t, subj.Client, r.Method, q)
			want := q.Want
			if want == 0 {
				want = http.StatusNotFound
			}
			accepted := subj.Accept != nil && res.StatusCode >= 400 && res.StatusCode < 500 && subj.Accept(r, q, res.StatusCode)
			if res.StatusCode != want && !accepted {
				t.Errorf("%s: %s %s (route %s): status %d, want %d\n%s", subj.Name, r.Method, q.Path, r.Pattern, res.StatusCode, want, excerpt(body))
			}
			lower := strings.ToLower(body + res.Header.Get("Location") + res.Header.Get("HX-Location"))
			asked, _ := url.QueryUnescape(q.Path + "?" + q.Form.Encode())
			for _, m := range f.Markers {
				if strings.Contains(strings.ToLower(asked), strings.ToLower(m)) {
					continue // the caller's own words, shown back to them
				}
				if strings.Contains(lower, strings.ToLower(m)) {
					t.Errorf("%s: %s %s (route %s) shows %q of the other account\n%s", subj.Name, r.Method, q.Path, r.Pattern, m, excerpt(body))
				}
			}
		}
	}
	sameSnapshot(t, before, snapshot(t, a, f.Other.Account), subj.Name+" running the isolation table")
	return n
}

func excerpt(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

func TestIsolationAccountAdministrator(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	f, b := newIsolationFixture(t, a)
	n := runIsolation(t, a, f, isoSubject{Name: "administrator of account B", Client: b}, isolationRows())
	t.Logf("%d requests with account A's ids", n)
	// The subject still works on its own account (the 404s above are about
	// A's ids, not a broken session).
	if res, body := a.get(t, b, "/users/"+id(f.Own.Person)); res.StatusCode != http.StatusOK || !strings.Contains(body, "Bob Bravo") {
		t.Fatalf("B's own person: %d", res.StatusCode)
	}
}

// requestFor is the request the CSRF and read-only suites make for a row:
// its first request, or for a public row the pattern with a token filled in.
func requestFor(r routeRow, f *isoFixture) isoReq {
	if r.Reqs != nil {
		return r.Reqs(f)[0]
	}
	p := strings.ReplaceAll(r.Pattern, "{token}", randomToken())
	p = strings.ReplaceAll(p, "*", "app.css")
	return isoReq{Path: p, Form: url.Values{}}
}

// Every state-changing route refuses a cross-origin request before any
// handler runs (403), and nothing changes, even when the request itself
// (an administrator acting on their own account's ids) would be good.
func TestCSRFRefusesEveryCrossOriginChange(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	f, _ := newIsolationFixture(t, a)
	// The subject is A's own administrator with A's own ids: if the check
	// let these through, they would change A.
	admin := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	before := snapshot(t, a, f.Other.Account)
	n := 0
	rows := map[string]routeRow{}
	for _, r := range isolationRows() {
		rows[r.Method+" "+r.Pattern] = r
	}
	for _, k := range walkRoutes(t) {
		method, _, _ := strings.Cut(k, " ")
		if method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions {
			continue
		}
		r, ok := rows[k]
		if !ok {
			t.Errorf("%s has no row", k)
			continue
		}
		q := requestFor(r, f)
		for _, h := range [][]string{
			{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"},
			{"Origin", "https://evil.example"},
			{"Sec-Fetch-Site", "cross-site"},
		} {
			n++
			res, body := a.do(t, admin, method, q, h...)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s with %v: status %d, want 403\n%s", method, q.Path, h, res.StatusCode, excerpt(body))
			}
		}
	}
	sameSnapshot(t, before, snapshot(t, a, f.Other.Account), "cross-origin requests")
	if n < 3*30 {
		t.Errorf("only %d cross-origin requests made", n)
	}
	// The same session still works (a same-origin change goes through).
	if res := a.post(t, admin, "/users/"+id(f.Other.Person)+"/status", url.Values{"status": {"deactivated"}}, "Origin", a.URL, "Sec-Fetch-Site", "same-origin"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin change: %d", res.StatusCode)
	}
	// ...and the snapshot sees such a change (it could fail).
	if after := snapshot(t, a, f.Other.Account); after["users"] == before["users"] || after["audit_events"] == before["audit_events"] {
		t.Fatal("the snapshot does not see a deactivation")
	}
	t.Logf("%d cross-origin requests refused", n)
}

// GET never changes state: an administrator opening every GET route of the
// router with their own account's ids leaves every row of the account,
// the audit trail included, as it was.
func TestGetRoutesChangeNothing(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	f, _ := newIsolationFixture(t, a)
	admin := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	// Emails queued while the data was made are still being sent (their
	// invitations' delivery changes): the snapshot waits for them.
	a.waitJobsDone(t)
	before := snapshot(t, a, f.Other.Account)
	rows := map[string]routeRow{}
	for _, r := range isolationRows() {
		rows[r.Method+" "+r.Pattern] = r
	}
	n := 0
	for _, k := range walkRoutes(t) {
		method, _, _ := strings.Cut(k, " ")
		if method != http.MethodGet {
			continue
		}
		r, ok := rows[k]
		if !ok {
			t.Errorf("%s has no row", k)
			continue
		}
		qs := []isoReq{requestFor(r, f)}
		if r.Reqs != nil {
			qs = r.Reqs(f)
		}
		for _, q := range qs {
			for _, h := range [][]string{nil, {"HX-Request", "true"}} {
				n++
				res, body := a.do(t, admin, method, q, h...)
				if res.StatusCode >= 500 {
					t.Errorf("GET %s %v: %d\n%s", q.Path, h, res.StatusCode, excerpt(body))
				}
			}
		}
	}
	a.waitJobsDone(t) // and anything a GET might have queued has run
	sameSnapshot(t, before, snapshot(t, a, f.Other.Account), "GET requests")
	t.Logf("%d GET requests, nothing changed", n)
}

// waitJobsDone waits until the job queue has nothing left to run now.
func (a *app) waitJobsDone(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var left int
		if err := a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM river_job
		WHERE state IN ('available', 'running', 'retryable') OR (state = 'scheduled' AND scheduled_at < now() + interval '5 seconds')`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs still to run after 30 s", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
