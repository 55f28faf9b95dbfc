package postgres

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-hub/roster/internal/roster"
)

// auditFixture is account A (Globex, the one read) and account B
// (Initech, whose events must never show in A), each with a few people.
type auditFixture struct {
	a, b   *fixture
	people map[string]int64 // handle -> person id (A's, and B's "b-" handles)
	store  *AuditStore
}

func newAuditFixture(t *testing.T) *auditFixture {
	t.Helper()
	pool := NewDB(t)
	x := &auditFixture{people: map[string]int64{}, store: NewAuditStore(pool)}
	x.a = newFixture(t, pool, roster.Signup{AccountName: "Globex", Name: "Quinn Admin", Email: "quinn@globex.example", PasswordHash: "x"}, testNow.AddDate(-1, 0, 0))
	x.b = newFixture(t, pool, roster.Signup{AccountName: "Initech", Name: "Bill Lumbergh", Email: "bill@initech.example", PasswordHash: "x"}, testNow.AddDate(-1, 0, 0))
	x.people["quinn"] = x.a.admin.ID
	x.people["nina"] = x.a.user(t, personSpec{name: "Nina Petrova", email: "Nina.Petrova@globex.example"})
	x.people["omar"] = x.a.user(t, personSpec{name: "Omar Haddad", email: "omar@globex.example"})
	x.people["b-bill"] = x.b.admin.ID
	x.people["b-milton"] = x.b.user(t, personSpec{name: "Milton Waddams", email: "milton@initech.example"})
	return x
}

// event appends an audit event to f's account and returns its id.
func (f *fixture) event(t *testing.T, at time.Time, actor int64, action string, target int64, detail map[string]any) int64 {
	t.Helper()
	if detail == nil {
		detail = map[string]any{}
	}
	var id int64
	err := f.pool.QueryRow(t.Context(), `INSERT INTO audit_events (account_id, at, actor_id, action, target_user_id, detail)
	VALUES ($1, $2, nullif($3, 0), $4, nullif($5, 0), $6) RETURNING id`, f.acc.ID, at, actor, action, target, detail).Scan(&id)
	if err != nil {
		t.Fatalf("add event %s: %v", action, err)
	}
	return id
}

func eventIDs(events []roster.AuditEvent) []int64 {
	ids := make([]int64, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	return ids
}

// newestFirst returns the account's event ids matching cond, as the log
// must order them.
func newestFirst(t *testing.T, f *fixture, cond string, args ...any) []int64 {
	t.Helper()
	if cond == "" {
		cond = "true"
	}
	rows, err := f.pool.Query(t.Context(), `SELECT id FROM audit_events WHERE account_id = $1 AND (`+cond+`) ORDER BY at DESC, id DESC`,
		append([]any{f.acc.ID}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// Paging forward then back through many events (several per instant, so
// ties fall to the id) shows each exactly once, in order, with the same
// pages both ways; under a filter too.
func TestFindAuditEventsPaging(t *testing.T) {
	t.Parallel()
	x := newAuditFixture(t)
	base := testNow.Add(-48 * time.Hour)
	actions := []string{"signed_in", "invited", "resent", "settings_changed"}
	for i := range 137 {
		at := base.Add(time.Duration(i/3) * time.Minute) // three events per instant
		x.a.event(t, at, x.people["quinn"], actions[i%len(actions)], 0, nil)
		if i%5 == 0 { // interleaved events of B at the same instants
			x.b.event(t, at, x.people["b-bill"], actions[i%len(actions)], 0, nil)
		}
	}
	for _, tc := range []struct {
		name  string
		f     roster.AuditFilter
		cond  string
		args  []any
		limit int
	}{
		{"all", roster.AuditFilter{}, "", nil, 10},
		{"all, pages of one", roster.AuditFilter{}, "", nil, 1},
		{"one action", roster.AuditFilter{Action: "invited"}, "action = $2", []any{"invited"}, 7},
		{"date range", roster.AuditFilter{From: base, To: base}, "at >= $2 AND at < $3", []any{base, base.AddDate(0, 0, 1)}, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := newestFirst(t, x.a, tc.cond, tc.args...)
			if len(want) < 3*tc.limit && tc.limit > 1 {
				t.Fatalf("only %d events for pages of %d", len(want), tc.limit)
			}
			f := tc.f
			f.Limit = tc.limit
			var got []int64
			var pages [][]int64
			var last roster.AuditPage
			for n := 0; ; n++ {
				if n > len(want)+2 {
					t.Fatal("paging does not end")
				}
				p, err := x.store.FindAuditEvents(t.Context(), x.a.acc.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Events) > tc.limit {
					t.Fatalf("page of %d events, limit %d", len(p.Events), tc.limit)
				}
				if n == 0 && p.Prev != "" {
					t.Errorf("first page has a previous page")
				}
				if n > 0 && p.Prev == "" {
					t.Errorf("page %d has no previous page", n)
				}
				if p.Total != int64(len(want)) || p.TotalCapped {
					t.Errorf("page %d: total %d (capped %v), want %d", n, p.Total, p.TotalCapped, len(want))
				}
				got = append(got, eventIDs(p.Events)...)
				pages = append(pages, eventIDs(p.Events))
				last = p
				if p.Next == "" {
					break
				}
				f.After, f.Before = p.Next, ""
			}
			if !slices.Equal(got, want) {
				t.Fatalf("forward: %d events %v\nwant %d %v", len(got), got, len(want), want)
			}
			// Back from the last page: the same pages, in reverse.
			f.After, f.Before = "", last.Prev
			for i := len(pages) - 2; i >= 0; i-- {
				p, err := x.store.FindAuditEvents(t.Context(), x.a.acc.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(eventIDs(p.Events), pages[i]) {
					t.Fatalf("back to page %d: %v, want %v", i, eventIDs(p.Events), pages[i])
				}
				if p.Next == "" {
					t.Errorf("page %d reached going back has no next page", i)
				}
				if (i > 0) != (p.Prev != "") {
					t.Errorf("page %d going back: prev %q", i, p.Prev)
				}
				f.After, f.Before = "", p.Prev
			}
		})
	}
}

// The count is bounded as the People table's is.
func TestFindAuditEventsCountCapped(t *testing.T) {
	t.Parallel()
	x := newAuditFixture(t)
	if _, err := x.a.pool.Exec(t.Context(), `INSERT INTO audit_events (account_id, at, actor_id, action)
	SELECT $1, $2::timestamptz - g * interval '1 second', $3, 'signed_in' FROM generate_series(1, $4) g`,
		x.a.acc.ID, testNow, x.people["quinn"], roster.CountLimit+5); err != nil {
		t.Fatal(err)
	}
	p, err := x.store.FindAuditEvents(t.Context(), x.a.acc.ID, roster.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.TotalCapped || p.Total != roster.CountLimit || len(p.Events) != roster.PageSize || p.Next == "" {
		t.Errorf("total %d capped %v, %d events, next %q", p.Total, p.TotalCapped, len(p.Events), p.Next)
	}
}

func TestFindAuditEventsFilters(t *testing.T) {
	t.Parallel()
	x := newAuditFixture(t)
	q, nina, omar := x.people["quinn"], x.people["nina"], x.people["omar"]
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	const us = time.Microsecond
	ids := map[string]int64{}
	add := func(name string, at time.Time, actor int64, action string, target int64, detail map[string]any) {
		ids[name] = x.a.event(t, at, actor, action, target, detail)
	}
	add("before-from", day(10).Add(-us), q, "invited", 0, map[string]any{"email": "nina.petrova@globex.example"})
	add("at-from", day(10), nina, "accepted", nina, nil)
	add("nina-signin", day(11), nina, "signed_in", nina, nil)
	add("q-deactivates-omar", day(11).Add(time.Hour), q, "deactivated", omar, nil)
	add("end-of-to", day(13).Add(-us), q, "reactivated", omar, nil)
	add("after-to", day(13), q, "group_added", nina, map[string]any{"group": x.a.root})
	add("omar-signin", day(14), omar, "signed_in", omar, nil)
	// A person removed since: their events keep their id, and the removal
	// their email.
	gone := x.a.user(t, personSpec{name: "Gus Gone", email: "gus@globex.example"})
	add("gone-signin", day(15), gone, "signed_in", gone, nil)
	add("gone-removed", day(16), q, "removed_person", gone, map[string]any{"email": "gus@globex.example", "name": "Gus Gone"})
	x.a.exec(t, `DELETE FROM users WHERE account_id = $1 AND id = $2`, x.a.acc.ID, gone)
	// B's events, some naming A's ids: never shown in A.
	x.b.event(t, day(11), q, "signed_in", nina, nil)
	x.b.event(t, day(12), x.people["b-bill"], "deactivated", x.people["b-milton"], nil)

	tests := []struct {
		name    string
		f       roster.AuditFilter
		want    []string // newest first
		unknown bool
	}{
		{"everything", roster.AuditFilter{}, []string{"gone-removed", "gone-signin", "omar-signin", "after-to", "end-of-to", "q-deactivates-omar", "nina-signin", "at-from", "before-from"}, false},
		{"actor", roster.AuditFilter{ActorID: nina}, []string{"nina-signin", "at-from"}, false},
		{"actor of another account", roster.AuditFilter{ActorID: x.people["b-bill"]}, nil, false},
		{"action", roster.AuditFilter{Action: "signed_in"}, []string{"gone-signin", "omar-signin", "nina-signin"}, false},
		{"unknown action", roster.AuditFilter{Action: "no_such_thing"}, nil, false},
		{"actor and action", roster.AuditFilter{ActorID: q, Action: "reactivated"}, []string{"end-of-to"}, false},
		{"target by email, any case", roster.AuditFilter{Target: "NINA.petrova@GLOBEX.example"}, []string{"after-to", "nina-signin", "at-from"}, false},
		{"target removed since", roster.AuditFilter{Target: "gus@globex.example"}, []string{"gone-removed", "gone-signin"}, false},
		{"target nobody", roster.AuditFilter{Target: "nobody@globex.example"}, nil, true},
		{"target of another account", roster.AuditFilter{Target: "milton@initech.example"}, nil, true},
		{"target a name, not an email", roster.AuditFilter{Target: "Nina"}, nil, true},
		{"from: its first instant included", roster.AuditFilter{From: day(10), To: day(12)}, []string{"end-of-to", "q-deactivates-omar", "nina-signin", "at-from"}, false},
		{"to: its whole day included", roster.AuditFilter{To: day(12)}, []string{"end-of-to", "q-deactivates-omar", "nina-signin", "at-from", "before-from"}, false},
		{"from only", roster.AuditFilter{From: day(13)}, []string{"gone-removed", "gone-signin", "omar-signin", "after-to"}, false},
		{"one day", roster.AuditFilter{From: day(11), To: day(11)}, []string{"q-deactivates-omar", "nina-signin"}, false},
		{"target and range", roster.AuditFilter{Target: "omar@globex.example", From: day(12)}, []string{"omar-signin", "end-of-to"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := x.store.FindAuditEvents(t.Context(), x.a.acc.ID, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var want []int64
			for _, n := range tc.want {
				want = append(want, ids[n])
			}
			if got := eventIDs(p.Events); !slices.Equal(got, want) {
				names := map[int64]string{}
				for n, id := range ids {
					names[id] = n
				}
				var gotNames []string
				for _, id := range got {
					gotNames = append(gotNames, cmpOr(names[id], fmt.Sprint(id)))
				}
				t.Errorf("got %v, want %v", gotNames, tc.want)
			}
			if p.Total != int64(len(want)) {
				t.Errorf("total %d, want %d", p.Total, len(want))
			}
			if p.TargetUnknown != tc.unknown {
				t.Errorf("TargetUnknown = %v", p.TargetUnknown)
			}
		})
	}
}

// Each event comes with who did it, to whom, and the invitation and group
// it is about, read from its own account only.
func TestFindAuditEventsRows(t *testing.T) {
	t.Parallel()
	x := newAuditFixture(t)
	ctx := t.Context()
	q, nina := x.people["quinn"], x.people["nina"]
	finance := x.a.group(t, x.a.root, "Finance")
	inv := x.a.invitation(t, invSpec{kind: roster.KindEmail, email: "nina.petrova@globex.example", status: roster.InviteAccepted,
		invitedBy: q, created: testNow.AddDate(0, 0, -3), expires: testNow.AddDate(0, 0, 30)})
	link := x.a.invitation(t, invSpec{kind: roster.KindLink, label: "Finance onboarding", status: roster.InvitePending,
		invitedBy: q, created: testNow.AddDate(0, 0, -3), expires: testNow.AddDate(0, 0, 30)})
	x.a.exec(t, `INSERT INTO audit_events (account_id, at, actor_id, action, target_user_id, invitation_id) VALUES ($1, $2, $3, 'accepted', $3, $4)`,
		x.a.acc.ID, testNow.Add(-3*time.Hour), nina, inv)
	x.a.exec(t, `INSERT INTO audit_events (account_id, at, action, invitation_id, detail) VALUES ($1, $2, 'join_requested', $3, '{"email": "zed@else.example", "request": 7}')`,
		x.a.acc.ID, testNow.Add(-2*time.Hour), link)
	x.a.exec(t, `INSERT INTO audit_events (account_id, at, actor_id, action, group_id, detail) VALUES ($1, $2, $3, 'group_created', $4, '{"roles": [1, 2]}')`,
		x.a.acc.ID, testNow.Add(-time.Hour), q, finance)
	// Names of B: an A event naming B's person and B's group by id finds
	// neither (the joins stay in the event's account).
	bGroup := x.b.group(t, x.b.root, "Secret B group")
	x.a.exec(t, `INSERT INTO audit_events (account_id, at, actor_id, action, target_user_id, group_id) VALUES ($1, $2, $3, 'group_added', $3, $4)`,
		x.a.acc.ID, testNow, x.people["b-milton"], bGroup)

	p, err := x.store.FindAuditEvents(ctx, x.a.acc.ID, roster.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Events) != 4 {
		t.Fatalf("%d events, want 4", len(p.Events))
	}
	leak, grp, req, acc := p.Events[0], p.Events[1], p.Events[2], p.Events[3]
	if leak.Actor.Exists || leak.Actor.Name != "" || leak.Target.Exists || leak.GroupName != "" || leak.Actor.ID != x.people["b-milton"] {
		t.Errorf("an event naming another account's ids shows %+v", leak)
	}
	if grp.Action != "group_created" || grp.GroupID != finance || grp.GroupName != "Finance" || !grp.Actor.Exists || grp.Actor.Name != "Quinn Admin" ||
		grp.Actor.Email != "quinn@globex.example" || !slices.Equal(grp.DetailInts("roles"), []int64{1, 2}) || grp.Target.ID != 0 {
		t.Errorf("group event: %+v", grp)
	}
	if req.Actor.ID != 0 || req.InvitationKind != roster.KindLink || req.InvitationLabel != "Finance onboarding" || req.DetailString("email") != "zed@else.example" {
		t.Errorf("join request event: %+v", req)
	}
	if n, ok := req.DetailInt("request"); !ok || n != 7 {
		t.Errorf("request detail %v", req.Detail)
	}
	if acc.Actor.Name != "Nina Petrova" || acc.Target.Email != "Nina.Petrova@globex.example" || !acc.Target.Exists || acc.InvitationEmail != "nina.petrova@globex.example" ||
		acc.InvitedByName != "Quinn Admin" || acc.InvitationKind != roster.KindEmail || !acc.At.Equal(testNow.Add(-3*time.Hour)) {
		t.Errorf("accepted event: %+v", acc)
	}
}

func TestFindAuditEventsBadCursor(t *testing.T) {
	t.Parallel()
	x := newAuditFixture(t)
	x.a.event(t, testNow, x.people["quinn"], "signed_in", 0, nil)
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, f := range []roster.AuditFilter{
		{After: "***"},
		{Before: "%%%"},
		{After: enc("nocolon")},
		{After: enc("0:2026-11-18 12:00:00+00")},
		{After: enc("5:not a time")},
		{After: enc("5:-infinity")},
		{Before: enc("5:2026-13-45 00:00:00+00")},
		{After: enc("5:2026-11-18 12:00:00\x00+00")},
	} {
		_, err := x.store.FindAuditEvents(t.Context(), x.a.acc.ID, f)
		if code := roster.ErrorCode(err); code != roster.EINVALID {
			t.Errorf("%+v: err %v, want %s", f, err, roster.EINVALID)
		}
	}
	// A well-formed cursor from another account's event reads as a place
	// in time, nothing more.
	p, err := x.store.FindAuditEvents(t.Context(), x.a.acc.ID, roster.AuditFilter{After: encodeCursor("2026-11-19 00:00:00+00", 1<<40)})
	if err != nil || len(p.Events) != 1 {
		t.Errorf("cursor after every event: %v, %d events", err, len(p.Events))
	}
}

// Every filter's page is an index range scan that starts at the cursor and
// stops after a page: no sort of the matching events, whatever the depth.
func TestFindAuditEventsUsesIndexes(t *testing.T) {
	t.Parallel()
	x := newAuditFixture(t)
	ctx := t.Context()
	if _, err := x.a.pool.Exec(ctx, `INSERT INTO audit_events (account_id, at, actor_id, action, target_user_id)
	SELECT a.id, $1::timestamptz - g * interval '1 minute', CASE WHEN g % 20 = 0 THEN $2::bigint ELSE $4::bigint END,
	       (ARRAY['signed_in', 'invited', 'deactivated', 'resent', 'revoked', 'extended', 'joined', 'approved', 'denied', 'accepted'])[1 + g % 10],
	       CASE WHEN g % 20 = 1 THEN $3::bigint ELSE $4::bigint END
	FROM generate_series(1, 3000) g CROSS JOIN accounts a`, testNow, x.people["quinn"], x.people["nina"], x.people["omar"]); err != nil {
		t.Fatal(err)
	}
	if _, err := x.a.pool.Exec(ctx, `ANALYZE audit_events`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		f       roster.AuditFilter
		targets []int64
		index   string
	}{
		{"all", roster.AuditFilter{}, nil, "audit_events_at_idx"},
		{"actor", roster.AuditFilter{ActorID: x.people["quinn"]}, nil, "audit_events_actor_idx"},
		{"target", roster.AuditFilter{}, []int64{x.people["nina"]}, "audit_events_target_idx"},
		{"action", roster.AuditFilter{Action: "invited"}, nil, "audit_events_action_idx"},
	}
	for _, tc := range tests {
		for _, dir := range []string{"DESC", "ASC"} {
			w := &where{}
			auditConditions(w, x.a.acc.ID, tc.f, tc.targets)
			op := map[string]string{"DESC": "<", "ASC": ">"}[dir]
			w.add("(at, id) "+op+" (%s::text::timestamptz, %s)", "2026-11-17 00:00:00+00", int64(1<<40))
			var plan []string
			err := pgx.BeginFunc(ctx, x.a.pool, func(tx pgx.Tx) error {
				// Without these, a small table is read whole; what matters is
				// that an index can serve the page in order.
				for _, s := range []string{"SET LOCAL enable_seqscan = off", "SET LOCAL enable_bitmapscan = off"} {
					if _, err := tx.Exec(ctx, s); err != nil {
						return err
					}
				}
				rows, err := tx.Query(ctx, "EXPLAIN "+auditPageSQL(w, dir, 51), w.args...)
				if err != nil {
					return err
				}
				plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(plan, "\n")
			if strings.Contains(text, "Sort") || !strings.Contains(text, tc.index) || !strings.Contains(text, "Index Cond") ||
				!regexpRowCompare.MatchString(text) {
				t.Errorf("%s %s: plan\n%s", tc.name, dir, text)
			}
		}
	}
}

// regexpRowCompare finds the keyset comparison among an index scan's
// conditions (not a filter applied row by row).
var regexpRowCompare = regexp.MustCompile(`Index Cond: .*ROW\(at, id\) [<>] ROW\(`)

func TestUserHistory(t *testing.T) {
	t.Parallel()
	x := newAuditFixture(t)
	q, nina, omar := x.people["quinn"], x.people["nina"], x.people["omar"]
	var want []int64 // oldest first
	at := testNow.Add(-100 * time.Hour)
	step := func() time.Time { at = at.Add(time.Hour); return at }
	x.a.event(t, step(), q, "deactivated", omar, nil) // neither side is Nina
	want = append(want, x.a.event(t, step(), nina, "accepted", nina, nil))
	want = append(want, x.a.event(t, step(), q, "group_added", nina, nil))
	want = append(want, x.a.event(t, step(), nina, "reactivated", omar, nil))
	x.b.event(t, step(), nina, "signed_in", nina, nil) // B's events naming Nina's id
	want = append(want, x.a.event(t, step(), nina, "signed_in", nina, nil))
	x.a.event(t, step(), omar, "signed_in", omar, nil)
	slices.Reverse(want)

	got, err := x.store.UserHistory(t.Context(), x.a.acc.ID, nina, 50)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(eventIDs(got), want) {
		t.Errorf("history %v, want %v", eventIDs(got), want)
	}
	if len(got) > 0 && (got[0].Actor.Name != "Nina Petrova" || got[0].Target.Name != "Nina Petrova") {
		t.Errorf("latest event %+v", got[0])
	}
	got, err = x.store.UserHistory(t.Context(), x.a.acc.ID, nina, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(eventIDs(got), want[:2]) {
		t.Errorf("latest 2: %v, want %v", eventIDs(got), want[:2])
	}
	got, err = x.store.UserHistory(t.Context(), x.b.acc.ID, nina, 50)
	if err != nil || len(got) != 1 {
		t.Errorf("B's history of an id: %v, %d events", err, len(got))
	}
}

func TestAuditActionsAndStoreEvents(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	accounts := NewAccountStore(pool)
	acc, admin, err := accounts.CreateAccount(ctx, roster.Signup{AccountName: "Globex", Name: "Quinn Admin", Email: "quinn@globex.example", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	other, bill, err := accounts.CreateAccount(ctx, roster.Signup{AccountName: "Initech", Name: "Bill", Email: "bill@initech.example", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.CreateSession(ctx, acc.ID, admin.ID); err != nil {
		t.Fatal(err)
	}
	if err := accounts.SignOutEverywhere(ctx, other.ID, bill.ID); err != nil {
		t.Fatal(err)
	}
	store := NewAuditStore(pool)
	actions, err := store.AuditActions(ctx, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"account_created", "signed_in"}; !slices.Equal(actions, want) {
		t.Errorf("actions %v, want %v", actions, want)
	}
	// What the other stores write is what the log reads.
	p, err := store.FindAuditEvents(ctx, acc.ID, roster.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Events) != 2 || p.Events[0].Action != "signed_in" || p.Events[1].Action != "account_created" ||
		p.Events[0].Actor.ID != admin.ID || p.Events[0].Target.ID != admin.ID || !p.Events[0].Actor.Exists {
		t.Errorf("events %+v", p.Events)
	}
}
