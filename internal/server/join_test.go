package server_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/mail/mailtest"
	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/internal/server"
)

// inviteeFixture is a seeded app with the demo account's ids the invitee
// tests invite into.
type inviteeFixture struct {
	a                       *app
	accountID, adminID      int64
	payables, emea          int64 // Finance › Payables and Finance › Payables › EMEA
	requisitioner, approver int64
}

func newInviteeFixture(t *testing.T) *inviteeFixture {
	t.Helper()
	f := &inviteeFixture{a: newApp(t)}
	row := func(dst *int64, sql string, args ...any) {
		t.Helper()
		if err := f.a.Pool.QueryRow(t.Context(), sql, args...).Scan(dst); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	row(&f.adminID, `SELECT id FROM users WHERE email = $1`, postgres.DemoAdminEmail)
	row(&f.accountID, `SELECT account_id FROM users WHERE id = $1`, f.adminID)
	row(&f.payables, `SELECT id FROM groups WHERE account_id = $1 AND name = 'Payables'`, f.accountID)
	row(&f.emea, `SELECT g.id FROM groups g JOIN groups p ON p.account_id = g.account_id AND p.id = g.parent_id
		WHERE g.account_id = $1 AND g.name = 'EMEA' AND p.name = 'Payables'`, f.accountID)
	row(&f.requisitioner, `SELECT id FROM roles WHERE account_id = $1 AND key = 'requisitioner'`, f.accountID)
	row(&f.approver, `SELECT id FROM roles WHERE account_id = $1 AND key = 'approver'`, f.accountID)
	return f
}

// inviteByEmail invites email into Payables and its EMEA subgroup as
// Requisitioner and Approver, and returns the token of the link in the
// email that arrives, and the invitation's id.
func (f *inviteeFixture) inviteByEmail(t *testing.T, email, message string) (string, int64) {
	t.Helper()
	res, err := f.a.Invitations.CreateEmailInvitations(t.Context(), f.accountID, f.adminID, roster.EmailInvites{
		Addresses: []roster.Address{{Email: email}}, GroupIDs: []int64{f.payables, f.emea},
		RoleIDs: []int64{f.requisitioner, f.approver}, Message: message,
	}, time.Now())
	if err != nil || len(res) != 1 || res[0].Outcome != roster.OutcomeInvited {
		t.Fatalf("invite %s: %+v, %v", email, res, err)
	}
	link := f.mailTo(t, email, "invited you").Link("/invite/")
	token, ok := strings.CutPrefix(link, f.a.URL+"/invite/")
	if !ok || !roster.ValidTokenShape(token) {
		t.Fatalf("invitation email link %q", link)
	}
	return token, res[0].InvitationID
}

// newLink makes an invite link into Payables as Requisitioner.
func (f *inviteeFixture) newLink(t *testing.T, in roster.LinkInvite) (string, int64) {
	t.Helper()
	in.GroupIDs, in.RoleIDs = []int64{f.payables}, []int64{f.requisitioner}
	if in.ValidityHours == 0 {
		in.ValidityHours = 72
	}
	if in.MaxUses == 0 {
		in.MaxUses = 50
	}
	inv, token, err := f.a.Invitations.CreateInviteLink(t.Context(), f.accountID, f.adminID, in, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return token, inv.ID
}

// mailTo waits for a message to "to" whose subject contains subject.
func (f *inviteeFixture) mailTo(t *testing.T, to, subject string) mailtest.Received {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range f.a.SMTP.Messages() {
			if strings.EqualFold(m.To, to) && strings.Contains(m.Subject, subject) {
				return m
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no email to %s about %q arrived", to, subject)
	return mailtest.Received{}
}

// mailCount counts the messages so far to "to" whose subject contains subject.
func (f *inviteeFixture) mailCount(to, subject string) int {
	n := 0
	for _, m := range f.a.SMTP.Messages() {
		if strings.EqualFold(m.To, to) && strings.Contains(m.Subject, subject) {
			n++
		}
	}
	return n
}

var codeRE = regexp.MustCompile(`^(\d{6}) is your code`)

// startJoin joins through the link and returns the code page and the code
// that was emailed.
func (f *inviteeFixture) startJoin(t *testing.T, c *http.Client, token, email, name string) (string, string) {
	t.Helper()
	res, body := f.post(t, c, "/join/"+token, url.Values{"email": {email}, "name": {name}, "password": {"correct horse battery"}})
	checkTokenPage(t, res, token)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Check your email") {
		t.Fatalf("join: status %d, %.300s", res.StatusCode, body)
	}
	m := codeRE.FindStringSubmatch(f.mailTo(t, email, "is your code to join").Subject)
	if m == nil {
		t.Fatalf("no code in the confirmation subject")
	}
	return body, m[1]
}

// post posts a form and returns the response with its body.
func (f *inviteeFixture) post(t *testing.T, c *http.Client, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	res, err := c.PostForm(f.a.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	return res, readAll(res)
}

// codeForm is the hidden fields of a code page.
func codeForm(t *testing.T, body, code string) url.Values {
	t.Helper()
	doc := parse(t, body)
	req, _ := doc.Find(`form input[name=request]`).Attr("value")
	email, _ := doc.Find(`form input[name=email]`).Attr("value")
	if req == "" || email == "" {
		t.Fatalf("code page lacks its hidden fields")
	}
	return url.Values{"request": {req}, "email": {email}, "code": {code}}
}

// checkTokenPage checks what every page with a token in its address must:
// no Referer onwards, no caching, and the token in no response header.
func checkTokenPage(t *testing.T, res *http.Response, token string) {
	t.Helper()
	if got := res.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("%s %s: Referrer-Policy %q, want no-referrer", res.Request.Method, res.Request.URL.Path, got)
	}
	if got := res.Header.Get("Cache-Control"); !strings.Contains(got, "no-store") {
		t.Errorf("%s %s: Cache-Control %q, want no-store", res.Request.Method, res.Request.URL.Path, got)
	}
	for name, values := range res.Header {
		for _, v := range values {
			if token != "" && strings.Contains(v, token) {
				t.Errorf("%s %s: header %s carries the token", res.Request.Method, res.Request.URL.Path, name)
			}
		}
	}
}

func (f *inviteeFixture) invitationStatus(t *testing.T, id int64) string {
	t.Helper()
	var status string
	if err := f.a.Pool.QueryRow(t.Context(), `SELECT status FROM invitations WHERE id = $1`, id).Scan(&status); err != nil {
		t.Fatal(err)
	}
	return status
}

func (f *inviteeFixture) userByEmail(t *testing.T, email string) (id int64, name, status string) {
	t.Helper()
	err := f.a.Pool.QueryRow(t.Context(), `SELECT id, name, status FROM users WHERE lower(email) = lower($1)`, email).Scan(&id, &name, &status)
	if err != nil {
		return 0, "", ""
	}
	return id, name, status
}

// grantsOf lists a person's group and role pairs as "group:role".
func (f *inviteeFixture) grantsOf(t *testing.T, userID int64) map[string]bool {
	t.Helper()
	rows, err := f.a.Pool.Query(t.Context(), `SELECT group_id, role_id FROM role_assignments WHERE user_id = $1`, userID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var g, r int64
		rows.Scan(&g, &r)
		out[strconv.FormatInt(g, 10)+":"+strconv.FormatInt(r, 10)] = true
	}
	return out
}

func grant(g, r int64) string { return strconv.FormatInt(g, 10) + ":" + strconv.FormatInt(r, 10) }

// signedInHome follows "/" with c and returns where it leads and that page.
func (f *inviteeFixture) signedInHome(t *testing.T, c *http.Client) (string, string) {
	t.Helper()
	res, _ := f.a.get(t, c, "/")
	to := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || to == "/login" {
		return to, ""
	}
	res, body := f.a.get(t, c, to)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", to, res.StatusCode)
	}
	return to, body
}

// A new person opens the emailed invitation (which changes nothing),
// accepts it with a name and password, lands signed in with the groups and
// roles it carried, and the invitation cannot be used again.
func TestInviteeAcceptsEmailInvitation(t *testing.T) {
	t.Parallel()
	f := newInviteeFixture(t)
	const email = "nora.new@newhire.example"
	token, id := f.inviteByEmail(t, email, "Welcome aboard!\nSee you on Monday.")
	c := f.a.client(t)

	res, body := f.a.get(t, c, "/invite/"+token)
	checkTokenPage(t, res, token)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("invitation page: status %d", res.StatusCode)
	}
	var expires time.Time
	f.a.Pool.QueryRow(t.Context(), `SELECT expires_at FROM invitations WHERE id = $1`, id).Scan(&expires)
	doc := parse(t, body)
	text := doc.Find("main").Text()
	for _, want := range []string{
		"Join " + postgres.DemoAccountName, "Alex Morgan", postgres.DemoAdminEmail, "Welcome aboard!",
		"Finance › Payables", "Finance › Payables › EMEA", "Requisitioner", "Approver",
		i18n.New("en-US").LongDate(expires.UTC()),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("invitation page lacks %q", want)
		}
	}
	if v, _ := doc.Find("#invite-email").Attr("value"); v != email || doc.Find("#invite-email[readonly]").Length() != 1 {
		t.Errorf("email field %q, want %s read-only", v, email)
	}
	if got := strings.TrimSpace(doc.Find("main form button[type=submit]").Text()); got != "Accept invitation" {
		t.Errorf("submit button reads %q", got)
	}
	for _, sel := range []string{`label[for=invite-name]`, `label[for=invite-password]`, `#invite-password[autocomplete=new-password]`} {
		if doc.Find(sel).Length() != 1 {
			t.Errorf("invitation page lacks %s", sel)
		}
	}
	if st := f.invitationStatus(t, id); st != roster.InvitePending {
		t.Errorf("opening the page made the invitation %s", st)
	}
	if uid, _, _ := f.userByEmail(t, email); uid != 0 {
		t.Errorf("opening the page made a person")
	}

	// An invalid form is shown again with its problems, linked to the fields.
	res, body = f.post(t, c, "/invite/"+token, url.Values{"name": {"  "}, "password": {"short"}})
	checkTokenPage(t, res, token)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid form: status %d", res.StatusCode)
	}
	doc = parse(t, body)
	for _, field := range []string{"invite-name", "invite-password"} {
		in := doc.Find("#" + field)
		if v, _ := in.Attr("aria-invalid"); v != "true" {
			t.Errorf("%s not marked invalid", field)
		}
		desc, _ := in.Attr("aria-describedby")
		if !strings.Contains(" "+desc+" ", " "+field+"-problem ") || doc.Find("#"+field+"-problem").Text() == "" {
			t.Errorf("%s: aria-describedby %q does not name its problem", field, desc)
		}
	}
	if doc.Find(`[role=alert]`).Length() == 0 {
		t.Errorf("no alert on the invalid form")
	}
	if st := f.invitationStatus(t, id); st != roster.InvitePending {
		t.Errorf("an invalid form made the invitation %s", st)
	}

	// Accepting signs the new person in.
	res, _ = f.post(t, c, "/invite/"+token, url.Values{"name": {"Nora Newhire"}, "password": {"a-strong-passphrase"}})
	checkTokenPage(t, res, token)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("accept: status %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	uid, name, status := f.userByEmail(t, email)
	if uid == 0 || name != "Nora Newhire" || status != roster.StatusActive {
		t.Fatalf("after accepting: person %d %q %s", uid, name, status)
	}
	got := f.grantsOf(t, uid)
	for _, g := range []string{grant(f.payables, f.requisitioner), grant(f.payables, f.approver), grant(f.emea, f.requisitioner), grant(f.emea, f.approver)} {
		if !got[g] {
			t.Errorf("missing group:role %s (has %v)", g, got)
		}
	}
	if len(got) != 4 {
		t.Errorf("grants %v, want exactly 4", got)
	}
	var accepted int64
	f.a.Pool.QueryRow(t.Context(), `SELECT coalesce(accepted_user_id, 0) FROM invitations WHERE id = $1`, id).Scan(&accepted)
	if st := f.invitationStatus(t, id); st != roster.InviteAccepted || accepted != uid {
		t.Errorf("invitation %s by %d, want accepted by %d", st, accepted, uid)
	}
	to, page := f.signedInHome(t, c)
	if to != "/account" {
		t.Fatalf("the new person's start page is %q, want /account", to)
	}
	for _, want := range []string{"Nora Newhire", "Finance › Payables › EMEA", "Approver"} {
		if !strings.Contains(page, want) {
			t.Errorf("My account lacks %q", want)
		}
	}

	// The inviter hears about it.
	if m := f.mailTo(t, postgres.DemoAdminEmail, "accepted your invitation"); !strings.Contains(m.Text, email) {
		t.Errorf("accepted email does not name %s", email)
	}

	// The invitation is used: opening or posting again says so.
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		other := f.a.client(t)
		var res *http.Response
		var body string
		if method == http.MethodGet {
			res, body = f.a.get(t, other, "/invite/"+token)
		} else {
			res, body = f.post(t, other, "/invite/"+token, url.Values{"name": {"Someone Else"}, "password": {"another-passphrase"}})
		}
		checkTokenPage(t, res, token)
		doc := parse(t, body)
		if res.StatusCode != http.StatusGone || !strings.Contains(doc.Find("h1").Text(), "This invitation has already been used") {
			t.Errorf("%s a used invitation: status %d, heading %q", method, res.StatusCode, doc.Find("h1").Text())
		}
		if doc.Find(`main a[href="/login"]`).Length() == 0 || doc.Find(`form[action="/invite/`+token+`/ask"] button`).Length() != 1 {
			t.Errorf("%s a used invitation: no sign-in link or ask button", method)
		}
	}
	var people int
	f.a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM users WHERE lower(email) = $1`, email).Scan(&people)
	if people != 1 {
		t.Errorf("%d people with %s", people, email)
	}
}

// A person of the account accepts by signing in on the invitation page, or
// with one button when they are signed in already.
func TestInviteeExistingPersonAccepts(t *testing.T) {
	t.Parallel()
	f := newInviteeFixture(t)
	hash, _ := server.HashPassword("existing-passphrase", bcrypt.MinCost)
	// Invited, then added to the account some other way before accepting.
	addPerson := func(t *testing.T, email string) (string, int64, int64) {
		token, id := f.inviteByEmail(t, email, "")
		var uid int64
		if err := f.a.Pool.QueryRow(t.Context(), `INSERT INTO users (account_id, email, name, password_hash, created_at)
			VALUES ($1, $2, 'Pat Existing', $3, now()) RETURNING id`, f.accountID, email, hash).Scan(&uid); err != nil {
			t.Fatal(err)
		}
		return token, id, uid
	}

	t.Run("signs in to accept", func(t *testing.T) {
		token, id, uid := addPerson(t, "pat.existing@acme.example")
		c := f.a.client(t)
		res, body := f.a.get(t, c, "/invite/"+token)
		checkTokenPage(t, res, token)
		doc := parse(t, body)
		if res.StatusCode != http.StatusOK || doc.Find(`input[name=name]`).Length() != 0 ||
			doc.Find(`#invite-password[autocomplete=current-password]`).Length() != 1 || doc.Find(`#invite-email[readonly]`).Length() != 1 {
			t.Fatalf("existing person's page: status %d, want a sign-in form (%.400s)", res.StatusCode, doc.Find("main form").Text())
		}
		res, body = f.post(t, c, "/invite/"+token, url.Values{"password": {"wrong-passphrase"}})
		doc = parse(t, body)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc.Find("#invite-password-problem").Text(), "password isn't right") {
			t.Errorf("wrong password: status %d, problem %q", res.StatusCode, doc.Find("#invite-password-problem").Text())
		}
		if st := f.invitationStatus(t, id); st != roster.InvitePending {
			t.Fatalf("a wrong password made the invitation %s", st)
		}
		res, _ = f.post(t, c, "/invite/"+token, url.Values{"password": {"existing-passphrase"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Fatalf("sign in and accept: status %d", res.StatusCode)
		}
		if g := f.grantsOf(t, uid); !g[grant(f.emea, f.approver)] || len(g) != 4 {
			t.Errorf("grants after accepting: %v", g)
		}
		if st := f.invitationStatus(t, id); st != roster.InviteAccepted {
			t.Errorf("invitation %s, want accepted", st)
		}
		if to, page := f.signedInHome(t, c); to != "/account" || !strings.Contains(page, "Pat Existing") {
			t.Errorf("after accepting, / leads to %q", to)
		}
	})

	t.Run("signed in already", func(t *testing.T) {
		token, id, uid := addPerson(t, "quinn.existing@acme.example")
		c := f.a.signIn(t, "quinn.existing@acme.example", "existing-passphrase")
		res, body := f.a.get(t, c, "/invite/"+token)
		doc := parse(t, body)
		if res.StatusCode != http.StatusOK || doc.Find(`main form input:not([type=hidden])`).Length() != 0 ||
			strings.TrimSpace(doc.Find(`main form button[type=submit]`).Text()) != "Accept invitation" {
			t.Fatalf("signed-in person's page: status %d, want one button", res.StatusCode)
		}
		res, _ = f.post(t, c, "/invite/"+token, url.Values{})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("accept signed in: status %d", res.StatusCode)
		}
		if g := f.grantsOf(t, uid); len(g) != 4 || f.invitationStatus(t, id) != roster.InviteAccepted {
			t.Errorf("after accepting signed in: grants %v, invitation %s", g, f.invitationStatus(t, id))
		}
	})

	t.Run("someone else signed in", func(t *testing.T) {
		token, id, _ := addPerson(t, "robin.existing@acme.example")
		c := f.a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
		res, body := f.a.get(t, c, "/invite/"+token)
		doc := parse(t, body)
		if res.StatusCode != http.StatusOK || !strings.Contains(doc.Find(`[role=status]`).Text(), "signed in as Alex Morgan") ||
			doc.Find(`#invite-password`).Length() != 1 {
			t.Fatalf("page for another signed-in person: status %d, %q", res.StatusCode, doc.Find(`[role=status]`).Text())
		}
		// The administrator's session does not accept for Robin.
		res, _ = f.post(t, c, "/invite/"+token, url.Values{})
		if res.StatusCode != http.StatusUnprocessableEntity || f.invitationStatus(t, id) != roster.InvitePending {
			t.Errorf("accept without Robin's password: status %d, invitation %s", res.StatusCode, f.invitationStatus(t, id))
		}
	})
}

// Someone joins through a link that needs approval: a code arrives by
// email, a wrong code is refused, the right one leaves a join request
// waiting for an administrator, and nobody is active yet.
func TestInviteeJoinsThroughLinkWithApproval(t *testing.T) {
	t.Parallel()
	f := newInviteeFixture(t)
	token, linkID := f.newLink(t, roster.LinkInvite{Label: "Finance onboarding", Approval: true})
	c := f.a.client(t)

	res, body := f.a.get(t, c, "/join/"+token)
	checkTokenPage(t, res, token)
	doc := parse(t, body)
	text := doc.Find("main").Text()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("join page: status %d", res.StatusCode)
	}
	for _, want := range []string{"Join " + postgres.DemoAccountName, "Finance onboarding", "Finance › Payables", "Requisitioner", "approves each request"} {
		if !strings.Contains(text, want) {
			t.Errorf("join page lacks %q", want)
		}
	}
	for _, sel := range []string{`label[for=join-email]`, `label[for=join-name]`, `label[for=join-password]`} {
		if doc.Find(sel).Length() != 1 {
			t.Errorf("join page lacks %s", sel)
		}
	}
	if got := strings.TrimSpace(doc.Find("main form button[type=submit]").Text()); got != "Join" {
		t.Errorf("join button reads %q", got)
	}

	const email = "sam.joiner@gmail.example"
	codePage, code := f.startJoin(t, c, token, email, "Sam Joiner")
	doc = parse(t, codePage)
	in := doc.Find("#join-code")
	if m, _ := in.Attr("inputmode"); m != "numeric" {
		t.Errorf("code field inputmode %q", m)
	}
	if ac, _ := in.Attr("autocomplete"); ac != "one-time-code" {
		t.Errorf("code field autocomplete %q", ac)
	}
	if doc.Find(`label[for=join-code]`).Text() != "Confirmation code" {
		t.Errorf("code field label %q", doc.Find(`label[for=join-code]`).Text())
	}
	if action, _ := doc.Find("main form").Attr("action"); action != "/join/"+token+"/confirm" {
		t.Errorf("code form posts to %q", action)
	}
	if uid, _, _ := f.userByEmail(t, email); uid != 0 {
		t.Fatalf("joining made a person before the address was confirmed")
	}

	// A wrong code.
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	form := codeForm(t, codePage, wrong)
	res, body = f.post(t, c, "/join/"+token+"/confirm", form)
	checkTokenPage(t, res, token)
	doc = parse(t, body)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc.Find("#join-code-problem").Text(), "code isn't right") {
		t.Errorf("wrong code: status %d, problem %q", res.StatusCode, doc.Find("#join-code-problem").Text())
	}
	if v, _ := doc.Find("#join-code").Attr("aria-describedby"); !strings.Contains(v, "join-code-problem") {
		t.Errorf("code field describedby %q", v)
	}
	// A request id that is not the one this form was given is refused.
	forged := codeForm(t, codePage, code)
	id, mac, _ := strings.Cut(forged.Get("request"), ".")
	n, _ := strconv.ParseInt(id, 10, 64)
	forged.Set("request", strconv.FormatInt(n+1, 10)+"."+mac)
	if res, _ := f.post(t, c, "/join/"+token+"/confirm", forged); res.StatusCode != http.StatusBadRequest {
		t.Errorf("forged request id: status %d, want 400", res.StatusCode)
	}

	// The right code.
	form.Set("code", code[:3]+" "+code[3:])
	res, body = f.post(t, c, "/join/"+token+"/confirm", form)
	checkTokenPage(t, res, token)
	if text := parse(t, body).Find("main").Text(); res.StatusCode != http.StatusOK ||
		!strings.Contains(text, "Your request to join "+postgres.DemoAccountName+" is waiting for an administrator's approval") {
		t.Fatalf("right code: status %d, %.400s", res.StatusCode, text)
	}
	var status string
	f.a.Pool.QueryRow(t.Context(), `SELECT status FROM join_requests WHERE invitation_id = $1 AND email = $2`, linkID, email).Scan(&status)
	if status != "pending" {
		t.Errorf("join request %q, want pending", status)
	}
	if uid, _, _ := f.userByEmail(t, email); uid != 0 {
		t.Errorf("a join waiting for approval made a person")
	}
	if to, _ := f.signedInHome(t, c); to != "/login" {
		t.Errorf("a joiner waiting for approval is signed in (/ leads to %q)", to)
	}
	f.mailTo(t, postgres.DemoAdminEmail, "waiting for approval")

	// Joining again with the same address says it is already waiting.
	res, body = f.post(t, f.a.client(t), "/join/"+token, url.Values{"email": {email}, "name": {"Sam Joiner"}, "password": {"correct horse battery"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(parse(t, body).Find("#join-email-problem").Text(), "already asked to join") {
		t.Errorf("joining twice: status %d, %q", res.StatusCode, parse(t, body).Find("#join-email-problem").Text())
	}
}

// Without approval a joiner is active and signed in once the address is
// confirmed, by the code or by the emailed link (whose page alone changes
// nothing).
func TestInviteeJoinsThroughLinkWithoutApproval(t *testing.T) {
	t.Parallel()
	f := newInviteeFixture(t)
	token, _ := f.newLink(t, roster.LinkInvite{Label: "Contractors"})

	t.Run("by code", func(t *testing.T) {
		c := f.a.client(t)
		res, body := f.a.get(t, c, "/join/"+token)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "as soon as you") {
			t.Fatalf("join page: status %d", res.StatusCode)
		}
		const email = "kim.contractor@gmail.example"
		codePage, code := f.startJoin(t, c, token, email, "Kim Contractor")
		res, _ = f.post(t, c, "/join/"+token+"/confirm", codeForm(t, codePage, code))
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Fatalf("right code: status %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		uid, _, status := f.userByEmail(t, email)
		if uid == 0 || status != roster.StatusActive || !f.grantsOf(t, uid)[grant(f.payables, f.requisitioner)] {
			t.Fatalf("after confirming: person %d %s, grants %v", uid, status, f.grantsOf(t, uid))
		}
		if to, page := f.signedInHome(t, c); to != "/account" || !strings.Contains(page, "Requisitioner") {
			t.Errorf("after joining, / leads to %q", to)
		}
		// Posting the form again (back button) says they joined already.
		res, body = f.post(t, f.a.client(t), "/join/"+token+"/confirm", codeForm(t, codePage, code))
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "already joined") {
			t.Errorf("confirming twice: status %d", res.StatusCode)
		}
	})

	t.Run("by the emailed link", func(t *testing.T) {
		c := f.a.client(t)
		const email = "lee.contractor@gmail.example"
		f.startJoin(t, c, token, email, "Lee Contractor")
		link := f.mailTo(t, email, "is your code").Link("/join/confirm/")
		confirm, ok := strings.CutPrefix(link, f.a.URL+"/join/confirm/")
		if !ok {
			t.Fatalf("confirmation link %q", link)
		}
		// Opening the link (as a mail scanner would) confirms nothing.
		res, body := f.a.get(t, f.a.client(t), "/join/confirm/"+confirm)
		checkTokenPage(t, res, confirm)
		doc := parse(t, body)
		if res.StatusCode != http.StatusOK || strings.TrimSpace(doc.Find(`form[method=post][action="/join/confirm/`+confirm+`"] button`).Text()) != "Confirm my address" {
			t.Fatalf("confirmation page: status %d", res.StatusCode)
		}
		if uid, _, _ := f.userByEmail(t, email); uid != 0 {
			t.Fatalf("opening the confirmation link made a person")
		}
		res, _ = f.post(t, c, "/join/confirm/"+confirm, url.Values{})
		checkTokenPage(t, res, confirm)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("confirm by link: status %d", res.StatusCode)
		}
		if uid, _, status := f.userByEmail(t, email); uid == 0 || status != roster.StatusActive {
			t.Errorf("after confirming by link: person %d %s", uid, status)
		}
		// A second click says they have joined, and signs no one in.
		other := f.a.client(t)
		res, body = f.post(t, other, "/join/confirm/"+confirm, url.Values{})
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "already") || strings.Contains(res.Header.Get("Set-Cookie"), "roster_session") {
			t.Errorf("confirming by link twice: status %d", res.StatusCode)
		}
	})
}

// A join that cannot go ahead says why on the form, never on an error page.
func TestInviteeJoinRefusals(t *testing.T) {
	t.Parallel()
	f := newInviteeFixture(t)
	token, linkID := f.newLink(t, roster.LinkInvite{Label: "Acme staff", AllowedDomains: []string{"acme.example"}})
	res, body := f.a.get(t, f.a.client(t), "/join/"+token)
	if res.StatusCode != http.StatusOK || !strings.Contains(parse(t, body).Find("main").Text(), "Only addresses at acme.example can join") {
		t.Fatalf("join page does not state the allowed domain")
	}
	tests := []struct {
		name, email, userName, password string
		field, problem                  string
	}{
		{"other domain", "mallory@gmail.example", "Mallory", "long-enough-pass", "email", "domains listed above"},
		{"address taken", postgres.DemoMemberEmail, "Member Again", "long-enough-pass", "email", "already has a Roster account"},
		{"not an address", "not-an-address", "Someone", "long-enough-pass", "email", "like name@company.com"},
		{"no name", "nameless@acme.example", "", "long-enough-pass", "name", "Enter your name"},
		{"short password", "shorty@acme.example", "Shorty", "short", "password", "at least 10 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := f.post(t, f.a.client(t), "/join/"+token, url.Values{"email": {tt.email}, "name": {tt.userName}, "password": {tt.password}})
			checkTokenPage(t, res, token)
			doc := parse(t, body)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.StatusCode)
			}
			if got := doc.Find("#join-" + tt.field + "-problem").Text(); !strings.Contains(got, tt.problem) {
				t.Errorf("%s problem %q, want %q", tt.field, got, tt.problem)
			}
			if v, _ := doc.Find("#join-email").Attr("value"); v != tt.email {
				t.Errorf("the form lost the email: %q", v)
			}
		})
	}
	var n int
	f.a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM join_requests WHERE invitation_id = $1`, linkID).Scan(&n)
	if n != 0 {
		t.Errorf("%d join requests after refusals", n)
	}
}

// A link that reached its maximum uses says so, also to someone who was
// confirming their code when the last use went; asking for a new one
// tells the inviter.
func TestInviteeLinkUsedUp(t *testing.T) {
	t.Parallel()
	f := newInviteeFixture(t)
	token, _ := f.newLink(t, roster.LinkInvite{Label: "One seat", MaxUses: 1})
	first, second := f.a.client(t), f.a.client(t)
	firstPage, firstCode := f.startJoin(t, first, token, "first@gmail.example", "First Joiner")
	secondPage, secondCode := f.startJoin(t, second, token, "second@gmail.example", "Second Joiner")
	if res, _ := f.post(t, first, "/join/"+token+"/confirm", codeForm(t, firstPage, firstCode)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first joiner: status %d", res.StatusCode)
	}
	// The link was used up between the second joiner's pages.
	res, body := f.post(t, second, "/join/"+token+"/confirm", codeForm(t, secondPage, secondCode))
	checkTokenPage(t, res, token)
	if res.StatusCode != http.StatusGone || !strings.Contains(parse(t, body).Find("h1").Text(), "reached its limit") {
		t.Errorf("confirming on a used-up link: status %d, %q", res.StatusCode, parse(t, body).Find("h1").Text())
	}
	res, body = f.a.get(t, f.a.client(t), "/join/"+token)
	checkTokenPage(t, res, token)
	doc := parse(t, body)
	if res.StatusCode != http.StatusGone || !strings.Contains(doc.Find("main").Text(), "used the most times it allows (1)") {
		t.Errorf("used-up link page: status %d, %q", res.StatusCode, doc.Find("main").Text())
	}
	if doc.Find(`form[action="/join/`+token+`/ask"] #ask-email`).Length() != 1 || doc.Find(`label[for=ask-email]`).Length() != 1 {
		t.Errorf("used-up link page has no ask form with an email field")
	}
	// A malformed address is a problem on the form.
	res, body = f.post(t, f.a.client(t), "/join/"+token+"/ask", url.Values{"email": {"not an address"}})
	if res.StatusCode != http.StatusUnprocessableEntity || parse(t, body).Find("#ask-email-problem").Length() != 1 {
		t.Errorf("ask with a bad address: status %d", res.StatusCode)
	}
	res, body = f.post(t, f.a.client(t), "/join/"+token+"/ask", url.Values{"email": {"third@gmail.example"}})
	checkTokenPage(t, res, token)
	if res.StatusCode != http.StatusOK || !strings.Contains(parse(t, body).Find("h1").Text(), "let Alex Morgan know") {
		t.Errorf("ask: status %d", res.StatusCode)
	}
	if m := f.mailTo(t, postgres.DemoAdminEmail, "asked for a new invitation"); !strings.Contains(m.Text, "third@gmail.example") {
		t.Errorf("the inviter's email does not say who asks")
	}
}

// Expired and revoked invitations and links each get their own page with
// an "Ask for a new invitation" button; asking (twice) tells the inviter
// once; a POST to a dead link shows the same page, not an error.
func TestInviteeDeadLinks(t *testing.T) {
	t.Parallel()
	f := newInviteeFixture(t)
	expire := func(t *testing.T, id int64) {
		if _, err := f.a.Pool.Exec(t.Context(), `UPDATE invitations SET expires_at = now() - interval '1 day' WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
	}
	revoke := func(t *testing.T, id int64) {
		if n, err := f.a.Invitations.Revoke(t.Context(), f.accountID, f.adminID, []int64{id}, time.Now()); err != nil || n != 1 {
			t.Fatalf("revoke: %d, %v", n, err)
		}
	}
	tests := []struct {
		name    string
		link    bool
		kill    func(*testing.T, int64)
		heading string
		text    string
	}{
		{"expired invitation", false, expire, "This invitation has expired", "expired on"},
		{"revoked invitation", false, revoke, "This invitation was withdrawn", "was revoked"},
		{"expired link", true, expire, "This invite link has expired", "expired on"},
		{"revoked link", true, revoke, "This invite link was turned off", "turned this invite link off"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requester := "asker" + strconv.Itoa(i) + "@newhire.example"
			var token, base, accept string
			var id int64
			var form url.Values
			if tt.link {
				token, id = f.newLink(t, roster.LinkInvite{Label: "Dead " + strconv.Itoa(i)})
				base, form = "/join/"+token, url.Values{"email": {requester}}
				accept = base
			} else {
				token, id = f.inviteByEmail(t, requester, "")
				base, form = "/invite/"+token, url.Values{}
				accept = base
			}
			tt.kill(t, id)
			c := f.a.client(t)
			res, body := f.a.get(t, c, base)
			checkTokenPage(t, res, token)
			doc := parse(t, body)
			if res.StatusCode != http.StatusGone || doc.Find("h1").Text() != tt.heading || !strings.Contains(doc.Find("main").Text(), tt.text) {
				t.Fatalf("page: status %d, heading %q", res.StatusCode, doc.Find("h1").Text())
			}
			if !strings.Contains(doc.Find("main").Text(), postgres.DemoAccountName) {
				t.Errorf("the page does not name the account")
			}
			if strings.TrimSpace(doc.Find(`form[action="`+base+`/ask"] button`).Text()) != "Ask for a new invitation" {
				t.Errorf("no ask button")
			}
			if got := doc.Find(`#ask-email`).Length(); got != map[bool]int{true: 1, false: 0}[tt.link] {
				t.Errorf("%d email fields on the ask form", got)
			}
			// Posting the page's form shows the same page.
			res, body = f.post(t, c, accept, url.Values{"email": {"x@newhire.example"}, "name": {"X"}, "password": {"long-enough-pass"}})
			checkTokenPage(t, res, token)
			if res.StatusCode != http.StatusGone || parse(t, body).Find("h1").Text() != tt.heading {
				t.Errorf("POST to a dead link: status %d, heading %q", res.StatusCode, parse(t, body).Find("h1").Text())
			}
			for range 2 {
				res, body = f.post(t, c, base+"/ask", form)
				checkTokenPage(t, res, token)
				if res.StatusCode != http.StatusOK || !strings.Contains(parse(t, body).Find("h1").Text(), "We've let Alex Morgan know") {
					t.Fatalf("ask: status %d, %q", res.StatusCode, parse(t, body).Find("h1").Text())
				}
			}
			var jobs int
			f.a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM river_job WHERE kind = 'email' AND args->>'template' = 'new_invitation_asked'
				AND args->>'person_email' = $1`, requester).Scan(&jobs)
			if jobs != 1 {
				t.Errorf("asking twice queued %d emails, want 1", jobs)
			}
			f.mailTo(t, postgres.DemoAdminEmail, requester+" asked for a new invitation")
			if n := f.mailCount(postgres.DemoAdminEmail, requester+" asked"); n != 1 {
				t.Errorf("the inviter got %d emails", n)
			}
		})
	}
}

// Unknown tokens, and tokens of the other kind, get a 404 page that names
// no account; every token page sends no-referrer.
func TestInviteeUnknownTokens(t *testing.T) {
	t.Parallel()
	f := newInviteeFixture(t)
	linkToken, _ := f.newLink(t, roster.LinkInvite{Label: "Real link"})
	emailToken, _ := f.inviteByEmail(t, "real.invitee@newhire.example", "")
	b := make([]byte, 32)
	rand.Read(b)
	random := base64.RawURLEncoding.EncodeToString(b)
	tests := []struct {
		method, path, token string
	}{
		{http.MethodGet, "/invite/" + random, random},
		{http.MethodGet, "/invite/not-a-token", ""},
		{http.MethodPost, "/invite/" + random, random},
		{http.MethodPost, "/invite/" + random + "/ask", random},
		{http.MethodGet, "/join/" + random, random},
		{http.MethodPost, "/join/" + random, random},
		{http.MethodPost, "/join/" + random + "/confirm", random},
		{http.MethodPost, "/join/" + random + "/ask", random},
		{http.MethodGet, "/invite/" + linkToken, linkToken},  // a link is not an email invitation
		{http.MethodPost, "/invite/" + linkToken, linkToken}, //
		{http.MethodGet, "/join/" + emailToken, emailToken},  // nor the other way round
		{http.MethodPost, "/join/confirm/" + random, random}, // an unknown confirmation link
		{http.MethodGet, "/join/confirm/not-a-token", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			c := f.a.client(t)
			var res *http.Response
			var body string
			if tt.method == http.MethodGet {
				res, body = f.a.get(t, c, tt.path)
			} else {
				res, body = f.post(t, c, tt.path, url.Values{"email": {"a@b.example"}, "name": {"A"}, "password": {"long-enough-pass"}, "code": {"123456"}, "request": {"1.x"}})
			}
			checkTokenPage(t, res, tt.token)
			doc := parse(t, body)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("status %d, want 404", res.StatusCode)
			}
			text := doc.Find("html").Text()
			for _, leak := range []string{postgres.DemoAccountName, "Alex Morgan", postgres.DemoAdminEmail, "Real link"} {
				if strings.Contains(text, leak) {
					t.Errorf("the page names %q", leak)
				}
			}
			if doc.Find("h1").Length() != 1 || doc.Find(`main a[href="/login"]`).Length() != 1 {
				t.Errorf("the page has no heading or no way on")
			}
		})
	}
}

// syncBuffer is a log destination written from handler goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The request log names invitee routes by pattern: tokens never reach it.
func TestInviteeTokensStayOutOfTheLog(t *testing.T) {
	t.Parallel()
	f := newInviteeFixture(t)
	var log syncBuffer
	h := server.NewServer(server.Deps{
		Accounts:     postgres.NewAccountStore(f.a.Pool),
		Users:        postgres.NewUserStore(f.a.Pool),
		Groups:       postgres.NewGroupStore(f.a.Pool),
		Invitations:  f.a.Invitations,
		Logger:       slog.New(slog.NewTextHandler(&log, nil)),
		SessionKeys:  [][]byte{[]byte("0123456789abcdef0123456789abcdef")},
		PasswordCost: bcrypt.MinCost,
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	emailToken, _ := f.inviteByEmail(t, "logged.invitee@newhire.example", "")
	linkToken, _ := f.newLink(t, roster.LinkInvite{Label: "Logged"})
	c := f.a.client(t)
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, "/invite/" + emailToken},
		{http.MethodPost, "/invite/" + emailToken},
		{http.MethodGet, "/join/" + linkToken},
		{http.MethodPost, "/join/" + linkToken},
		{http.MethodPost, "/join/" + linkToken + "/confirm"},
		{http.MethodGet, "/join/confirm/" + linkToken},
	} {
		req, _ := http.NewRequest(r.method, srv.URL+r.path, strings.NewReader("name=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readAll(res)
	}
	out := log.String()
	for _, tok := range []string{emailToken, linkToken} {
		if strings.Contains(out, tok) {
			t.Errorf("the log holds a token:\n%s", out)
		}
	}
	for _, route := range []string{"route=/invite/{token}", "route=/join/{token}/confirm", "route=/join/confirm/{token}"} {
		if !strings.Contains(out, route) {
			t.Errorf("the log lacks %s:\n%s", route, out)
		}
	}
}
