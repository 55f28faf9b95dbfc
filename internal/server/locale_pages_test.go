package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
)

// visibleText is what a page shows or says: its text (title included)
// and the attributes people read or hear.
func visibleText(doc *goquery.Document) string {
	doc.Find("script, style").Remove()
	var b strings.Builder
	b.WriteString(doc.Text())
	doc.Find("[aria-label], [title], [placeholder], [alt], [data-copied], input[type=submit][value], input[type=button][value]").Each(func(_ int, s *goquery.Selection) {
		for _, a := range []string{"aria-label", "title", "placeholder", "alt", "data-copied"} {
			if v, ok := s.Attr(a); ok {
				b.WriteString(" | " + v)
			}
		}
		if s.Is("input[type=submit], input[type=button]") {
			b.WriteString(" | " + s.AttrOr("value", ""))
		}
	})
	return b.String()
}

// accountData are the names of the demo account's groups, the account
// and invite links: data, not catalogue text, even when they read like it
// ("Finance", "People Ops").
func accountData(t *testing.T, a *app) []string {
	t.Helper()
	var data []string
	rows, err := a.Pool.Query(t.Context(), `SELECT name FROM groups UNION SELECT name FROM accounts UNION SELECT coalesce(label, '') FROM invitations`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		if s != "" {
			data = append(data, s)
		}
	}
	rows.Close()
	slices.SortFunc(data, func(x, y string) int { return len(y) - len(x) })
	return data
}

func withoutData(text string, data []string) string {
	for _, d := range data {
		text = strings.ReplaceAll(text, d, " | ")
	}
	return text
}

// pageCase is one page of the walk: how to get it, and whether it is
// seen signed out.
type pageCase struct {
	name   string
	path   string
	form   url.Values // POST when set
	as     string     // "admin", "member" or "" (signed out)
	status int        // expected status; 0: 200
}

// Every screen, dialog, error and invitee page in French, Spanish,
// Italian and German shows no English text of the catalogue (the emails
// have the same test in internal/mail).
func TestNoEnglishOnAnyPage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := t.Context()
	acc := a.admAccount(t)
	adminID := a.admUserID(t, postgres.DemoAdminEmail)
	id := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := a.Pool.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	token := func(invID int64) string {
		t.Helper()
		_, tok, err := a.Invitations.InvitationLink(ctx, acc, invID)
		if err != nil {
			t.Fatalf("token of invitation %d: %v", invID, err)
		}
		return tok
	}

	// Invitations in every state an invitee can meet.
	res, err := a.Invitations.CreateEmailInvitations(ctx, acc, adminID, roster.EmailInvites{
		Addresses: []roster.Address{{Email: "pat.walker@walk.example", Name: "Pat Walker"}, {Email: "quinn.r@walk.example"}, {Email: "sam.e@walk.example"}},
		GroupIDs:  []int64{id(`SELECT id FROM groups WHERE name = 'Payables'`)}, RoleIDs: []int64{id(`SELECT id FROM roles WHERE key = 'approver'`)},
		Message: "Bienvenue", Locale: "en-US",
	}, time.Now())
	if err != nil || len(res) != 3 {
		t.Fatalf("invite: %v", err)
	}
	pending, revoked, expired := res[0].InvitationID, res[1].InvitationID, res[2].InvitationID
	a.Pool.Exec(ctx, `UPDATE invitations SET status = 'revoked', revoked_at = now() WHERE id = $1`, revoked)
	a.Pool.Exec(ctx, `UPDATE invitations SET expires_at = now() - interval '1 day' WHERE id = $1`, expired)
	link, linkToken, err := a.Invitations.CreateInviteLink(ctx, acc, adminID, roster.LinkInvite{Label: "Walk link", MaxUses: 5, ValidityHours: 48, Approval: true}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	usedUp, usedUpToken, err := a.Invitations.CreateInviteLink(ctx, acc, adminID, roster.LinkInvite{Label: "Used up", MaxUses: 1, ValidityHours: 48}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a.Pool.Exec(ctx, `UPDATE invitations SET use_count = max_uses WHERE id = $1`, usedUp.ID)
	accepted := token(id(`SELECT id FROM invitations WHERE account_id = $1 AND kind = 'email' AND status = 'accepted' LIMIT 1`, acc))
	unknown := "A" + linkToken[1:]
	if unknown == linkToken {
		unknown = "B" + linkToken[1:]
	}
	joinReq := id(`SELECT id FROM join_requests WHERE account_id = $1 AND status = 'pending' LIMIT 1`, acc)
	person := id(`SELECT invited_by_user FROM (SELECT u.id AS invited_by_user FROM users u JOIN memberships m ON m.account_id = u.account_id AND m.user_id = u.id
		WHERE u.account_id = $1 AND u.invitation_id IS NOT NULL LIMIT 1) x`, acc)
	group := id(`SELECT id FROM groups WHERE name = 'Payables'`)
	adminC := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	memberC := a.signIn(t, postgres.DemoMemberEmail, postgres.DemoMemberPassword)
	groupAdminC := a.signIn(t, postgres.DemoGroupAdminEmail, postgres.DemoMemberPassword)
	// Someone of Finance who also belongs to Legal (read only to Finance's
	// administrator), and whole-view jobs running and done.
	straddler := id(`SELECT u.id FROM users u JOIN memberships m ON m.account_id = u.account_id AND m.user_id = u.id
		WHERE u.account_id = $1 AND m.group_id = $2 AND u.admin_grants = 0 LIMIT 1`, acc, group)
	a.Pool.Exec(ctx, `INSERT INTO memberships (account_id, user_id, group_id) SELECT $1, $2, id FROM groups WHERE account_id = $1 AND name = 'Legal'`, acc, straddler)
	bulkRunning := id(`INSERT INTO bulk_jobs (account_id, actor_id, action, group_id, view, status, total, done, changed)
		VALUES ($1, $2, 'add_group', $3, 'status=active', 'running', 1925, 500, 480) RETURNING id`, acc, adminID, group)
	bulkDone := id(`INSERT INTO bulk_jobs (account_id, actor_id, action, group_id, view, status, total, done, changed, refused, finished_at)
		VALUES ($1, $2, 'deactivate', NULL, 'status=active', 'done', 1925, 1925, 1924, 1, now()) RETURNING id`, acc, adminID)
	importBody := func() string {
		_, body := a.upload(t, adminC, "team.csv", []byte("email,name,groups,roles\nnew.one@walk.example,New One,Finance > Payables,Approver\nbad@,,Nowhere,Wizard\n"+postgres.DemoAdminEmail+",,,\n"))
		return body
	}
	dryRun := importID(t, importBody())

	pages := []pageCase{
		{name: "people", path: "/users", as: "admin"},
		{name: "people deactivated", path: "/users?status=deactivated&never=1", as: "admin"},
		{name: "people none", path: "/users?q=zzzzzzzz", as: "admin"},
		{name: "invitations", path: "/users?tab=invitations", as: "admin"},
		{name: "join requests", path: "/users?tab=invitations&istatus=join_request", as: "admin"},
		{name: "expired invitations", path: "/users?tab=invitations&istatus=expired", as: "admin"},
		{name: "revoked invitations", path: "/users?tab=invitations&istatus=revoked", as: "admin"},
		{name: "invitations none", path: "/users?tab=invitations&iq=zzzzzzzz", as: "admin"},
		{name: "add by email", path: "/users/add", as: "admin"},
		{name: "add with a link", path: "/users/add?tab=link", as: "admin"},
		{name: "add by CSV", path: "/users/import", as: "admin"},
		{name: "CSV dry run", path: "/users/import/" + dryRun, as: "admin"},
		{name: "invite results", path: "/users/invite", as: "admin", form: url.Values{
			"emails": {"Lou Neu <lou.neu@walk.example>, pat.walker@walk.example, " + postgres.DemoMemberEmail + ", broken@, x@y"}, "validity": {"30"}}},
		{name: "invite problems", path: "/users/invite", as: "admin", form: url.Values{"emails": {""}}, status: http.StatusUnprocessableEntity},
		{name: "link created", path: "/users/links", as: "admin", form: url.Values{"label": {"Walk link 2"}, "max_uses": {"10"}, "validity": {"24"}, "domains": {"walk.example"}}},
		{name: "link problems", path: "/users/links", as: "admin", form: url.Values{"label": {""}, "max_uses": {"0"}, "domains": {"not a domain"}}, status: http.StatusUnprocessableEntity},
		{name: "copy link", path: fmt.Sprintf("/invitations/%d/link", pending), as: "admin"},
		{name: "joined through", path: fmt.Sprintf("/invitations/%d/joined", link.ID), as: "admin"},
		{name: "approve", path: fmt.Sprintf("/join-requests/%d/approve", joinReq), as: "admin"},
		{name: "person", path: fmt.Sprintf("/users/%d", person), as: "admin"},
		{name: "administrator", path: fmt.Sprintf("/users/%d", adminID), as: "admin"},
		{name: "groups", path: "/groups", as: "admin"},
		{name: "new group", path: "/groups/new", as: "admin"},
		{name: "rename group", path: fmt.Sprintf("/groups/%d/rename", group), as: "admin"},
		{name: "move group", path: fmt.Sprintf("/groups/%d/move", group), as: "admin"},
		{name: "delete group", path: fmt.Sprintf("/groups/%d/delete", group), as: "admin"},
		{name: "roles", path: "/roles", as: "admin"},
		{name: "new role", path: "/roles/new", as: "admin"},
		{name: "audit", path: "/audit", as: "admin"},
		{name: "audit settings", path: "/audit?action=settings_changed", as: "admin"},
		{name: "settings", path: "/settings", as: "admin"},
		{name: "settings problems", path: "/settings", as: "admin", form: url.Values{"invite_validity_days": {"0"}, "expiring_soon_days": {"99"}, "link_validity": {"x"}, "link_validity_unit": {"days"}, "link_max_uses": {"0"}}, status: http.StatusUnprocessableEntity},
		{name: "whole-view job running", path: fmt.Sprintf("/users/bulk/%d", bulkRunning), as: "admin"},
		{name: "whole-view job done", path: fmt.Sprintf("/users/bulk/%d", bulkDone), as: "admin"},
		{name: "group administrator's hub", path: "/users", as: "groupadmin"},
		{name: "group administrator's invitations", path: "/users?tab=invitations", as: "groupadmin"},
		{name: "group administrator's person", path: fmt.Sprintf("/users/%d", straddler), as: "groupadmin"},
		{name: "group administrator's groups", path: "/groups", as: "groupadmin"},
		{name: "group administrator's invite without a group", path: "/users/invite", as: "groupadmin", form: url.Values{"emails": {"x@walk.example"}}, status: http.StatusUnprocessableEntity},
		{name: "my account (admin)", path: "/account", as: "admin"},
		{name: "my account (member)", path: "/account", as: "member"},
		{name: "forbidden", path: "/users", as: "member", status: http.StatusForbidden},
		{name: "not found", path: "/no-such-page", as: "admin", status: http.StatusNotFound},
		{name: "sign in", path: "/login"},
		{name: "sign in failed", path: "/login", form: url.Values{"email": {"nobody@walk.example"}, "password": {"wrong password"}}, status: http.StatusUnprocessableEntity},
		{name: "signed out", path: "/login?signed_out=1"},
		{name: "sign up", path: "/signup"},
		{name: "sign up problems", path: "/signup", form: url.Values{"account": {""}, "email": {"x"}, "password": {"short"}}, status: http.StatusUnprocessableEntity},
		{name: "invitation", path: "/invite/" + token(pending)},
		{name: "invitation problems", path: "/invite/" + token(pending), form: url.Values{"name": {""}, "password": {"short"}}, status: http.StatusUnprocessableEntity},
		{name: "invitation expired", path: "/invite/" + token(expired), status: http.StatusGone},
		{name: "invitation revoked", path: "/invite/" + token(revoked), status: http.StatusGone},
		{name: "invitation accepted", path: "/invite/" + accepted, status: http.StatusGone},
		{name: "invitation unknown", path: "/invite/" + unknown, status: http.StatusNotFound},
		{name: "join", path: "/join/" + linkToken},
		{name: "join problems", path: "/join/" + linkToken, form: url.Values{"email": {"x"}, "name": {""}, "password": {"short"}}, status: http.StatusUnprocessableEntity},
		{name: "join used up", path: "/join/" + usedUpToken, status: http.StatusGone},
		{name: "join unknown", path: "/join/" + unknown, status: http.StatusNotFound},
	}

	data := accountData(t, a)

	for _, lang := range []string{"fr-FR", "es-ES", "it-IT", "de-DE"} {
		base := lang[:2]
		a.Pool.Exec(ctx, `UPDATE users SET locale = $1 WHERE email = ANY($2)`, lang, []string{postgres.DemoAdminEmail, postgres.DemoMemberEmail, postgres.DemoGroupAdminEmail})
		signedOut := a.client(t)
		perLanguage := []pageCase{
			{name: "join code", path: "/join/" + linkToken, form: url.Values{"email": {"joiner." + base + "@walk.example"}, "name": {"Joiner"}, "password": {"a-long-enough-passphrase"}}},
			{name: "join wrong code", path: "/join/" + linkToken + "/confirm", form: url.Values{"code": {"000000"}, "request": {"x"}}, status: -1},
			{name: "asked for a new invitation", path: "/invite/" + token(expired) + "/ask", form: url.Values{}, status: -1},
		}
		for _, p := range append(pages, perLanguage...) {
			c := signedOut
			switch p.as {
			case "admin":
				c = adminC
			case "member":
				c = memberC
			case "groupadmin":
				c = groupAdminC
			}
			var (
				res  *http.Response
				body string
			)
			if p.form != nil {
				res, body = a.admPost(t, c, p.path, p.form, "Accept-Language", lang)
			} else {
				res, body = a.get(t, c, p.path, "Accept-Language", lang)
			}
			want := p.status
			if want == 0 {
				want = http.StatusOK
			}
			if want == -1 && res.StatusCode < 500 { // any page the flow gives
				want = res.StatusCode
			}
			if res.StatusCode != want {
				t.Errorf("%s %s: status %d, want %d", lang, p.name, res.StatusCode, want)
				continue
			}
			doc := parse(t, body)
			if got := doc.Find("html").AttrOr("lang", ""); got != lang {
				t.Errorf("%s %s: page in %q", lang, p.name, got)
			}
			text := withoutData(visibleText(doc), data)
			if leaks := i18n.EnglishLeaks(base, text); len(leaks) > 0 {
				if len(leaks) > 8 {
					leaks = append(leaks[:8], "… "+strconv.Itoa(len(leaks)-8)+" more")
				}
				t.Errorf("%s %s (%s): English text %q", lang, p.name, p.path, leaks)
			}
		}
	}
}
