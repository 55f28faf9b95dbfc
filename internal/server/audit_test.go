package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/internal/server"
	"github.com/roster-hub/roster/web/page"
)

var (
	_ server.AuditStore    = (*postgres.AuditStore)(nil)
	_ server.SettingsStore = (*postgres.SettingsStore)(nil)
)

type goqSelection = goquery.Selection

// admPost posts a form and returns the response and its body.
func (a *app) admPost(t testing.TB, c *http.Client, path string, form url.Values, headers ...string) (*http.Response, string) {
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
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// admAccount is the demo account's id.
func (a *app) admAccount(t testing.TB) int64 {
	t.Helper()
	var id int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT account_id FROM users WHERE email = $1`, postgres.DemoAdminEmail).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (a *app) admUserID(t testing.TB, email string) int64 {
	t.Helper()
	var id int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT id FROM users WHERE lower(email) = lower($1)`, email).Scan(&id); err != nil {
		t.Fatalf("person %s: %v", email, err)
	}
	return id
}

// admGroupAdmin makes a group administrator (Administrator on Finance only:
// they open the hub, but not the account-wide screens) and signs them in.
func (a *app) admGroupAdmin(t *testing.T) *http.Client {
	t.Helper()
	ctx := t.Context()
	acc := a.admAccount(t)
	email := "audit.gadmin@acme.example"
	hash, _ := server.HashPassword("group-admin-password", bcrypt.MinCost)
	err := pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		var uid, finance int64
		if err := tx.QueryRow(ctx, `SELECT id FROM groups WHERE account_id = $1 AND name = 'Finance'`, acc).Scan(&finance); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO users (account_id, email, name, password_hash) VALUES ($1, $2, 'Gia Groupadmin', $3) RETURNING id`, acc, email, hash).Scan(&uid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO memberships (account_id, user_id, group_id) VALUES ($1, $2, $3)`, acc, uid, finance); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO role_assignments (account_id, user_id, group_id, role_id)
		SELECT $1, $2, $3, id FROM roles WHERE account_id = $1 AND key = 'administrator'`, acc, uid, finance)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c := a.signIn(t, email, "group-admin-password")
	if res, _ := a.get(t, c, "/users"); res.StatusCode != http.StatusOK {
		t.Fatalf("the group administrator cannot open the hub: %d", res.StatusCode)
	}
	return c
}

// rowActions lists the data-action of the audit table's rows.
func rowActions(t testing.TB, body string) []string {
	t.Helper()
	var out []string
	parse(t, body).Find("#audit-table tbody tr").Each(func(_ int, s *goqSelection) {
		out = append(out, s.AttrOr("data-action", ""))
	})
	return out
}

func TestAuditLogPageAndFragment(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)

	res, body := a.get(t, c, "/audit")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
		t.Fatalf("GET /audit: %d, Vary %q", res.StatusCode, res.Header.Get("Vary"))
	}
	doc := parse(t, body)
	if doc.Find("html").Length() != 1 || strings.TrimSpace(doc.Find("h1").Text()) != "Audit log" {
		t.Fatalf("not the audit page: %.300s", body)
	}
	if cur := doc.Find(`nav.mainnav a[aria-current="page"]`); cur.AttrOr("href", "") != "/audit" {
		t.Errorf("nav highlights %q", cur.AttrOr("href", ""))
	}
	form := doc.Find("form#audit-filters")
	if form.AttrOr("method", "") != "get" || form.AttrOr("action", "") != "/audit" {
		t.Errorf("the filters are not a plain GET form: %v", form.Nodes)
	}
	for _, name := range []string{"actor", "action", "target", "from", "to"} {
		if form.Find(`[name="`+name+`"]`).Length() != 1 {
			t.Errorf("no %s filter", name)
		}
	}
	if got := form.Find(`#audit-actor option`).FilterFunction(func(_ int, s *goqSelection) bool { return strings.Contains(s.Text(), "Alex Morgan") }).Length(); got != 1 {
		t.Errorf("the actor picker does not offer Alex Morgan")
	}
	if form.Find(`#audit-action optgroup`).Length() < 5 || form.Find(`#audit-action option[value="settings_changed"]`).Text() != "Settings changed" {
		t.Errorf("action picker: %s", form.Find("#audit-action").Text())
	}
	// Newest first: this sign-in, then the demo's own events.
	rows := doc.Find("#audit-table tbody tr")
	if rows.Length() < 2 {
		t.Fatalf("%d rows", rows.Length())
	}
	first := rows.First()
	if first.AttrOr("data-action", "") != "signed_in" || strings.TrimSpace(first.Find(".audit-sentence").Text()) != "Alex Morgan signed in" {
		t.Errorf("first row: %q %q", first.AttrOr("data-action", ""), first.Find(".audit-sentence").Text())
	}
	if first.Find(".audit-who .person-email").Text() != postgres.DemoAdminEmail || first.Find(".audit-when time").AttrOr("datetime", "") == "" ||
		!strings.Contains(first.Find(".audit-when").Text(), "UTC") {
		t.Errorf("first row who/when: %q", first.Text())
	}
	if href := first.Find(".audit-person a.person-name").AttrOr("href", ""); href != fmt.Sprintf("/users/%d", a.admUserID(t, postgres.DemoAdminEmail)) {
		t.Errorf("target link %q", href)
	}
	seeded := rows.FilterFunction(func(_ int, s *goqSelection) bool { return s.AttrOr("data-action", "") == "demo_seeded" })
	if !regexp.MustCompile(`^Alex Morgan loaded the demo data \([\d,]+ people\)$`).MatchString(strings.TrimSpace(seeded.Find(".audit-sentence").Text())) {
		t.Errorf("demo row: %q", seeded.Find(".audit-sentence").Text())
	}

	// The results alone for htmx, with the canonical address to show.
	res, body = a.get(t, c, "/audit?action=signed_in&actor=&target=&from=&to=", "HX-Request", "true", "HX-Target", "audit-results", "HX-Current-URL", a.URL+"/audit")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
		t.Fatalf("fragment: %d, Vary %q", res.StatusCode, res.Header.Get("Vary"))
	}
	if strings.Contains(body, "<html") || strings.Contains(body, "audit-filters") {
		t.Errorf("the fragment holds the whole page")
	}
	if got := res.Header.Get("HX-Push-Url"); got != "/audit?action=signed_in" {
		t.Errorf("HX-Push-Url %q", got)
	}
	for _, act := range rowActions(t, body) {
		if act != "signed_in" {
			t.Errorf("filtered by signed_in, a row is %s", act)
		}
	}
	// The same view again adds no history entry.
	res, _ = a.get(t, c, "/audit?action=signed_in", "HX-Request", "true", "HX-Target", "audit-results", "HX-Current-URL", a.URL+"/audit?action=signed_in")
	if got := res.Header.Get("HX-Push-Url"); got != "false" {
		t.Errorf("same view: HX-Push-Url %q", got)
	}
	// A boosted navigation gets the whole page.
	_, body = a.get(t, c, "/audit?action=signed_in", "HX-Request", "true", "HX-Boosted", "true", "HX-Target", "main")
	if !strings.Contains(body, "<html") {
		t.Errorf("boosted request got a fragment")
	}

	auditFiltersAndPaging(t, a, c)
}

func auditFiltersAndPaging(t *testing.T, a *app, c *http.Client) {
	acc := a.admAccount(t)
	admin := a.admUserID(t, postgres.DemoAdminEmail)
	member := a.admUserID(t, postgres.DemoMemberEmail)
	// 120 deactivations of the member over three days, then the member's
	// own sign-in: enough for three pages.
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if _, err := a.Pool.Exec(t.Context(), `INSERT INTO audit_events (account_id, at, actor_id, action, target_user_id)
	SELECT $1, $2::timestamptz + g * interval '30 minutes', $3, 'deactivated', $4 FROM generate_series(0, 119) g`, acc, start, admin, member); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Pool.Exec(t.Context(), `INSERT INTO audit_events (account_id, at, actor_id, action, target_user_id) VALUES ($1, $2, $3, 'signed_in', $3)`,
		acc, start.Add(-time.Hour), member); err != nil {
		t.Fatal(err)
	}

	// By the person: every row is about Pat Lee; three pages, each once.
	path := "/audit?target=" + url.QueryEscape(strings.ToUpper(postgres.DemoMemberEmail))
	seen := map[string]bool{}
	pages := 0
	for path != "" {
		pages++
		res, body := a.get(t, c, path)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		doc := parse(t, body)
		if n := doc.Find("#audit-table tbody tr").Length(); n == 0 || n > roster.PageSize {
			t.Fatalf("%s: %d rows", path, n)
		}
		doc.Find("#audit-table tbody tr").Each(func(_ int, s *goqSelection) {
			id := s.AttrOr("data-event-id", "")
			if seen[id] {
				t.Errorf("event %s shown twice", id)
			}
			seen[id] = true
			if !strings.Contains(s.Find(".audit-person").Text(), "Pat Lee") {
				t.Errorf("row about someone else: %q", s.Text())
			}
		})
		if !strings.Contains(doc.Find("#audit-result-count").Text(), "121 events") {
			t.Errorf("count %q", doc.Find("#audit-result-count").Text())
		}
		if pages > 1 && doc.Find(`.pager a[rel="prev"]`).Length() != 1 {
			t.Errorf("page %d has no previous link", pages)
		}
		path = doc.Find(`.pager a[rel="next"]`).AttrOr("href", "")
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 121 || pages != 3 {
		t.Errorf("%d events on %d pages", len(seen), pages)
	}

	// By actor, action and date range: the range's ends are whole days.
	_, body := a.get(t, c, fmt.Sprintf("/audit?actor=%d&action=deactivated&from=2026-03-02&to=2026-03-02", admin))
	doc := parse(t, body)
	if n := doc.Find("#audit-table tbody tr").Length(); n != 48 {
		t.Errorf("one day of deactivations: %d rows, want 48", n)
	}
	if got := strings.TrimSpace(doc.Find(".audit-sentence").First().Text()); got != "Alex Morgan deactivated Pat Lee" {
		t.Errorf("sentence %q", got)
	}
	if doc.Find(`#audit-from`).AttrOr("value", "") != "2026-03-02" || doc.Find(`#audit-action option[selected]`).AttrOr("value", "") != "deactivated" ||
		doc.Find(`#audit-actor option[selected]`).AttrOr("value", "") != strconv.FormatInt(admin, 10) {
		t.Errorf("the form does not show the view")
	}
	// Anyone of the account can be the actor, offered in the picker.
	_, body = a.get(t, c, fmt.Sprintf("/audit?actor=%d", member))
	doc = parse(t, body)
	if doc.Find(`#audit-actor option[selected]`).Text() != "Pat Lee" || doc.Find(".notes").Length() != 0 {
		t.Errorf("actor Pat Lee: selected %q, notes %q", doc.Find(`#audit-actor option[selected]`).Text(), doc.Find(".notes").Text())
	}
	if acts := rowActions(t, body); len(acts) != 1 || acts[0] != "signed_in" {
		t.Errorf("Pat Lee's own events: %v", acts)
	}
	// Nobody by that email.
	_, body = a.get(t, c, "/audit?target=nobody%40acme.example")
	doc = parse(t, body)
	if !strings.Contains(doc.Find("#audit-target-unknown").Text(), "nobody@acme.example") || doc.Find("#audit-table").Length() != 0 {
		t.Errorf("unknown target: %q", doc.Find("#audit-results").Text())
	}
	// Suggestions for the person filter.
	_, body = a.get(t, c, "/audit/people?target=pat+l", "HX-Request", "true", "HX-Target", "audit-target-options")
	if !strings.Contains(body, `value="`+postgres.DemoMemberEmail+`"`) || strings.Contains(body, "<html") {
		t.Errorf("suggestions: %.300s", body)
	}
}

func TestAuditLogBadFiltersAreNoted(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	res, body := a.get(t, c, "/audit?actor=abc&action=DROP+TABLE&from=2026-02-30&to=yesterday&after=garbage")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%d", res.StatusCode)
	}
	doc := parse(t, body)
	notes := doc.Find("#audit-results .notes").Text()
	for _, p := range []string{"actor", "action", "from", "to", "after"} {
		if !strings.Contains(notes, p) {
			t.Errorf("note %q lacks %s", notes, p)
		}
	}
	if doc.Find("#audit-table tbody tr").Length() == 0 {
		t.Error("ignored filters should leave the whole log")
	}
	// An id that is no one of this account, and a range backwards.
	_, body = a.get(t, c, "/audit?actor=999999999&from=2026-05-02&to=2026-05-01", "HX-Request", "true", "HX-Target", "audit-results")
	doc = parse(t, body)
	notes = doc.Find(".notes").Text()
	if !strings.Contains(notes, "actor") || !strings.Contains(notes, "to") {
		t.Errorf("notes %q", notes)
	}
	if doc.Find(".notes").Length() != 1 || strings.Contains(body, "<html") {
		t.Errorf("fragment notes: %.200s", body)
	}
}

// Only account administrators open the account-wide screens.
func TestAuditAndSettingsForbiddenToOthers(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	before := settingsOf(t, a)
	member := a.signIn(t, postgres.DemoMemberEmail, postgres.DemoMemberPassword)
	groupAdmin := a.admGroupAdmin(t)
	for who, c := range map[string]*http.Client{"member": member, "group administrator": groupAdmin} {
		for _, path := range []string{"/audit", "/audit?action=signed_in", "/audit/people?target=alex", "/settings"} {
			if res, _ := a.get(t, c, path); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s GET %s: %d", who, path, res.StatusCode)
			}
			if res, _ := a.get(t, c, path, "HX-Request", "true", "HX-Target", "audit-results"); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s htmx GET %s: %d", who, path, res.StatusCode)
			}
		}
		res, _ := a.admPost(t, c, "/settings", validSettingsForm())
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s POST /settings: %d", who, res.StatusCode)
		}
		_, body := a.get(t, c, "/account")
		if strings.Contains(body, `href="/audit"`) || strings.Contains(body, `href="/settings"`) {
			t.Errorf("%s sees links to the audit log or settings", who)
		}
	}
	if after := settingsOf(t, a); after != before {
		t.Errorf("a forbidden save changed the settings: %+v", after)
	}
}

// Every sentence is whole for every action the product records.
func TestAuditSentences(t *testing.T) {
	ctx := i18n.WithLocalizer(context.Background(), i18n.New("en-US"))
	finance := roster.Group{ID: 2, Name: "Finance", Path: []int64{1, 2}, ParentID: ptr(int64(1))}
	root := roster.Group{ID: 1, Name: "Acme", Path: []int64{1}}
	v := page.AuditView{Tree: roster.NewGroupTree([]roster.Group{root, finance}),
		Roles: []roster.Role{{ID: 7, Key: roster.RoleApprover, Name: "Approver"}}}
	alex := roster.AuditPerson{ID: 1, Name: "Alex Morgan", Email: "alex@acme.example", Exists: true}
	nina := roster.AuditPerson{ID: 2, Name: "Nina Petrova", Email: "nina@x.example", Exists: true}
	invite := func(e roster.AuditEvent) roster.AuditEvent {
		e.InvitationID, e.InvitationKind, e.InvitationEmail, e.InvitedByName = 5, roster.KindEmail, "nina@x.example", "Alex Morgan"
		return e
	}
	link := func(e roster.AuditEvent) roster.AuditEvent {
		e.InvitationID, e.InvitationKind, e.InvitationLabel = 6, roster.KindLink, "Finance onboarding"
		return e
	}
	want := map[string]string{
		"invited":               "Alex Morgan invited nina@x.example",
		"resent":                "Alex Morgan resent the invitation to nina@x.example",
		"extended":              "Alex Morgan extended the invitation to nina@x.example",
		"revoked":               "Alex Morgan revoked the invitation to nina@x.example",
		"removed":               "Alex Morgan removed an expired invitation",
		"link_created":          "Alex Morgan created the invite link “Finance onboarding”",
		"link_regenerated":      "Alex Morgan made a new address for the invite link “Finance onboarding”; the old one stopped working",
		"accepted":              "Nina Petrova accepted an invitation from Alex Morgan",
		"joined":                "Nina Petrova joined through the invite link “Finance onboarding”",
		"join_requested":        "zed@else.example asked to join through the invite link “Finance onboarding”",
		"approved":              "Alex Morgan approved the request of Nina Petrova to join",
		"denied":                "Alex Morgan denied the request of zed@else.example to join",
		"asked_new_invitation":  "nina@x.example asked for a new invitation: the invitation to nina@x.example had expired",
		"signed_in":             "Nina Petrova signed in",
		"signed_out_everywhere": "Nina Petrova signed out everywhere",
		"reactivated":           "Alex Morgan reactivated Nina Petrova",
		"deactivated":           "Alex Morgan deactivated Nina Petrova",
		"removed_person":        "Alex Morgan removed Gus Gone from the account",
		"account_created":       "Alex Morgan created the account",
		"demo_seeded":           "Alex Morgan loaded the demo data (2,000 people)",
		"group_added":           "Alex Morgan added Nina Petrova to Finance as Approver",
		"group_removed":         "Alex Morgan removed Nina Petrova from Finance",
		"roles_changed":         "Alex Morgan set the roles of Nina Petrova in Finance to Approver",
		"role_revoked":          "Alex Morgan took the role Approver from Nina Petrova",
		"group_created":         "Alex Morgan created the group Finance",
		"group_renamed":         "Alex Morgan renamed the group Money to Finance",
		"group_moved":           "Alex Morgan moved the group Finance",
		"group_deleted":         "Alex Morgan deleted the group Old team",
		"settings_changed":      "Alex Morgan changed the settings: email invitation validity 90 days → 30 days; reminder emails on → off; invite link validity 30 days → 36 hours; default language English (United States) → Français (France)",
		"locale_changed":        "Nina Petrova changed their language to Deutsch (Deutschland)",
		"bulk_started":          "Alex Morgan started a change to every person of a view (1,925 people)",
		"bulk_finished":         "Alex Morgan's change to every person of a view went through 1,925 people",
		"something_new":         "Alex Morgan: something_new",
	}
	events := map[string]roster.AuditEvent{
		"invited":               invite(roster.AuditEvent{Actor: alex, Detail: map[string]any{"email": "nina@x.example"}}),
		"resent":                invite(roster.AuditEvent{Actor: alex}),
		"extended":              invite(roster.AuditEvent{Actor: alex, Detail: map[string]any{"invitation": 5.0}}),
		"revoked":               invite(roster.AuditEvent{Actor: alex}),
		"removed":               {Actor: alex, Detail: map[string]any{"invitation": 5.0}},
		"link_created":          link(roster.AuditEvent{Actor: alex, Detail: map[string]any{"label": "Finance onboarding"}}),
		"link_regenerated":      link(roster.AuditEvent{Actor: alex}),
		"accepted":              invite(roster.AuditEvent{Actor: nina, Target: nina}),
		"joined":                link(roster.AuditEvent{Actor: nina, Target: nina}),
		"join_requested":        link(roster.AuditEvent{Detail: map[string]any{"email": "zed@else.example", "request": 3.0}}),
		"approved":              link(roster.AuditEvent{Actor: alex, Target: nina}),
		"denied":                link(roster.AuditEvent{Actor: alex, Detail: map[string]any{"email": "zed@else.example"}}),
		"asked_new_invitation":  invite(roster.AuditEvent{Detail: map[string]any{"requester": "nina@x.example", "state": "expired"}}),
		"signed_in":             {Actor: nina, Target: nina},
		"signed_out_everywhere": {Actor: nina, Target: nina},
		"reactivated":           {Actor: alex, Target: nina},
		"deactivated":           {Actor: alex, Target: nina},
		"removed_person":        {Actor: alex, Target: roster.AuditPerson{ID: 9}, Detail: map[string]any{"email": "gus@x.example", "name": "Gus Gone"}},
		"account_created":       {Actor: alex, Target: alex},
		"demo_seeded":           {Actor: alex, Detail: map[string]any{"people": 2000.0}},
		"group_added":           {Actor: alex, Target: nina, Detail: map[string]any{"group": 2.0, "roles": []any{7.0}}},
		"group_removed":         {Actor: alex, Target: nina, Detail: map[string]any{"group": 2.0}},
		"roles_changed":         {Actor: alex, Target: nina, Detail: map[string]any{"group": 2.0, "roles": []any{7.0}}},
		"role_revoked":          {Actor: alex, Target: nina, Detail: map[string]any{"role": 7.0}},
		"group_created":         {Actor: alex, GroupID: 2},
		"group_renamed":         {Actor: alex, GroupID: 2, Detail: map[string]any{"from": "Money", "to": "Finance"}},
		"group_moved":           {Actor: alex, GroupID: 2},
		"group_deleted":         {Actor: alex, GroupID: 99, Detail: map[string]any{"name": "Old team"}},
		"settings_changed": {Actor: alex, Detail: map[string]any{"changes": []any{
			map[string]any{"setting": "invite_validity_days", "old": 90.0, "new": 30.0},
			map[string]any{"setting": "reminders_enabled", "old": true, "new": false},
			map[string]any{"setting": "link_validity_hours", "old": 720.0, "new": 36.0},
			map[string]any{"setting": "default_locale", "old": "en-US", "new": "fr-FR"},
		}}},
		"locale_changed": {Actor: nina, Target: nina, Detail: map[string]any{"old": "", "new": "de-DE"}},
		"bulk_started":   {Actor: alex, Detail: map[string]any{"job_id": 3.0, "action": "add_group", "people": 1925.0}},
		"bulk_finished":  {Actor: alex, Detail: map[string]any{"job_id": 3.0, "people": 1925.0, "changed": 1924.0, "refused": 1.0}},
		"something_new":  {Actor: alex},
	}
	for _, g := range roster.AuditActionGroups {
		for _, act := range g.Actions {
			if _, ok := want[act]; !ok {
				t.Errorf("no sentence tested for %s", act)
			}
			if label := i18n.T(ctx, "audit.action."+act); label == "audit.action."+act {
				t.Errorf("no label for %s", act)
			}
		}
	}
	for act, w := range want {
		e := events[act]
		e.Action = act
		if got := page.SentenceText(page.AuditSentence(ctx, v, e)); got != w {
			t.Errorf("%s:\n got %q\nwant %q", act, got, w)
		}
	}
	// With no one signed in and no invitee, the system did it; a person
	// removed since is named so.
	e := roster.AuditEvent{Action: "signed_in", Actor: roster.AuditPerson{ID: 4}}
	if got := page.SentenceText(page.AuditSentence(ctx, v, e)); got != "a removed person signed in" {
		t.Errorf("removed actor: %q", got)
	}
	e = roster.AuditEvent{Action: "removed"}
	if got := page.SentenceText(page.AuditSentence(ctx, v, e)); got != "System removed an expired invitation" {
		t.Errorf("system: %q", got)
	}
	// A join request whose link is gone: the email is the joiner's.
	e = roster.AuditEvent{Action: "join_requested", Detail: map[string]any{"email": "zed@else.example"}}
	if got := page.SentenceText(page.AuditSentence(ctx, v, e)); got != "zed@else.example asked to join through an invite link" {
		t.Errorf("join request without its link: %q", got)
	}

	// A person's history, as their detail page shows it.
	var b strings.Builder
	h := page.AuditHistory{Events: []roster.AuditEvent{{ID: 3, Action: "signed_in", Actor: nina, Target: nina, At: time.Now().Add(-time.Hour)},
		{ID: 2, Action: "deactivated", Actor: alex, Target: nina, At: time.Now().Add(-2 * time.Hour)}}, Email: "nina@x.example", Tree: v.Tree, Roles: v.Roles, Now: time.Now()}
	if err := page.AuditHistoryList(h).Render(ctx, &b); err != nil {
		t.Fatal(err)
	}
	doc := parse(t, b.String())
	if items := doc.Find("ol.audit-history li"); items.Length() != 2 || !strings.HasPrefix(items.Eq(1).Text(), "Alex Morgan deactivated Nina Petrova") ||
		!strings.Contains(items.First().Find("time").Text(), "1 hour ago") {
		t.Errorf("history list: %q", doc.Text())
	}
	if href := doc.Find("a.audit-history-all").AttrOr("href", ""); href != "/audit?target=nina%40x.example" {
		t.Errorf("link to the whole log: %q", href)
	}
}

func ptr[T any](v T) *T { return &v }

// Every "audit.…" and "settings.…" message the screens use is in the
// catalogue (the package's own check covers the catalogues it lists).
func TestAdminMessagesAreInTheCatalogue(t *testing.T) {
	ctx := i18n.WithLocalizer(context.Background(), i18n.New("en-US"))
	keyRE := regexp.MustCompile(`"((?:audit|settings)\.[a-z_.]+[a-z_])"`)
	found := 0
	for _, path := range []string{"audit.go", "settings.go", "../../web/page/audit.templ", "../../web/page/settings.templ"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			key := m[1] // keys built at run time are checked by TestAuditSentences
			found++
			if i18n.T(ctx, key) == key {
				t.Errorf("%s: message %q is not in the catalogue", path, key)
			}
		}
	}
	if found < 40 {
		t.Errorf("found only %d keys: the scan is broken", found)
	}
}
