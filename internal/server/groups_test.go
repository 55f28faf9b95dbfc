package server_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/roster-hub/roster/internal/postgres"
	"github.com/roster-hub/roster/internal/roster"
	"github.com/roster-hub/roster/internal/server"
)

var _ server.GroupAdminStore = (*postgres.GroupStore)(nil)

// gaPost posts a form and returns the response with its body.
func (a *app) gaPost(t testing.TB, c *http.Client, path string, form url.Values, headers ...string) (*http.Response, string) {
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

// htmx headers of a request made from the Groups screen.
func gaHX(target string) []string {
	return []string{"HX-Request", "true", "HX-Target", target, "HX-Current-URL", "http://x/groups"}
}

func (a *app) gaAccount(t testing.TB) int64 {
	t.Helper()
	var id int64
	if err := a.Pool.QueryRow(t.Context(), `SELECT account_id FROM users WHERE email = $1`, postgres.DemoAdminEmail).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// demoGroup finds a demo group by its path below the root ("Finance",
// "Payables", "EMEA").
func (a *app) gaGroup(t testing.TB, path ...string) int64 {
	t.Helper()
	tree, err := postgres.NewGroupStore(a.Pool).GroupTree(t.Context(), a.gaAccount(t))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join(path, " › ")
	for _, g := range tree.Groups {
		if g.ParentID != nil && strings.Join(tree.PathNames(g.ID), " › ") == want {
			return g.ID
		}
	}
	if len(path) == 0 {
		return tree.Root().ID
	}
	t.Fatalf("no demo group %q", want)
	return 0
}

// treeSnapshot is every group of an account, to show nothing changed.
func (a *app) gaSnapshot(t testing.TB, accountID int64) string {
	t.Helper()
	var s string
	if err := a.Pool.QueryRow(t.Context(), `SELECT coalesce(string_agg(format('%s<%s:%s%s', id, parent_id, name, path), ';' ORDER BY id), '')
	FROM groups WHERE account_id = $1`, accountID).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (a *app) gaAudit(t testing.TB, accountID int64, action string) int {
	t.Helper()
	var n int
	if err := a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM audit_events WHERE account_id = $1 AND action = $2`, accountID, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var (
	gaFirstNumber = regexp.MustCompile(`[\d,]+`)
	gaRawKey      = regexp.MustCompile(`\b(groups|roles|form|error)\.[a-z_]+\b`)
)

// gaNoRawKeys fails when a message key shows instead of its text.
func gaNoRawKeys(t testing.TB, what, body string) {
	t.Helper()
	if k := gaRawKey.FindString(body); k != "" {
		t.Errorf("%s shows the message key %q", what, k)
	}
}

// The Groups screen shows the whole tree depth-first, with counts equal
// to the store's and links to the People table that show as many people;
// htmx can ask for the tree alone.
func TestGroupsPage(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	acc := a.gaAccount(t)
	store := postgres.NewGroupStore(a.Pool)
	tree, _ := store.GroupTree(t.Context(), acc)
	direct, subtree, _ := store.GroupCounts(t.Context(), acc)

	res, body := a.get(t, c, "/groups")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
		t.Fatalf("GET /groups: %d, Vary %q", res.StatusCode, res.Header.Get("Vary"))
	}
	gaNoRawKeys(t, "the Groups screen", body)
	doc := parse(t, body)
	if cur := doc.Find(`.mainnav a[aria-current="page"]`).Text(); cur != "Groups" {
		t.Errorf("the nav marks %q", cur)
	}
	rows := doc.Find("#groups-tree tbody tr")
	if rows.Length() != len(tree.Groups) || len(tree.Groups) < 40 {
		t.Fatalf("%d rows for %d groups", rows.Length(), len(tree.Groups))
	}
	for i, g := range tree.Groups {
		row := rows.Eq(i)
		gid := strconv.FormatInt(g.ID, 10)
		if id, _ := row.Attr("data-group-id"); id != gid || strings.TrimSpace(row.Find(".group-label").Text()) != g.Name {
			t.Fatalf("row %d is %s %q, want %s %q (depth-first order)", i, id, row.Find(".group-label").Text(), gid, g.Name)
		}
		if !row.HasClass("gt-depth-" + strconv.Itoa(min(g.Depth(), 8))) {
			t.Errorf("%s is not indented to depth %d", g.Name, g.Depth())
		}
		links := row.Find("a.count-link")
		d, _ := links.Eq(0).Attr("href")
		s, _ := links.Eq(1).Attr("href")
		if d != "/users?group="+gid+"&sub=0" || s != "/users?group="+gid {
			t.Errorf("%s links to %q and %q", g.Name, d, s)
		}
		if got := links.Eq(0).Text(); got != strconv.FormatInt(direct[g.ID], 10) && direct[g.ID] < 1000 {
			t.Errorf("%s direct count %s, want %d", g.Name, got, direct[g.ID])
		}
		if got := strings.ReplaceAll(links.Eq(1).Text(), ",", ""); got != strconv.FormatInt(subtree[g.ID], 10) {
			t.Errorf("%s subtree count %s, want %d", g.Name, got, subtree[g.ID])
		}
		hasMove := row.Find(`a[href$="/move"]`).Length() == 1
		if hasMove != (g.ParentID != nil) {
			t.Errorf("%s: move offered %v", g.Name, hasMove)
		}
	}
	// A count opens the People table showing exactly that many people.
	payables := a.gaGroup(t, "Finance", "Payables")
	for _, link := range []struct {
		href string
		want int64
	}{{"/users?group=" + strconv.FormatInt(payables, 10) + "&sub=0", direct[payables]}, {"/users?group=" + strconv.FormatInt(payables, 10), subtree[payables]}} {
		_, body := a.get(t, c, link.href)
		heading := parse(t, body).Find("#people-result-count").Text()
		if n := gaFirstNumber.FindString(heading); n != strconv.FormatInt(link.want, 10) || link.want == 0 {
			t.Errorf("%s shows %q, the Groups screen says %d", link.href, strings.TrimSpace(heading), link.want)
		}
	}
	if direct[payables] >= subtree[payables] {
		t.Errorf("Payables: direct %d not below subtree %d", direct[payables], subtree[payables])
	}

	// The tree alone, for htmx.
	res, body = a.get(t, c, "/groups", gaHX("groups-tree")...)
	if res.StatusCode != http.StatusOK || strings.Contains(body, "<html") || parse(t, body).Find("#groups-tree tbody tr").Length() != len(tree.Groups) {
		t.Errorf("fragment: %d, %.200s", res.StatusCode, body)
	}
	// A dialog, for htmx, and the same form as a page.
	_, body = a.get(t, c, "/groups/new?parent="+strconv.FormatInt(payables, 10), gaHX("dialog")...)
	gaNoRawKeys(t, "the New group dialog", body)
	dlg := parse(t, body)
	if dlg.Find("dialog#group-dialog form[hx-post='/groups']").Length() != 1 || strings.Contains(body, "<html") {
		t.Errorf("create dialog: %.300s", body)
	}
	if v, _ := dlg.Find("#group-parent option[selected]").Attr("value"); v != strconv.FormatInt(payables, 10) {
		t.Errorf("Add subgroup preselects %q", v)
	}
	_, body = a.get(t, c, "/groups/new")
	if p := parse(t, body); p.Find("main form[method=post][action='/groups']:not([hx-post]) input[name=name]").Length() != 1 || p.Find("h1").Text() != "New group" {
		t.Errorf("create page: %.300s", body)
	}
}

// Creating, renaming and moving work through htmx (the tree swapped in
// place, a flash, the dialog closed) and as plain forms (a redirect to a
// page that confirms); each writes its audit event.
func TestGroupsChanges(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	acc := a.gaAccount(t)
	finance, sales := a.gaGroup(t, "Finance"), a.gaGroup(t, "Sales")

	// Create, with htmx.
	res, body := a.gaPost(t, c, "/groups", url.Values{"name": {"  Audit "}, "parent": {strconv.FormatInt(finance, 10)}}, gaHX("groups-tree")...)
	if res.StatusCode != http.StatusOK || res.Header.Get("HX-Trigger") != "closeDialog" {
		t.Fatalf("create: %d %q %.300s", res.StatusCode, res.Header.Get("HX-Trigger"), body)
	}
	doc := parse(t, body)
	changed := doc.Find("#groups-tree tr.changed")
	if changed.Find(".group-label").Text() != "Audit" || changed.Find("button[autofocus]").Length() != 1 {
		t.Errorf("the new group is not marked: %.300s", body)
	}
	if flash := doc.Find("#flash[hx-swap-oob]").Text(); !strings.Contains(flash, "Created “Audit” in Finance") {
		t.Errorf("flash %q", flash)
	}
	if n := len(doc.Find("#groups-tree tbody tr").Nodes); !strings.HasPrefix(doc.Find("#groups-summary[hx-swap-oob]").Text(), strconv.Itoa(n)+" groups") {
		t.Errorf("the summary %q does not count %d groups", doc.Find("#groups-summary").Text(), n)
	}
	audit := a.gaGroup(t, "Finance", "Audit")
	if a.gaAudit(t, acc, "group_created") != 1 {
		t.Error("no group_created event")
	}

	// Rename, without JavaScript.
	res, _ = a.gaPost(t, c, "/groups/"+strconv.FormatInt(audit, 10)+"/rename", url.Values{"name": {"Internal Audit"}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/groups?done=renamed&g="+strconv.FormatInt(audit, 10)) {
		t.Fatalf("rename: %d to %q", res.StatusCode, loc)
	}
	_, body = a.get(t, c, loc)
	if msg := parse(t, body).Find("main .alert-ok").Text(); msg != "Renamed to “Internal Audit”." {
		t.Errorf("after the redirect: %q", msg)
	}

	// Move, with htmx, and as a plain form back again.
	res, body = a.gaPost(t, c, "/groups/"+strconv.FormatInt(audit, 10)+"/move", url.Values{"parent": {strconv.FormatInt(sales, 10)}}, gaHX("groups-tree")...)
	if res.StatusCode != http.StatusOK || !strings.Contains(parse(t, body).Find("#flash").Text(), "Moved “Internal Audit” into Sales") {
		t.Fatalf("move: %d %.300s", res.StatusCode, body)
	}
	if a.gaGroup(t, "Sales", "Internal Audit") != audit {
		t.Error("the group did not move")
	}
	res, _ = a.gaPost(t, c, "/groups/"+strconv.FormatInt(audit, 10)+"/move", url.Values{"parent": {strconv.FormatInt(finance, 10)}})
	if res.StatusCode != http.StatusSeeOther || a.gaGroup(t, "Finance", "Internal Audit") != audit {
		t.Fatalf("plain move: %d", res.StatusCode)
	}
	if n := a.gaAudit(t, acc, "group_moved"); n != 2 {
		t.Errorf("%d group_moved events", n)
	}

	// A sibling's name, in another case, is refused and says so.
	res, body = a.gaPost(t, c, "/groups", url.Values{"name": {"payables"}, "parent": {strconv.FormatInt(finance, 10)}}, gaHX("groups-tree")...)
	p := parse(t, body)
	if res.StatusCode != http.StatusUnprocessableEntity || res.Header.Get("HX-Retarget") != "#dialog" ||
		!strings.Contains(p.Find("#group-problem-name").Text(), "Finance already has a subgroup named “payables”") ||
		p.Find("#group-name[aria-invalid=true]").Length() != 1 {
		t.Errorf("duplicate name: %d %q %.400s", res.StatusCode, res.Header.Get("HX-Retarget"), body)
	}

	// Delete the empty group, with htmx.
	res, body = a.gaPost(t, c, "/groups/"+strconv.FormatInt(audit, 10)+"/delete", nil, gaHX("groups-tree")...)
	if res.StatusCode != http.StatusOK || !strings.Contains(parse(t, body).Find("#flash").Text(), "Deleted “Internal Audit”") {
		t.Fatalf("delete: %d %.300s", res.StatusCode, body)
	}
	if a.gaAudit(t, acc, "group_deleted") != 1 || a.gaAudit(t, acc, "group_renamed") != 1 {
		t.Error("missing audit events")
	}

	// Roles: the catalogue, and a custom role.
	res, body = a.gaPost(t, c, "/roles", url.Values{"name": {"Budget owner"}, "description": {"Owns a cost centre's budget"}}, gaHX("roles-table")...)
	if res.StatusCode != http.StatusOK || parse(t, body).Find("#roles-table tr.changed .role-title").Text() != "Budget owner" {
		t.Fatalf("create role: %d %.300s", res.StatusCode, body)
	}
	res, body = a.gaPost(t, c, "/roles", url.Values{"name": {"approver"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "There is already a role named “approver”") {
		t.Errorf("duplicate role: %d", res.StatusCode)
	}
	if a.gaAudit(t, acc, "role_created") != 1 {
		t.Error("no role_created event")
	}
}

// Deleting is refused while a group has members, saying how many; moving a
// group into its own subtree is refused, saying why; the root stays put.
func TestGroupsRefusals(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	acc := a.gaAccount(t)
	finance, payables, emea := a.gaGroup(t, "Finance"), a.gaGroup(t, "Finance", "Payables"), a.gaGroup(t, "Finance", "Payables", "EMEA")
	root := a.gaGroup(t)
	members, subgroups, _, err := postgres.NewGroupStore(a.Pool).GroupUsage(t.Context(), acc, payables)
	if err != nil || members == 0 || subgroups != 2 {
		t.Fatalf("Payables: %d members, %d subgroups, %v", members, subgroups, err)
	}
	before := a.gaSnapshot(t, acc)

	// The delete dialog says what is in the way before anyone tries.
	_, body := a.get(t, c, "/groups/"+strconv.FormatInt(payables, 10)+"/delete", gaHX("dialog")...)
	gaNoRawKeys(t, "the Delete dialog", body)
	d := parse(t, body)
	if d.Find("form[method=post]").Length() != 0 || !strings.Contains(d.Text(), "It has "+strconv.FormatInt(members, 10)+" members") ||
		!strings.Contains(d.Text(), "It has 2 subgroups") {
		t.Errorf("delete dialog: %.500s", body)
	}
	for _, headers := range [][]string{gaHX("groups-tree"), nil} {
		res, body := a.gaPost(t, c, "/groups/"+strconv.FormatInt(payables, 10)+"/delete", nil, headers...)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "It has "+strconv.FormatInt(members, 10)+" members") {
			t.Errorf("delete with members (htmx %v): %d %.300s", headers != nil, res.StatusCode, body)
		}
	}
	// Into its own subtree, or itself.
	for _, target := range []int64{emea, finance} {
		res, body := a.gaPost(t, c, "/groups/"+strconv.FormatInt(finance, 10)+"/move", url.Values{"parent": {strconv.FormatInt(target, 10)}}, gaHX("groups-tree")...)
		gaNoRawKeys(t, "the Move dialog", body)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(parse(t, body).Find("#group-problem-parent").Text(), "can’t move into itself or into one of its own subgroups") {
			t.Errorf("move Finance into %d: %d %.400s", target, res.StatusCode, body)
		}
	}
	// The move dialog does not even offer them.
	_, body = a.get(t, c, "/groups/"+strconv.FormatInt(finance, 10)+"/move", gaHX("dialog")...)
	if opts := parse(t, body).Find("#group-parent option"); opts.Length() == 0 || strings.Contains(opts.Text(), "Payables") || !strings.Contains(opts.Text(), "Sales") {
		t.Errorf("move options: %q", opts.Text())
	}
	// The root.
	res, body := a.gaPost(t, c, "/groups/"+strconv.FormatInt(root, 10)+"/move", url.Values{"parent": {strconv.FormatInt(finance, 10)}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "can be renamed, but not moved or deleted") {
		t.Errorf("move the root: %d", res.StatusCode)
	}
	res, _ = a.gaPost(t, c, "/groups/"+strconv.FormatInt(root, 10)+"/delete", nil, gaHX("groups-tree")...)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("delete the root: %d", res.StatusCode)
	}
	if after := a.gaSnapshot(t, acc); after != before {
		t.Error("a refused change changed the tree")
	}
	for _, action := range []string{"group_moved", "group_deleted"} {
		if n := a.gaAudit(t, acc, action); n != 0 {
			t.Errorf("%d %s events after refusals", n, action)
		}
	}
}

// Another account's groups are not found, whatever the route, and nothing
// changes in either account; cross-origin posts are refused; only account
// administrators may open the screens.
func TestGroupsBoundaries(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	ctx := t.Context()
	acc := a.gaAccount(t)
	otherAcc, _, err := postgres.NewAccountStore(a.Pool).CreateAccount(ctx, roster.Signup{AccountName: "Initech", Name: "Olive Other", Email: "olive@initech.example", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewGroupStore(a.Pool)
	otherTree, _ := store.GroupTree(ctx, otherAcc.ID)
	otherRoot := otherTree.Root().ID
	otherSub, err := store.CreateGroup(ctx, otherAcc.ID, 0, otherRoot, "Finance", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mine, theirs := a.gaSnapshot(t, acc), a.gaSnapshot(t, otherAcc.ID)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	sales := strconv.FormatInt(a.gaGroup(t, "Sales"), 10)
	for _, gid := range []int64{otherRoot, otherSub.ID} {
		id := strconv.FormatInt(gid, 10)
		for _, path := range []string{"/groups/" + id + "/rename", "/groups/" + id + "/move", "/groups/" + id + "/delete"} {
			if res, _ := a.get(t, c, path, gaHX("dialog")...); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d", path, res.StatusCode)
			}
			form := url.Values{"name": {"Taken over"}, "parent": {sales}}
			if res, _ := a.gaPost(t, c, path, form); res.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s: %d", path, res.StatusCode)
			}
		}
		if res, _ := a.gaPost(t, c, "/groups", url.Values{"name": {"Inside theirs"}, "parent": {id}}, gaHX("groups-tree")...); res.StatusCode != http.StatusNotFound {
			t.Errorf("create below another account's group: %d", res.StatusCode)
		}
		if res, _ := a.gaPost(t, c, "/groups/"+sales+"/move", url.Values{"parent": {id}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("move into another account's group: %d", res.StatusCode)
		}
	}
	// Cross-origin posts, as a browser sends them.
	for _, headers := range [][]string{{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "cross-site"}} {
		if res, _ := a.gaPost(t, c, "/groups", url.Values{"name": {"Forged"}, "parent": {sales}}, headers...); res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin create %v: %d", headers, res.StatusCode)
		}
		if res, _ := a.gaPost(t, c, "/groups/"+sales+"/rename", url.Values{"name": {"Forged"}}, headers...); res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin rename %v: %d", headers, res.StatusCode)
		}
	}
	if a.gaSnapshot(t, acc) != mine || a.gaSnapshot(t, otherAcc.ID) != theirs {
		t.Error("a refused request changed a tree")
	}

	// A member gets 403 on every route; a group administrator
	// (Administrator on Finance only) sees Finance's subtree, gets 404 for
	// groups outside it and 403 for the role catalogue.
	groupAdmin := "gadmin@acme.example"
	hash, _ := server.HashPassword("group-admin-password", bcrypt.MinCost)
	err = pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		var uid int64
		if err := tx.QueryRow(ctx, `INSERT INTO users (account_id, email, name, password_hash) VALUES ($1, $2, 'Gus Admin', $3) RETURNING id`, acc, groupAdmin, hash).Scan(&uid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO memberships (account_id, user_id, group_id) VALUES ($1, $2, $3)`, acc, uid, a.gaGroup(t, "Finance")); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO role_assignments (account_id, user_id, group_id, role_id)
		SELECT $1, $2, $3, id FROM roles WHERE account_id = $1 AND key = 'administrator'`, acc, uid, a.gaGroup(t, "Finance"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range [][2]string{{postgres.DemoMemberEmail, postgres.DemoMemberPassword}, {groupAdmin, "group-admin-password"}} {
		c := a.signIn(t, who[0], who[1])
		member := who[0] == postgres.DemoMemberEmail
		want := func(forMember, forGroupAdmin int) int {
			if member {
				return forMember
			}
			return forGroupAdmin
		}
		for path, status := range map[string]int{"/groups": want(403, 200), "/groups/new": want(403, 200), "/groups/" + sales + "/move": want(403, 404),
			"/roles": 403, "/roles/new": 403} {
			if res, _ := a.get(t, c, path); res.StatusCode != status {
				t.Errorf("%s GET %s: %d, want %d", who[0], path, res.StatusCode, status)
			}
		}
		for path, status := range map[string]int{"/groups": want(403, 404), "/groups/" + sales + "/rename": want(403, 404),
			"/groups/" + sales + "/delete": want(403, 404), "/roles": 403} {
			if res, _ := a.gaPost(t, c, path, url.Values{"name": {"Mine"}, "parent": {sales}}, gaHX("groups-tree")...); res.StatusCode != status {
				t.Errorf("%s POST %s: %d, want %d", who[0], path, res.StatusCode, status)
			}
		}
		_, body := a.get(t, c, "/account")
		if strings.Contains(body, `href="/groups"`) == member {
			t.Errorf("%s: Groups link shown %v", who[0], !member)
		}
		if !member {
			_, body := a.get(t, c, "/groups")
			if !strings.Contains(body, "Payables") || strings.Contains(body, "Procurement") {
				t.Errorf("the group administrator's Groups screen is not Finance's subtree")
			}
		}
	}
	if a.gaSnapshot(t, acc) != mine {
		t.Error("a forbidden request changed the tree")
	}
}

// The Roles screen lists the catalogue in order, translated, with holder
// counts that equal a recount and link to the people holding each role.
func TestRolesPage(t *testing.T) {
	t.Parallel()
	a := readOnlyApp(t)
	c := a.signIn(t, postgres.DemoAdminEmail, postgres.DemoAdminPassword)
	acc := a.gaAccount(t)
	res, body := a.get(t, c, "/roles")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /roles: %d", res.StatusCode)
	}
	gaNoRawKeys(t, "the Roles screen", body)
	doc := parse(t, body)
	if cur := doc.Find(`.mainnav a[aria-current="page"]`).Text(); cur != "Roles" {
		t.Errorf("the nav marks %q", cur)
	}
	rows := doc.Find("#roles-table tbody tr")
	names := []string{"Administrator", "Requisitioner", "Approver", "Finance", "Analyst"}
	if rows.Length() < len(names) {
		t.Fatalf("%d roles", rows.Length())
	}
	for i, name := range names {
		row := rows.Eq(i)
		if got := row.Find(".role-title").Text(); got != name || strings.TrimSpace(row.Find(".role-about").Text()) == "" {
			t.Errorf("row %d: %q (%q), want %q with a description", i, got, row.Find(".role-about").Text(), name)
		}
		rid, _ := row.Attr("data-role-id")
		var want int64
		a.Pool.QueryRow(t.Context(), `SELECT count(DISTINCT user_id) FROM role_assignments WHERE account_id = $1 AND role_id = $2`, acc, rid).Scan(&want)
		link := row.Find("a.count-link")
		href, _ := link.Attr("href")
		if strings.ReplaceAll(link.Text(), ",", "") != strconv.FormatInt(want, 10) || href != "/users?role="+rid || want == 0 {
			t.Errorf("%s: %s holders linking to %s; want %d", name, link.Text(), href, want)
		}
	}
	res, body = a.get(t, c, "/roles", gaHX("roles-table")...)
	if res.StatusCode != http.StatusOK || strings.Contains(body, "<html") || !strings.Contains(body, `id="roles-table"`) {
		t.Errorf("roles fragment: %d", res.StatusCode)
	}
}
