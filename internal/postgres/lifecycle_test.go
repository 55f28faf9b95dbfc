package postgres

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-hub/roster/internal/roster"
)

const day = 24 * time.Hour

// One "Add users" submit reports, per address and in the order given, what
// happened; only new addresses are invited, each with one email queued and
// one audit event.
func TestCreateEmailInvitationsOutcomes(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	l := globex(t, pool)
	other := newLifecycle(t, pool, "Initech", "initech.example")

	mia := l.user(t, personSpec{name: "Mia Member", email: "mia@globex.example"})
	dan := l.user(t, personSpec{name: "Dan Gone", email: "dan@globex.example", status: roster.StatusDeactivated})
	other.user(t, personSpec{name: "Olga Elsewhere", email: "olga@initech.example"})
	pat, _ := l.inviteOne(t, testNow.Add(-day), 0, "pat@partner.example")
	// Invited 100 days ago for 90: still pending in the table, but past due.
	eve, _ := l.inviteOne(t, testNow.Add(-100*day), 0, "eve@partner.example")
	before := len(emailJobs(t, pool))

	const invitedAgain = -1 // the invitation made earlier in the same submit
	tests := []struct {
		name, email string
		want        string
		userID      int64
		invitation  int64 // 0: a new one; invitedAgain: the one made for the same address earlier in this submit
	}{
		{"new address", "new@partner.example", roster.OutcomeInvited, 0, 0},
		{"active member", "mia@globex.example", roster.OutcomeMember, mia, 0},
		{"deactivated member, other case", "DAN@globex.example", roster.OutcomeDeactivated, dan, 0},
		{"already invited", "Pat@partner.example", roster.OutcomeAlreadyInvited, 0, pat},
		{"person of another account", "olga@initech.example", roster.OutcomeOtherAccount, 0, 0},
		{"expired pending invitation", "eve@partner.example", roster.OutcomeInvited, 0, 0},
		{"new address, first time", "twice@partner.example", roster.OutcomeInvited, 0, 0},
		{"new address, again in the same submit", "Twice@Partner.example", roster.OutcomeAlreadyInvited, 0, invitedAgain},
		{"member, again in the same submit", "MIA@globex.example", roster.OutcomeMember, mia, 0},
	}
	addrs := make([]roster.Address, len(tests))
	for i, tc := range tests {
		addrs[i] = roster.Address{Email: tc.email, Name: "Name " + tc.name}
	}
	results, err := l.store.CreateEmailInvitations(ctx, l.acc.ID, l.admin.ID, roster.EmailInvites{Addresses: addrs,
		GroupIDs: []int64{l.groups["P"]}, RoleIDs: []int64{l.roles[roster.RoleApprover]}, Message: "Welcome aboard"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(tests) {
		t.Fatalf("%d results for %d addresses", len(results), len(tests))
	}
	invitedNow := map[string]int64{} // lower-case address -> invitation made by this submit
	for i, tc := range tests {
		r := results[i]
		t.Run(tc.name, func(t *testing.T) {
			if r.Email != tc.email || r.Name != addrs[i].Name {
				t.Errorf("result %d is for %q (%q), want %q", i, r.Email, r.Name, tc.email)
			}
			if r.Outcome != tc.want {
				t.Errorf("outcome %q, want %q", r.Outcome, tc.want)
			}
			if r.UserID != tc.userID {
				t.Errorf("UserID %d, want %d", r.UserID, tc.userID)
			}
			switch {
			case tc.want == roster.OutcomeInvited:
				if r.InvitationID == 0 || r.InvitationID == pat || r.InvitationID == eve {
					t.Errorf("InvitationID %d, want a new invitation", r.InvitationID)
				}
				invitedNow[strings.ToLower(tc.email)] = r.InvitationID
			case tc.invitation == invitedAgain:
				if first := invitedNow[strings.ToLower(tc.email)]; r.InvitationID == 0 || r.InvitationID != first {
					t.Errorf("InvitationID %d, want the one just made (%d)", r.InvitationID, first)
				}
			case r.InvitationID != tc.invitation:
				t.Errorf("InvitationID %d, want %d", r.InvitationID, tc.invitation)
			}
		})
	}

	// The past-due invitation was marked expired, not reused.
	if st := l.row(t, eve).Status; st != roster.InviteExpired {
		t.Errorf("the past-due invitation is %q, want expired", st)
	}
	// Exactly the three new addresses have pending invitations, besides pat.
	rows, err := pool.Query(ctx, `SELECT lower(email) FROM invitations WHERE account_id = $1 AND status = 'pending' ORDER BY 1`, l.acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	pending, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"eve@partner.example", "new@partner.example", "pat@partner.example", "twice@partner.example"}; !slices.Equal(pending, want) {
		t.Errorf("pending invitations %v, want %v", pending, want)
	}
	jobs := emailJobs(t, pool)[before:]
	if len(jobs) != 3 {
		t.Errorf("%d emails queued, want 3: %+v", len(jobs), jobs)
	}
	for _, j := range jobs {
		id := invitedNow[strings.ToLower(j.Args.To)]
		r := l.row(t, id)
		if j.Args.Template != roster.EmailInvitation || id == 0 || j.Args.InvitationID != id || !bytes.Equal(j.Args.Nonce, r.Nonce) ||
			j.Args.AccountID != l.acc.ID || j.Args.Message != "Welcome aboard" || !j.Args.ExpiresAt.Equal(testNow.Add(90*day)) ||
			!slices.Equal(j.Args.Groups, []string{"Finance › Payables"}) || !slices.Equal(j.Args.Roles, []string{"@approver"}) {
			t.Errorf("job %+v does not describe invitation %d (%+v)", j.Args, id, r)
		}
		if r.Delivery != "queued" || !r.ExpiresAt.Equal(testNow.Add(90*day)) {
			t.Errorf("invitation %d: delivery %q, expires %v", id, r.Delivery, r.ExpiresAt)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM audit_events WHERE account_id = $1 AND action = 'invited' AND at = $2`, l.acc.ID, testNow); n != 3 {
		t.Errorf("%d 'invited' audit events, want 3", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM invitations WHERE account_id = $1`, other.acc.ID); n != 0 {
		t.Errorf("another account got %d invitations", n)
	}
	checkNoTokens(t, pool)
}

// 500 addresses, the most one submit takes, make 500 invitations, 500
// emails and 500 audit events in one call; 501 are refused whole.
func TestCreateEmailInvitationsFullSubmit(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	l := globex(t, pool)
	addrs := make([]string, roster.MaxAddresses+1)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("person%03d@bulk.example", i)
	}

	tooMany := make([]roster.Address, len(addrs))
	for i, a := range addrs {
		tooMany[i] = roster.Address{Email: a}
	}
	_, err := l.store.CreateEmailInvitations(t.Context(), l.acc.ID, l.admin.ID, roster.EmailInvites{Addresses: tooMany, GroupIDs: []int64{l.groups["F"]}}, testNow)
	wantErr(t, "501 addresses", err, roster.EINVALID, "invite.too_many")

	start := time.Now()
	results := l.invite(t, testNow, addrs[:roster.MaxAddresses]...)
	t.Logf("500 addresses invited in %v", time.Since(start).Round(time.Millisecond))
	ids := map[int64]bool{}
	for i, r := range results {
		if r.Outcome != roster.OutcomeInvited || r.Email != addrs[i] || ids[r.InvitationID] {
			t.Fatalf("result %d: %+v", i, r)
		}
		ids[r.InvitationID] = true
	}
	if n := count(t, pool, `SELECT count(*) FROM invitations WHERE account_id = $1 AND status = 'pending' AND delivery = 'queued'`, l.acc.ID); n != 500 {
		t.Errorf("%d invitations, want 500", n)
	}
	jobs := emailJobs(t, pool)
	seen := map[int64]bool{}
	for _, j := range jobs {
		if j.Args.Template == roster.EmailInvitation && ids[j.Args.InvitationID] {
			seen[j.Args.InvitationID] = true
		}
	}
	if len(jobs) != 500 || len(seen) != 500 {
		t.Errorf("%d emails queued for %d invitations, want 500 for 500", len(jobs), len(seen))
	}
	if n := l.audits(t, "invited"); n != 500 {
		t.Errorf("%d audit events, want 500", n)
	}
	checkNoTokens(t, pool)
}

// Groups or roles that are not the account's refuse the whole submit:
// nothing is invited, queued or audited.
func TestCreateEmailInvitationsUnknownGrants(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	l := globex(t, pool)
	other := newLifecycle(t, pool, "Initech", "initech.example")
	tests := []struct {
		name          string
		groups, roles []int64
		wantMsg       string
	}{
		{"another account's group", []int64{l.groups["F"], other.groups["F"]}, nil, "invite.unknown_group"},
		{"a group that does not exist", []int64{l.groups["F"] + 1000}, nil, "invite.unknown_group"},
		{"another account's role", []int64{l.groups["F"]}, []int64{other.roles[roster.RoleFinance]}, "invite.unknown_role"},
		{"a role that does not exist", []int64{l.groups["F"]}, []int64{l.roles[roster.RoleFinance], 99999}, "invite.unknown_role"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := l.store.CreateEmailInvitations(t.Context(), l.acc.ID, l.admin.ID, roster.EmailInvites{
				Addresses: []roster.Address{{Email: "new@partner.example"}, {Email: "quinn@globex.example"}},
				GroupIDs:  tc.groups, RoleIDs: tc.roles}, testNow)
			wantErr(t, "CreateEmailInvitations", err, roster.EINVALID, tc.wantMsg)
		})
	}
	if n := count(t, pool, `SELECT count(*) FROM invitations`); n != 0 {
		t.Errorf("%d invitations written", n)
	}
	if n := len(emailJobs(t, pool)); n != 0 {
		t.Errorf("%d emails queued", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM audit_events`); n != 0 {
		t.Errorf("%d audit events written", n)
	}
}

// Each queued invitation email names its link by the invitation's current
// nonce, whose token is the one the database knows by hash, and never
// carries the token itself.
func TestInvitationEmailsCarryNoToken(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	l := globex(t, pool)
	res := l.invite(t, testNow, "a@partner.example", "b@partner.example", "c@partner.example")
	if _, err := l.store.Resend(t.Context(), l.acc.ID, l.admin.ID, []int64{res[0].InvitationID}, testNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	jobs := emailJobs(t, pool)
	if len(jobs) != 4 {
		t.Fatalf("%d jobs, want 4", len(jobs))
	}
	for _, r := range res {
		row := l.row(t, r.InvitationID)
		tok := testKey.Token(row.Nonce)
		if !bytes.Equal(roster.TokenHash(tok), row.Hash) {
			t.Errorf("invitation %d: the stored hash is not the hash of the token its nonce makes", r.InvitationID)
		}
		latest := jobs.forInvitation(r.InvitationID)
		if j := latest[len(latest)-1]; !bytes.Equal(j.Args.Nonce, row.Nonce) {
			t.Errorf("invitation %d: its latest email names nonce %x, the invitation has %x", r.InvitationID, j.Args.Nonce, row.Nonce)
		}
		for _, j := range jobs {
			if bytes.Contains([]byte(j.Raw), []byte(tok)) {
				t.Errorf("job %d carries the token of invitation %d: %s", j.ID, r.InvitationID, j.Raw)
			}
		}
	}
	checkNoTokens(t, pool)
}

// Resend issues a new link (the old one dies) with a fresh expiry from the
// account's setting, for pending and expired email invitations only.
func TestResend(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	l := globex(t, pool)
	other := newLifecycle(t, pool, "Initech", "initech.example")
	t0 := testNow.Add(-10 * day)

	type state struct {
		id    int64
		token string
		row   invRow
	}
	tests := []struct {
		name    string
		make    func(t *testing.T) int64
		resent  bool
		account *lifecycle
	}{
		{"pending", func(t *testing.T) int64 { id, _ := l.inviteOne(t, t0, 0, "pending@partner.example"); return id }, true, l},
		{"pending past its expiry", func(t *testing.T) int64 {
			id, _ := l.inviteOne(t, t0, 3, "late@partner.example")
			return id
		}, true, l},
		{"expired", func(t *testing.T) int64 {
			id, _ := l.inviteOne(t, t0.Add(-100*day), 0, "expired@partner.example")
			l.exec(t, `UPDATE invitations SET status = 'expired' WHERE id = $1`, id) // as SweepExpired leaves it
			return id
		}, true, l},
		{"accepted", func(t *testing.T) int64 {
			id, tok := l.inviteOne(t, t0, 0, "accepted@partner.example")
			if _, err := l.store.AcceptInvitation(ctx, tok, roster.Acceptance{Name: "Acce Pted", PasswordHash: "x"}, t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			return id
		}, false, l},
		{"revoked", func(t *testing.T) int64 {
			id, _ := l.inviteOne(t, t0, 0, "revoked@partner.example")
			if n, err := l.store.Revoke(ctx, l.acc.ID, l.admin.ID, []int64{id}, t0.Add(time.Hour)); n != 1 || err != nil {
				t.Fatalf("Revoke = %d, %v", n, err)
			}
			return id
		}, false, l},
		{"expired, the address invited again since", func(t *testing.T) int64 {
			id, _ := l.inviteOne(t, t0.Add(-100*day), 0, "again@partner.example")
			l.inviteOne(t, t0, 0, "again@partner.example") // marks the first expired
			return id
		}, false, l},
		{"invite link", func(t *testing.T) int64 { id, _ := l.link(t, t0, roster.LinkInvite{}); return id }, false, l},
		{"another account's invitation", func(t *testing.T) int64 {
			id, _ := other.inviteOne(t, t0, 0, "foreign@partner.example")
			return id
		}, false, other},
	}
	states := make([]state, len(tests))
	var ids []int64
	for i, tc := range tests {
		id := tc.make(t)
		states[i] = state{id: id, token: tc.account.token(t, id), row: tc.account.row(t, id)}
		ids = append(ids, id)
	}
	// The account's validity changes meanwhile: a resend takes the new one.
	l.exec(t, `UPDATE accounts SET invite_validity_days = 30 WHERE id = $1`, l.acc.ID)
	before := emailJobs(t, pool)
	now := testNow
	n, err := l.store.Resend(ctx, l.acc.ID, l.admin.ID, ids, now)
	if err != nil {
		t.Fatal(err)
	}
	after := emailJobs(t, pool)
	want := 0
	for i, tc := range tests {
		if tc.resent {
			want++
		}
		s := states[i]
		t.Run(tc.name, func(t *testing.T) {
			a := tc.account
			r := a.row(t, s.id)
			newJobs := after.forInvitation(s.id)[len(before.forInvitation(s.id)):]
			if !tc.resent {
				if !bytes.Equal(r.Nonce, s.row.Nonce) || r.Status != s.row.Status || !r.ExpiresAt.Equal(s.row.ExpiresAt) || r.ResentCount != 0 {
					t.Errorf("changed: %+v, was %+v", r, s.row)
				}
				if len(newJobs) != 0 {
					t.Errorf("%d emails queued", len(newJobs))
				}
				return
			}
			if bytes.Equal(r.Nonce, s.row.Nonce) {
				t.Fatal("the link did not change")
			}
			if r.Status != roster.InvitePending || !r.ExpiresAt.Equal(now.Add(30*day)) || r.Delivery != "queued" || r.ResentCount != 1 ||
				r.SentAt == nil || !r.SentAt.Equal(now) {
				t.Errorf("after resend: %+v; want pending, expiring %v, queued, resent once, sent now", r, now.Add(30*day))
			}
			if _, err := l.store.ViewInvitation(ctx, s.token, now); roster.ErrorCode(err) != roster.ENOTFOUND {
				t.Errorf("the old link: err = %v, want ENOTFOUND", err)
			}
			v, err := l.store.ViewInvitation(ctx, l.token(t, s.id), now)
			if err != nil || v.ID != s.id || v.State != roster.LinkOK {
				t.Errorf("the new link: %+v, %v", v, err)
			}
			if len(newJobs) != 1 || !bytes.Equal(newJobs[0].Args.Nonce, r.Nonce) || !newJobs[0].Args.ExpiresAt.Equal(r.ExpiresAt) {
				t.Errorf("emails queued: %+v, want one with the new nonce", newJobs)
			}
		})
	}
	if n != want {
		t.Errorf("Resend = %d, want %d", n, want)
	}
	if got := l.audits(t, "resent"); got != want {
		t.Errorf("%d 'resent' audit events, want %d", got, want)
	}
	// The new link of a resent invitation is the one that accepts.
	u, err := l.store.AcceptInvitation(ctx, l.token(t, states[0].id), roster.Acceptance{Name: "Pen Ding", PasswordHash: "x"}, now.Add(time.Hour))
	if err != nil || u.Email != "pending@partner.example" {
		t.Errorf("accept with the new link: %+v, %v", u, err)
	}
	_, err = l.store.AcceptInvitation(ctx, states[1].token, roster.Acceptance{Name: "La Te", PasswordHash: "x"}, now.Add(time.Hour))
	wantErr(t, "accept with an old link", err, roster.ENOTFOUND, "")
	checkNoTokens(t, pool)
}

// Revoke ends pending invitations and links only.
func TestRevoke(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	l := globex(t, pool)
	other := newLifecycle(t, pool, "Initech", "initech.example")
	t0 := testNow.Add(-time.Hour)

	pending, pendingTok := l.inviteOne(t, t0, 0, "pending@partner.example")
	link, linkTok := l.link(t, t0, roster.LinkInvite{})
	accepted, accTok := l.inviteOne(t, t0, 0, "accepted@partner.example")
	if _, err := l.store.AcceptInvitation(ctx, accTok, roster.Acceptance{Name: "A", PasswordHash: "x"}, t0); err != nil {
		t.Fatal(err)
	}
	expired, _ := l.inviteOne(t, t0.Add(-100*day), 0, "expired@partner.example")
	if _, err := l.store.SweepExpired(ctx, t0); err != nil {
		t.Fatal(err)
	}
	foreign, _ := other.inviteOne(t, t0, 0, "foreign@partner.example")

	n, err := l.store.Revoke(ctx, l.acc.ID, l.admin.ID, []int64{pending, link, accepted, expired, foreign, pending}, testNow)
	if err != nil || n != 2 {
		t.Fatalf("Revoke = %d, %v; want 2", n, err)
	}
	tests := []struct {
		name string
		l    *lifecycle
		id   int64
		want string
	}{
		{"pending", l, pending, roster.InviteRevoked},
		{"link", l, link, roster.InviteRevoked},
		{"accepted", l, accepted, roster.InviteAccepted},
		{"expired", l, expired, roster.InviteExpired},
		{"another account's", other, foreign, roster.InvitePending},
	}
	for _, tc := range tests {
		if st := tc.l.row(t, tc.id).Status; st != tc.want {
			t.Errorf("%s: status %q, want %q", tc.name, st, tc.want)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM invitations WHERE account_id = $1 AND status = 'revoked' AND revoked_at = $2 AND revoked_by = $3`,
		l.acc.ID, testNow, l.admin.ID); n != 2 {
		t.Errorf("%d revoked rows say when and by whom, want 2", n)
	}
	if v, err := l.store.ViewInvitation(ctx, pendingTok, testNow); err != nil || v.State != roster.LinkRevoked {
		t.Errorf("view a revoked invitation: state %q, %v", v.State, err)
	}
	_, err = l.store.AcceptInvitation(ctx, pendingTok, roster.Acceptance{Name: "P", PasswordHash: "x"}, testNow)
	wantErr(t, "accept a revoked invitation", err, roster.ECONFLICT, roster.LinkRevoked)
	_, err = l.store.StartJoin(ctx, linkTok, roster.JoinStart{Email: "j@globex.example", Name: "J"}, testNow)
	wantErr(t, "join through a revoked link", err, roster.ECONFLICT, roster.LinkRevoked)
	if got := l.audits(t, "revoked"); got != 2 {
		t.Errorf("%d 'revoked' audit events, want 2", got)
	}
}

// Extend gives pending invitations and links (and expired links) a fresh
// validity from the account's settings, keeping their links.
func TestExtend(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	l := globex(t, pool)
	l.exec(t, `UPDATE accounts SET invite_validity_days = 20, link_validity_hours = 100 WHERE id = $1`, l.acc.ID)
	t0 := testNow.Add(-10 * day)

	pending, _ := l.inviteOne(t, t0, 90, "pending@partner.example")
	l.exec(t, `UPDATE invitations SET reminders_sent = 1 WHERE id = $1`, pending)
	link, linkTok := l.link(t, t0, roster.LinkInvite{ValidityHours: 48})
	oldLink, _ := l.link(t, t0.Add(-10*day), roster.LinkInvite{ValidityHours: 24, Label: "old"})
	expiredEmail, _ := l.inviteOne(t, t0, 1, "expired@partner.example")
	if _, err := l.store.SweepExpired(ctx, t0.Add(day+time.Hour)); err != nil {
		t.Fatal(err)
	}
	accepted, accTok := l.inviteOne(t, t0, 0, "accepted@partner.example")
	if _, err := l.store.AcceptInvitation(ctx, accTok, roster.Acceptance{Name: "A", PasswordHash: "x"}, t0); err != nil {
		t.Fatal(err)
	}
	rows := map[int64]invRow{}
	for _, id := range []int64{pending, link, oldLink, expiredEmail, accepted} {
		rows[id] = l.row(t, id)
	}

	n, err := l.store.Extend(ctx, l.acc.ID, l.admin.ID, []int64{pending, link, oldLink, expiredEmail, accepted}, testNow)
	if err != nil || n != 3 {
		t.Fatalf("Extend = %d, %v; want 3", n, err)
	}
	tests := []struct {
		name    string
		id      int64
		status  string
		expires time.Time // zero: unchanged
	}{
		{"pending email invitation", pending, roster.InvitePending, testNow.Add(20 * day)},
		{"pending link", link, roster.InvitePending, testNow.Add(100 * time.Hour)},
		{"expired link", oldLink, roster.InvitePending, testNow.Add(100 * time.Hour)},
		{"expired email invitation (resend it instead)", expiredEmail, roster.InviteExpired, time.Time{}},
		{"accepted", accepted, roster.InviteAccepted, time.Time{}},
	}
	for _, tc := range tests {
		r, was := l.row(t, tc.id), rows[tc.id]
		want := tc.expires
		if want.IsZero() {
			want = was.ExpiresAt
		}
		if r.Status != tc.status || !r.ExpiresAt.Equal(want) || !bytes.Equal(r.Nonce, was.Nonce) {
			t.Errorf("%s: %s until %v (nonce kept %v); want %s until %v, same link", tc.name, r.Status, r.ExpiresAt, bytes.Equal(r.Nonce, was.Nonce), tc.status, want)
		}
	}
	if r := l.row(t, pending); r.RemindersSent != 0 {
		t.Errorf("an extended invitation keeps reminders_sent %d, want 0 (its reminders are due again)", r.RemindersSent)
	}
	if v, err := l.store.ViewInvitation(ctx, linkTok, testNow.Add(99*time.Hour)); err != nil || v.State != roster.LinkOK {
		t.Errorf("the extended link: %q, %v", v.State, err)
	}
	if got := l.audits(t, "extended"); got != 3 {
		t.Errorf("%d 'extended' audit events, want 3", got)
	}
}

// Regenerate gives a pending link a new token and kills the old one.
func TestRegenerate(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	l := globex(t, pool)
	other := newLifecycle(t, pool, "Initech", "initech.example")

	link, oldTok := l.link(t, testNow, roster.LinkInvite{})
	newTok, err := l.store.Regenerate(ctx, l.acc.ID, l.admin.ID, link)
	if err != nil || newTok == oldTok || newTok != l.token(t, link) {
		t.Fatalf("Regenerate = %q, %v (old %q, current %q)", newTok, err, oldTok, l.token(t, link))
	}
	if _, err := l.store.ViewInvitation(ctx, oldTok, testNow); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("the old link: %v, want ENOTFOUND", err)
	}
	_, err = l.store.StartJoin(ctx, oldTok, roster.JoinStart{Email: "a@globex.example", Name: "A"}, testNow)
	wantErr(t, "join through the old link", err, roster.ENOTFOUND, "")
	if v, err := l.store.ViewInvitation(ctx, newTok, testNow); err != nil || v.ID != link || v.State != roster.LinkOK {
		t.Errorf("the new link: %+v, %v", v, err)
	}
	if _, err := l.store.StartJoin(ctx, newTok, roster.JoinStart{Email: "a@globex.example", Name: "A"}, testNow); err != nil {
		t.Errorf("join through the new link: %v", err)
	}

	email, _ := l.inviteOne(t, testNow, 0, "e@partner.example")
	revoked, _ := l.link(t, testNow, roster.LinkInvite{Label: "revoked"})
	l.store.Revoke(ctx, l.acc.ID, l.admin.ID, []int64{revoked}, testNow)
	foreign, _ := other.link(t, testNow, roster.LinkInvite{})
	for name, id := range map[string]int64{"an email invitation": email, "a revoked link": revoked, "another account's link": foreign, "no such link": 99999} {
		_, err := l.store.Regenerate(ctx, l.acc.ID, l.admin.ID, id)
		wantErr(t, name, err, roster.ENOTFOUND, "")
	}
	if got := l.audits(t, "link_regenerated"); got != 1 {
		t.Errorf("%d 'link_regenerated' audit events, want 1", got)
	}
}

// RemoveExpired deletes expired invitations (marked expired, or pending
// past their expiry) among those named, or all of the account's when none
// are; never pending, accepted or revoked ones, nor another account's.
func TestRemoveExpired(t *testing.T) {
	t.Parallel()
	type fx struct {
		l, other *lifecycle
		ids      map[string]int64
	}
	setup := func(t *testing.T) fx {
		pool := NewDB(t)
		ctx := t.Context()
		x := fx{l: globex(t, pool), other: newLifecycle(t, pool, "Initech", "initech.example"), ids: map[string]int64{}}
		l := x.l
		x.ids["pending"], _ = l.inviteOne(t, testNow.Add(-day), 0, "pending@partner.example")
		x.ids["past due"], _ = l.inviteOne(t, testNow.Add(-91*day), 0, "late@partner.example")
		x.ids["marked expired"], _ = l.inviteOne(t, testNow.Add(-200*day), 0, "old@partner.example")
		l.exec(t, `UPDATE invitations SET status = 'expired' WHERE id = $1`, x.ids["marked expired"])
		id, tok := l.inviteOne(t, testNow.Add(-95*day), 0, "accepted@partner.example")
		if _, err := l.store.AcceptInvitation(ctx, tok, roster.Acceptance{Name: "A", PasswordHash: "x"}, testNow.Add(-94*day)); err != nil {
			t.Fatal(err)
		}
		x.ids["accepted, past its expiry"] = id
		x.ids["revoked, past its expiry"], _ = l.inviteOne(t, testNow.Add(-95*day), 0, "revoked@partner.example")
		l.store.Revoke(ctx, l.acc.ID, l.admin.ID, []int64{x.ids["revoked, past its expiry"]}, testNow.Add(-94*day))
		x.ids["expired link"], _ = l.link(t, testNow.Add(-10*day), roster.LinkInvite{ValidityHours: 24})
		x.ids["foreign"], _ = x.other.inviteOne(t, testNow.Add(-200*day), 0, "foreign@partner.example")
		return x
	}
	tests := []struct {
		name    string
		ids     []string // nil: all
		removed []string
	}{
		{"all of the account's", nil, []string{"past due", "marked expired", "expired link"}},
		{"the named ones", []string{"pending", "marked expired", "accepted, past its expiry", "revoked, past its expiry", "foreign"}, []string{"marked expired"}},
		{"a past-due pending one", []string{"past due"}, []string{"past due"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x := setup(t)
			var ids []int64
			for _, h := range tc.ids {
				ids = append(ids, x.ids[h])
			}
			n, err := x.l.store.RemoveExpired(t.Context(), x.l.acc.ID, x.l.admin.ID, ids, testNow)
			if err != nil || n != len(tc.removed) {
				t.Errorf("RemoveExpired = %d, %v; want %d", n, err, len(tc.removed))
			}
			for h, id := range x.ids {
				acc := x.l
				if h == "foreign" {
					acc = x.other
				}
				if gone := !acc.exists(t, id); gone != slices.Contains(tc.removed, h) {
					t.Errorf("%s: removed %v", h, gone)
				}
			}
			if got := x.l.audits(t, "removed"); got != len(tc.removed) {
				t.Errorf("%d 'removed' audit events, want %d", got, len(tc.removed))
			}
		})
	}
}

// An invitation works until one second before its expiry and is expired
// from that instant on; opening it changes nothing.
func TestInvitationExpiryBoundary(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	l := globex(t, pool)
	expires := testNow.Add(90 * day)
	tests := []struct {
		name  string
		at    time.Time
		state string
	}{
		{"a day before", expires.Add(-day), roster.LinkOK},
		{"one second before", expires.Add(-time.Second), roster.LinkOK},
		{"one microsecond before", expires.Add(-time.Microsecond), roster.LinkOK},
		{"exactly at expiry", expires, roster.LinkExpired},
		{"one second after", expires.Add(time.Second), roster.LinkExpired},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, tok := l.inviteOne(t, testNow, 0, fmt.Sprintf("p%d@partner.example", i))
			v, err := l.store.ViewInvitation(ctx, tok, tc.at)
			if err != nil || v.State != tc.state || !v.ExpiresAt.Equal(expires) {
				t.Errorf("ViewInvitation: state %q expires %v, %v; want %q", v.State, v.ExpiresAt, err, tc.state)
			}
			if r := l.row(t, id); r.Status != roster.InvitePending {
				t.Errorf("opening the link changed its status to %q", r.Status)
			}
			u, err := l.store.AcceptInvitation(ctx, tok, roster.Acceptance{Name: "P", PasswordHash: "x"}, tc.at)
			if tc.state == roster.LinkOK {
				if err != nil || u.ID == 0 || l.row(t, id).Status != roster.InviteAccepted {
					t.Errorf("AcceptInvitation = %+v, %v", u, err)
				}
				return
			}
			wantErr(t, "AcceptInvitation", err, roster.ECONFLICT, roster.LinkExpired)
			if l.userID(t, v.Email) != 0 || l.row(t, id).Status != roster.InvitePending {
				t.Errorf("a refused accept left a person or a changed invitation")
			}
		})
	}
	// An invite link follows the same boundary for joining.
	_, linkTok := l.link(t, testNow, roster.LinkInvite{ValidityHours: 2})
	_, err := l.store.StartJoin(ctx, linkTok, roster.JoinStart{Email: "j1@globex.example", Name: "J"}, testNow.Add(2*time.Hour))
	wantErr(t, "join at the link's expiry", err, roster.ECONFLICT, roster.LinkExpired)
	if _, err := l.store.StartJoin(ctx, linkTok, roster.JoinStart{Email: "j2@globex.example", Name: "J"}, testNow.Add(2*time.Hour-time.Second)); err != nil {
		t.Errorf("join a second before the link's expiry: %v", err)
	}
}

// SweepExpired marks exactly the pending rows at or past their expiry.
func TestSweepExpired(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	l := globex(t, pool)
	other := newLifecycle(t, pool, "Initech", "initech.example")
	now := testNow
	ago := func(d time.Duration) time.Time { return now.Add(-90*day - d) } // created this long before now minus the validity
	acc := func(email string) int64 {
		id, tok := l.inviteOne(t, ago(2*time.Hour), 0, email)
		if _, err := l.store.AcceptInvitation(ctx, tok, roster.Acceptance{Name: "A", PasswordHash: "x"}, ago(time.Hour)); err != nil {
			t.Fatal(err)
		}
		return id
	}
	rev := func(email string) int64 {
		id, _ := l.inviteOne(t, ago(2*time.Hour), 0, email)
		l.store.Revoke(ctx, l.acc.ID, l.admin.ID, []int64{id}, ago(time.Hour))
		return id
	}
	one := func(id int64, _ string) int64 { return id }
	tests := []struct {
		name  string
		l     *lifecycle
		id    int64
		swept bool
	}{
		{"pending, an hour past due", l, one(l.inviteOne(t, ago(time.Hour), 0, "hour@partner.example")), true},
		{"pending, due exactly now", l, one(l.inviteOne(t, ago(0), 0, "now@partner.example")), true},
		{"pending, due in a second", l, one(l.inviteOne(t, ago(-time.Second), 0, "soon@partner.example")), false},
		{"link, past due", l, one(l.link(t, now.Add(-3*time.Hour), roster.LinkInvite{ValidityHours: 1})), true},
		{"link, pending", l, one(l.link(t, now, roster.LinkInvite{Label: "live"})), false},
		{"accepted, past due", l, acc("acc@partner.example"), false},
		{"revoked, past due", l, rev("rev@partner.example"), false},
		{"another account's, past due", other, one(other.inviteOne(t, ago(time.Hour), 0, "foreign@partner.example")), true},
	}
	want := 0
	for _, tc := range tests {
		if tc.swept {
			want++
		}
	}
	n, err := l.store.SweepExpired(ctx, now)
	if err != nil || n != int64(want) {
		t.Errorf("SweepExpired = %d, %v; want %d", n, err, want)
	}
	for _, tc := range tests {
		st := tc.l.row(t, tc.id).Status
		if swept := st == roster.InviteExpired; swept != tc.swept {
			t.Errorf("%s: status %q", tc.name, st)
		}
	}
	if n, err := l.store.SweepExpired(ctx, now); err != nil || n != 0 {
		t.Errorf("second SweepExpired = %d, %v; want 0", n, err)
	}
}

// Reminders go out 7 days and 1 day before expiry, each once, only while
// the invitation is pending and only for accounts that want them.
func TestQueueReminders(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	l := globex(t, pool)
	quiet := newLifecycle(t, pool, "Initech", "initech.example")
	quiet.exec(t, `UPDATE accounts SET reminders_enabled = false WHERE id = $1`, quiet.acc.ID)

	created := testNow
	expires := created.Add(90 * day)
	inv, _ := l.inviteOne(t, created, 0, "remind@partner.example")
	muted, _ := quiet.inviteOne(t, created, 0, "muted@partner.example")
	late, _ := l.inviteOne(t, created.Add(-99*day), 0, "late@partner.example") // expired 9 days before expires
	revoked, _ := l.inviteOne(t, created, 0, "revoked@partner.example")
	l.store.Revoke(ctx, l.acc.ID, l.admin.ID, []int64{revoked}, created)

	steps := []struct {
		name      string
		at        time.Time
		queued    int
		reminders int // sent for inv so far
	}{
		{"8 days before", expires.Add(-8 * day), 0, 0},
		{"7 days before", expires.Add(-7 * day), 1, 1},
		{"7 days before, again", expires.Add(-7 * day), 0, 1},
		{"6 days before", expires.Add(-6 * day), 0, 1},
		{"2 days before", expires.Add(-2 * day), 0, 1},
		{"1 day before", expires.Add(-day), 1, 2},
		{"1 day before, again", expires.Add(-day), 0, 2},
		{"an hour before", expires.Add(-time.Hour), 0, 2},
		{"at expiry", expires, 0, 2},
		{"a day after", expires.Add(day), 0, 2},
	}
	for _, s := range steps {
		n, err := l.store.QueueReminders(ctx, s.at)
		if err != nil || n != s.queued {
			t.Errorf("%s: QueueReminders = %d, %v; want %d", s.name, n, err, s.queued)
		}
		if r := l.row(t, inv); r.RemindersSent != s.reminders {
			t.Errorf("%s: reminders_sent %d, want %d", s.name, r.RemindersSent, s.reminders)
		}
	}
	jobs := emailJobs(t, pool).of(roster.EmailReminder, "")
	if len(jobs) != 2 {
		t.Fatalf("%d reminders queued, want 2: %+v", len(jobs), jobs)
	}
	row := l.row(t, inv)
	for _, j := range jobs {
		if j.Args.InvitationID != inv || j.Args.AccountID != l.acc.ID || j.Args.To != "remind@partner.example" ||
			!bytes.Equal(j.Args.Nonce, row.Nonce) || !j.Args.ExpiresAt.Equal(expires) || !slices.Equal(j.Args.Groups, []string{"Finance"}) {
			t.Errorf("reminder %+v does not describe invitation %d", j.Args, inv)
		}
	}
	for name, id := range map[string]int64{"reminders off": muted, "expired": late, "revoked": revoked} {
		acc := l
		if id == muted {
			acc = quiet
		}
		if r := acc.row(t, id); r.RemindersSent != 0 {
			t.Errorf("%s: reminders_sent %d", name, r.RemindersSent)
		}
	}
	checkNoTokens(t, pool)
}

// StartJoin records an unconfirmed request and emails a code, for allowed
// addresses that have no person yet; asking again starts over.
func TestStartJoin(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	l := globex(t, pool)
	other := newLifecycle(t, pool, "Initech", "initech.example")
	l.user(t, personSpec{name: "Mia Member", email: "mia@globex.example"})
	other.user(t, personSpec{name: "Olga", email: "olga@globex.example"}) // an address of the domain, in another account
	_, token := l.link(t, testNow, roster.LinkInvite{AllowedDomains: []string{"globex.example"}, Approval: true})

	tests := []struct {
		name, email string
		code, msg   string
	}{
		{"allowed domain", "new@globex.example", "", ""},
		{"allowed domain, upper case", "Upper@GLOBEX.EXAMPLE", "", ""},
		{"other domain", "x@partner.example", roster.EINVALID, "join.domain_not_allowed"},
		{"subdomain", "x@mail.globex.example", roster.EINVALID, "join.domain_not_allowed"},
		{"domain as a suffix", "x@notglobex.example", roster.EINVALID, "join.domain_not_allowed"},
		{"a person of this account", "mia@globex.example", roster.ECONFLICT, "join.email_taken"},
		{"a person of this account, other case", "MIA@globex.example", roster.ECONFLICT, "join.email_taken"},
		{"a person of another account", "olga@globex.example", roster.ECONFLICT, "join.email_taken"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(emailJobs(t, pool))
			id, err := l.store.StartJoin(ctx, token, roster.JoinStart{Email: tc.email, Name: "Someone", PasswordHash: "h"}, testNow)
			n := count(t, pool, `SELECT count(*) FROM join_requests WHERE lower(email) = lower($1)`, tc.email)
			jobs := emailJobs(t, pool)[before:]
			if tc.code != "" {
				wantErr(t, "StartJoin", err, tc.code, tc.msg)
				if n != 0 || len(jobs) != 0 {
					t.Errorf("a refused join left %d requests and %d emails", n, len(jobs))
				}
				return
			}
			if err != nil || id == 0 || n != 1 {
				t.Fatalf("StartJoin = %d, %v (%d requests)", id, err, n)
			}
			if len(jobs) != 1 || jobs[0].Args.Template != roster.EmailConfirm || jobs[0].Args.JoinRequestID != id || jobs[0].Args.To != tc.email ||
				!bytes.Equal(jobs[0].Args.Nonce, l.confirmNonce(t, id)) || !jobs[0].Args.ExpiresAt.Equal(testNow.Add(roster.ConfirmValidity)) {
				t.Errorf("emails queued: %+v", jobs)
			}
			if l.userID(t, tc.email) != 0 {
				t.Error("a person exists before the address is confirmed")
			}
		})
	}

	t.Run("asking again replaces the unconfirmed request", func(t *testing.T) {
		first, firstCode := l.startJoin(t, token, "redo@globex.example", testNow)
		second, secondCode := l.startJoin(t, token, "Redo@globex.example", testNow.Add(time.Minute))
		if first == second || count(t, pool, `SELECT count(*) FROM join_requests WHERE lower(email) = 'redo@globex.example'`) != 1 {
			t.Fatalf("requests %d, %d: want the first replaced", first, second)
		}
		_, err := l.store.ConfirmJoin(ctx, roster.JoinConfirmation{RequestID: first, Code: firstCode}, testNow.Add(2*time.Minute))
		wantErr(t, "confirm the replaced request", err, roster.ENOTFOUND, "")
		out, err := l.store.ConfirmJoin(ctx, roster.JoinConfirmation{RequestID: second, Code: secondCode}, testNow.Add(2*time.Minute))
		if err != nil || out.Request.Status != "pending" {
			t.Fatalf("confirm the new request: %+v, %v", out, err)
		}
		// Waiting for approval: asking again is refused, not replaced.
		_, err = l.store.StartJoin(ctx, token, roster.JoinStart{Email: "redo@globex.example", Name: "R"}, testNow.Add(3*time.Minute))
		wantErr(t, "ask again while waiting for approval", err, roster.ECONFLICT, "join.already_requested")
	})

	t.Run("links that do not work", func(t *testing.T) {
		_, emailTok := l.inviteOne(t, testNow, 0, "invited@globex.example")
		revoked, revokedTok := l.link(t, testNow, roster.LinkInvite{Label: "revoked"})
		if n, err := l.store.Revoke(ctx, l.acc.ID, l.admin.ID, []int64{revoked}, testNow); n != 1 || err != nil {
			t.Fatalf("Revoke = %d, %v", n, err)
		}
		_, oneUse := l.link(t, testNow, roster.LinkInvite{Label: "one use", MaxUses: 1})
		id, code := l.startJoin(t, oneUse, "first@globex.example", testNow)
		if _, err := l.store.ConfirmJoin(ctx, roster.JoinConfirmation{RequestID: id, Code: code}, testNow); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ name, token, code, msg string }{
			{"an email invitation's token", emailTok, roster.ENOTFOUND, ""},
			{"an unknown token", testKey.Token(roster.NewNonce()), roster.ENOTFOUND, ""},
			{"junk", "not-a-token", roster.ENOTFOUND, ""},
			{"a revoked link", revokedTok, roster.ECONFLICT, roster.LinkRevoked},
			{"a used-up link", oneUse, roster.ECONFLICT, roster.LinkUsedUp},
			{"an expired link", token, roster.ECONFLICT, roster.LinkExpired},
		} {
			at := testNow
			if tc.msg == roster.LinkExpired {
				at = testNow.Add(720 * time.Hour)
			}
			_, err := l.store.StartJoin(ctx, tc.token, roster.JoinStart{Email: "late@globex.example", Name: "L"}, at)
			wantErr(t, tc.name, err, tc.code, tc.msg)
		}
	})
	checkNoTokens(t, pool)
}

// ConfirmJoin takes the emailed code or link; wrong codes are counted and,
// after roster.MaxConfirmAttempts of them, even the right one is refused;
// a code works for roster.ConfirmValidity.
func TestConfirmJoin(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	l := globex(t, pool)
	linkID, token := l.link(t, testNow, roster.LinkInvite{MaxUses: 100})
	wrongCode := func(right string) string { return fmt.Sprintf("%06d", (atoi(right)+1)%1000000) }

	type try struct {
		by   string // "code", "link"
		code func(right string) string
		at   time.Duration // after StartJoin
	}
	right := func(c string) string { return c }
	tests := []struct {
		name     string
		tries    []try
		code     string // of the last try's error
		msg      string
		attempts int
	}{
		{"right code", []try{{"code", right, time.Minute}}, "", "", 0},
		{"right code with spaces", []try{{"code", func(c string) string { return " " + c + "\n" }, time.Minute}}, "", "", 0},
		{"confirmation link", []try{{"link", nil, time.Minute}}, "", "", 0},
		{"wrong code", []try{{"code", wrongCode, time.Minute}}, roster.EINVALID, "join.wrong_code", 1},
		{"wrong code, then the right one", []try{{"code", wrongCode, time.Minute}, {"code", right, 2 * time.Minute}}, "", "", 1},
		{"one second before the code expires", []try{{"code", right, roster.ConfirmValidity - time.Second}}, "", "", 0},
		{"when the code expires", []try{{"code", right, roster.ConfirmValidity}}, roster.ECONFLICT, "join.code_expired", 0},
		{"the link when the code expires", []try{{"link", nil, roster.ConfirmValidity}}, roster.ECONFLICT, "join.code_expired", 0},
		{"right code after too many wrong ones", append(slices.Repeat([]try{{"code", wrongCode, time.Minute}}, roster.MaxConfirmAttempts),
			try{"code", right, 2 * time.Minute}), roster.ECONFLICT, "join.too_many_attempts", roster.MaxConfirmAttempts},
		{"right code after one wrong one too few", append(slices.Repeat([]try{{"code", wrongCode, time.Minute}}, roster.MaxConfirmAttempts-1),
			try{"code", right, 2 * time.Minute}), "", "", roster.MaxConfirmAttempts - 1},
	}
	uses := 0
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			email := fmt.Sprintf("joiner%d@globex.example", i)
			id, code := l.startJoin(t, token, email, testNow)
			var out roster.JoinOutcome
			var err error
			for k, tr := range tc.tries {
				c := roster.JoinConfirmation{RequestID: id}
				if tr.by == "link" {
					c = roster.JoinConfirmation{Token: testKey.Token(l.confirmNonce(t, id))}
				} else {
					c.Code = tr.code(code)
				}
				out, err = l.store.ConfirmJoin(ctx, c, testNow.Add(tr.at))
				if k < len(tc.tries)-1 {
					wantErr(t, fmt.Sprintf("try %d", k+1), err, roster.EINVALID, "join.wrong_code")
				}
			}
			n := count(t, pool, `SELECT confirm_attempts FROM join_requests WHERE id = $1`, id)
			if n != tc.attempts {
				t.Errorf("confirm_attempts %d, want %d", n, tc.attempts)
			}
			if tc.code != "" {
				wantErr(t, "ConfirmJoin", err, tc.code, tc.msg)
				if l.userID(t, email) != 0 || count(t, pool, `SELECT count(*) FROM join_requests WHERE id = $1 AND status = 'unconfirmed'`, id) != 1 {
					t.Error("a refused confirmation changed the request or made a person")
				}
				return
			}
			uses++
			if err != nil || out.User == nil || out.Request.Status != "approved" || l.userID(t, email) != out.User.ID {
				t.Fatalf("ConfirmJoin = %+v, %v", out, err)
			}
		})
	}
	if r := l.row(t, linkID); r.UseCount != uses {
		t.Errorf("use_count %d, want %d (one per confirmed join)", r.UseCount, uses)
	}
	_, err := l.store.ConfirmJoin(ctx, roster.JoinConfirmation{Token: testKey.Token(roster.NewNonce())}, testNow)
	wantErr(t, "an unknown confirmation link", err, roster.ENOTFOUND, "")
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// adminsFixture adds people to l so that exactly quinn and rita are active
// account administrators.
func adminsFixture(t *testing.T, l *lifecycle) {
	t.Helper()
	rita := l.user(t, personSpec{name: "Rita Admin", email: "rita@globex.example"})
	l.member(t, rita, l.root, roster.RoleAdministrator)
	dora := l.user(t, personSpec{name: "Dora Gone", email: "dora@globex.example", status: roster.StatusDeactivated})
	l.member(t, dora, l.root, roster.RoleAdministrator)
	gus := l.user(t, personSpec{name: "Gus Groupadmin", email: "gus@globex.example"})
	l.member(t, gus, l.groups["F"], roster.RoleAdministrator)
	mia := l.user(t, personSpec{name: "Mia Member", email: "mia@globex.example"})
	l.member(t, mia, l.root, roster.RoleRequisitioner)
}

// Joining through a link without approval makes an active person with the
// link's groups and roles at once.
func TestJoinWithoutApproval(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	l := globex(t, pool)
	linkID, token := l.link(t, testNow, roster.LinkInvite{Label: "Open door", GroupIDs: []int64{l.groups["P"], l.groups["S"]},
		RoleIDs: []int64{l.roles[roster.RoleApprover], l.roles[roster.RoleAnalyst]}})
	id, code := l.startJoin(t, token, "walk.in@globex.example", testNow)
	out, err := l.store.ConfirmJoin(ctx, roster.JoinConfirmation{RequestID: id, Code: code}, testNow.Add(time.Minute))
	if err != nil || out.User == nil || out.Request.Status != "approved" || out.Request.UserID != out.User.ID {
		t.Fatalf("ConfirmJoin = %+v, %v", out, err)
	}
	u := out.User
	var status string
	var invitedBy, invitation int64
	if err := pool.QueryRow(ctx, `SELECT status, invited_by, invitation_id FROM users WHERE account_id = $1 AND id = $2`, l.acc.ID, u.ID).
		Scan(&status, &invitedBy, &invitation); err != nil || status != roster.StatusActive || invitedBy != l.admin.ID || invitation != linkID {
		t.Errorf("the person: %s, invited by %d through %d (%v)", status, invitedBy, invitation, err)
	}
	want := grantPairs([]int64{l.groups["P"], l.groups["S"]}, []int64{l.roles[roster.RoleApprover], l.roles[roster.RoleAnalyst]})
	if got := l.memberships(t, u.ID); !slices.Equal(got, want) {
		t.Errorf("memberships %v, want %v", got, want)
	}
	accepted := emailJobs(t, pool).of(roster.EmailAccepted, "quinn@globex.example")
	if len(accepted) != 1 || accepted[0].Args.PersonEmail != "walk.in@globex.example" || accepted[0].Args.LinkLabel != "Open door" {
		t.Errorf("the inviter hears: %+v", accepted)
	}
	if l.audits(t, "joined") != 1 || l.row(t, linkID).UseCount != 1 {
		t.Errorf("audit 'joined' %d, use_count %d", l.audits(t, "joined"), l.row(t, linkID).UseCount)
	}
	// A second click on the emailed link says where the join stands.
	again, err := l.store.ConfirmJoin(ctx, roster.JoinConfirmation{Token: testKey.Token(l.confirmNonce(t, id))}, testNow.Add(2*time.Minute))
	if err != nil || again.Request.Status != "approved" || l.row(t, linkID).UseCount != 1 {
		t.Errorf("confirming again: %+v, %v", again.Request, err)
	}
	checkCounters(t, pool, l.acc.ID, "after joining")
}

// With approval, a confirmed join waits for an administrator, who may
// change its groups and roles, or deny it; each is decided once.
func TestJoinWithApproval(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	l := globex(t, pool)
	other := newLifecycle(t, pool, "Initech", "initech.example")
	adminsFixture(t, l)
	linkID, token := l.link(t, testNow, roster.LinkInvite{Label: "Needs a nod", Approval: true})

	confirm := func(email string) roster.JoinOutcome {
		t.Helper()
		before := len(emailJobs(t, pool))
		id, code := l.startJoin(t, token, email, testNow)
		out, err := l.store.ConfirmJoin(ctx, roster.JoinConfirmation{RequestID: id, Code: code}, testNow.Add(time.Minute))
		if err != nil || out.User != nil || out.Request.Status != "pending" || out.Request.ID != id {
			t.Fatalf("ConfirmJoin(%s) = %+v, %v", email, out, err)
		}
		if l.userID(t, email) != 0 {
			t.Errorf("%s is a person before approval", email)
		}
		// One join_request email to each active account administrator.
		var to []string
		for _, j := range emailJobs(t, pool)[before+1:] {
			if j.Args.Template != roster.EmailJoinRequest || j.Args.JoinRequestID != id || j.Args.PersonEmail != email || j.Args.LinkLabel != "Needs a nod" {
				t.Errorf("unexpected email %+v", j.Args)
			}
			to = append(to, j.Args.To)
		}
		slices.Sort(to)
		if want := []string{"quinn@globex.example", "rita@globex.example"}; !slices.Equal(to, want) {
			t.Errorf("join request emails to %v, want %v", to, want)
		}
		return out
	}
	approved := confirm("ann@globex.example")
	denied := confirm("den@globex.example")
	if l.row(t, linkID).UseCount != 2 || l.audits(t, "join_requested") != 2 {
		t.Errorf("use_count %d, join_requested %d; want 2, 2", l.row(t, linkID).UseCount, l.audits(t, "join_requested"))
	}

	newGroups := []int64{l.groups["S"], l.groups["P"]}
	newRoles := []int64{l.roles[roster.RoleAnalyst]}
	_, err := l.store.ApproveJoinRequest(ctx, l.acc.ID, l.admin.ID, approved.Request.ID, []int64{other.groups["F"]}, newRoles, testNow)
	wantErr(t, "approve into another account's group", err, roster.EINVALID, "invite.unknown_group")
	_, err = l.store.ApproveJoinRequest(ctx, other.acc.ID, other.admin.ID, approved.Request.ID, nil, nil, testNow)
	wantErr(t, "approve from another account", err, roster.ENOTFOUND, "")

	u, err := l.store.ApproveJoinRequest(ctx, l.acc.ID, l.admin.ID, approved.Request.ID, newGroups, newRoles, testNow.Add(time.Hour))
	if err != nil || u.ID == 0 || l.userID(t, "ann@globex.example") != u.ID {
		t.Fatalf("ApproveJoinRequest = %+v, %v", u, err)
	}
	if got, want := l.memberships(t, u.ID), grantPairs(newGroups, newRoles); !slices.Equal(got, want) {
		t.Errorf("memberships %v, want the changed ones %v (not the link's)", got, want)
	}
	jr, err := l.store.JoinRequest(ctx, l.acc.ID, approved.Request.ID)
	slices.Sort(jr.GroupIDs)
	if err != nil || jr.Status != "approved" || jr.UserID != u.ID || !slices.Equal(jr.GroupIDs, []int64{l.groups["P"], l.groups["S"]}) {
		t.Errorf("the approved request: %+v, %v", jr, err)
	}
	_, err = l.store.ApproveJoinRequest(ctx, l.acc.ID, l.admin.ID, approved.Request.ID, newGroups, newRoles, testNow.Add(time.Hour))
	wantErr(t, "approve twice", err, roster.ECONFLICT, "join.not_pending")
	err = l.store.DenyJoinRequest(ctx, l.acc.ID, l.admin.ID, approved.Request.ID, testNow.Add(time.Hour))
	wantErr(t, "deny after approval", err, roster.ECONFLICT, "join.not_pending")

	if err := l.store.DenyJoinRequest(ctx, l.acc.ID, l.admin.ID, denied.Request.ID, testNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := count(t, pool, `SELECT count(*) FROM join_requests WHERE id = $1 AND status = 'denied' AND password_hash IS NULL AND decided_by = $2`,
		denied.Request.ID, l.admin.ID); n != 1 || l.userID(t, "den@globex.example") != 0 {
		t.Error("the denied request is not denied, keeps its password, or made a person")
	}
	err = l.store.DenyJoinRequest(ctx, l.acc.ID, l.admin.ID, denied.Request.ID, testNow.Add(time.Hour))
	wantErr(t, "deny twice", err, roster.ECONFLICT, "join.not_pending")
	_, err = l.store.ApproveJoinRequest(ctx, l.acc.ID, l.admin.ID, denied.Request.ID, newGroups, nil, testNow.Add(time.Hour))
	wantErr(t, "approve after denial", err, roster.ECONFLICT, "join.not_pending")

	decisions := emailJobs(t, pool).of(roster.EmailDecision, "")
	if len(decisions) != 2 || decisions[0].Args.To != "ann@globex.example" || !decisions[0].Args.Approved ||
		!slices.Equal(decisions[0].Args.Groups, []string{"Finance › Payables", "Sales"}) ||
		decisions[1].Args.To != "den@globex.example" || decisions[1].Args.Approved {
		t.Errorf("decision emails: %+v", decisions)
	}
	if l.audits(t, "approved") != 1 || l.audits(t, "denied") != 1 {
		t.Errorf("audit: approved %d, denied %d", l.audits(t, "approved"), l.audits(t, "denied"))
	}
	checkCounters(t, pool, l.acc.ID, "after approval")
	checkNoTokens(t, pool)
}

// 50 people accepting one invitation at the same moment make one person;
// the others are told it was used.
func TestAcceptInvitationConcurrent(t *testing.T) {
	t.Parallel()
	const n = 50
	pool := widePool(t, n+4)
	ctx := t.Context()
	l := globex(t, pool)
	id, token := l.inviteOne(t, testNow, 0, "race@partner.example")
	users := make([]roster.User, n)
	errs := make([]error, n)
	start := time.Now()
	together(n, func(i int) {
		users[i], errs[i] = l.store.AcceptInvitation(ctx, token, roster.Acceptance{Name: fmt.Sprintf("Racer %d", i), PasswordHash: "x"}, testNow.Add(time.Hour))
	})
	elapsed := time.Since(start)
	var winner roster.User
	ok, used := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
			winner = users[i]
		case roster.ErrorCode(err) == roster.ECONFLICT && roster.ErrorMessage(err) == roster.LinkUsed:
			used++
		default:
			t.Errorf("accept %d: %v", i, err)
		}
	}
	t.Logf("%d parallel accepts in %v: %d accepted, %d told it was used", n, elapsed.Round(time.Millisecond), ok, used)
	if ok != 1 || used != n-1 {
		t.Fatalf("%d accepted, %d ECONFLICT %q; want 1 and %d", ok, used, roster.LinkUsed, n-1)
	}
	if c := count(t, pool, `SELECT count(*) FROM users WHERE lower(email) = 'race@partner.example'`); c != 1 {
		t.Errorf("%d people with the address, want 1", c)
	}
	r := l.row(t, id)
	if r.Status != roster.InviteAccepted || r.AcceptedUser != winner.ID {
		t.Errorf("invitation %s, accepted by %d; want accepted by %d", r.Status, r.AcceptedUser, winner.ID)
	}
	if got, want := l.memberships(t, winner.ID), grantPairs([]int64{l.groups["F"]}, []int64{l.roles[roster.RoleRequisitioner]}); !slices.Equal(got, want) {
		t.Errorf("memberships %v, want %v", got, want)
	}
	if l.audits(t, "accepted") != 1 || len(emailJobs(t, pool).of(roster.EmailAccepted, "")) != 1 {
		t.Errorf("%d 'accepted' audit events and %d emails to the inviter, want 1 and 1", l.audits(t, "accepted"), len(emailJobs(t, pool).of(roster.EmailAccepted, "")))
	}
	checkCounters(t, pool, l.acc.ID, "after the race")
}

// 50 people joining at once through a link with 10 uses: exactly 10 get in
// (active at once, or waiting for approval), the others are told the link
// is used up, and the link's use count stops at 10.
func TestJoinLinkMaxUsesConcurrent(t *testing.T) {
	t.Parallel()
	const n, maxUses = 50, 10
	for _, approval := range []bool{false, true} {
		t.Run(fmt.Sprintf("approval %v", approval), func(t *testing.T) {
			t.Parallel()
			pool := widePool(t, n+4)
			ctx := t.Context()
			l := globex(t, pool)
			linkID, token := l.link(t, testNow, roster.LinkInvite{MaxUses: maxUses, Approval: approval})
			outs := make([]roster.JoinOutcome, n)
			errs := make([]error, n)
			atStart := make([]bool, n)
			start := time.Now()
			together(n, func(i int) {
				email := fmt.Sprintf("joiner%02d@globex.example", i)
				id, err := l.store.StartJoin(ctx, token, roster.JoinStart{Email: email, Name: fmt.Sprintf("Joiner %d", i), PasswordHash: "x"}, testNow)
				if err != nil {
					errs[i], atStart[i] = err, true
					return
				}
				var nonce []byte
				if err := pool.QueryRow(ctx, `SELECT confirm_nonce FROM join_requests WHERE id = $1`, id).Scan(&nonce); err != nil {
					errs[i] = err
					return
				}
				outs[i], errs[i] = l.store.ConfirmJoin(ctx, roster.JoinConfirmation{RequestID: id, Code: testKey.ConfirmCode(nonce)}, testNow.Add(time.Minute))
			})
			elapsed := time.Since(start)
			in, usedUp, refusedAtStart := 0, 0, 0
			for i, err := range errs {
				switch {
				case err == nil && !approval && outs[i].User != nil && outs[i].Request.Status == "approved":
					in++
				case err == nil && approval && outs[i].User == nil && outs[i].Request.Status == "pending":
					in++
				case roster.ErrorCode(err) == roster.ECONFLICT && roster.ErrorMessage(err) == roster.LinkUsedUp:
					usedUp++
					if atStart[i] {
						refusedAtStart++
					}
				default:
					t.Errorf("joiner %d: %+v, %v", i, outs[i], err)
				}
			}
			t.Logf("%d parallel joins (max %d uses) in %v: %d in, %d used up (%d of them at StartJoin)", n, maxUses, elapsed.Round(time.Millisecond), in, usedUp, refusedAtStart)
			if in != maxUses || usedUp != n-maxUses {
				t.Errorf("%d joined, %d used up; want %d and %d", in, usedUp, maxUses, n-maxUses)
			}
			if r := l.row(t, linkID); r.UseCount != maxUses {
				t.Errorf("use_count %d, want %d", r.UseCount, maxUses)
			}
			people := count(t, pool, `SELECT count(*) FROM users WHERE account_id = $1 AND email LIKE 'joiner%'`, l.acc.ID)
			waiting := count(t, pool, `SELECT count(*) FROM join_requests WHERE account_id = $1 AND status = 'pending'`, l.acc.ID)
			if want := map[bool][2]int{false: {maxUses, 0}, true: {0, maxUses}}[approval]; people != want[0] || waiting != want[1] {
				t.Errorf("%d people and %d requests waiting, want %d and %d", people, waiting, want[0], want[1])
			}
			checkCounters(t, pool, l.acc.ID, "after the joins")
		})
	}
}

// Administrators approving one request at the same moment make one person.
func TestApproveJoinRequestConcurrent(t *testing.T) {
	t.Parallel()
	const n = 20
	pool := widePool(t, n+4)
	ctx := t.Context()
	l := globex(t, pool)
	_, token := l.link(t, testNow, roster.LinkInvite{Approval: true})
	id, code := l.startJoin(t, token, "wait@globex.example", testNow)
	if _, err := l.store.ConfirmJoin(ctx, roster.JoinConfirmation{RequestID: id, Code: code}, testNow); err != nil {
		t.Fatal(err)
	}
	errs := make([]error, n)
	together(n, func(i int) {
		_, errs[i] = l.store.ApproveJoinRequest(ctx, l.acc.ID, l.admin.ID, id, []int64{l.groups["S"]}, nil, testNow)
	})
	ok, decided := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case roster.ErrorMessage(err) == "join.not_pending":
			decided++
		default:
			t.Errorf("approve: %v", err)
		}
	}
	t.Logf("%d parallel approvals: %d approved, %d told it was decided", n, ok, decided)
	if ok != 1 || decided != n-1 || count(t, pool, `SELECT count(*) FROM users WHERE email = 'wait@globex.example'`) != 1 {
		t.Errorf("%d approved, %d ECONFLICT; want 1 and %d, and one person", ok, decided, n-1)
	}
	checkCounters(t, pool, l.acc.ID, "after the approvals")
}

// A resend racing an accept ends one way or the other, never both: either
// the old link was accepted (and the resend did nothing), or the resend
// issued a new link (and the accept found the old one gone).
func TestResendRacesAccept(t *testing.T) {
	t.Parallel()
	const rounds = 60
	pool := widePool(t, 8)
	ctx := t.Context()
	l := globex(t, pool)
	acceptedFirst, resentFirst := 0, 0
	for round := range rounds {
		email := fmt.Sprintf("round%02d@partner.example", round)
		id, token := l.inviteOne(t, testNow, 0, email)
		was := l.row(t, id)
		var resent int
		var resendErr, acceptErr error
		var u roster.User
		// Alternate which side gets a head start of up to 300µs, so both
		// orders (and the true ties) happen.
		delay := time.Duration(rand.IntN(300)) * time.Microsecond
		var wg sync.WaitGroup
		gate := make(chan struct{})
		wg.Go(func() {
			<-gate
			if round%2 == 0 {
				time.Sleep(delay)
			}
			resent, resendErr = l.store.Resend(ctx, l.acc.ID, l.admin.ID, []int64{id}, testNow.Add(time.Hour))
		})
		wg.Go(func() {
			<-gate
			if round%2 == 1 {
				time.Sleep(delay)
			}
			u, acceptErr = l.store.AcceptInvitation(ctx, token, roster.Acceptance{Name: "Round " + email, PasswordHash: "x"}, testNow.Add(time.Hour))
		})
		close(gate)
		wg.Wait()
		if resendErr != nil {
			t.Fatalf("round %d: Resend: %v", round, resendErr)
		}
		r := l.row(t, id)
		person := l.userID(t, email)
		jobs := len(emailJobs(t, pool).forInvitation(id))
		switch {
		case acceptErr == nil && resent == 0:
			acceptedFirst++
			if r.Status != roster.InviteAccepted || person != u.ID || r.AcceptedUser != u.ID || !bytes.Equal(r.Nonce, was.Nonce) || r.ResentCount != 0 || jobs != 1 {
				t.Errorf("round %d: accepted, but the invitation is %+v, person %d, %d emails", round, r, person, jobs)
			}
		case resent == 1 && roster.ErrorCode(acceptErr) == roster.ENOTFOUND:
			resentFirst++
			if r.Status != roster.InvitePending || person != 0 || bytes.Equal(r.Nonce, was.Nonce) || r.ResentCount != 1 || jobs != 2 {
				t.Errorf("round %d: resent, but the invitation is %+v, person %d, %d emails", round, r, person, jobs)
			}
		default:
			t.Errorf("round %d: resend %d and accept %v: not one consistent outcome (invitation %+v, person %d)", round, resent, acceptErr, r, person)
		}
	}
	t.Logf("%d rounds: %d accepted before the resend, %d resent before the accept", rounds, acceptedFirst, resentFirst)
	checkCounters(t, pool, l.acc.ID, "after the races")
	checkNoTokens(t, pool)
}
