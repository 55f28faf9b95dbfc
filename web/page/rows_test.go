package page

import (
	"context"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/roster-hub/roster/internal/i18n"
	"github.com/roster-hub/roster/internal/roster"
)

// The People rows are written by hand (rowText.rows): what they say must
// be escaped exactly as templ escapes it.
func FuzzAppendEscaped(f *testing.F) {
	for _, s := range []string{"", "Zoë O'Brien", `<script>alert("x")</script>`, "a&b", "&amp;", "»›«", "\x00<", "'''", `""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := html.EscapeString(s)
		if got := string(appendEscaped([]byte("x"), s)); got != "x"+want {
			t.Errorf("appendEscaped(%q) = %q, want %q", s, got, "x"+want)
		}
		if got := string(appendEscapedBytes([]byte("x"), func(b []byte) []byte { return append(b, s...) })); got != "x"+want {
			t.Errorf("appendEscapedBytes(%q) = %q, want %q", s, got, "x"+want)
		}
	})
}

// A row says, in the reader's language, who the person is, their status,
// roles with their groups, groups, last sign-in, when they were added and
// who invited them; markup in any of them is text.
func TestPeopleRows(t *testing.T) {
	tree := roster.NewGroupTree([]roster.Group{
		{ID: 1, Name: "Acme", Path: []int64{1}},
		{ID: 2, ParentID: ptr(int64(1)), Name: `Sales & <b>Ops</b>`, Path: []int64{1, 2}},
		{ID: 3, ParentID: ptr(int64(2)), Name: "EMEA", Path: []int64{1, 2, 3}},
	})
	roles := []roster.Role{{ID: 7, Key: roster.RoleAdministrator, Name: "Administrator"}, {ID: 8, Name: `Buyer "A"`}}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	signedIn := now.Add(-3 * 24 * time.Hour)
	users := []roster.User{
		{ID: 41, Name: `Zoë <i>O'Brien</i>`, Email: `zoe+"x"@acme.example`, Status: roster.StatusActive,
			CreatedAt: time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC), LastSignInAt: &signedIn, InvitedByName: "Ann & Co",
			Memberships: []roster.Membership{{GroupID: 3, RoleIDs: []int64{7, 8}}}},
		{ID: 42, Name: "Bo", Email: "bo@acme.example", Status: roster.StatusDeactivated,
			CreatedAt: time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC)},
	}
	h := Hub{Tree: tree, Roles: roles, Now: now, People: roster.UserFilter{Query: "o"},
		PeoplePage: roster.UserPage{Users: users, Total: 2}}
	for _, tc := range []struct {
		lang                                                         string
		selectZoe, admin, in, signIn, added, never, noGroup, boAdded string
	}{
		{"en-US", "Select Zoë <i>O'Brien</i>", "Administrator", "in", "3 days ago", "Mar 4, 2026", "Never", "No group", "Dec 31, 2025"},
		{"fr-FR", "Sélectionner Zoë <i>O'Brien</i>", "Administrateur", "dans", "il y a 3 jours", "4 mars 2026", "Jamais", "Aucun groupe", "31 déc. 2025"},
	} {
		ctx := i18n.WithLocalizer(context.Background(), i18n.New(tc.lang))
		var b strings.Builder
		if err := PeopleResults(h).Render(ctx, &b); err != nil {
			t.Fatal(err)
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		rows := doc.Find("#people-table tbody tr")
		if rows.Length() != 2 {
			t.Fatalf("%s: %d rows, want 2", tc.lang, rows.Length())
		}
		zoe, bo := rows.Eq(0), rows.Eq(1)
		cell := func(row *goquery.Selection, i int) *goquery.Selection { return row.Find("td").Eq(i) }
		text := func(s *goquery.Selection) string { return strings.TrimSpace(s.Text()) }
		attr := func(s *goquery.Selection, name string) string { v, _ := s.Attr(name); return v }
		checks := []struct{ what, got, want string }{
			{"row id", attr(zoe, "data-user-id"), "41"},
			{"checkbox", attr(cell(zoe, 0).Find(`input[type=checkbox][form=bulk-people]`), "value"), "41"},
			{"checkbox label", attr(cell(zoe, 0).Find("input"), "aria-label"), tc.selectZoe},
			{"name", text(cell(zoe, 1).Find("a.person-name")), `Zoë <i>O'Brien</i>`},
			{"link", attr(cell(zoe, 1).Find("a"), "href") + " " + attr(cell(zoe, 1).Find("a"), "hx-get"), "/users/41 /users/41"},
			{"email", text(cell(zoe, 1).Find(".person-email")), `zoe+"x"@acme.example`},
			{"status", attr(cell(zoe, 2).Find(".badge"), "class"), "badge badge-ok"},
			{"status, deactivated", attr(cell(bo, 2).Find(".badge"), "class"), "badge badge-neutral"},
			{"chips", text(cell(zoe, 3).Find(".chip")), tc.admin + `Buyer "A"`},
			{"chip's group", attr(cell(zoe, 3).Find(".chip").Eq(1), "aria-label"), `Buyer "A" ` + tc.in + ` Sales & <b>Ops</b> › EMEA`},
			{"admin chip", attr(cell(zoe, 3).Find(".chip").Eq(0), "class"), "chip chip-admin"},
			{"path", strings.Join(strings.Fields(strings.ReplaceAll(text(cell(zoe, 4).Find(".paths li")), "›", " › ")), " "), "Sales & <b>Ops</b> › EMEA"},
			{"no group", text(cell(bo, 4)), tc.noGroup},
			{"last sign-in", text(cell(zoe, 5).Find("time")), tc.signIn},
			{"last sign-in datetime", attr(cell(zoe, 5).Find("time"), "datetime"), "2026-11-24T12:00:00Z"},
			{"never signed in", text(cell(bo, 5)), tc.never},
			{"added", text(cell(zoe, 6).Find("time")), tc.added},
			{"added datetime", attr(cell(zoe, 6).Find("time"), "datetime"), "2026-03-04"},
			{"added, Bo", text(cell(bo, 6).Find("time")), tc.boAdded},
			{"invited by", text(cell(zoe, 7)), "Ann & Co"},
			{"invited by, nobody", text(cell(bo, 7)), "—"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s: %s = %q, want %q", tc.lang, c.what, c.got, c.want)
			}
		}
		if strings.Contains(b.String(), "<i>") || strings.Contains(b.String(), "<b>") {
			t.Errorf("%s: markup in a name is not escaped", tc.lang)
		}
	}
}

func ptr[T any](v T) *T { return &v }
