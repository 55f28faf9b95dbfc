package postgres

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/roster-hub/roster/internal/roster"
)

// Demo sign-ins, for the demo seed only.
const (
	DemoAccountName    = "Acme Corporation"
	DemoAdminEmail     = "admin@acme.example"
	DemoAdminPassword  = "roster-demo-admin"
	DemoMemberEmail    = "member@acme.example"
	DemoMemberPassword = "roster-demo-member"
	// DemoGroupAdminEmail administers Finance and its subgroups only; the
	// password is the demo member's.
	DemoGroupAdminEmail = "finance.lead@acme.example"
)

// demoTree is the demo account's group tree below the root: a name and its
// subgroups, four levels deep in places.
type demoGroup struct {
	name string
	kids []demoGroup
}

func g(name string, kids ...demoGroup) demoGroup { return demoGroup{name, kids} }

var demoTree = []demoGroup{
	g("Finance",
		g("Payables", g("EMEA", g("Germany"), g("France")), g("Americas")),
		g("Receivables"),
		g("Treasury")),
	g("Procurement",
		g("IT Purchasing"),
		g("Facilities",
			g("North America Sites", g("Chicago Office"), g("Toronto Office")),
			g("Europe Sites", g("Paris Office"), g("Berlin Office")))),
	g("Engineering",
		g("Platform", g("Infrastructure", g("Networking"), g("Storage"))),
		g("Product", g("Web"), g("Mobile")),
		g("Quality")),
	g("Sales",
		g("North America", g("US East"), g("US West"), g("Canada")),
		g("EMEA", g("UK & Ireland"), g("DACH"), g("Southern Europe")),
		g("APAC", g("India"), g("Australia"))),
	g("Human Resources", g("Recruiting"), g("People Operations")),
	g("Marketing", g("Brand"), g("Events")),
	g("Legal"),
}

var demoFirstNames = []string{
	"James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "William", "Linda", "David", "Elizabeth",
	"Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Sophia", "Mason", "Isabella", "Lucas",
	"José", "María", "Sofía", "Mateo", "Valentina", "Santiago", "Camila", "Diego", "Lucía", "Alejandro",
	"Ángel", "Inés", "Andrés", "Martín", "Ramón", "Begoña", "Nuria", "Jesús", "Álvaro", "Rocío",
	"Élodie", "François", "Chloé", "Hélène", "Théo", "Zoé", "Léa", "Gaëlle", "Jérôme", "Anaïs",
	"Jürgen", "Jörg", "Björn", "Lukas", "Hannah", "Leonie", "Maximilian", "Käthe", "Günther", "Anja",
	"Giulia", "Alessandro", "Francesca", "Lorenzo", "Chiara", "Niccolò", "Matteo", "Beatrice", "Federico", "Martina",
	"Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Diya", "Arjun", "Kavya", "Ishaan", "Saanvi",
	"Oliver", "Charlotte", "Jack", "Amelia", "Harry", "Isla", "Thomas", "Grace", "George", "Freya",
	"Wei", "Mei", "Hiroshi", "Yuki", "Min-jun", "Seo-yeon", "Siobhán", "Seán", "Aoife", "Zoë",
	"Fatima", "Omar", "Amira", "Youssef", "Nadia", "Tariq", "Leila", "Karim", "Søren", "Ingrid",
}

var demoLastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
	"Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
	"García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez", "Ramírez", "Núñez",
	"Jiménez", "Gutiérrez", "Muñoz", "Álvarez", "Domínguez", "Ibáñez", "Peña", "Castillo", "Ortega", "Vázquez",
	"Dubois", "Lefèvre", "Moreau", "Girard", "Bérubé", "Gauthier", "Lévesque", "Côté", "Bouchard", "Mercier",
	"Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Schäfer", "Köhler", "Groß", "Hoffmann", "Schröder",
	"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "De Luca",
	"Sharma", "Patel", "Gupta", "Singh", "Kumar", "Iyer", "Reddy", "Nair", "Chatterjee", "Mehta",
	"O'Brien", "Murphy", "Kelly", "O'Sullivan", "MacDonald", "Campbell", "Stewart", "Robertson", "Evans", "Hughes",
	"Nguyen", "Tanaka", "Kim", "Chen", "Wang", "Kowalski", "Nowak", "Andersen", "Nielsen", "Haddad",
}

// SeedDemo makes the demo account "Acme Corporation" unless it exists:
// about 2,000 people, a group tree four levels deep, the five roles held in
// various groups, deactivated people, people who never signed in, and
// invitations in every status. adminHash and memberHash are the password
// hashes of the demo administrator and demo member. It reports whether it
// made the account.
func SeedDemo(ctx context.Context, pool *pgxpool.Pool, key roster.TokenKey, adminHash, memberHash string, now time.Time) (bool, error) {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = $1)`, DemoAdminEmail).Scan(&exists); err != nil {
		return false, err
	}
	if exists {
		return false, nil
	}
	made := false
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// Serialise concurrent seeders (two `roster dev` starting at once).
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(727275)`); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = $1)`, DemoAdminEmail).Scan(&exists); err != nil || exists {
			return err // a concurrent seeder made it while we waited
		}
		made = true
		return seedDemo(ctx, tx, key, adminHash, memberHash, now)
	})
	return made && err == nil, err
}

func seedDemo(ctx context.Context, tx pgx.Tx, key roster.TokenKey, adminHash, memberHash string, now time.Time) error {
	rng := mrand.New(mrand.NewPCG(2026, 11))
	created := now.AddDate(-2, 0, 0)
	acc, admin, err := createAccount(ctx, tx, roster.Signup{AccountName: DemoAccountName, Name: "Alex Morgan", Email: DemoAdminEmail, PasswordHash: adminHash}, created)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET last_sign_in_at = $3 WHERE account_id = $1 AND id = $2`, acc.ID, admin.ID, now.Add(-2*time.Hour)); err != nil {
		return err
	}
	rootID := admin.Memberships[0].GroupID
	roles := map[string]int64{}
	rows, _ := tx.Query(ctx, `SELECT key, id FROM roles WHERE account_id = $1`, acc.ID)
	var roleKey string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&roleKey, &id}, func() error { roles[roleKey] = id; return nil }); err != nil {
		return err
	}

	// Groups, depth first.
	type placed struct {
		id   int64
		path []int64
		name string
		top  string
	}
	var groups []placed
	var add func(parent []int64, top string, dg demoGroup) error
	add = func(parent []int64, top string, dg demoGroup) error {
		var gid int64
		if err := tx.QueryRow(ctx, `INSERT INTO groups (account_id, parent_id, name, path, created_at) VALUES ($1, $2, $3, '{}', $4) RETURNING id`,
			acc.ID, parent[len(parent)-1], dg.name, created).Scan(&gid); err != nil {
			return err
		}
		path := append(append([]int64{}, parent...), gid)
		if _, err := tx.Exec(ctx, `UPDATE groups SET path = $3 WHERE account_id = $1 AND id = $2`, acc.ID, gid, path); err != nil {
			return err
		}
		if top == "" {
			top = dg.name
		}
		groups = append(groups, placed{gid, path, dg.name, top})
		for _, k := range dg.kids {
			if err := add(path, top, k); err != nil {
				return err
			}
		}
		return nil
	}
	for _, dg := range demoTree {
		if err := add([]int64{rootID}, "", dg); err != nil {
			return err
		}
	}

	// Invitations first: accepted ones are what some people came through.
	type invite struct {
		id       int64
		email    string
		name     string
		status   string
		at       time.Time
		accepted time.Time
	}
	var accepted []invite
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	inviteName := func() (string, string) {
		first, last := pick(demoFirstNames), pick(demoLastNames)
		return first + " " + last, emailLocal(first, last)
	}
	usedEmails := map[string]bool{DemoAdminEmail: true, DemoMemberEmail: true, DemoGroupAdminEmail: true}
	uniqueEmail := func(local, domain string) string {
		e := local + "@" + domain
		for n := 2; usedEmails[e]; n++ {
			e = fmt.Sprintf("%s%d@%s", local, n, domain)
		}
		usedEmails[e] = true
		return e
	}
	insertInvitation := func(kind, email, label, status string, groupIDs, roleIDs []int64, at, expires time.Time, delivery, deliveryErr string, maxUses, uses int, domains []string, approval bool) (int64, error) {
		var iid int64
		// Real links: a demo invitation can be opened from the dev outbox
		// or with "Copy link".
		nonce := roster.NewNonce()
		var revoked *time.Time
		if status == roster.InviteRevoked {
			r := at.Add(48 * time.Hour)
			revoked = &r
		}
		var em, lb, del, delErr *string
		if email != "" {
			em = &email
		}
		if label != "" {
			lb = &label
		}
		if delivery != "" {
			del = &delivery
		}
		if deliveryErr != "" {
			delErr = &deliveryErr
		}
		if domains == nil {
			domains = []string{}
		}
		var mu *int
		if kind == roster.KindLink {
			mu = &maxUses
		}
		err := tx.QueryRow(ctx, `INSERT INTO invitations (account_id, kind, email, label, token_hash, status, group_ids, role_ids, invited_by,
		    created_at, sent_at, expires_at, revoked_at, revoked_by, delivery, delivery_error, max_uses, use_count, allowed_domains, approval_required, token_nonce)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $2 = 'email' THEN $10::timestamptz END, $11, $12, CASE WHEN $12::timestamptz IS NOT NULL THEN $9::bigint END,
		    $13, $14, $15, $16, $17, $18, $19) RETURNING id`,
			acc.ID, kind, em, lb, roster.TokenHash(key.Token(nonce)), status, groupIDs, roleIDs, admin.ID, at, expires, revoked, del, delErr, mu, uses, domains, approval, nonce).Scan(&iid)
		return iid, err
	}
	leaf := func() placed { return groups[rng.IntN(len(groups))] }
	validity := 90 * 24 * time.Hour
	// 12 weeks of invitations for the chart: most accepted, some pending.
	for week := 0; week < 12; week++ {
		n := 4 + rng.IntN(6)
		for i := 0; i < n; i++ {
			name, local := inviteName()
			at := now.Add(-time.Duration(week*7*24+rng.IntN(7*24)) * time.Hour)
			email := uniqueEmail(local, "acme.example")
			status, delivery := roster.InvitePending, "sent"
			switch r := rng.IntN(10); {
			case r < 6:
				status = roster.InviteAccepted
			case r < 7:
				status = roster.InviteRevoked
			}
			if status == roster.InvitePending && rng.IntN(6) == 0 {
				delivery = "failed"
			}
			grp := leaf()
			errText := ""
			if delivery == "failed" {
				errText = "550 5.1.1 mailbox unavailable"
			}
			iid, err := insertInvitation(roster.KindEmail, email, "", status, []int64{grp.id}, []int64{roles[roster.RoleRequisitioner]}, at, at.Add(validity), delivery, errText, 0, 0, nil, false)
			if err != nil {
				return err
			}
			if status == roster.InviteAccepted {
				acceptedAt := at.Add(time.Duration(1+rng.IntN(72)) * time.Hour)
				if acceptedAt.After(now) {
					acceptedAt = now.Add(-time.Minute)
				}
				accepted = append(accepted, invite{iid, email, name, status, at, acceptedAt})
			}
		}
	}
	// Older pending ones close to their expiry (expiring soon), expired
	// ones, and a few still queued for delivery.
	for i := 0; i < 6; i++ {
		_, local := inviteName()
		expires := now.Add(time.Duration(6+rng.IntN(140)) * time.Hour)
		if _, err := insertInvitation(roster.KindEmail, uniqueEmail(local, "acme.example"), "", roster.InvitePending, []int64{leaf().id},
			[]int64{roles[roster.RoleApprover]}, expires.Add(-validity), expires, "sent", "", 0, 0, nil, false); err != nil {
			return err
		}
	}
	for i := 0; i < 8; i++ {
		_, local := inviteName()
		expires := now.Add(-time.Duration(24+rng.IntN(2000)) * time.Hour)
		status := roster.InvitePending // expired by time; the sweeper has not run yet
		if i%2 == 0 {
			status = roster.InviteExpired
		}
		if _, err := insertInvitation(roster.KindEmail, uniqueEmail(local, "acme.example"), "", status, []int64{leaf().id},
			[]int64{roles[roster.RoleRequisitioner]}, expires.Add(-validity), expires, "sent", "", 0, 0, nil, false); err != nil {
			return err
		}
	}
	for i := 0; i < 2; i++ {
		_, local := inviteName()
		at := now.Add(-time.Duration(i+1) * time.Minute)
		if _, err := insertInvitation(roster.KindEmail, uniqueEmail(local, "partner.example"), "", roster.InvitePending, []int64{leaf().id},
			[]int64{roles[roster.RoleAnalyst]}, at, at.Add(validity), "queued", "", 0, 0, nil, false); err != nil {
			return err
		}
	}
	// Invite links: one needing approval with join requests waiting, one
	// open, one deactivated.
	finance := groups[0]
	approvalLink, err := insertInvitation(roster.KindLink, "", "Finance onboarding", roster.InvitePending, []int64{finance.id},
		[]int64{roles[roster.RoleRequisitioner]}, now.AddDate(0, 0, -5), now.AddDate(0, 0, 25), "", "", 50, 7, []string{"acme.example"}, true)
	if err != nil {
		return err
	}
	if _, err := insertInvitation(roster.KindLink, "", "Sales kick-off 2026", roster.InvitePending, []int64{groups[len(groups)/2].id},
		[]int64{roles[roster.RoleRequisitioner], roles[roster.RoleAnalyst]}, now.AddDate(0, 0, -2), now.AddDate(0, 0, 5), "", "", 100, 12, nil, false); err != nil {
		return err
	}
	if _, err := insertInvitation(roster.KindLink, "", "Summer interns", roster.InviteRevoked, []int64{leaf().id},
		[]int64{roles[roster.RoleAnalyst]}, now.AddDate(0, -3, 0), now.AddDate(0, -2, 0), "", "", 20, 20, nil, true); err != nil {
		return err
	}
	for i := 0; i < 3; i++ {
		name, local := inviteName()
		if _, err := tx.Exec(ctx, `INSERT INTO join_requests (account_id, invitation_id, email, name, status, group_ids, role_ids, created_at)
		VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7)`, acc.ID, approvalLink, uniqueEmail(local, "acme.example"), name,
			[]int64{finance.id}, []int64{roles[roster.RoleRequisitioner]}, now.Add(-time.Duration(3+i*20)*time.Hour)); err != nil {
			return err
		}
	}

	// People, by COPY: ids are reserved first so memberships can refer to them.
	const people = 1999
	var ids []int64
	rows, err = tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('users', 'id')) FROM generate_series(1, $1)`, people)
	if err != nil {
		return err
	}
	if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return err
	}
	var userRows [][]any
	type person struct {
		id  int64
		top string
	}
	var persons []person
	for i, uid := range ids {
		var name, email, status string
		var hash *string
		var invitedBy, invitationID *int64
		var createdAt time.Time
		var lastSignIn *time.Time
		status = roster.StatusActive
		if i == 0 {
			name, email, hash = "Pat Lee", DemoMemberEmail, &memberHash
			createdAt = now.AddDate(0, -8, 0)
		} else if i == len(ids)-1 {
			name, email, hash = "Robin Finch", DemoGroupAdminEmail, &memberHash
			createdAt = now.AddDate(0, -14, 0)
		} else if i <= len(accepted) {
			inv := accepted[i-1]
			name, email = inv.name, inv.email
			invitedBy, invitationID = &admin.ID, &inv.id
			createdAt = inv.accepted
			if _, err := tx.Exec(ctx, `UPDATE invitations SET accepted_at = $3, accepted_user_id = $4 WHERE account_id = $1 AND id = $2`,
				acc.ID, inv.id, inv.accepted, uid); err != nil {
				return err
			}
		} else {
			first, last := pick(demoFirstNames), pick(demoLastNames)
			name = first + " " + last
			email = uniqueEmail(emailLocal(first, last), "acme.example")
			createdAt = created.Add(time.Duration(rng.Int64N(int64(now.Sub(created) - 24*time.Hour))))
			if rng.IntN(3) == 0 {
				invitedBy = &admin.ID
			}
		}
		if i > 0 && rng.IntN(25) == 0 {
			status = roster.StatusDeactivated
		}
		if i == 0 || rng.IntN(7) != 0 {
			span := now.Sub(createdAt)
			t := createdAt.Add(time.Duration(rng.Int64N(int64(span) + 1)))
			lastSignIn = &t
		}
		userRows = append(userRows, []any{uid, acc.ID, email, name, status, hash, createdAt, lastSignIn, invitedBy, invitationID})
		persons = append(persons, person{uid, ""})
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"users"},
		[]string{"id", "account_id", "email", "name", "status", "password_hash", "created_at", "last_sign_in_at", "invited_by", "invitation_id"},
		pgx.CopyFromRows(userRows)); err != nil {
		return fmt.Errorf("copy users: %w", err)
	}

	// Memberships and roles: most people in one or two groups with
	// Requisitioner; Approvers, Finance and Analysts where they fit; a few
	// group administrators and account administrators; some in no group.
	var memberRows, roleRows [][]any
	seen := map[[2]int64]bool{}
	seenRole := map[[3]int64]bool{}
	member := func(uid, gid int64, at time.Time, roleKeys ...string) {
		if !seen[[2]int64{uid, gid}] {
			seen[[2]int64{uid, gid}] = true
			memberRows = append(memberRows, []any{acc.ID, uid, gid, at})
		}
		for _, k := range roleKeys {
			if !seenRole[[3]int64{uid, gid, roles[k]}] {
				seenRole[[3]int64{uid, gid, roles[k]}] = true
				roleRows = append(roleRows, []any{acc.ID, uid, gid, roles[k], at})
			}
		}
	}
	for i, p := range persons {
		at := userRows[i][6].(time.Time)
		switch {
		case i == 0: // the demo member
			member(p.id, groups[1].id, at, roster.RoleRequisitioner) // Finance › Payables
		case i == len(persons)-1: // the demo group administrator
			member(p.id, groups[0].id, at, roster.RoleAdministrator, roster.RoleApprover) // Finance
		case i < 4: // more account administrators
			member(p.id, rootID, at, roster.RoleAdministrator)
		case i < 12: // group administrators of a top-level group
			top := demoTopGroups(groups, func(x placed) []int64 { return x.path })[i%len(demoTree)]
			member(p.id, top, at, roster.RoleAdministrator, roster.RoleApprover)
		case rng.IntN(20) == 0: // in no group yet
		default:
			grp := leaf()
			keys := []string{roster.RoleRequisitioner}
			if rng.IntN(8) == 0 {
				keys = append(keys, roster.RoleApprover)
			}
			if grp.top == "Finance" && rng.IntN(2) == 0 {
				keys = append(keys, roster.RoleFinance)
			}
			if rng.IntN(10) == 0 {
				keys = append(keys, roster.RoleAnalyst)
			}
			if rng.IntN(12) == 0 {
				keys = keys[:0] // a member without a role
			}
			member(p.id, grp.id, at, keys...)
			if rng.IntN(6) == 0 {
				member(p.id, leaf().id, at, roster.RoleRequisitioner)
			}
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"memberships"}, []string{"account_id", "user_id", "group_id", "created_at"}, pgx.CopyFromRows(memberRows)); err != nil {
		return fmt.Errorf("copy memberships: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"role_assignments"}, []string{"account_id", "user_id", "group_id", "role_id", "created_at"}, pgx.CopyFromRows(roleRows)); err != nil {
		return fmt.Errorf("copy roles: %w", err)
	}
	return audit(ctx, tx, acc.ID, admin.ID, "demo_seeded", nil, map[string]any{"people": people + 1})
}

func demoTopGroups[T any](groups []T, path func(T) []int64) []int64 {
	var tops []int64
	for _, x := range groups {
		if p := path(x); len(p) == 2 {
			tops = append(tops, p[1])
		}
	}
	return tops
}

// emailLocal makes "jose.garcia" of "José", "García".
func emailLocal(first, last string) string {
	fold := func(s string) string {
		t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
		out, _, _ := transform.String(t, s)
		out = strings.NewReplacer("ß", "ss", "ø", "o", "Ø", "O", "ł", "l", "'", "", " ", "").Replace(out)
		return strings.ToLower(out)
	}
	return fold(first) + "." + fold(last)
}
