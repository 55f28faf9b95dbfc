package postgres

import (
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/roster"
)

var defaultSettings = roster.Settings{InviteValidityDays: 90, RemindersEnabled: true, ExpiringSoonDays: 7, LinkValidityHours: 720, LinkMaxUses: 50,
	InvitesPerAdminPerDay: roster.DefaultInvitesPerDay, DefaultLocale: "en-US"}

func countAuditRows(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// Saving settings changes only that account, and records in the same
// transaction which settings changed, from what to what.
func TestUpdateSettings(t *testing.T) {
	t.Parallel()
	x := newAuditFixture(t)
	ctx := t.Context()
	accounts, store := NewAccountStore(x.a.pool), NewSettingsStore(x.a.pool)
	read := func(id int64) roster.Settings {
		t.Helper()
		acc, err := accounts.Account(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return acc.Settings
	}
	if got := read(x.a.acc.ID); got != defaultSettings {
		t.Fatalf("new account settings %+v, want %+v", got, defaultSettings)
	}
	next := roster.Settings{InviteValidityDays: 30, RemindersEnabled: false, ExpiringSoonDays: 7, LinkValidityHours: 36, LinkMaxUses: 1200,
		InvitesPerAdminPerDay: 2500, DefaultLocale: "fr-FR"}
	if err := store.UpdateSettings(ctx, x.a.acc.ID, x.people["quinn"], next); err != nil {
		t.Fatal(err)
	}
	want := next
	if got := read(x.a.acc.ID); got != want {
		t.Errorf("saved %+v, want %+v", got, want)
	}
	if got := read(x.b.acc.ID); got != defaultSettings {
		t.Errorf("the other account's settings became %+v", got)
	}
	p, err := x.store.FindAuditEvents(ctx, x.a.acc.ID, roster.AuditFilter{Action: "settings_changed"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Events) != 1 || p.Events[0].Actor.ID != x.people["quinn"] {
		t.Fatalf("settings events %+v", p.Events)
	}
	wantChanges := []roster.SettingChange{
		{Setting: roster.SettingInviteValidityDays, Old: 90.0, New: 30.0},
		{Setting: roster.SettingRemindersEnabled, Old: true, New: false},
		{Setting: roster.SettingLinkValidityHours, Old: 720.0, New: 36.0},
		{Setting: roster.SettingLinkMaxUses, Old: 50.0, New: 1200.0},
		{Setting: roster.SettingInvitesPerDay, Old: 1000.0, New: 2500.0},
		{Setting: roster.SettingDefaultLocale, Old: "en-US", New: "fr-FR"},
	}
	if got := p.Events[0].SettingChanges(); !reflect.DeepEqual(got, wantChanges) {
		t.Errorf("recorded changes %+v\nwant %+v", got, wantChanges)
	}
	// The same values again: nothing to record.
	if err := store.UpdateSettings(ctx, x.a.acc.ID, x.people["quinn"], next); err != nil {
		t.Fatal(err)
	}
	if n := countAuditRows(t, x.a.pool, `SELECT count(*) FROM audit_events WHERE action = 'settings_changed'`); n != 1 {
		t.Errorf("%d settings events after saving the same values, want 1", n)
	}
	if n := countAuditRows(t, x.b.pool, `SELECT count(*) FROM audit_events WHERE account_id = $1`, x.b.acc.ID); n != 0 {
		t.Errorf("%d events in the other account", n)
	}
	if err := store.UpdateSettings(ctx, 1<<40, x.people["quinn"], next); roster.ErrorCode(err) != roster.ENOTFOUND {
		t.Errorf("unknown account: %v", err)
	}
}

// The database's bounds are the product's; a value outside them is
// EINVALID and nothing is written, audit event included.
func TestUpdateSettingsBounds(t *testing.T) {
	t.Parallel()
	x := newAuditFixture(t)
	ctx := t.Context()
	store := NewSettingsStore(x.a.pool)
	with := func(change func(*roster.Settings)) roster.Settings {
		s := defaultSettings
		change(&s)
		return s
	}
	tests := []struct {
		name string
		s    roster.Settings
		ok   bool
	}{
		{"validity 0 days", with(func(s *roster.Settings) { s.InviteValidityDays = 0 }), false},
		{"validity 1 day", with(func(s *roster.Settings) { s.InviteValidityDays = 1 }), true},
		{"validity 180 days", with(func(s *roster.Settings) { s.InviteValidityDays = 180 }), true},
		{"validity 181 days", with(func(s *roster.Settings) { s.InviteValidityDays = 181 }), false},
		{"soon 0 days", with(func(s *roster.Settings) { s.ExpiringSoonDays = 0 }), false},
		{"soon 1 day", with(func(s *roster.Settings) { s.ExpiringSoonDays = 1 }), true},
		{"soon 30 days", with(func(s *roster.Settings) { s.ExpiringSoonDays = 30 }), true},
		{"soon 31 days", with(func(s *roster.Settings) { s.ExpiringSoonDays = 31 }), false},
		{"link 0 hours", with(func(s *roster.Settings) { s.LinkValidityHours = 0 }), false},
		{"link 1 hour", with(func(s *roster.Settings) { s.LinkValidityHours = 1 }), true},
		{"link 180 days", with(func(s *roster.Settings) { s.LinkValidityHours = 180 * 24 }), true},
		{"link 180 days and an hour", with(func(s *roster.Settings) { s.LinkValidityHours = 180*24 + 1 }), false},
		{"uses 0", with(func(s *roster.Settings) { s.LinkMaxUses = 0 }), false},
		{"uses 1", with(func(s *roster.Settings) { s.LinkMaxUses = 1 }), true},
		{"uses 5000", with(func(s *roster.Settings) { s.LinkMaxUses = 5000 }), true},
		{"uses 5001", with(func(s *roster.Settings) { s.LinkMaxUses = 5001 }), false},
		{"uses negative", with(func(s *roster.Settings) { s.LinkMaxUses = -3 }), false},
		{"invites 0 a day", with(func(s *roster.Settings) { s.InvitesPerAdminPerDay = 0 }), false},
		{"invites 1 a day", with(func(s *roster.Settings) { s.InvitesPerAdminPerDay = 1 }), true},
		{"invites 100,000 a day", with(func(s *roster.Settings) { s.InvitesPerAdminPerDay = 100_000 }), true},
		{"invites 100,001 a day", with(func(s *roster.Settings) { s.InvitesPerAdminPerDay = 100_001 }), false},
	}
	for _, tc := range tests {
		// One at a time on one account: each case starts from the defaults.
		if err := store.UpdateSettings(ctx, x.a.acc.ID, x.people["quinn"], defaultSettings); err != nil {
			t.Fatal(err)
		}
		before := countAuditRows(t, x.a.pool, `SELECT count(*) FROM audit_events WHERE account_id = $1`, x.a.acc.ID)
		err := store.UpdateSettings(ctx, x.a.acc.ID, x.people["quinn"], tc.s)
		after := countAuditRows(t, x.a.pool, `SELECT count(*) FROM audit_events WHERE account_id = $1`, x.a.acc.ID)
		acc, rerr := NewAccountStore(x.a.pool).Account(ctx, x.a.acc.ID)
		if rerr != nil {
			t.Fatal(rerr)
		}
		if tc.ok {
			if err != nil || acc.Settings != tc.s || after != before+1 {
				t.Errorf("%s: err %v, saved %+v, %d new events", tc.name, err, acc.Settings, after-before)
			}
			continue
		}
		if roster.ErrorCode(err) != roster.EINVALID || acc.Settings != defaultSettings || after != before {
			t.Errorf("%s: err %v (want %s), settings %+v, %d new events", tc.name, err, roster.EINVALID, acc.Settings, after-before)
		}
	}
}
