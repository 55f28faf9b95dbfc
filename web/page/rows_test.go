package page

import (
	"context"
	"html"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

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

// An Invitations row says, in the reader's language, whom or which link
// it invites, its status and delivery, groups, roles, inviter, dates and
// uses, and offers exactly the actions its kind and status allow, each
// returning to the view; markup in any of it is text.
func TestInvitationRows(t *testing.T) {
	tree := roster.NewGroupTree([]roster.Group{
		{ID: 1, Name: "Acme", Path: []int64{1}},
		{ID: 2, ParentID: ptr(int64(1)), Name: `Sales & <b>Ops</b>`, Path: []int64{1, 2}},
	})
	roles := []roster.Role{{ID: 8, Name: `Buyer "A"`}, {ID: 9, Name: "Viewer"}}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	created := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	email := func(id int64, addr, status, delivery string, expires time.Time) roster.Invitation {
		return roster.Invitation{ID: id, Kind: roster.KindEmail, Email: addr, Status: status, Delivery: delivery,
			GroupIDs: []int64{2}, RoleIDs: []int64{8, 9}, InvitedByName: "Ann & <i>Co</i>", CreatedAt: created, ExpiresAt: expires}
	}
	in30 := now.Add(30 * 24 * time.Hour)
	failed := email(11, `zoe+"x"@acme.example`, roster.InvitePending, "failed", in30)
	failed.DeliveryError = "550 <no such user>"
	invs := []roster.Invitation{
		email(10, "ann@acme.example", roster.InvitePending, "sent", in30),
		failed,
		email(12, "bo@acme.example", roster.InvitePending, "queued", now.Add(2*24*time.Hour)), // expiring soon
		email(13, "cy@acme.example", roster.InvitePending, "sent", now.Add(-time.Hour)),       // past its expiry
		email(14, "di@acme.example", roster.InviteAccepted, "sent", in30),
		email(15, "ed@acme.example", roster.InviteRevoked, "sent", in30),
		{ID: 16, Kind: roster.KindLink, Label: "Sales <onboarding>", Status: roster.InvitePending, MaxUses: 120, UseCount: 42,
			GroupIDs: []int64{1}, RoleIDs: []int64{9}, InvitedByName: "Ann", CreatedAt: created, ExpiresAt: in30},
		{ID: 17, Kind: roster.KindLink, Label: "Old", Status: roster.InviteExpired, MaxUses: 5, UseCount: 5,
			InvitedByName: "Ann", CreatedAt: created, ExpiresAt: now.Add(-24 * time.Hour)},
		{ID: 16, JoinRequestID: 5, Kind: roster.KindLink, Email: "fay@else.example", Label: "Sales <onboarding>",
			Status: roster.InvitePending, MaxUses: 120, UseCount: 42, InvitedByName: "Ann", CreatedAt: created, ExpiresAt: in30},
	}
	h := Hub{Tab: TabInvitations, Tree: tree, Roles: roles, Now: now, Soon: 7 * 24 * time.Hour,
		Invites:     roster.InvitationFilter{Status: "", Query: `a&b`},
		InvitesPage: roster.InvitationPage{Invitations: invs, Total: int64(len(invs))}}
	const ret = "/users?iq=a%26b&tab=invitations"
	for _, tc := range []struct {
		lang                                                 string
		selectAnn, menuAnn, link, via, failed, queued, sent  string
		pending, expiring, expired, accepted, revoked, joinR string
		created, in30, hourAgo                               string
		resend, copyLink, extend, revoke, remove, joined     string
		regenerate, deactivate, approve, deny                string
	}{
		{"en-US", "Select ann@acme.example", "Actions for ann@acme.example", "Invite link: Sales <onboarding>",
			"Asked to join via Sales <onboarding>", "Email failed: 550 <no such user>", "Email queued", "Email sent",
			"Pending", "Expiring soon", "Expired", "Accepted", "Revoked", "Join request",
			"Nov 20, 2026", "in 30 days", "1 hour ago",
			"Resend", "Copy link", "Extend", "Revoke", "Remove", "Who joined", "New link", "Deactivate link", "Approve…", "Deny"},
		{"fr-FR", "Sélectionner ann@acme.example", "Actions pour ann@acme.example", "Lien d'invitation\u00a0: Sales <onboarding>",
			"Demande d'adhésion via Sales <onboarding>", "Échec de l'envoi de l'e-mail\u00a0: 550 <no such user>", "E-mail en file d'attente", "E-mail envoyé",
			"En attente", "Expire bientôt", "Expirée", "Acceptée", "Révoquée", "Demande d'adhésion",
			"20 nov. 2026", "dans 30 jours", "il y a 1 heure",
			"Renvoyer", "Copier le lien", "Prolonger", "Révoquer", "Supprimer", "Voir les adhésions", "Nouveau lien", "Désactiver le lien", "Approuver…", "Refuser"},
	} {
		ctx := i18n.WithLocalizer(context.Background(), i18n.New(tc.lang))
		var b strings.Builder
		if err := InvitationsResults(h).Render(ctx, &b); err != nil {
			t.Fatal(err)
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		rows := doc.Find("#invitations-table tbody tr")
		if rows.Length() != len(invs) {
			t.Fatalf("%s: %d rows, want %d", tc.lang, rows.Length(), len(invs))
		}
		row := func(i int) *goquery.Selection { return rows.Eq(i) }
		cell := func(i, c int) *goquery.Selection { return rows.Eq(i).Find("td").Eq(c) }
		text := func(s *goquery.Selection) string { return strings.TrimSpace(s.Text()) }
		attr := func(s *goquery.Selection, name string) string { v, _ := s.Attr(name); return v }
		// actions lists a row's menu: each item's text, how it goes
		// (get or post), its address, and for a post where it returns and
		// whether it is marked dangerous.
		actions := func(i int) string {
			var out []string
			menuID := attr(row(i).Find("button[popovertarget]"), "popovertarget")
			row(i).Find("[popover] .menu-item").Each(func(_ int, s *goquery.Selection) {
				if s.Is("a") {
					out = append(out, text(s)+" get "+attr(s, "href")+" "+attr(s, "hx-get"))
					return
				}
				f := s.Closest("form")
				item := text(s) + " post " + attr(f, "action") + " " + attr(f, "hx-post") + " " + attr(f.Find(`input[name=return]`), "value")
				if s.HasClass("danger") {
					item += " danger"
				}
				out = append(out, item)
			})
			if menuID != "" && attr(row(i).Find("[popover]"), "id") != menuID {
				out = append(out, "menu id "+menuID+" does not name the menu")
			}
			return strings.Join(out, "; ")
		}
		p := func(id, action, label string) string {
			return label + " post /invitations/" + id + "/" + action + " /invitations/" + id + "/" + action + " " + ret
		}
		g := func(id, action, label string) string {
			return label + " get /invitations/" + id + "/" + action + " /invitations/" + id + "/" + action
		}
		checks := []struct{ what, got, want string }{
			{"row id", attr(row(0), "data-invitation-id"), "10"},
			{"row status", attr(row(2), "data-status"), roster.InviteExpiringSoon},
			{"checkbox", attr(cell(0, 0).Find(`input[type=checkbox][form=bulk-invitations]`), "value"), "10"},
			{"checkbox label", attr(cell(0, 0).Find("input"), "aria-label"), tc.selectAnn},
			{"recipient", text(cell(1, 1).Find(".person-name")), `zoe+"x"@acme.example`},
			{"status", text(cell(0, 2).Find(".badge")), tc.pending},
			{"badge class", attr(cell(0, 2).Find(".badge"), "class"), "badge badge-info"},
			{"sent", text(cell(0, 2).Find(".delivery")), tc.sent},
			{"failed", text(cell(1, 2).Find(".delivery.delivery-failed")), tc.failed},
			{"queued, expiring", text(cell(2, 2)), tc.expiring + tc.queued},
			{"expired, its email sent", text(cell(3, 2)), tc.expired + tc.sent},
			{"accepted", text(cell(4, 2)), tc.accepted},
			{"revoked", text(cell(5, 2)), tc.revoked},
			{"groups", text(cell(0, 3).Find(".paths li")), "Sales & <b>Ops</b>"},
			{"roles", text(cell(0, 4).Find(".chip")), `Buyer "A"Viewer`},
			{"invited by", text(cell(0, 5)), "Ann & <i>Co</i>"},
			{"sent on", text(cell(0, 6).Find("time")), tc.created},
			{"sent on datetime", attr(cell(0, 6).Find("time"), "datetime"), "2026-11-20"},
			{"expires", text(cell(0, 7).Find("time")), tc.in30},
			{"expires datetime", attr(cell(0, 7).Find("time"), "datetime"), "2026-12-27T12:00:00Z"},
			{"expired at", text(cell(3, 7).Find("time")), tc.hourAgo},
			{"no expiry once accepted", text(cell(4, 7)), "—"},
			{"no uses for email", text(cell(0, 8)), "—"},
			{"uses", text(cell(6, 8)), "42 / 120"},
			{"pending email's actions", actions(0), p("10", "resend", tc.resend) + "; " + g("10", "link", tc.copyLink) + "; " +
				p("10", "extend", tc.extend) + "; " + p("10", "revoke", tc.revoke) + " danger"},
			{"menu label", attr(cell(0, 9).Find("button[popovertarget]"), "aria-label"), tc.menuAnn},
			{"expired email's actions", actions(3), p("13", "resend", tc.resend) + "; " + p("13", "remove", tc.remove) + " danger"},
			{"accepted: no actions", actions(4) + text(cell(4, 9)), ""},
			{"revoked: no actions", actions(5) + text(cell(5, 9)), ""},
			{"link", text(cell(6, 1)), tc.link},
			{"link's checkbox label", attr(cell(6, 0).Find("input"), "aria-label"), strings.Replace(tc.selectAnn, "ann@acme.example", tc.link, 1)},
			{"link: no delivery", text(cell(6, 2)), tc.pending},
			{"pending link's actions", actions(6), g("16", "link", tc.copyLink) + "; " + g("16", "joined", tc.joined) + "; " +
				p("16", "extend", tc.extend) + "; " + p("16", "regenerate", tc.regenerate) + "; " + p("16", "revoke", tc.deactivate) + " danger"},
			{"expired link's actions", actions(7), g("17", "joined", tc.joined) + "; " + p("17", "extend", tc.extend)},
			{"join request: no checkbox", text(cell(8, 0)) + attr(cell(8, 0).Find("input"), "value"), ""},
			{"join request", text(cell(8, 1).Find(".person-name")) + " | " + text(cell(8, 1).Find(".person-email")), "fay@else.example | " + tc.via},
			{"join request's status", text(cell(8, 2)), tc.joinR},
			{"join request's actions", actions(8), tc.approve + " get /join-requests/5/approve /join-requests/5/approve; " +
				tc.deny + " post /join-requests/5/deny /join-requests/5/deny " + ret + " danger"},
			{"join request's menu", attr(row(8).Find("[popover]"), "id"), "menu-jr-5"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s: %s = %q, want %q", tc.lang, c.what, c.got, c.want)
			}
		}
		for _, tag := range []string{"<i>", "<b>", "<onboarding>", "<no such user>"} {
			if strings.Contains(b.String(), tag) {
				t.Errorf("%s: %s in a name is not escaped", tc.lang, tag)
			}
		}
	}
}

// The hub's filters list every group and every inviter, the one filtered
// by selected, names as text.
func TestFilterOptions(t *testing.T) {
	tree := roster.NewGroupTree([]roster.Group{
		{ID: 1, Name: "Acme", Path: []int64{1}},
		{ID: 2, ParentID: ptr(int64(1)), Name: `Sales & <b>Ops</b>`, Path: []int64{1, 2}},
		{ID: 12, ParentID: ptr(int64(1)), Name: "R&D", Path: []int64{1, 12}},
	})
	inviters := []roster.User{{ID: 7, Name: `Ann "<i>A</i>"`}, {ID: 70, Name: "Bo"}}
	for _, tc := range []struct {
		group, inviter int64
	}{{0, 0}, {2, 70}, {1, 7}, {12, 0}} {
		h := Hub{Tree: tree, People: roster.UserFilter{GroupID: tc.group, InvitedBy: tc.inviter}, Inviters: inviters,
			Invites: roster.InvitationFilter{GroupID: tc.group, InvitedBy: tc.inviter}}
		for _, panel := range []struct {
			c              templ.Component
			group, inviter string
		}{{PeoplePanel(h), "#people-group", "#people-invited-by"}, {InvitationsPanel(h), "#inv-group", "#inv-invited-by"}} {
			var b strings.Builder
			ctx := i18n.WithLocalizer(context.Background(), i18n.New("en-US"))
			if err := panel.c.Render(ctx, &b); err != nil {
				t.Fatal(err)
			}
			doc, err := goquery.NewDocumentFromReader(strings.NewReader(b.String()))
			if err != nil {
				t.Fatal(err)
			}
			list := func(sel string) (all, selected string) {
				doc.Find(sel + " option").Each(func(_ int, o *goquery.Selection) {
					v, _ := o.Attr("value")
					all += v + "=" + strings.TrimSpace(strings.ReplaceAll(o.Text(), "\u00a0", "")) + ";"
					if _, ok := o.Attr("selected"); ok {
						selected += v
					}
				})
				return all, selected
			}
			groups, g := list(panel.group)
			people, p := list(panel.inviter)
			want := func(id int64) string {
				if id == 0 {
					return ""
				}
				return strconv.FormatInt(id, 10)
			}
			if groups != `=Any group;1=Acme;2=Sales & <b>Ops</b>;12=R&D;` || g != want(tc.group) {
				t.Errorf("%s with group %d: options %q, selected %q", panel.group, tc.group, groups, g)
			}
			if people != `=Anyone;7=Ann "<i>A</i>";70=Bo;` || p != want(tc.inviter) {
				t.Errorf("%s with inviter %d: options %q, selected %q", panel.inviter, tc.inviter, people, p)
			}
		}
	}
}
