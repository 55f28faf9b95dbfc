package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
)

// hx is the header set of an htmx request aimed at target from the hub's
// Invitations tab.
func hx(target string) []string {
	return []string{"HX-Request", "true", "HX-Target", target, "HX-Current-URL", "http://x/users?tab=invitations"}
}

func (a *app) postBody(t *testing.T, c *http.Client, path string, form url.Values, headers ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res, readAll(res)
}

func (a *app) id(t *testing.T, sql string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := a.Pool.QueryRow(t.Context(), sql, args...).Scan(&id); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return id
}

func TestAddUsersDialogPageAndFragments(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	for _, tt := range []struct {
		path, target, want, notWant string
	}{
		{"/users/add", "", "html main #dialog-body textarea#add-emails", "dialog"},
		{"/users/add", "dialog", "dialog#add-users-dialog #dialog-body textarea#add-emails", "head title"},
		{"/users/add?tab=link", "dialog-body", "input#link-label", "dialog"},
	} {
		var h []string
		if tt.target != "" {
			h = []string{"HX-Request", "true", "HX-Target", tt.target}
		}
		res, body := a.get(t, c, tt.path, h...)
		doc := parse(t, body)
		if res.StatusCode != 200 || doc.Find(tt.want).Length() == 0 || doc.Find(tt.notWant).Length() != 0 {
			t.Errorf("%s (%s): status %d, want %q, not %q", tt.path, tt.target, res.StatusCode, tt.want, tt.notWant)
		}
	}
	_, body := a.postBody(t, c, "/users/add/check", url.Values{"emails": {"a@x.com, b@, Jo <jo@y.org>"}}, "HX-Request", "true")
	if !strings.Contains(body, "2 valid addresses") || !strings.Contains(body, "nothing after the @") {
		t.Errorf("address check: %s", body)
	}
}

func TestInviteByEmail(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	payables := a.id(t, `SELECT id FROM groups WHERE name = 'Payables'`)
	approver := a.id(t, `SELECT id FROM roles WHERE key = 'approver'`)
	deactivated := ""
	a.Pool.QueryRow(t.Context(), `SELECT email FROM users WHERE status = 'deactivated' LIMIT 1`).Scan(&deactivated)
	pending := ""
	a.Pool.QueryRow(t.Context(), `SELECT email FROM invitations WHERE status = 'pending' AND kind = 'email' AND expires_at > now() LIMIT 1`).Scan(&pending)

	form := url.Values{
		"emails":   {fmt.Sprintf("new.one@hire.example, Two <new.two@hire.example>, broken@, %s, %s, %s", postgres.DemoMemberEmail, deactivated, pending)},
		"group":    {strconv.FormatInt(payables, 10)},
		"role":     {strconv.FormatInt(approver, 10)},
		"message":  {"Welcome aboard!\nSee you Monday."},
		"validity": {"30"},
	}
	res, body := a.postBody(t, c, "/users/invite", form, hx("dialog-body")...)
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	doc := parse(t, body)
	got := map[string]string{}
	doc.Find("#invite-results-table tbody tr").Each(func(_ int, s *goquery.Selection) {
		o, _ := s.Attr("data-outcome")
		got[strings.TrimSpace(s.Find(".email-cell").Text())] = o
	})
	want := map[string]string{"new.one@hire.example": "invited", "new.two@hire.example": "invited", "broken@": "invalid",
		postgres.DemoMemberEmail: "member", deactivated: "deactivated", pending: "already_invited"}
	for e, o := range want {
		if got[e] != o {
			t.Errorf("%s: outcome %q, want %q (all: %v)", e, got[e], o, got)
		}
	}
	// The hub underneath is swapped out of band.
	for _, sel := range []string{`#dashboard[hx-swap-oob]`, `#invitations-count[hx-swap-oob]`, `#people-count[hx-swap-oob]`, `#invites-results[hx-swap-oob]`} {
		if doc.Find(sel).Length() != 1 {
			t.Errorf("no out-of-band %s", sel)
		}
	}
	// Two emails, with the message, the group, the role and a working link.
	msgs := a.SMTP.WaitFor(t, 2, 10*time.Second)
	for _, m := range msgs {
		if !strings.HasPrefix(m.To, "new.") {
			continue
		}
		for _, want := range []string{"Payables", "Approver", "See you Monday.", "Acme Corporation", "Alex Morgan"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("email to %s lacks %q", m.To, want)
			}
		}
		if link := m.Link("/invite/"); link == "" {
			t.Errorf("email to %s has no invitation link", m.To)
		}
	}
	// Delivery is recorded as sent.
	deadline := time.Now().Add(5 * time.Second)
	for {
		var sent int
		a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM invitations WHERE email LIKE 'new.%@hire.example' AND delivery = 'sent' AND expires_at > now() + interval '29 days' AND expires_at < now() + interval '31 days'`).Scan(&sent)
		if sent == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d invitations marked sent with a 30-day expiry, want 2", sent)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Audited.
	var audited int
	a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_events WHERE action = 'invited' AND detail->>'email' LIKE 'new.%'`).Scan(&audited)
	if audited != 2 {
		t.Errorf("%d invited audit events, want 2", audited)
	}
}

func TestInviteByEmailProblems(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	approver := a.id(t, `SELECT id FROM roles WHERE key = 'approver'`)
	many := make([]string, 501)
	for i := range many {
		many[i] = fmt.Sprintf("p%d@many.example", i)
	}
	for _, tt := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"nothing", url.Values{"emails": {"  "}}, "emails"},
		{"all invalid", url.Values{"emails": {"nope, @x.com"}}, "emails"},
		{"too many", url.Values{"emails": {strings.Join(many, ",")}}, "emails"},
		{"roles without group", url.Values{"emails": {"x@y.example"}, "role": {strconv.FormatInt(approver, 10)}}, "roles"},
		{"another account's group", url.Values{"emails": {"x@y.example"}, "group": {"999999"}}, "roles"},
	} {
		res, body := a.postBody(t, c, "/users/invite", tt.form, hx("dialog-body")...)
		doc := parse(t, body)
		if res.StatusCode != http.StatusUnprocessableEntity || doc.Find("#problem-"+tt.field).Length() != 1 {
			t.Errorf("%s: status %d, problem on %s: %d", tt.name, res.StatusCode, tt.field, doc.Find("#problem-"+tt.field).Length())
		}
		if v := doc.Find("#add-emails").Text(); v != tt.form.Get("emails") {
			t.Errorf("%s: typed addresses lost", tt.name)
		}
	}
	var n int
	a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM invitations WHERE email LIKE '%@many.example' OR email = 'x@y.example'`).Scan(&n)
	if n != 0 {
		t.Errorf("%d invitations made by refused submits", n)
	}
}

func TestInviteFiveHundredAtOnce(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	emails := make([]string, 500)
	for i := range emails {
		emails[i] = fmt.Sprintf("bulk%03d@batch.example", i)
	}
	start := time.Now()
	res, body := a.postBody(t, c, "/users/invite", url.Values{"emails": {strings.Join(emails, "\n")}}, hx("dialog-body")...)
	took := time.Since(start)
	if res.StatusCode != 200 || strings.Count(body, `data-outcome="invited"`) != 500 {
		t.Fatalf("status %d, %d invited", res.StatusCode, strings.Count(body, `data-outcome="invited"`))
	}
	t.Logf("500-address submit took %s", took)
	var jobs int
	a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM river_job WHERE kind = 'email' AND args->>'to' LIKE '%@batch.example'`).Scan(&jobs)
	if jobs != 500 {
		t.Errorf("%d email jobs, want 500", jobs)
	}
}

func TestCreateInviteLink(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	sales := a.id(t, `SELECT id FROM groups WHERE name = 'Sales'`)
	res, body := a.postBody(t, c, "/users/links", url.Values{"label": {""}, "max_uses": {"0"}, "domains": {"not a domain"}}, hx("dialog-body")...)
	doc := parse(t, body)
	if res.StatusCode != 422 || doc.Find("#problem-label, #problem-max_uses, #problem-domains").Length() != 3 {
		t.Errorf("invalid link: status %d, %d problems", res.StatusCode, doc.Find(".problem").Length())
	}
	res, body = a.postBody(t, c, "/users/links", url.Values{"label": {"Spring hires"}, "group": {strconv.FormatInt(sales, 10)},
		"validity": {"168"}, "max_uses": {"25"}, "domains": {"@Acme.example, acme.co.uk"}, "approval": {"1", "0"}}, hx("dialog-body")...)
	doc = parse(t, body)
	link, _ := doc.Find("#invite-link").Attr("value")
	if res.StatusCode != 200 || !strings.HasPrefix(link, a.URL+"/join/") || doc.Find("[data-copy]").Length() != 1 {
		t.Fatalf("link created: status %d, link %q", res.StatusCode, link)
	}
	var maxUses int
	var domains []string
	var approval bool
	var hours float64
	a.Pool.QueryRow(t.Context(), `SELECT max_uses, allowed_domains, approval_required, extract(epoch FROM expires_at - created_at)/3600 FROM invitations WHERE label = 'Spring hires'`).
		Scan(&maxUses, &domains, &approval, &hours)
	if maxUses != 25 || strings.Join(domains, ",") != "acme.example,acme.co.uk" || !approval || hours != 168 {
		t.Errorf("stored link: %d uses, %v, approval %v, %v hours", maxUses, domains, approval, hours)
	}
	// The token is derived, not stored; the stored hash matches it.
	token := link[strings.LastIndex(link, "/")+1:]
	var found int
	a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM invitations WHERE token_hash = $1`, roster.TokenHash(token)).Scan(&found)
	if found != 1 {
		t.Errorf("link token does not match the stored hash")
	}
	// Unticking "Require approval" sends only the hidden 0.
	a.postBody(t, c, "/users/links", url.Values{"label": {"Open"}, "max_uses": {"5"}, "approval": {"0"}}, hx("dialog-body")...)
	a.Pool.QueryRow(t.Context(), `SELECT approval_required FROM invitations WHERE label = 'Open'`).Scan(&approval)
	if approval {
		t.Errorf("approval stayed on when unticked")
	}
}

func TestInvitationRowActions(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	pending := a.id(t, `SELECT id FROM invitations WHERE kind = 'email' AND status = 'pending' AND expires_at > now() + interval '10 days' ORDER BY id LIMIT 1`)
	accepted := a.id(t, `SELECT id FROM invitations WHERE status = 'accepted' ORDER BY id LIMIT 1`)
	link := a.id(t, `SELECT id FROM invitations WHERE kind = 'link' AND status = 'pending' ORDER BY id LIMIT 1`)
	hash := func(id int64) []byte {
		var h []byte
		a.Pool.QueryRow(t.Context(), `SELECT token_hash FROM invitations WHERE id = $1`, id).Scan(&h)
		return h
	}

	// Resend: a new link, the old one dead, a fresh email.
	old := hash(pending)
	res, body := a.postBody(t, c, fmt.Sprintf("/invitations/%d/resend", pending), nil, hx("invites-results")...)
	if res.StatusCode != 200 || string(hash(pending)) == string(old) {
		t.Fatalf("resend: status %d, token changed %v", res.StatusCode, string(hash(pending)) != string(old))
	}
	doc := parse(t, body)
	if doc.Find("#invitations-table").Length() != 1 || doc.Find("#flash[hx-swap-oob] .alert-ok").Length() != 1 {
		t.Errorf("resend did not refresh the table and flash")
	}
	a.SMTP.WaitFor(t, 1, 10*time.Second)

	// Copy link shows the current link.
	_, body = a.get(t, c, fmt.Sprintf("/invitations/%d/link", pending), "HX-Request", "true", "HX-Target", "dialog")
	v, _ := parse(t, body).Find("#copy-link").Attr("value")
	if !strings.Contains(v, "/invite/") || string(roster.TokenHash(v[strings.LastIndex(v, "/")+1:])) != string(hash(pending)) {
		t.Errorf("copy link %q is not the current link", v)
	}

	// Actions on an accepted invitation change nothing and say so.
	for _, action := range []string{"resend", "revoke", "extend"} {
		res, _ := a.postBody(t, c, fmt.Sprintf("/invitations/%d/%s", accepted, action), nil, hx("invites-results")...)
		if res.StatusCode != http.StatusConflict || res.Header.Get("HX-Retarget") != "#flash" {
			t.Errorf("%s accepted: status %d", action, res.StatusCode)
		}
	}

	// Regenerate a link: the dialog shows the new one.
	old = hash(link)
	res, body = a.postBody(t, c, fmt.Sprintf("/invitations/%d/regenerate", link), nil, hx("invites-results")...)
	if res.StatusCode != 200 || res.Header.Get("HX-Retarget") != "#dialog" || string(hash(link)) == string(old) || !strings.Contains(body, "/join/") {
		t.Errorf("regenerate: status %d, retarget %q", res.StatusCode, res.Header.Get("HX-Retarget"))
	}

	// Revoke, then without JavaScript: a redirect back to the view.
	res = a.post(t, c, fmt.Sprintf("/invitations/%d/revoke", pending), url.Values{"return": {"/users?tab=invitations&istatus=revoked"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/users?tab=invitations&istatus=revoked" {
		t.Errorf("plain revoke: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	var status string
	a.Pool.QueryRow(t.Context(), `SELECT status FROM invitations WHERE id = $1`, pending).Scan(&status)
	if status != "revoked" {
		t.Errorf("status %q after revoke", status)
	}
	var audits int
	a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_events WHERE invitation_id = $1 AND action IN ('resent', 'revoked')`, pending).Scan(&audits)
	if audits != 2 {
		t.Errorf("%d audit events for resend and revoke", audits)
	}
}

func TestInvitationsBulk(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	rows, _ := a.Pool.Query(t.Context(), `SELECT id::text FROM invitations WHERE kind = 'email' ORDER BY id`)
	var all []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		all = append(all, id)
	}
	count := func(sql string) int {
		var n int
		a.Pool.QueryRow(t.Context(), sql).Scan(&n)
		return n
	}
	acceptedBefore := count(`SELECT count(*) FROM invitations WHERE status = 'accepted'`)
	eligible := count(`SELECT count(*) FROM invitations WHERE kind = 'email' AND status IN ('pending', 'expired')`)
	res, _ := a.postBody(t, c, "/invitations/bulk", url.Values{"action": {"resend"}, "id": all}, hx("invites-results")...)
	if res.StatusCode != 200 {
		t.Fatalf("bulk resend: %d", res.StatusCode)
	}
	if got := count(`SELECT count(*) FROM invitations WHERE resent_count > 0`); got != eligible {
		t.Errorf("bulk resend touched %d, want the %d pending or expired", got, eligible)
	}
	if got := count(`SELECT count(*) FROM invitations WHERE status = 'accepted'`); got != acceptedBefore {
		t.Errorf("bulk resend changed accepted ones")
	}
	a.postBody(t, c, "/invitations/bulk", url.Values{"action": {"revoke"}, "id": all[:3]}, hx("invites-results")...)
	// Remove expired with nothing selected removes every expired one, only those.
	a.Pool.Exec(t.Context(), `UPDATE invitations SET expires_at = now() - interval '1 day' WHERE id = $1`, all[len(all)-1])
	before := count(`SELECT count(*) FROM invitations`)
	expired := count(`SELECT count(*) FROM invitations WHERE status = 'expired' OR (status = 'pending' AND expires_at <= now())`)
	a.postBody(t, c, "/invitations/bulk", url.Values{"action": {"remove_expired"}}, hx("invites-results")...)
	if after := count(`SELECT count(*) FROM invitations`); after != before-expired || expired == 0 {
		t.Errorf("remove expired: %d -> %d, %d expired", before, after, expired)
	}
}

func TestApproveAndDenyJoinRequests(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	rows, _ := a.Pool.Query(t.Context(), `SELECT id, email FROM join_requests WHERE status = 'pending' ORDER BY id`)
	var ids []int64
	var emails []string
	for rows.Next() {
		var id int64
		var e string
		rows.Scan(&id, &e)
		ids, emails = append(ids, id), append(emails, e)
	}
	if len(ids) < 2 {
		t.Fatalf("demo has %d pending join requests", len(ids))
	}
	treasury := a.id(t, `SELECT id FROM groups WHERE name = 'Treasury'`)
	finance := a.id(t, `SELECT id FROM roles WHERE key = 'finance'`)
	_, body := a.get(t, c, fmt.Sprintf("/join-requests/%d/approve", ids[0]), "HX-Request", "true", "HX-Target", "dialog")
	if parse(t, body).Find("dialog#approve-dialog input[name=group]:checked").Length() == 0 {
		t.Errorf("approve dialog does not preselect the request's groups")
	}
	res, _ := a.postBody(t, c, fmt.Sprintf("/join-requests/%d/approve", ids[0]), url.Values{"group": {strconv.FormatInt(treasury, 10)}, "role": {strconv.FormatInt(finance, 10)}}, hx("invites-results")...)
	if res.StatusCode != 200 || res.Header.Get("HX-Trigger") != "closeDialog" {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	var groups string
	a.Pool.QueryRow(t.Context(), `SELECT string_agg(g.name || ':' || r.key, ',') FROM users u JOIN role_assignments ra ON ra.user_id = u.id
	  JOIN groups g ON g.id = ra.group_id JOIN roles r ON r.id = ra.role_id WHERE u.email = $1 AND u.status = 'active'`, emails[0]).Scan(&groups)
	if groups != "Treasury:finance" {
		t.Errorf("approved person holds %q, want Treasury:finance (as edited)", groups)
	}
	// Approving again is refused; denying the other tells them.
	if res, _ := a.postBody(t, c, fmt.Sprintf("/join-requests/%d/approve", ids[0]), url.Values{}, hx("invites-results")...); res.StatusCode != http.StatusConflict {
		t.Errorf("second approve: %d", res.StatusCode)
	}
	if res, _ := a.postBody(t, c, fmt.Sprintf("/join-requests/%d/deny", ids[1]), nil, hx("invites-results")...); res.StatusCode != 200 {
		t.Errorf("deny: %d", res.StatusCode)
	}
	got := map[string]string{}
	for _, m := range a.SMTP.WaitFor(t, 2, 10*time.Second) {
		got[m.To] = m.Subject
	}
	if got[emails[0]] == "" || got[emails[1]] == "" {
		t.Errorf("decision emails: %v", got)
	}
}

// An administrator of another account reaches none of these by id.
func TestInvitationRoutesAreScopedToTheAccount(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	other := a.client(t)
	a.post(t, other, "/signup", url.Values{"account": {"Initech"}, "name": {"Bill L"}, "email": {"bill@initech.example"}, "password": {"tps-reports-2026"}})
	inv := a.id(t, `SELECT id FROM invitations WHERE kind = 'email' AND status = 'pending' ORDER BY id LIMIT 1`)
	link := a.id(t, `SELECT id FROM invitations WHERE kind = 'link' AND status = 'pending' ORDER BY id LIMIT 1`)
	jr := a.id(t, `SELECT id FROM join_requests WHERE status = 'pending' ORDER BY id LIMIT 1`)
	user := a.id(t, `SELECT id FROM users WHERE status = 'deactivated' ORDER BY id LIMIT 1`)
	snapshot := func() string {
		var s string
		a.Pool.QueryRow(t.Context(), `SELECT (SELECT string_agg(id || status || encode(token_hash, 'hex') || expires_at, ',' ORDER BY id) FROM invitations)
		  || (SELECT string_agg(id || status, ',' ORDER BY id) FROM join_requests) || (SELECT string_agg(id || status, ',' ORDER BY id) FROM users)`).Scan(&s)
		return s
	}
	before := snapshot()
	for _, r := range []struct{ method, path string }{
		{"GET", fmt.Sprintf("/invitations/%d/link", inv)},
		{"GET", fmt.Sprintf("/invitations/%d/joined", link)},
		{"POST", fmt.Sprintf("/invitations/%d/resend", inv)},
		{"POST", fmt.Sprintf("/invitations/%d/revoke", inv)},
		{"POST", fmt.Sprintf("/invitations/%d/extend", inv)},
		{"POST", fmt.Sprintf("/invitations/%d/regenerate", link)},
		{"GET", fmt.Sprintf("/join-requests/%d/approve", jr)},
		{"POST", fmt.Sprintf("/join-requests/%d/approve", jr)},
		{"POST", fmt.Sprintf("/join-requests/%d/deny", jr)},
		{"POST", fmt.Sprintf("/users/%d/status", user)},
	} {
		var res *http.Response
		if r.method == "GET" {
			res, _ = a.get(t, other, r.path)
		} else {
			res = a.post(t, other, r.path, nil)
		}
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s from another account: %d, want 404", r.method, r.path, res.StatusCode)
		}
	}
	// Bulk actions with foreign ids change nothing.
	a.post(t, other, "/invitations/bulk", url.Values{"action": {"revoke"}, "id": {strconv.FormatInt(inv, 10)}})
	a.post(t, other, "/invitations/bulk", url.Values{"action": {"remove_expired"}})
	if snapshot() != before {
		t.Errorf("another account's requests changed this account's data")
	}
}

func TestInvitationPostsRefuseCrossOrigin(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	for _, path := range []string{"/users/invite", "/users/links", "/invitations/1/resend", "/invitations/bulk", "/join-requests/1/approve", "/join-requests/1/deny", "/users/1/status"} {
		res := a.post(t, c, path, url.Values{"emails": {"x@y.example"}}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin POST %s: %d", path, res.StatusCode)
		}
	}
}
