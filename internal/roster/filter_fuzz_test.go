package roster

import (
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseFilters feeds any query string to the parsers of the People,
// Invitations and audit log views (what a bookmark, a shared link or a
// hand-edited address bar sends). They never panic; what they keep is
// bounded and clean; and the view they read writes back to a URL that
// reads as the same view, with nothing to note.
func FuzzParseFilters(f *testing.F) {
	for _, s := range []string{
		"",
		"q=zo%C3%AB&status=active&role=3&role=4&group=12&sub=0&never=1&sort=added&dir=desc",
		"status=bogus&role=x&group=-3&sort=nope&dir=sideways&never=maybe",
		"order=signin:desc&invited_by=7&nogroup=on&after=bm9jb2xvbg",
		"tab=invitations&istatus=expiring_soon&iq=acme&igroup=1&irole=2&iinvited_by=3&iafter=zzz",
		"actor=5&action=settings_changed&target=ann@acme.example&from=2026-01-01&to=2025-12-31",
		"q=%ff%fe&role=9223372036854775808&group=0&before=" + strings.Repeat("x", 600),
		"q=" + strings.Repeat("%E2%80%AE", 120) + "&status=&status=deactivated",
		"role=1&role=1&role=2;role=3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw) // what net/http hands the handlers, errors and all

		u, _ := ParseUserFilter(v)
		if !utf8.ValidString(u.Query) || utf8.RuneCountInString(u.Query) > MaxQueryLen || strings.ContainsAny(u.Query, "\x00\n\r\t") {
			t.Fatalf("query %q", u.Query)
		}
		if len(u.RoleIDs) > 20 || u.GroupID < 0 || u.InvitedBy < 0 || !slices.Contains(UserSorts, u.Sort) || u.Limit != PageSize {
			t.Fatalf("user filter %+v", u)
		}
		if len(u.After) > 512 || len(u.Before) > 512 || (u.After != "" && u.Before != "") {
			t.Fatalf("cursors %q %q", u.After, u.Before)
		}
		for _, id := range u.RoleIDs {
			if id <= 0 {
				t.Fatalf("role id %d", id)
			}
		}
		u2, notes := ParseUserFilter(u.Values())
		if len(notes) > 0 || !reflect.DeepEqual(u, u2) {
			t.Fatalf("user filter does not round-trip: %+v -> %q -> %+v (notes %v)", u, u.Values().Encode(), u2, notes)
		}

		i, _ := ParseInvitationFilter(v)
		if i.Status != "" && !slices.Contains(InvitationStatuses, i.Status) || i.GroupID < 0 || i.RoleID < 0 || i.InvitedBy < 0 {
			t.Fatalf("invitation filter %+v", i)
		}
		i2, notes := ParseInvitationFilter(i.Values())
		if len(notes) > 0 || !reflect.DeepEqual(i, i2) {
			t.Fatalf("invitation filter does not round-trip: %+v -> %+v (notes %v)", i, i2, notes)
		}

		a, _ := ParseAuditFilter(v)
		if a.ActorID < 0 || len(a.Target) > 254 || (!a.From.IsZero() && !a.To.IsZero() && a.To.Before(a.From)) {
			t.Fatalf("audit filter %+v", a)
		}
		a2, notes := ParseAuditFilter(a.Values())
		if len(notes) > 0 || !reflect.DeepEqual(a, a2) {
			t.Fatalf("audit filter does not round-trip: %+v -> %+v (notes %v)", a, a2, notes)
		}
	})
}
