package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/roster"
)

// Sign-ins of the big seed's accounts (benchmarks only).
const (
	BigAccountName   = "Initech Global"
	BigAdminEmail    = "admin@initech.example"
	BigAdminPassword = "roster-bench-admin"
)

// BigSeed describes a large seed: one account with Users people, Groups
// groups in a deep tree and Invitations invitations, plus Accounts extra
// accounts of ExtraUsers people each (so isolation is exercised at scale).
type BigSeed struct {
	Users       int
	Invitations int
	Groups      int
	Accounts    int
	ExtraUsers  int // people in each extra account (default 100,000)
	// AdminHash is the password hash of every account's first
	// administrator (BigAdminEmail in the main account,
	// admin@extra-N.example in the others).
	AdminHash string
	Key       roster.TokenKey
	Now       time.Time
	Seed      uint64
	// Progress, if set, is told how far each stage is (done of total rows).
	Progress func(stage string, done, total int)
}

// BigSeedResult names what SeedBig made.
type BigSeedResult struct {
	AccountIDs []int64 // the main account first
	Rows       map[string]int
	Duration   time.Duration
}

// SeedBig loads a large data set by COPY in batches: realistic varied
// names, a deep group tree, memberships with roles, invitations in every
// status and date, join requests and audit history. ECONFLICT when the main
// account's administrator already exists.
//
// The counter triggers are switched off for the bulk rows
// (session_replication_role = replica when allowed, else ALTER TABLE ...
// DISABLE TRIGGER USER inside the transaction); each person's group_count
// and admin_grants are written with the row from the memberships generated
// for them, and the account counters are set from a full recount before
// commit, so every counter ends up exactly what the triggers would keep.
// When a table receives more rows than it holds, its secondary indexes are
// dropped and rebuilt after the load commits (the same definitions, built
// in parallel sessions), which is several times faster than maintaining
// them; the counters are set after the indexes, so an interrupted seed
// leaves counters of zero (the bench harness then seeds again).
func SeedBig(ctx context.Context, pool *pgxpool.Pool, s BigSeed) (BigSeedResult, error) {
	start := time.Now()
	res := BigSeedResult{Rows: map[string]int{}}
	if s.ExtraUsers <= 0 {
		s.ExtraUsers = 100000
	}
	if s.Groups < 1 {
		s.Groups = 1
	}
	if s.Now.IsZero() {
		s.Now = time.Now()
	}
	if s.Progress == nil {
		s.Progress = func(string, int, int) {}
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Release()
	// Big loads want memory for index builds and no statement timeout.
	for _, set := range []string{"SET maintenance_work_mem = '512MB'", "SET statement_timeout = 0"} {
		if _, err := conn.Exec(ctx, set); err != nil {
			return res, err
		}
	}
	var rebuild []string // index definitions dropped for the load
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(727276)`); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = $1)`, BigAdminEmail).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return roster.Errorf(roster.ECONFLICT, "the big seed is already loaded (%s exists)", BigAdminEmail)
		}
		type plan struct {
			name, domain, admin string
			users, invitations  int
			groups              int
		}
		plans := []plan{{BigAccountName, "initech.example", BigAdminEmail, s.Users, s.Invitations, s.Groups}}
		for i := 1; i <= s.Accounts; i++ {
			d := fmt.Sprintf("extra-%d.example", i)
			inv := s.Invitations * s.ExtraUsers / max(s.Users, 1)
			plans = append(plans, plan{fmt.Sprintf("Extra Account %d", i), d, "admin@" + d, s.ExtraUsers, inv, min(s.Groups, 100)})
		}
		// Accounts and their first administrators, with the triggers on.
		var loads []*bigAccount
		for i, p := range plans {
			acc, admin, err := createAccount(ctx, tx, roster.Signup{AccountName: p.name, Name: "Morgan Avery", Email: p.admin, PasswordHash: s.AdminHash}, s.Now.AddDate(-5, 0, 0))
			if err != nil {
				return mapError(err, "account")
			}
			if err := audit(ctx, tx, acc.ID, admin.ID, "account_created", &admin.ID, nil); err != nil {
				return err
			}
			res.AccountIDs = append(res.AccountIDs, acc.ID)
			b := &bigAccount{tx: tx, seed: s, accountID: acc.ID, adminID: admin.ID, rootID: admin.Memberships[0].GroupID,
				domain: p.domain, users: p.users, invitations: p.invitations, groups: p.groups, index: i, rows: res.Rows}
			if err := b.prepare(ctx); err != nil {
				return err
			}
			loads = append(loads, b)
		}
		// From here on the bulk rows bypass the counter triggers.
		if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return fmt.Errorf("switch triggers off (needs a superuser; try a private cluster): %w", err)
		}
		total := 0
		for _, p := range plans {
			total += p.users
		}
		if rebuild, err = dropIndexesForLoad(ctx, tx, total); err != nil {
			return err
		}
		for _, b := range loads {
			if err := b.load(ctx); err != nil {
				return err
			}
		}
		if len(rebuild) > 0 {
			return nil // the indexes and counters follow, in parallel sessions
		}
		return recountAll(ctx, tx, res.AccountIDs, s.Progress)
	})
	if err != nil {
		return res, err
	}
	if len(rebuild) > 0 {
		// The indexes dropped for the load are built in parallel sessions
		// (one transaction cannot build two at once; the trigram index alone
		// is a third of the seed), then the counters are set. Until they
		// are, the accounts' counters read zero, which is how the bench
		// harness knows an interrupted seed from a finished one.
		if err := rebuildIndexes(ctx, pool, rebuild, s.Progress); err != nil {
			return res, err
		}
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return recountAll(ctx, tx, res.AccountIDs, s.Progress) }); err != nil {
			return res, err
		}
	}
	// Fresh statistics and visibility maps: plans and index-only scans as
	// they will be in a long-running database. Two sessions share the tables.
	s.Progress("analyze", 0, 1)
	if err := inParallel(ctx, pool, []string{"users", "memberships", "role_assignments", "role_holders", "invitations", "audit_events", "groups", "join_requests", "account_counters"},
		func(t string) string { return "VACUUM (ANALYZE) " + t }, nil); err != nil {
		return res, err
	}
	s.Progress("analyze", 1, 1)
	res.Duration = time.Since(start)
	return res, nil
}

// recountAll sets the counters of the accounts from a full recount.
func recountAll(ctx context.Context, tx pgx.Tx, accountIDs []int64, progress func(string, int, int)) error {
	if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = origin`); err != nil {
		return err
	}
	progress("counters", 0, 1)
	for _, id := range accountIDs {
		if err := RecountCounters(ctx, tx, id); err != nil {
			return err
		}
	}
	progress("counters", 1, 1)
	return nil
}

// seedSessions is how many sessions build indexes and vacuum at once.
func seedSessions() int { return max(2, min(runtime.NumCPU(), 4)) }

// inParallel runs one statement per item over seedSessions() connections of
// the pool, in the items' order, and reports each one done.
func inParallel(ctx context.Context, pool *pgxpool.Pool, items []string, stmt func(string) string, done func(i int)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	errs := make(chan error, seedSessions())
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range seedSessions() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := pool.Acquire(ctx)
			if err != nil {
				errs <- err
				cancel()
				return
			}
			defer c.Release()
			for _, set := range []string{"SET maintenance_work_mem = '512MB'", "SET statement_timeout = 0"} {
				if _, err := c.Exec(ctx, set); err != nil {
					errs <- err
					cancel()
					return
				}
			}
			for i := range next {
				if _, err := c.Exec(ctx, stmt(items[i])); err != nil {
					errs <- fmt.Errorf("%s: %w", stmt(items[i]), err)
					cancel()
					return
				}
				if done != nil {
					mu.Lock()
					done(i)
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for i := range items {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}

// RecountCounters sets every counter the dashboard reads for the account
// from a full recount (after a bulk load that bypassed the triggers).
func RecountCounters(ctx context.Context, tx pgx.Tx, accountID int64) error {
	_, err := tx.Exec(ctx, `UPDATE account_counters c SET users_total = r.users_total, users_active = r.users_active,
	    users_deactivated = r.users_deactivated, users_never_signed_in = r.users_never_signed_in,
	    users_without_group = r.users_without_group, administrators = r.administrators
	FROM account_counters_recount($1) r WHERE c.account_id = $1`, accountID)
	if err != nil {
		return err
	}
	return recountInvitationCounters(ctx, tx, accountID)
}

// dropIndexesForLoad drops the secondary indexes of the tables a load of
// people fills when it would more than double them, and returns their
// definitions to rebuild.
func dropIndexesForLoad(ctx context.Context, tx pgx.Tx, people int) ([]string, error) {
	var have float64
	if err := tx.QueryRow(ctx, `SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'users'::regclass`).Scan(&have); err != nil {
		return nil, err
	}
	if people < 50000 || float64(people) < have {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
	JOIN pg_class c ON c.oid = i.indexrelid
	WHERE i.indrelid IN ('users'::regclass, 'memberships'::regclass, 'role_assignments'::regclass, 'role_holders'::regclass, 'invitations'::regclass, 'audit_events'::regclass)
	  AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
	ORDER BY c.relname`)
	if err != nil {
		return nil, err
	}
	var names, defs []string
	var n, d string
	if _, err := pgx.ForEachRow(rows, []any{&n, &d}, func() error { names = append(names, n); defs = append(defs, d); return nil }); err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, err := tx.Exec(ctx, "DROP INDEX "+pgx.Identifier{n}.Sanitize()); err != nil {
			return nil, err
		}
	}
	return defs, nil
}

// rebuildIndexes builds the indexes dropped for the load in parallel
// sessions, the largest first (the trigram index, then the tables by size).
func rebuildIndexes(ctx context.Context, pool *pgxpool.Pool, defs []string, progress func(string, int, int)) error {
	weight := func(d string) int {
		switch {
		case strings.Contains(d, "gin_trgm_ops"):
			return 0
		case strings.Contains(d, " ON public.users "), strings.Contains(d, " ON users "):
			return 1
		case strings.Contains(d, "role_assignments"), strings.Contains(d, "memberships"), strings.Contains(d, "role_holders"):
			return 2
		}
		return 3
	}
	defs = slices.Clone(defs)
	slices.SortStableFunc(defs, func(a, b string) int { return weight(a) - weight(b) })
	n := 0
	progress("indexes", 0, len(defs))
	return inParallel(ctx, pool, defs, func(d string) string { return d }, func(int) {
		n++
		progress("indexes", n, len(defs))
	})
}

// bigAccount generates and loads one account's rows. Every row is a pure
// function of the seed and its index, so people, their invitations and
// their memberships agree without being held in memory together.
type bigAccount struct {
	tx                         pgx.Tx
	seed                       BigSeed
	accountID, adminID, rootID int64
	domain                     string
	users, invitations, groups int
	index                      int
	rows                       map[string]int

	roles     map[string]int64
	inviters  []int64 // account administrators (created with the triggers on)
	groupIDs  []int64 // bulk groups, then root
	userIDs   []int64 // reserved ids of the bulk people
	inviteIDs []int64 // reserved ids of the invitations
	accepted  int     // the first accepted people came through invitations 0..accepted-1
	acceptIdx []int32 // invitation index -> person index for accepted ones (-1 otherwise)
	groupOf   [][3]int32
	roleBits  [][3]uint8
	nGroups   []uint8
	linkIDs   []int64 // invitations that are links needing approval
	// The sort keys (roster_normalize) of bigFirst, bigLast and bigTail,
	// computed by the database itself: a person's name key is theirs
	// joined, and memberships and role_holders carry it (the triggers that
	// would set it are off during the load).
	firstKeys, lastKeys, tailKeys []string
}

const (
	bitRequisitioner = 1 << iota
	bitApprover
	bitFinance
	bitAnalyst
	bitAdministrator
)

var bitRoles = []struct {
	bit uint8
	key string
}{{bitAdministrator, roster.RoleAdministrator}, {bitRequisitioner, roster.RoleRequisitioner}, {bitApprover, roster.RoleApprover}, {bitFinance, roster.RoleFinance}, {bitAnalyst, roster.RoleAnalyst}}

func (b *bigAccount) rng(stream, i uint64) *mrand.Rand {
	return mrand.New(mrand.NewPCG(b.seed.Seed^uint64(b.index)<<48^stream<<40, i))
}

// prepare makes the extra administrators (with the triggers on), reserves
// ids and plans memberships.
func (b *bigAccount) prepare(ctx context.Context) error {
	tx := b.tx
	b.roles = map[string]int64{}
	rows, _ := tx.Query(ctx, `SELECT key, id FROM roles WHERE account_id = $1`, b.accountID)
	var k string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&k, &id}, func() error { b.roles[k] = id; return nil }); err != nil {
		return err
	}
	for _, k := range []struct {
		dst   *[]string
		names []string
	}{{&b.firstKeys, bigFirst.names}, {&b.lastKeys, bigLast.names}, {&b.tailKeys, bigTail}} {
		if err := tx.QueryRow(ctx, `SELECT array_agg(roster_normalize(n) ORDER BY i) FROM unnest($1::text[]) WITH ORDINALITY AS t(n, i)`, k.names).Scan(k.dst); err != nil {
			return err
		}
	}
	b.inviters = []int64{b.adminID}
	for i, n := range []string{"Riley Chen", "Sam Okafor", "Dana Kowalski", "Jordan Alvarez"} {
		var uid int64
		email := fmt.Sprintf("admin%d@%s", i+2, b.domain)
		if err := tx.QueryRow(ctx, `INSERT INTO users (account_id, email, name, created_at, last_sign_in_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			b.accountID, email, n, b.seed.Now.AddDate(-4, 0, 0), b.seed.Now.Add(-time.Duration(i+3)*time.Hour)).Scan(&uid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO memberships (account_id, user_id, group_id) VALUES ($1, $2, $3)`, b.accountID, uid, b.rootID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO role_assignments (account_id, user_id, group_id, role_id) VALUES ($1, $2, $3, $4)`, b.accountID, uid, b.rootID, b.roles[roster.RoleAdministrator]); err != nil {
			return err
		}
		b.inviters = append(b.inviters, uid)
	}
	var err error
	if b.groupIDs, err = reserveIDs(ctx, tx, "groups", b.groups-1); err != nil {
		return err
	}
	if b.userIDs, err = reserveIDs(ctx, tx, "users", b.users); err != nil {
		return err
	}
	if b.inviteIDs, err = reserveIDs(ctx, tx, "invitations", b.invitations); err != nil {
		return err
	}
	return nil
}

func reserveIDs(ctx context.Context, tx pgx.Tx, table string, n int) ([]int64, error) {
	if n <= 0 {
		return nil, nil
	}
	// One block of n ids: advance the sequence past it. Should another
	// session take an id in between, the COPY fails on the primary key and
	// the whole seed rolls back; nothing half-made is left.
	var first int64
	if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id'))`, table).Scan(&first); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), $2)`, table, first+int64(n)-1); err != nil {
		return nil, err
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = first + int64(i)
	}
	return ids, nil
}

// genSource streams generated rows into COPY.
type genSource struct {
	i, hi int
	vals  []any
	row   func(i int, vals []any) bool // false: skip this index
	tick  func(i int)
}

func (g *genSource) Next() bool {
	for g.i < g.hi {
		i := g.i
		g.i++
		if g.tick != nil && i%20000 == 0 {
			g.tick(i)
		}
		if g.row(i, g.vals) {
			return true
		}
	}
	return false
}
func (g *genSource) Values() ([]any, error) { return g.vals, nil }
func (g *genSource) Err() error             { return nil }

// copyBatches COPYs rows 0..n-1 in batches of 100,000.
func (b *bigAccount) copyBatches(ctx context.Context, table string, cols []string, n int, row func(i int, vals []any) bool) error {
	const batch = 100000
	stage := table
	if b.index > 0 {
		stage = fmt.Sprintf("%s (account %d)", table, b.index+1)
	}
	copied := 0
	for lo := 0; lo < n; lo += batch {
		src := &genSource{i: lo, hi: min(lo+batch, n), vals: make([]any, len(cols)), row: row,
			tick: func(i int) { b.seed.Progress(stage, i, n) }}
		c, err := b.tx.CopyFrom(ctx, pgx.Identifier{table}, cols, src)
		if err != nil {
			return fmt.Errorf("copy %s: %w", table, err)
		}
		copied += int(c)
	}
	b.seed.Progress(stage, n, n)
	b.rows[table] += copied
	return nil
}

// Group names: departments at the top, then regions, sites and teams.
var (
	bigDepartments = []string{"Finance", "Procurement", "Engineering", "Sales", "Marketing", "Operations", "Human Resources", "Legal",
		"Customer Success", "Research", "Logistics", "Manufacturing", "Quality", "IT", "Facilities", "Security"}
	bigRegions = []string{"EMEA", "Americas", "APAC", "North America", "Latin America", "Nordics", "DACH", "Benelux", "Iberia",
		"UK & Ireland", "India", "Japan", "Australia", "Middle East", "Africa", "Eastern Europe"}
	bigTeams = []string{"Payables", "Receivables", "Treasury", "Tax", "Audit", "Platform", "Infrastructure", "Networking", "Storage",
		"Web", "Mobile", "Data", "Analytics", "Recruiting", "Payroll", "Benefits", "Brand", "Events", "Field Sales", "Inside Sales",
		"Partners", "Support", "Onboarding", "Warehousing", "Fleet", "Compliance", "Contracts", "Sourcing", "Vendor Management", "Design"}
	bigSites = []string{"Berlin", "Paris", "Madrid", "Lisbon", "Dublin", "London", "Chicago", "Toronto", "Austin", "São Paulo",
		"Mexico City", "Bangalore", "Pune", "Tokyo", "Sydney", "Singapore", "Dubai", "Warsaw", "Prague", "Stockholm", "Zürich", "Kraków"}
)

// loadGroups makes a deep tree: the departments below the root, then each
// new group under a random existing group, preferring deeper ones, down to
// 10 levels below the root.
func (b *bigAccount) loadGroups(ctx context.Context) error {
	r := b.rng(1, 0)
	n := len(b.groupIDs)
	type gr struct {
		parent int
		path   []int64
		name   string
	}
	gs := make([]gr, n)
	siblings := map[[2]int64]bool{}
	for i := range n {
		parent := -1 // the root
		if i >= len(bigDepartments) {
			// Walk down from a random group: depth grows like a real org chart.
			parent = r.IntN(i)
			for len(gs[parent].path) < 10 && r.IntN(3) == 0 && i > 0 {
				parent = parent + r.IntN(i-parent)
			}
			if len(gs[parent].path) >= 11 {
				parent = r.IntN(len(bigDepartments))
			}
		}
		var list []string
		switch {
		case parent >= 0:
			switch len(gs[parent].path) % 3 {
			case 1:
				list = bigRegions
			case 2:
				list = bigSites
			default:
				list = bigTeams
			}
		default:
			list = bigDepartments
		}
		pid := b.rootID
		path := []int64{b.rootID}
		if parent >= 0 {
			pid = b.groupIDs[parent]
			path = gs[parent].path
		}
		name := list[r.IntN(len(list))]
		if parent < 0 && i < len(bigDepartments) {
			name = bigDepartments[i]
		}
		base := name
		for k := 2; siblings[nameKey(pid, name)]; k++ {
			name = base + " " + strconv.Itoa(k)
		}
		siblings[nameKey(pid, name)] = true
		p := append(append([]int64{}, path...), b.groupIDs[i])
		gs[i] = gr{parent, p, name}
	}
	rows := make([][]any, n)
	created := b.seed.Now.AddDate(-5, 0, 0)
	for i, g := range gs {
		pid := b.rootID
		if g.parent >= 0 {
			pid = b.groupIDs[g.parent]
		}
		rows[i] = []any{b.accountID, b.groupIDs[i], pid, g.name, g.path, created}
	}
	if _, err := b.tx.CopyFrom(ctx, pgx.Identifier{"groups"}, []string{"account_id", "id", "parent_id", "name", "path", "created_at"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy groups: %w", err)
	}
	b.rows["groups"] += n
	return nil
}

func nameKey(pid int64, name string) [2]int64 {
	h := sha256.Sum256([]byte(strings.ToLower(name)))
	return [2]int64{pid, int64(binary.LittleEndian.Uint64(h[:8]))}
}

// Names: the demo lists, weighted so some are common and most are not,
// plus a long tail of rarer surnames made of syllables.
var (
	bigTailA = []string{"Ab", "Al", "Bar", "Bel", "Cor", "Dal", "Ek", "Fen", "Gor", "Hal", "Ish", "Jor", "Kal", "Lun", "Mor",
		"Nak", "Ol", "Pra", "Quin", "Ros", "Sal", "Tor", "Ul", "Val", "Wen", "Yar", "Zel"}
	bigTailB = []string{"a", "e", "i", "o", "u", "an", "en", "ar", "or"}
	bigTailC = []string{"berg", "dottir", "escu", "ovic", "sson", "wicz", "ini", "aki", "ango", "ström", "ley", "more", "field", "ton"}
)

type nameTable struct {
	names, folded []string
	cum           []float64
}

func newNameTable(names []string, skew float64) nameTable {
	t := nameTable{names: names}
	sum := 0.0
	for i, n := range names {
		t.folded = append(t.folded, emailLocalPart(n))
		sum += 1 / math.Pow(float64(i+4), skew)
		t.cum = append(t.cum, sum)
	}
	for i := range t.cum {
		t.cum[i] /= sum
	}
	return t
}

func (t nameTable) pick(u float64) int {
	lo, hi := 0, len(t.cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if t.cum[m] < u {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

var (
	bigFirst, bigLast nameTable
	bigTail           []string
	bigTailFolded     []string
)

func init() {
	bigFirst = newNameTable(demoFirstNames, 1)
	bigLast = newNameTable(demoLastNames, 1)
	for _, a := range bigTailA {
		for _, b := range bigTailB {
			for _, c := range bigTailC {
				n := a + b + c
				bigTail = append(bigTail, n)
				bigTailFolded = append(bigTailFolded, emailLocalPart(n))
			}
		}
	}
}

func emailLocalPart(s string) string {
	l := emailLocal(s, "x")
	return strings.TrimSuffix(l, ".x")
}

// person returns the name and email local part of person i.
func (b *bigAccount) person(i int) (name, local string) {
	name, _, local = b.personKeyed(i)
	return name, local
}

// personKeyed returns the name of person i, its sort key (users.name_key)
// and the email local part.
func (b *bigAccount) personKeyed(i int) (name, key, local string) {
	r := b.rng(2, uint64(i))
	f := bigFirst.pick(r.Float64())
	first, ffold, fkey := bigFirst.names[f], bigFirst.folded[f], b.firstKeys[f]
	var last, lfold, lkey string
	if r.IntN(4) == 0 {
		k := r.IntN(len(bigTail))
		last, lfold, lkey = bigTail[k], bigTailFolded[k], b.tailKeys[k]
	} else {
		k := bigLast.pick(r.Float64())
		last, lfold, lkey = bigLast.names[k], bigLast.folded[k], b.lastKeys[k]
	}
	name, key = first+" "+last, fkey+" "+lkey
	if r.IntN(10) == 0 { // a middle initial
		m := r.IntN(26)
		name = first + " " + string(rune('A'+m)) + ". " + last
		key = fkey + " " + string(rune('a'+m)) + ". " + lkey
	}
	return name, key, ffold + "." + lfold + strconv.Itoa(i+1)
}

func (b *bigAccount) personEmail(i int) string {
	_, local := b.person(i)
	r := b.rng(3, uint64(i))
	switch r.IntN(20) {
	case 0:
		return local + "@contractors." + b.domain
	case 1:
		return local + "@eu." + b.domain
	}
	return local + "@" + b.domain
}

// planMemberships decides every person's groups and roles up front, so
// their group_count and admin_grants go into the users rows.
func (b *bigAccount) planMemberships() {
	n := b.users
	b.groupOf = make([][3]int32, n)
	b.roleBits = make([][3]uint8, n)
	b.nGroups = make([]uint8, n)
	ng := len(b.groupIDs)
	for i := range n {
		r := b.rng(4, uint64(i))
		k := 1
		switch x := r.IntN(100); {
		case x < 5 || ng == 0:
			k = 0
		case x < 80:
			k = 1
		case x < 95:
			k = 2
		default:
			k = 3
		}
		k = min(k, ng)
		for j := 0; j < k; j++ {
			g := int32(r.IntN(ng))
			dup := false
			for m := 0; m < j; m++ {
				dup = dup || b.groupOf[i][m] == g
			}
			if dup {
				continue
			}
			var bits uint8
			if r.IntN(10) != 0 {
				bits |= bitRequisitioner
			}
			if r.IntN(8) == 0 {
				bits |= bitApprover
			}
			if r.IntN(20) == 0 {
				bits |= bitFinance
			}
			if r.IntN(10) == 0 {
				bits |= bitAnalyst
			}
			if r.IntN(2000) == 0 {
				bits |= bitAdministrator // a group administrator
			}
			b.groupOf[i][b.nGroups[i]] = g
			b.roleBits[i][b.nGroups[i]] = bits
			b.nGroups[i]++
		}
	}
}

func (b *bigAccount) load(ctx context.Context) error {
	now := b.seed.Now
	if err := b.loadGroups(ctx); err != nil {
		return err
	}
	b.planMemberships()

	// Invitations: about half accepted (each accepted one is a person who
	// came through it), a quarter pending, the rest expired or revoked;
	// every 1,000th a link. Recent weeks are busier (the chart).
	type invRow struct {
		status            string
		created, expires  time.Time
		accepted, revoked *time.Time
		link              bool
	}
	inv := func(j int) invRow {
		r := b.rng(5, uint64(j))
		var v invRow
		v.link = j%1000 == 7
		age := time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour)))
		if r.IntN(5) == 0 {
			age = time.Duration(r.Int64N(int64(12 * 7 * 24 * time.Hour)))
		}
		v.created = now.Add(-age)
		validity := 90 * 24 * time.Hour
		if v.link {
			validity = 30 * 24 * time.Hour
		}
		v.expires = v.created.Add(validity)
		x := r.IntN(100)
		switch {
		case x < 25 || v.link && x < 60:
			// pending: the expiry is in the future
			v.status = roster.InvitePending
			v.expires = now.Add(time.Duration(1+r.Int64N(int64(validity/time.Hour))) * time.Hour)
			v.created = v.expires.Add(-validity)
		case x < 28:
			v.status = roster.InvitePending // past expiry, not yet swept
			v.expires = now.Add(-time.Duration(1+r.IntN(200)) * time.Hour)
			v.created = v.expires.Add(-validity)
		case x < 75 && !v.link:
			v.status = roster.InviteAccepted
			a := v.created.Add(time.Duration(1+r.IntN(96)) * time.Hour)
			if a.After(now) {
				a = now.Add(-time.Minute)
			}
			v.accepted = &a
		case x < 92:
			v.status = roster.InviteExpired
			if v.expires.After(now) {
				v.expires = now.Add(-time.Duration(1+r.IntN(500)) * time.Hour)
				v.created = v.expires.Add(-validity)
			}
		default:
			v.status = roster.InviteRevoked
			rv := v.created.Add(time.Duration(1+r.IntN(200)) * time.Hour)
			if rv.After(now) {
				rv = now.Add(-time.Minute)
			}
			v.revoked = &rv
		}
		return v
	}
	// Accepted invitations map to the first people, in order.
	b.acceptIdx = make([]int32, b.invitations)
	accepted := 0
	for j := range b.invitations {
		b.acceptIdx[j] = -1
		if v := inv(j); v.status == roster.InviteAccepted && accepted < b.users {
			b.acceptIdx[j] = int32(accepted)
			accepted++
		}
	}
	b.accepted = accepted
	acceptedInv := make([]int32, accepted)
	for j, p := range b.acceptIdx {
		if p >= 0 {
			acceptedInv[p] = int32(j)
		}
	}
	invGroups := func(r *mrand.Rand) []int64 {
		if len(b.groupIDs) == 0 {
			return []int64{b.rootID}
		}
		return []int64{b.groupIDs[r.IntN(len(b.groupIDs))]}
	}
	invRoles := func(r *mrand.Rand) []int64 {
		ids := []int64{b.roles[roster.RoleRequisitioner]}
		if r.IntN(6) == 0 {
			ids = append(ids, b.roles[roster.RoleApprover])
		}
		return ids
	}
	nonce := make([]byte, 16)
	err := b.copyBatches(ctx, "invitations", []string{"account_id", "id", "kind", "email", "label", "token_nonce", "token_hash", "status",
		"group_ids", "role_ids", "invited_by", "created_at", "sent_at", "expires_at", "accepted_at", "accepted_user_id", "revoked_at", "revoked_by",
		"delivery", "delivery_error", "reminders_sent", "max_uses", "use_count", "approval_required"}, b.invitations,
		func(j int, vals []any) bool {
			v := inv(j)
			r := b.rng(6, uint64(j))
			binary.LittleEndian.PutUint64(nonce, r.Uint64())
			binary.LittleEndian.PutUint64(nonce[8:], r.Uint64()^uint64(b.inviteIDs[j]))
			hash := roster.TokenHash(b.seed.Key.Token(nonce))
			inviter := b.inviters[r.IntN(len(b.inviters))]
			var email, label, delivery, derr, sent, acceptedUser, revokedBy, maxUses any
			useCount, approval, reminders := 0, true, 0
			if v.link {
				label = fmt.Sprintf("%s onboarding %d", bigDepartments[r.IntN(len(bigDepartments))], j/1000+1)
				mu := 20 + r.IntN(500)
				maxUses, useCount, approval = mu, r.IntN(mu), r.IntN(2) == 0
				if approval && v.status == roster.InvitePending {
					b.linkIDs = append(b.linkIDs, b.inviteIDs[j])
				}
			} else {
				if p := b.acceptIdx[j]; p >= 0 {
					email = b.personEmail(int(p))
					acceptedUser = b.userIDs[p]
				} else {
					_, local := b.person(b.users + j) // invitees who never joined
					email = fmt.Sprintf("%s.i%d@%s", local, j, []string{"partner.example", "gmail.example", "outlook.example", b.domain}[r.IntN(4)])
				}
				sent, delivery = v.created, "sent"
				if v.status == roster.InvitePending {
					switch r.IntN(100) {
					case 0, 1:
						delivery, derr = "failed", "550 5.1.1 mailbox unavailable"
					case 2:
						delivery = "queued"
					}
					// Reminders already sent, as the sweeper would have.
					if left := v.expires.Sub(now); left < 24*time.Hour {
						reminders = 2
					} else if left < 7*24*time.Hour {
						reminders = 1
					}
				}
			}
			if v.revoked != nil {
				revokedBy = inviter
			}
			var acc, rev any
			if v.accepted != nil {
				acc = *v.accepted
			}
			if v.revoked != nil {
				rev = *v.revoked
			}
			kind := roster.KindEmail
			if v.link {
				kind = roster.KindLink
			}
			copy(vals, []any{b.accountID, b.inviteIDs[j], kind, email, label, append([]byte(nil), nonce...), hash, v.status,
				invGroups(r), invRoles(r), inviter, v.created, sent, v.expires, acc, acceptedUser, rev, revokedBy,
				delivery, derr, reminders, maxUses, useCount, approval})
			return true
		})
	if err != nil {
		return err
	}

	// People.
	created0 := now.AddDate(-5, 0, 0)
	err = b.copyBatches(ctx, "users", []string{"account_id", "id", "email", "name", "status", "created_at", "last_sign_in_at",
		"invited_by", "invitation_id", "group_count", "admin_grants"}, b.users,
		func(i int, vals []any) bool {
			r := b.rng(7, uint64(i))
			name, _ := b.person(i)
			email := b.personEmail(i)
			var invitedBy, invitationID any
			created := created0.Add(time.Duration(r.Int64N(int64(now.Sub(created0) - time.Hour))))
			if i < b.accepted {
				j := acceptedInv[i]
				v := inv(int(j))
				created = *v.accepted
				invitationID = b.inviteIDs[j]
				invitedBy = b.inviters[b.rng(6, uint64(j)).IntN(len(b.inviters))]
			} else if r.IntN(5) == 0 {
				invitedBy = b.inviters[r.IntN(len(b.inviters))]
			}
			status := roster.StatusActive
			if r.IntN(25) == 0 {
				status = roster.StatusDeactivated
			}
			var lastSignIn any
			if r.IntN(7) != 0 {
				lastSignIn = created.Add(time.Duration(r.Int64N(int64(now.Sub(created)) + 1)))
			}
			admin := 0
			for k := 0; k < int(b.nGroups[i]); k++ {
				if b.roleBits[i][k]&bitAdministrator != 0 {
					admin++
				}
			}
			copy(vals, []any{b.accountID, b.userIDs[i], email, name, status, created, lastSignIn, invitedBy, invitationID, int(b.nGroups[i]), admin})
			return true
		})
	if err != nil {
		return err
	}

	// Memberships and roles, by person.
	memberAt := func(i int) time.Time {
		return now.Add(-time.Duration(b.rng(8, uint64(i)).Int64N(int64(3 * 365 * 24 * time.Hour))))
	}
	// Each person's name key, for memberships and role_holders.
	keys := make([]string, b.users)
	for i := range keys {
		_, keys[i], _ = b.personKeyed(i)
	}
	err = b.copyBatches(ctx, "memberships", []string{"account_id", "user_id", "group_id", "created_at", "name_key"}, b.users*3,
		func(x int, vals []any) bool {
			i, k := x/3, x%3
			if k >= int(b.nGroups[i]) {
				return false
			}
			copy(vals, []any{b.accountID, b.userIDs[i], b.groupIDs[b.groupOf[i][k]], memberAt(i), keys[i]})
			return true
		})
	if err != nil {
		return err
	}
	err = b.copyBatches(ctx, "role_assignments", []string{"account_id", "user_id", "group_id", "role_id", "created_at"}, b.users*15,
		func(x int, vals []any) bool {
			i, k, ri := x/15, x%15/5, x%5
			if k >= int(b.nGroups[i]) || b.roleBits[i][k]&bitRoles[ri].bit == 0 {
				return false
			}
			copy(vals, []any{b.accountID, b.userIDs[i], b.groupIDs[b.groupOf[i][k]], b.roles[bitRoles[ri].key], memberAt(i)})
			return true
		})
	if err != nil {
		return err
	}
	// Their holders: each person once per role, with the number of groups
	// they hold it in.
	err = b.copyBatches(ctx, "role_holders", []string{"account_id", "role_id", "user_id", "grants", "name_key"}, b.users*5,
		func(x int, vals []any) bool {
			i, ri := x/5, x%5
			grants := 0
			for k := range int(b.nGroups[i]) {
				if b.roleBits[i][k]&bitRoles[ri].bit != 0 {
					grants++
				}
			}
			if grants == 0 {
				return false
			}
			copy(vals, []any{b.accountID, b.roles[bitRoles[ri].key], b.userIDs[i], grants, keys[i]})
			return true
		})
	if err != nil {
		return err
	}

	// Join requests on the links that need approval: most waiting.
	var jr [][]any
	for li, id := range b.linkIDs {
		r := b.rng(9, uint64(li))
		for k := range r.IntN(6) {
			name, local := b.person(b.users + b.invitations + li*8 + k)
			status := "pending"
			switch r.IntN(6) {
			case 0:
				status = "denied"
			case 1:
				status = "unconfirmed"
			}
			jr = append(jr, []any{b.accountID, id, fmt.Sprintf("%s.j%d@%s", local, li*8+k, b.domain), name, status,
				invGroups(r), invRoles(r), now.Add(-time.Duration(1+r.IntN(400)) * time.Hour)})
		}
	}
	if _, err := b.tx.CopyFrom(ctx, pgx.Identifier{"join_requests"}, []string{"account_id", "invitation_id", "email", "name", "status", "group_ids", "role_ids", "created_at"}, pgx.CopyFromRows(jr)); err != nil {
		return fmt.Errorf("copy join_requests: %w", err)
	}
	b.rows["join_requests"] += len(jr)

	// Audit history: every invitation sent, accepted or revoked, and a
	// sign-in for one person in ten.
	nInv := b.invitations
	err = b.copyBatches(ctx, "audit_events", []string{"account_id", "at", "actor_id", "action", "target_user_id", "invitation_id"}, nInv*2+b.users/10,
		func(x int, vals []any) bool {
			if x < nInv*2 {
				j := x / 2
				v := inv(j)
				inviter := b.inviters[b.rng(6, uint64(j)).IntN(len(b.inviters))]
				if x%2 == 0 {
					action := "invited"
					if v.link {
						action = "link_created"
					}
					copy(vals, []any{b.accountID, v.created, inviter, action, nil, b.inviteIDs[j]})
					return true
				}
				switch {
				case v.accepted != nil && b.acceptIdx[j] >= 0:
					uid := b.userIDs[b.acceptIdx[j]]
					copy(vals, []any{b.accountID, *v.accepted, uid, "accepted", uid, b.inviteIDs[j]})
				case v.revoked != nil:
					copy(vals, []any{b.accountID, *v.revoked, inviter, "revoked", nil, b.inviteIDs[j]})
				default:
					return false
				}
				return true
			}
			i := (x - nInv*2) * 10
			uid := b.userIDs[i]
			at := now.Add(-time.Duration(b.rng(10, uint64(i)).Int64N(int64(90 * 24 * time.Hour))))
			copy(vals, []any{b.accountID, at, uid, "signed_in", uid, nil})
			return true
		})
	if err != nil {
		return err
	}
	// Keep the memory of the plan only as long as the load.
	b.groupOf, b.roleBits, b.nGroups, b.acceptIdx = nil, nil, nil, nil
	return nil
}

func recountInvitationCounters(ctx context.Context, tx pgx.Tx, accountID int64) error {
	_, err := tx.Exec(ctx, `SELECT invitation_counters_recount($1)`, accountID)
	return err
}
