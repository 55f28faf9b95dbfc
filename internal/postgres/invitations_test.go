package postgres

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/roster"
)

// invSpec describes an invitation row; invitedBy 0 is the account's admin.
type invSpec struct {
	id                         int64 // 0: the next one
	kind, email, label, status string
	groupIDs, roleIDs          []int64
	invitedBy                  int64
	created, expires           time.Time
	accepted                   *time.Time
}

func (f *fixture) invitation(t *testing.T, s invSpec) int64 {
	t.Helper()
	tok := make([]byte, 32)
	rand.Read(tok)
	if s.invitedBy == 0 {
		s.invitedBy = f.admin.ID
	}
	if s.groupIDs == nil {
		s.groupIDs = []int64{}
	}
	if s.roleIDs == nil {
		s.roleIDs = []int64{}
	}
	var email, label, delivery *string
	var maxUses *int
	var sentAt, revokedAt *time.Time
	if s.kind == roster.KindEmail {
		email, sentAt = &s.email, &s.created
		sent := "sent"
		delivery = &sent
	} else {
		label = &s.label
		n := 50
		maxUses = &n
	}
	if s.status == roster.InviteRevoked {
		revokedAt = tp(s.created.Add(time.Hour))
	}
	var idArg *int64
	if s.id != 0 {
		idArg = &s.id
	}
	var id int64
	err := f.pool.QueryRow(t.Context(), `INSERT INTO invitations (id, account_id, kind, email, label, token_hash, status, group_ids, role_ids,
	    invited_by, created_at, sent_at, expires_at, accepted_at, revoked_at, delivery, max_uses) OVERRIDING SYSTEM VALUE
	SELECT coalesce($17, nextval(pg_get_serial_sequence('invitations', 'id'))), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16
	RETURNING id`,
		f.acc.ID, s.kind, email, label, tok, s.status, s.groupIDs, s.roleIDs, s.invitedBy, s.created, sentAt, s.expires, s.accepted,
		revokedAt, delivery, maxUses, idArg).Scan(&id)
	if err != nil {
		t.Fatalf("add invitation %+v: %v", s, err)
	}
	return id
}

func (f *fixture) joinRequest(t *testing.T, linkID int64, email, status string, created time.Time, groupIDs, roleIDs []int64) int64 {
	t.Helper()
	if groupIDs == nil {
		groupIDs = []int64{}
	}
	if roleIDs == nil {
		roleIDs = []int64{}
	}
	var id int64
	err := f.pool.QueryRow(t.Context(), `INSERT INTO join_requests (account_id, invitation_id, email, name, status, group_ids, role_ids, created_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		f.acc.ID, linkID, email, "Requester "+email, status, groupIDs, roleIDs, created).Scan(&id)
	if err != nil {
		t.Fatalf("add join request %s: %v", email, err)
	}
	return id
}

// invitationsFixture is account A with an invitation in every state and
// join requests, and account B with look-alikes.
type invitationsFixture struct {
	a, b    *fixture
	rita    int64            // A's second administrator
	groups  map[string]int64 // root, F (Finance), P (Finance › Payables), S (Sales)
	bGroups map[string]int64
	inv     map[int64]string // invitation id -> handle
	req     map[int64]string // join request id -> handle
	link    int64
}

const invSoon = 7 * 24 * time.Hour

func newInvitationsFixture(t *testing.T, pool *pgxpool.Pool) *invitationsFixture {
	t.Helper()
	now, day := testNow, 24*time.Hour
	x := &invitationsFixture{groups: map[string]int64{}, bGroups: map[string]int64{}, inv: map[int64]string{}, req: map[int64]string{}}
	for _, side := range []struct {
		fx     **fixture
		groups map[string]int64
		name   string
		domain string
	}{{&x.a, x.groups, "Globex", "globex.example"}, {&x.b, x.bGroups, "Initech", "initech.example"}} {
		f := newFixture(t, pool, roster.Signup{AccountName: side.name, Name: "Quinn Admin", Email: "quinn@" + side.domain, PasswordHash: "x"}, now.AddDate(-1, 0, 0))
		*side.fx = f
		g := side.groups
		g["root"] = f.root
		g["F"] = f.group(t, f.root, "Finance")
		g["P"] = f.group(t, g["F"], "Payables")
		g["S"] = f.group(t, f.root, "Sales")
		r := f.roles
		rita := f.user(t, personSpec{name: "Rita Admin", email: "rita@" + side.domain})
		f.member(t, rita, f.root, roster.RoleAdministrator)
		if f == x.a {
			x.rita = rita
		}
		add := func(handle string, s invSpec) int64 {
			id := f.invitation(t, s)
			if f == x.a {
				x.inv[id] = handle
			}
			return id
		}
		email := func(addr, status string, created, expires time.Time, grp string, roles ...string) invSpec {
			s := invSpec{kind: roster.KindEmail, email: addr, status: status, created: created, expires: expires, groupIDs: []int64{g[grp]}}
			for _, k := range roles {
				s.roleIDs = append(s.roleIDs, r[k])
			}
			return s
		}
		add("pend", email("carol@partner.example", "pending", now.Add(-10*day), now.Add(30*day), "P", roster.RoleRequisitioner))
		s := email("dave@"+side.domain, "pending", now.Add(-88*day), now.Add(2*day), "S", roster.RoleApprover)
		s.invitedBy = rita
		add("soon", s)
		add("late", email("erin@"+side.domain, "pending", now.Add(-91*day), now.Add(-time.Hour), "F", roster.RoleRequisitioner))
		add("exp", email("frank@"+side.domain, "expired", now.Add(-95*day), now.Add(-5*day), "S", roster.RoleAnalyst))
		s = email("grace@"+side.domain, "accepted", now.Add(-5*day), now.Add(85*day), "F", roster.RoleFinance, roster.RoleRequisitioner)
		s.accepted, s.invitedBy = tp(now.Add(-3*day)), rita
		add("acc", s)
		// Same creation time as "acc" and as join request jr2.
		add("rev", email("heidi@"+side.domain, "revoked", now.Add(-5*day), now.Add(60*day), "root", roster.RoleAnalyst))
		link := add("link", invSpec{kind: roster.KindLink, label: "Finance onboarding", status: "pending", created: now.Add(-20 * day), expires: now.Add(20 * day),
			groupIDs: []int64{g["F"]}, roleIDs: []int64{r[roster.RoleRequisitioner]}})
		add("link2", invSpec{kind: roster.KindLink, label: "Old interns", status: "revoked", created: now.Add(-100 * day), expires: now.Add(-30 * day),
			groupIDs: []int64{g["S"]}, invitedBy: rita})
		reqs := []struct {
			handle, email, status string
			created               time.Time
			grp, role             string
		}{
			{"jr1", "carol.j@" + side.domain, "pending", now.Add(-2 * day), "P", roster.RoleRequisitioner},
			{"jr2", "ivan@" + side.domain, "pending", now.Add(-5 * day), "F", roster.RoleApprover},
			{"jr3", "judy@" + side.domain, "unconfirmed", now.Add(-1 * day), "F", roster.RoleRequisitioner},
			{"jr4", "ken@" + side.domain, "approved", now.Add(-7 * day), "F", roster.RoleRequisitioner},
			{"jr5", "leo@" + side.domain, "denied", now.Add(-8 * day), "F", roster.RoleRequisitioner},
		}
		for _, q := range reqs {
			id := f.joinRequest(t, link, q.email, q.status, q.created, []int64{g[q.grp]}, []int64{r[q.role]})
			if f == x.a {
				x.req[id] = q.handle
				x.link = link
			}
		}
	}
	return x
}

// handles names the rows of a page: invitations by their handle, join
// requests by theirs; anything else (another account's rows) is marked.
func (x *invitationsFixture) handles(rows []roster.Invitation) []string {
	out := make([]string, len(rows))
	for i, v := range rows {
		var h string
		var ok bool
		if v.JoinRequestID != 0 {
			h, ok = x.req[v.JoinRequestID]
			ok = ok && v.ID == x.link
		} else {
			h, ok = x.inv[v.ID]
		}
		if !ok {
			h = fmt.Sprintf("FOREIGN(%d/%d %s)", v.ID, v.JoinRequestID, v.Email)
		}
		out[i] = h
	}
	return out
}

// allInvitationRows is account A's whole table, newest first: ties on
// creation time put join requests first, then the higher id.
var allInvitationRows = []string{"jr1", "jr2", "rev", "acc", "pend", "link", "soon", "late", "exp", "link2"}

type invitationFilterCase struct {
	name string
	f    roster.InvitationFilter
	want []string // in table order
}

// filterCases are the Invitations filters on account A and what they find.
func (x *invitationsFixture) filterCases() []invitationFilterCase {
	r, g := x.a.roles, x.groups
	return []invitationFilterCase{
		{"all", roster.InvitationFilter{}, allInvitationRows},
		{"pending", roster.InvitationFilter{Status: roster.InvitePending}, []string{"pend", "link", "soon"}},
		{"expiring soon", roster.InvitationFilter{Status: roster.InviteExpiringSoon}, []string{"soon"}},
		{"expired", roster.InvitationFilter{Status: roster.InviteExpired}, []string{"late", "exp"}},
		{"accepted", roster.InvitationFilter{Status: roster.InviteAccepted}, []string{"acc"}},
		{"revoked", roster.InvitationFilter{Status: roster.InviteRevoked}, []string{"rev", "link2"}},
		{"join requests", roster.InvitationFilter{Status: roster.InviteJoinRequest}, []string{"jr1", "jr2"}},
		{"search email", roster.InvitationFilter{Query: "carol"}, []string{"jr1", "pend"}},
		{"search case", roster.InvitationFilter{Query: "PARTNER"}, []string{"pend"}},
		{"search label", roster.InvitationFilter{Query: "onboarding"}, []string{"link"}},
		{"search request email", roster.InvitationFilter{Query: "ivan@"}, []string{"jr2"}},
		{"search percent literal", roster.InvitationFilter{Query: "%"}, nil},
		{"search underscore literal", roster.InvitationFilter{Query: "_"}, nil},
		{"search and status", roster.InvitationFilter{Query: "carol", Status: roster.InvitePending}, []string{"pend"}},
		{"search and join requests", roster.InvitationFilter{Query: "carol", Status: roster.InviteJoinRequest}, []string{"jr1"}},
		{"group with subgroups", roster.InvitationFilter{GroupID: g["F"]}, []string{"jr1", "jr2", "acc", "pend", "link", "late"}},
		{"leaf group", roster.InvitationFilter{GroupID: g["P"]}, []string{"jr1", "pend"}},
		{"sales", roster.InvitationFilter{GroupID: g["S"]}, []string{"soon", "exp", "link2"}},
		{"root", roster.InvitationFilter{GroupID: g["root"]}, allInvitationRows},
		{"role approver", roster.InvitationFilter{RoleID: r[roster.RoleApprover]}, []string{"jr2", "soon"}},
		{"role finance", roster.InvitationFilter{RoleID: r[roster.RoleFinance]}, []string{"acc"}},
		{"role analyst", roster.InvitationFilter{RoleID: r[roster.RoleAnalyst]}, []string{"rev", "exp"}},
		{"role and group", roster.InvitationFilter{RoleID: r[roster.RoleRequisitioner], GroupID: g["P"]}, []string{"jr1", "pend"}},
		{"invited by Rita", roster.InvitationFilter{InvitedBy: x.rita}, []string{"acc", "soon", "link2"}},
		{"invited by Quinn", roster.InvitationFilter{InvitedBy: x.a.admin.ID}, []string{"jr1", "jr2", "rev", "pend", "link", "late", "exp"}},
		{"B's group", roster.InvitationFilter{GroupID: x.bGroups["F"]}, nil},
		{"B's root", roster.InvitationFilter{GroupID: x.bGroups["root"]}, nil},
		{"B's role", roster.InvitationFilter{RoleID: x.b.roles[roster.RoleRequisitioner]}, nil},
		{"B's admin", roster.InvitationFilter{InvitedBy: x.b.admin.ID}, nil},
	}
}

func TestFindInvitationsFilters(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	x := newInvitationsFixture(t, pool)
	runInvitationFilterCases(t, x)
}

func runInvitationFilterCases(t *testing.T, x *invitationsFixture) {
	store := NewInvitationStore(x.a.pool, nil, nil)
	for _, tc := range x.filterCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := tc.f
			f.Limit = 100
			page, err := store.FindInvitations(t.Context(), x.a.acc.ID, f, testNow, invSoon)
			if err != nil {
				t.Fatal(err)
			}
			if got := x.handles(page.Invitations); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if page.Total != int64(len(tc.want)) || page.TotalCapped {
				t.Errorf("Total = %d (capped %v), want %d", page.Total, page.TotalCapped, len(tc.want))
			}
			if page.Next != "" || page.Prev != "" {
				t.Errorf("one page expected: Next %q Prev %q", page.Next, page.Prev)
			}
			// A page of one: the count is the count query's (the kept
			// counters for a status alone, a bounded count otherwise).
			f.Limit = 1
			first, err := store.FindInvitations(t.Context(), x.a.acc.ID, f, testNow, invSoon)
			if err != nil {
				t.Fatal(err)
			}
			if first.Total != int64(len(tc.want)) || first.TotalCapped {
				t.Errorf("pages of one: Total = %d (capped %v), want %d", first.Total, first.TotalCapped, len(tc.want))
			}
			// A status filter shows rows of that displayed status only.
			for _, v := range page.Invitations {
				if tc.f.Status != "" {
					if ds := v.DisplayStatus(testNow, invSoon); ds != tc.f.Status &&
						!(tc.f.Status == roster.InvitePending && ds == roster.InviteExpiringSoon) {
						t.Errorf("%s shows as %q under filter %q", x.handles([]roster.Invitation{v}), ds, tc.f.Status)
					}
				}
			}
		})
	}
}

func TestFindInvitationsRows(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	x := newInvitationsFixture(t, pool)
	page, err := NewInvitationStore(pool, nil, nil).FindInvitations(t.Context(), x.a.acc.ID, roster.InvitationFilter{}, testNow, invSoon)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus := map[string]string{
		"pend": roster.InvitePending, "soon": roster.InviteExpiringSoon, "late": roster.InviteExpired, "exp": roster.InviteExpired,
		"acc": roster.InviteAccepted, "rev": roster.InviteRevoked, "link": roster.InvitePending, "link2": roster.InviteRevoked,
		"jr1": roster.InviteJoinRequest, "jr2": roster.InviteJoinRequest,
	}
	r, g := x.a.roles, x.groups
	for _, v := range page.Invitations {
		h := x.handles([]roster.Invitation{v})[0]
		if ds := v.DisplayStatus(testNow, invSoon); ds != wantStatus[h] {
			t.Errorf("%s displays as %q, want %q", h, ds, wantStatus[h])
		}
		switch h {
		case "pend":
			if v.Kind != roster.KindEmail || v.Email != "carol@partner.example" || v.Label != "" || v.Status != "pending" ||
				!slices.Equal(v.GroupIDs, []int64{g["P"]}) || !slices.Equal(v.RoleIDs, []int64{r[roster.RoleRequisitioner]}) ||
				v.InvitedByID == nil || *v.InvitedByID != x.a.admin.ID || v.InvitedByName != "Quinn Admin" ||
				!v.ExpiresAt.Equal(testNow.Add(30*24*time.Hour)) || v.SentAt == nil || v.Delivery != "sent" || v.JoinRequestID != 0 {
				t.Errorf("pend read back as %+v", v)
			}
		case "acc":
			if v.AcceptedAt == nil || !v.AcceptedAt.Equal(testNow.Add(-3*24*time.Hour)) || v.InvitedByName != "Rita Admin" {
				t.Errorf("acc read back as %+v", v)
			}
		case "link":
			if v.Kind != roster.KindLink || v.Label != "Finance onboarding" || v.Email != "" || v.MaxUses != 50 || !v.ApprovalNeeded {
				t.Errorf("link read back as %+v", v)
			}
		case "jr2":
			// A join request: the link's id and label, the request's
			// email, time and grants.
			if v.ID != x.link || v.JoinRequestID == 0 || v.Kind != roster.KindLink || v.Label != "Finance onboarding" ||
				v.Email != "ivan@globex.example" || !v.CreatedAt.Equal(testNow.Add(-5*24*time.Hour)) ||
				!slices.Equal(v.GroupIDs, []int64{g["F"]}) || !slices.Equal(v.RoleIDs, []int64{r[roster.RoleApprover]}) ||
				v.InvitedByName != "Quinn Admin" {
				t.Errorf("jr2 read back as %+v", v)
			}
		}
	}
}

func TestFindInvitationsPaging(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	x := newInvitationsFixture(t, pool)
	store := NewInvitationStore(pool, nil, nil)
	ctx := t.Context()
	for _, tc := range []struct {
		f    roster.InvitationFilter
		want []string
	}{
		{roster.InvitationFilter{}, allInvitationRows},
		{roster.InvitationFilter{GroupID: x.groups["F"]}, []string{"jr1", "jr2", "acc", "pend", "link", "late"}},
		{roster.InvitationFilter{Query: "globex.example"}, []string{"jr1", "jr2", "rev", "acc", "soon", "late", "exp"}},
	} {
		for _, limit := range []int{1, 2, 3} {
			name := fmt.Sprintf("%+v limit %d", tc.f, limit)
			f := tc.f
			f.Limit = limit
			var pages []roster.InvitationPage
			for range 20 {
				page, err := store.FindInvitations(ctx, x.a.acc.ID, f, testNow, invSoon)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if len(page.Invitations) == 0 || len(page.Invitations) > limit {
					t.Fatalf("%s: page %d has %d rows", name, len(pages), len(page.Invitations))
				}
				if page.Total != int64(len(tc.want)) {
					t.Errorf("%s: Total %d, want %d", name, page.Total, len(tc.want))
				}
				if (len(pages) == 0) != (page.Prev == "") {
					t.Errorf("%s: page %d Prev = %q", name, len(pages), page.Prev)
				}
				pages = append(pages, page)
				if page.Next == "" {
					break
				}
				f.After, f.Before = page.Next, ""
			}
			var walked []string
			for _, p := range pages {
				walked = append(walked, x.handles(p.Invitations)...)
			}
			if !slices.Equal(walked, tc.want) {
				t.Fatalf("%s: forward walk %v, want %v", name, walked, tc.want)
			}
			cur := pages[len(pages)-1]
			for i := len(pages) - 2; i >= 0; i-- {
				f := tc.f
				f.Limit, f.Before = limit, cur.Prev
				back, err := store.FindInvitations(ctx, x.a.acc.ID, f, testNow, invSoon)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := x.handles(back.Invitations), x.handles(pages[i].Invitations); !slices.Equal(got, want) {
					t.Fatalf("%s: back to page %d = %v, want %v", name, i, got, want)
				}
				if (i == 0) != (back.Prev == "") || back.Next == "" {
					t.Errorf("%s: back on page %d: Prev %q Next %q", name, i, back.Prev, back.Next)
				}
				cur = back
			}
		}
	}
}

func TestFindInvitationsBadCursor(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	x := newInvitationsFixture(t, pool)
	store := NewInvitationStore(pool, nil, nil)
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, f := range []roster.InvitationFilter{
		{After: "***"},
		{Before: "***"},
		{After: enc("7")},
		{After: enc("7:2026-11-18 12:00:00+00")},    // no source
		{After: enc("7:2026-11-18 12:00:00+00|2")},  // unknown source
		{After: enc("0:2026-11-18 12:00:00+00|0")},  // no id
		{After: enc("7:yesterday-ish|0")},           // not a time
		{Before: enc("7:2026-02-31 00:00:00+00|1")}, // no such day
		{After: enc("7:\xff|0")},
	} {
		_, err := store.FindInvitations(t.Context(), x.a.acc.ID, f, testNow, invSoon)
		if code := roster.ErrorCode(err); code != roster.EINVALID {
			t.Errorf("FindInvitations(%+v): err = %v (code %q), want %s", f, err, code, roster.EINVALID)
		}
	}
}

// TestFindInvitationsIsolation: for every filter, each account sees only
// its own rows, though both hold the same addresses and labels.
func TestFindInvitationsIsolation(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	x := newInvitationsFixture(t, pool)
	store := NewInvitationStore(pool, nil, nil)
	for _, side := range []struct {
		fx     *fixture
		groups map[string]int64
		other  *fixture
	}{{x.a, x.groups, x.b}, {x.b, x.bGroups, x.a}} {
		ids := map[int64]bool{}
		rows, err := pool.Query(t.Context(), `SELECT id FROM invitations WHERE account_id = $1`, side.fx.acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids[id] = true
		}
		rows.Close()
		var filters []roster.InvitationFilter
		for _, st := range append([]string{""}, roster.InvitationStatuses...) {
			filters = append(filters,
				roster.InvitationFilter{Status: st},
				roster.InvitationFilter{Status: st, Query: "carol"},
				roster.InvitationFilter{Status: st, Query: "onboarding"},
				roster.InvitationFilter{Status: st, GroupID: side.groups["F"]},
				roster.InvitationFilter{Status: st, RoleID: side.fx.roles[roster.RoleRequisitioner]},
				roster.InvitationFilter{Status: st, InvitedBy: side.fx.admin.ID},
			)
		}
		for _, f := range filters {
			f.Limit = 100
			page, err := store.FindInvitations(t.Context(), side.fx.acc.ID, f, testNow, invSoon)
			if err != nil {
				t.Fatal(err)
			}
			if f.Status == "" && f.Query == "" && len(page.Invitations) == 0 {
				t.Errorf("%s %+v: nothing found", side.fx.acc.Name, f)
			}
			for _, v := range page.Invitations {
				if !ids[v.ID] || (v.Email != "" && v.Email != "carol@partner.example" && !strings.HasSuffix(v.Email, "@"+strings.ToLower(side.fx.acc.Name)+".example")) {
					t.Errorf("%s %+v: row of another account: %+v", side.fx.acc.Name, f, v)
				}
			}
			if page.Total != int64(len(page.Invitations)) {
				t.Errorf("%s %+v: Total %d for %d rows", side.fx.acc.Name, f, page.Total, len(page.Invitations))
			}
		}
		// The other account's ids find nothing here.
		for _, f := range []roster.InvitationFilter{
			{GroupID: side.other.root}, {RoleID: side.other.roles[roster.RoleAnalyst]}, {InvitedBy: side.other.admin.ID},
		} {
			page, err := store.FindInvitations(t.Context(), side.fx.acc.ID, f, testNow, invSoon)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Invitations) != 0 || page.Total != 0 {
				t.Errorf("%s %+v: found %d rows", side.fx.acc.Name, f, len(page.Invitations))
			}
		}
	}
}

// TestFindInvitationsCollidingIDs: another account reuses A's ids for its
// people, groups, roles, invitations and join requests (as it may once the
// database is distributed by account); A's table is unchanged.
func TestFindInvitationsCollidingIDs(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	x := newInvitationsFixture(t, pool)
	c := newFixture(t, pool, roster.Signup{AccountName: "Umbrella", Name: "Carl Umbrella", Email: "carl@umbrella.example", PasswordHash: "x"}, testNow)
	// Twins of A's two inviters, and A's Sales id below A's Finance id.
	c.user(t, personSpec{id: x.a.admin.ID, name: "Twin Quinn", email: "twin-quinn@umbrella.example"})
	c.user(t, personSpec{id: x.rita, name: "Twin Rita", email: "twin-rita@umbrella.example"})
	cF := c.groupWithID(t, c.root, "Finance", x.groups["F"])
	cS := c.groupWithID(t, cF, "Sales", x.groups["S"])
	var roleIDs []int64
	for _, id := range x.a.roles {
		c.exec(t, `INSERT INTO roles (id, account_id, name) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3)`, id, c.acc.ID, fmt.Sprintf("Custom %d", id))
		roleIDs = append(roleIDs, id)
	}
	for id := range x.inv {
		s := invSpec{id: id, kind: roster.KindEmail, email: fmt.Sprintf("twin-%d@umbrella.example", id), status: "pending", groupIDs: []int64{cS}, roleIDs: roleIDs,
			invitedBy: x.rita, created: testNow.Add(-time.Hour), expires: testNow.Add(3 * time.Hour)}
		if id == x.link {
			s.kind, s.email, s.label = roster.KindLink, "", "Twin link"
		}
		c.invitation(t, s)
	}
	for id := range x.req {
		c.exec(t, `INSERT INTO join_requests (id, account_id, invitation_id, email, name, status, group_ids, role_ids, created_at)
		OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, 'Twin', 'pending', $5, $6, $7)`,
			id, c.acc.ID, x.link, fmt.Sprintf("twin-%d@umbrella.example", id), []int64{cS}, roleIDs, testNow.Add(-time.Hour))
	}
	runInvitationFilterCases(t, x)

	// C sees its own rows only: one per id it reused.
	page, err := NewInvitationStore(pool, nil, nil).FindInvitations(t.Context(), c.acc.ID, roster.InvitationFilter{GroupID: cF, Limit: 100}, testNow, invSoon)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(x.inv) + len(x.req); len(page.Invitations) != want || page.Total != int64(want) {
		t.Errorf("C's table: %d rows (Total %d), want %d", len(page.Invitations), page.Total, want)
	}
	for _, v := range page.Invitations {
		if (v.Email != "twin@umbrella.example" && !strings.HasPrefix(v.Email, "twin-") && v.Label != "Twin link") || v.InvitedByName != "Twin Rita" {
			t.Errorf("C's table shows %+v", v)
		}
	}
}

// "Expiring soon" alone is one statement that reads the window once for
// the page and the count: every page, forwards and back, counts the whole
// window (not what is left after the cursor), and a cursor past its end
// still counts it.
func TestFindInvitationsExpiringWindowPages(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	x := newInvitationsFixture(t, pool)
	now, day := testNow, 24*time.Hour
	// Four more in A's window, created on different days; one just past it
	// and one already past expiry, which the window leaves out; B's own.
	for i, h := range []string{"w1", "w2", "w3", "w4"} {
		id := x.a.invitation(t, invSpec{kind: roster.KindEmail, email: h + "@globex.example", status: "pending",
			created: now.Add(-time.Duration(80+i) * day), expires: now.Add(time.Duration(i+1) * day), groupIDs: []int64{x.groups["S"]}})
		x.inv[id] = h
	}
	x.a.invitation(t, invSpec{kind: roster.KindEmail, email: "later@globex.example", status: "pending", created: now.Add(-70 * day), expires: now.Add(8 * day), groupIDs: []int64{x.groups["S"]}})
	x.b.invitation(t, invSpec{kind: roster.KindEmail, email: "b@initech.example", status: "pending", created: now.Add(-79 * day), expires: now.Add(3 * day), groupIDs: []int64{x.bGroups["S"]}})
	want := []string{"w1", "w2", "w3", "w4", "soon"} // newest first
	store := NewInvitationStore(pool, nil, nil)
	f := roster.InvitationFilter{Status: roster.InviteExpiringSoon, Limit: 2}
	var walked []string
	var pages []roster.InvitationPage
	for range 5 {
		p, err := store.FindInvitations(t.Context(), x.a.acc.ID, f, now, invSoon)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != int64(len(want)) || p.TotalCapped {
			t.Errorf("page %d: Total %d (capped %v), want %d", len(pages), p.Total, p.TotalCapped, len(want))
		}
		walked = append(walked, x.handles(p.Invitations)...)
		pages = append(pages, p)
		if p.Next == "" {
			break
		}
		f.After = p.Next
	}
	if !slices.Equal(walked, want) {
		t.Fatalf("walked %v, want %v", walked, want)
	}
	back := roster.InvitationFilter{Status: roster.InviteExpiringSoon, Limit: 2, Before: pages[len(pages)-1].Prev}
	p, err := store.FindInvitations(t.Context(), x.a.acc.ID, back, now, invSoon)
	if err != nil {
		t.Fatal(err)
	}
	if got := x.handles(p.Invitations); !slices.Equal(got, x.handles(pages[len(pages)-2].Invitations)) || p.Total != int64(len(want)) {
		t.Errorf("back: %v Total %d, want %v and %d", got, p.Total, x.handles(pages[len(pages)-2].Invitations), len(want))
	}
	// Past the last row: no row carries the count.
	last := pages[len(pages)-1]
	v := last.Invitations[len(last.Invitations)-1]
	past := roster.InvitationFilter{Status: roster.InviteExpiringSoon, Limit: 2,
		After: encodeCursor(v.CreatedAt.UTC().Format("2006-01-02 15:04:05.999999-07")+"|0", v.ID)}
	if p, err = store.FindInvitations(t.Context(), x.a.acc.ID, past, now, invSoon); err != nil {
		t.Fatal(err)
	}
	if len(p.Invitations) != 0 || p.Total != int64(len(want)) {
		t.Errorf("past the end: %v Total %d, want none and %d", x.handles(p.Invitations), p.Total, len(want))
	}
}
