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

	"github.com/roster-hub/roster/internal/postgres"
)

func TestPersonDetail(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	member := a.id(t, `SELECT id FROM users WHERE email = $1`, postgres.DemoMemberEmail)
	path := fmt.Sprintf("/users/%d", member)
	res, body := a.get(t, c, path)
	doc := parse(t, body)
	if res.StatusCode != 200 || !strings.Contains(doc.Find("#person-body").Text(), "Payables") || doc.Find("head title").Length() != 1 {
		t.Fatalf("person page: %d", res.StatusCode)
	}
	_, body = a.get(t, c, path, "HX-Request", "true", "HX-Target", "dialog")
	if doc := parse(t, body); doc.Find("dialog#person-dialog #person-body").Length() != 1 || doc.Find("head title").Length() != 0 {
		t.Errorf("person dialog fragment wrong")
	}
	// Add to a group with a role, edit roles in place, leave the group.
	treasury := a.id(t, `SELECT id FROM groups WHERE name = 'Treasury'`)
	finance := a.id(t, `SELECT id FROM roles WHERE key = 'finance'`)
	analyst := a.id(t, `SELECT id FROM roles WHERE key = 'analyst'`)
	hxp := []string{"HX-Request", "true", "HX-Target", "person-body", "HX-Current-URL", a.URL + "/users"}
	res, body = a.postBody(t, c, path+"/groups", url.Values{"group": {strconv.FormatInt(treasury, 10)}, "role": {strconv.FormatInt(finance, 10)}}, hxp...)
	if res.StatusCode != 200 || !strings.Contains(body, "Treasury") || res.Header.Get("HX-Retarget") != "#person-body" {
		t.Fatalf("add to group: %d", res.StatusCode)
	}
	a.postBody(t, c, fmt.Sprintf("%s/groups/%d", path, treasury), url.Values{"role": {strconv.FormatInt(analyst, 10)}}, hxp...)
	var roles string
	a.Pool.QueryRow(t.Context(), `SELECT string_agg(r.key, ',') FROM role_assignments ra JOIN roles r ON r.id = ra.role_id WHERE ra.user_id = $1 AND ra.group_id = $2`, member, treasury).Scan(&roles)
	if roles != "analyst" {
		t.Errorf("roles in Treasury after edit: %q", roles)
	}
	a.postBody(t, c, fmt.Sprintf("%s/groups/%d/remove", path, treasury), nil, hxp...)
	var n int
	a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM memberships WHERE user_id = $1 AND group_id = $2`, member, treasury).Scan(&n)
	if n != 0 {
		t.Errorf("still in Treasury")
	}
	// Deactivating ends the person's session on their next request.
	session := a.signIn(t, postgres.DemoMemberEmail, postgres.DemoMemberPassword)
	res, _ = a.postBody(t, c, path+"/status", url.Values{"status": {"deactivated"}}, hxp...)
	if res.StatusCode != 200 {
		t.Fatalf("deactivate: %d", res.StatusCode)
	}
	if res, _ := a.get(t, session, "/account"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("deactivated person's session: %d", res.StatusCode)
	}
	// The last administrator cannot deactivate themself.
	admin := a.id(t, `SELECT id FROM users WHERE email = $1`, postgres.DemoAdminEmail)
	a.Pool.Exec(t.Context(), `DELETE FROM role_assignments ra USING roles r WHERE r.id = ra.role_id AND r.key = 'administrator' AND ra.user_id <> $1`, admin)
	res, body = a.postBody(t, c, fmt.Sprintf("/users/%d/status", admin), url.Values{"status": {"deactivated"}}, hxp...)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "without an active administrator") {
		t.Errorf("last admin deactivating: %d %s", res.StatusCode, body)
	}
}

func TestPeopleBulkActions(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	rows, _ := a.Pool.Query(t.Context(), `SELECT id::text FROM users WHERE email LIKE '%garcia%' AND status = 'active' ORDER BY id LIMIT 5`)
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	legal := a.id(t, `SELECT id FROM groups WHERE name = 'Legal'`)
	approver := a.id(t, `SELECT id FROM roles WHERE key = 'approver'`)
	hxp := []string{"HX-Request", "true", "HX-Target", "people-results", "HX-Current-URL", a.URL + "/users?group=" + strconv.FormatInt(legal, 10)}
	res, body := a.postBody(t, c, "/users/bulk", url.Values{"action": {"grant_role"}, "id": ids, "group": {strconv.FormatInt(legal, 10)}, "role": {strconv.FormatInt(approver, 10)}}, hxp...)
	if res.StatusCode != 200 {
		t.Fatalf("bulk grant: %d", res.StatusCode)
	}
	doc := parse(t, body)
	if got := doc.Find("#people-table tbody tr").Length(); got < len(ids) {
		t.Errorf("the refreshed Legal view shows %d rows, want at least %d", got, len(ids))
	}
	if doc.Find("#dashboard[hx-swap-oob]").Length() != 1 {
		t.Errorf("no dashboard update")
	}
	var n int
	a.Pool.QueryRow(t.Context(), `SELECT count(DISTINCT user_id) FROM role_assignments WHERE group_id = $1 AND role_id = $2 AND user_id::text = ANY($3)`, legal, approver, ids).Scan(&n)
	if n != len(ids) {
		t.Errorf("%d people hold Approver in Legal, want %d", n, len(ids))
	}
	before := 0
	a.Pool.QueryRow(t.Context(), `SELECT users_deactivated FROM account_counters`).Scan(&before)
	a.postBody(t, c, "/users/bulk", url.Values{"action": {"deactivate"}, "id": ids}, hxp...)
	after := 0
	a.Pool.QueryRow(t.Context(), `SELECT users_deactivated FROM account_counters`).Scan(&after)
	if after != before+len(ids) {
		t.Errorf("deactivated counter %d -> %d", before, after)
	}
	// Without JavaScript: a redirect back to the view.
	res = a.post(t, c, "/users/bulk", url.Values{"action": {"reactivate"}, "id": ids, "return": {"/users?status=active"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/users?status=active" {
		t.Errorf("plain bulk: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestPeopleRoutesAreScopedToTheAccount(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	other := a.client(t)
	a.post(t, other, "/signup", url.Values{"account": {"Initech"}, "name": {"Bill L"}, "email": {"bill@initech.example"}, "password": {"tps-reports-2026"}})
	member := a.id(t, `SELECT id FROM users WHERE email = $1`, postgres.DemoMemberEmail)
	payables := a.id(t, `SELECT id FROM groups WHERE name = 'Payables'`)
	for _, p := range []string{fmt.Sprintf("/users/%d", member)} {
		if res, _ := a.get(t, other, p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s from another account: %d", p, res.StatusCode)
		}
	}
	for _, p := range []string{fmt.Sprintf("/users/%d/status", member), fmt.Sprintf("/users/%d/remove", member), fmt.Sprintf("/users/%d/groups", member),
		fmt.Sprintf("/users/%d/groups/%d", member, payables), fmt.Sprintf("/users/%d/groups/%d/remove", member, payables)} {
		if res := a.post(t, other, p, url.Values{"status": {"deactivated"}, "group": {"1"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s from another account: %d", p, res.StatusCode)
		}
	}
	a.post(t, other, "/users/bulk", url.Values{"action": {"deactivate"}, "id": {strconv.FormatInt(member, 10)}})
	var status string
	var groups int
	a.Pool.QueryRow(t.Context(), `SELECT status, group_count FROM users WHERE id = $1`, member).Scan(&status, &groups)
	if status != "active" || groups != 1 {
		t.Errorf("another account changed the member: %s, %d groups", status, groups)
	}
}

// "All N matching this view" runs as a job the hub polls: every person of
// the view, not just the page shown, ends up in the group.
func TestBulkAllMatchingView(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	finance := a.id(t, `SELECT id FROM groups WHERE name = 'Finance'`)
	legal := a.id(t, `SELECT id FROM groups WHERE name = 'Legal'`)
	view := "/users?group=" + strconv.FormatInt(finance, 10)
	_, body := a.get(t, c, view)
	if parse(t, body).Find(`#bulk-people input[name=all][value="1"]`).Length() != 1 {
		t.Fatalf("no \"all matching\" choice on a view of several pages")
	}
	res, body := a.postBody(t, c, "/users/bulk", url.Values{"all": {"1"}, "action": {"add_group"}, "group": {strconv.FormatInt(legal, 10)},
		"return": {view}}, "HX-Request", "true", "HX-Current-URL", a.URL+view)
	if res.StatusCode != http.StatusAccepted || res.Header.Get("HX-Retarget") != "#bulk-status" {
		t.Fatalf("start: %d, retarget %q", res.StatusCode, res.Header.Get("HX-Retarget"))
	}
	poll, ok := parse(t, body).Find("#bulk-progress").Attr("hx-get")
	if !ok {
		t.Fatalf("no polled progress in %s", body)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, body = a.get(t, c, poll, "HX-Request", "true", "HX-Current-URL", a.URL+view)
		if strings.Contains(body, `id="bulk-done"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job did not finish: %s", body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	doc := parse(t, body)
	if doc.Find(`#people-results[hx-swap-oob]`).Length() != 1 || doc.Find(`#dashboard[hx-swap-oob]`).Length() != 1 {
		t.Errorf("a finished job does not refresh the table and the cards")
	}
	var missing, inView int
	a.Pool.QueryRow(context.Background(), `SELECT count(DISTINCT m.user_id) FILTER (WHERE NOT EXISTS (SELECT 1 FROM memberships l WHERE l.user_id = m.user_id AND l.group_id = $2)),
	  count(DISTINCT m.user_id) FROM memberships m JOIN groups g ON g.id = m.group_id WHERE g.path @> ARRAY[$1::bigint]`, finance, legal).Scan(&missing, &inView)
	if missing != 0 || inView <= 50 {
		t.Errorf("%d of the view's %d people are not in Legal", missing, inView)
	}
	// Without JavaScript the job has a page of its own.
	res, body = a.get(t, c, poll)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="bulk-done"`) {
		t.Errorf("job page: %d", res.StatusCode)
	}
}
