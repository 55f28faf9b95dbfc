package postgres

import (
	"cmp"
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
	"unicode/utf8"

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
	// Progress, if set, is told how far each stage is (done of total
	// units: rows while loading, then indexes and tables).
	Progress func(stage string, done, total int)
	// Sessions is how many database sessions load and build indexes at
	// once (0: one more than the cores, at least 3 and at most 5; never
	// more than the pool holds).
	Sessions int
}

// BigSeedResult names what SeedBig made.
type BigSeedResult struct {
	AccountIDs []int64 // the main account first
	Rows       map[string]int
	Duration   time.Duration
	// PeopleLoaded is when the main account's people, their memberships,
	// roles and role holders were all loaded (committed, before their
	// indexes, counters and statistics), from the start of the seed.
	PeopleLoaded time.Duration
	// Phases is what each phase took: load, indexes, analyze, counters.
	Phases []BigSeedPhase
}

// BigSeedPhase is the time one phase of SeedBig took. The load, the
// index builds and the vacuums overlap (each table's indexes are built as
// soon as it is loaded), so a phase is the span from its first step's
// start to its last step's end, plus the time its steps kept sessions busy.
type BigSeedPhase struct {
	Name       string
	Steps      int
	Start, End time.Duration // from the start of the seed
	Busy       time.Duration // summed over the sessions
	// Longest is the phase's slowest step and what it took.
	Longest     string
	LongestTook time.Duration
}

// SeedBig loads a large data set by COPY: realistic varied names, a deep
// group tree, memberships with roles, invitations in every status and
// date, join requests and audit history. ECONFLICT when the main
// account's administrator already exists.
//
// The accounts, their administrators (with the triggers on) and the
// groups are made in a first transaction, which also reserves every id.
// The bulk rows then go in over several sessions at once, each table in
// slices of its own transactions with the counter triggers switched off
// (session_replication_role = replica; every row is a pure function of the
// seed and its index, so the slices need nothing from each other): each
// person's group_count and admin_grants are written with the row from the
// memberships generated for them, and memberships and role_holders carry
// the name key the triggers would set. When a table receives more rows
// than it holds, its secondary indexes are dropped in the first
// transaction and built again (the same definitions) by the next free
// session as soon as the table is loaded, the trigram index first: that
// is several times faster than maintaining them. The account counters are
// set from a full recount last, so an interrupted seed leaves counters that
// do not match the people (the bench harness then seeds again).
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
	// The sessions report from several goroutines; the callback sees one
	// call at a time.
	var progressMu sync.Mutex
	report := s.Progress
	s.Progress = func(stage string, done, total int) {
		progressMu.Lock()
		defer progressMu.Unlock()
		report(stage, done, total)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return res, err
	}
	defer func() {
		if conn != nil {
			conn.Release()
		}
	}()
	if _, err := conn.Exec(ctx, "SET statement_timeout = 0"); err != nil {
		return res, err
	}
	var rebuild []string // index definitions dropped for the load
	var loads []*bigAccount
	s.Progress("accounts", 0, 1)
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
		for i, p := range plans {
			acc, admin, err := createAccount(ctx, tx, roster.Signup{AccountName: p.name, Name: "Morgan Avery", Email: p.admin, PasswordHash: s.AdminHash}, s.Now.AddDate(-5, 0, 0))
			if err != nil {
				return mapError(err, "account")
			}
			if err := audit(ctx, tx, acc.ID, admin.ID, "account_created", &admin.ID, nil); err != nil {
				return err
			}
			res.AccountIDs = append(res.AccountIDs, acc.ID)
			b := &bigAccount{seed: s, accountID: acc.ID, adminID: admin.ID, rootID: admin.Memberships[0].GroupID,
				domain: p.domain, users: p.users, invitations: p.invitations, groups: p.groups, index: i}
			if err := b.prepare(ctx, tx); err != nil {
				return err
			}
			loads = append(loads, b)
		}
		// The audit events' ids, in the order one session would take them.
		for _, b := range loads {
			b.plan()
			if b.auditIDs, err = reserveIDs(ctx, tx, "audit_events", b.auditRows); err != nil {
				return err
			}
		}
		// From here on the bulk rows bypass the counter triggers.
		if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return fmt.Errorf("switch triggers off (needs a superuser; try a private cluster): %w", err)
		}
		for _, b := range loads {
			if err := b.loadGroups(ctx, tx); err != nil {
				return err
			}
			res.Rows["groups"] += len(b.groupIDs)
		}
		total := 0
		for _, p := range plans {
			total += p.users
		}
		rebuild, err = dropIndexesForLoad(ctx, tx, total)
		return err
	})
	if err != nil {
		return res, err
	}
	s.Progress("accounts", 1, 1)
	conn.Release()
	conn = nil

	g := newSeedGraph(start, s.Progress)
	for _, b := range loads {
		b.addLoads(g)
	}
	g.add(&seedStep{name: "join_requests", phase: "load", table: "join_requests", order: 22, units: 1, run: func(ctx context.Context, c *pgxpool.Conn, tick func(int)) (int, error) {
		n := 0
		err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
				return err
			}
			for _, b := range loads {
				rows := b.joinRequests()
				if _, err := tx.CopyFrom(ctx, pgx.Identifier{"join_requests"}, []string{"account_id", "invitation_id", "email", "name", "status", "group_ids", "role_ids", "created_at"}, pgx.CopyFromRows(rows)); err != nil {
					return fmt.Errorf("copy join_requests: %w", err)
				}
				n += len(rows)
			}
			return nil
		})
		tick(1)
		return n, err
	}})
	for _, d := range rebuild {
		g.add(indexStep(d))
	}
	// Fresh statistics and visibility maps: plans and index-only scans as
	// they will be in a long-running database.
	for _, t := range []string{"users", "people_search", "memberships", "role_assignments", "role_holders", "invitations", "audit_events", "groups", "join_requests"} {
		g.add(&seedStep{name: "VACUUM (ANALYZE) " + t, phase: "analyze", table: t, order: 90, after: "indexes", units: 1, run: func(ctx context.Context, c *pgxpool.Conn, tick func(int)) (int, error) {
			_, err := c.Exec(ctx, "VACUUM (ANALYZE) "+t)
			tick(1)
			return 0, err
		}})
	}
	// The kept counts, made in Go from what the load generated, as soon
	// as every row is in: beside the index builds, not after them (the
	// name prefixes alone take half a second).
	g.add(&seedStep{name: "kept counts", phase: "kept", table: "*", order: 30, after: "load", units: 1, run: func(ctx context.Context, c *pgxpool.Conn, tick func(int)) (int, error) {
		err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			for _, b := range loads {
				if err := b.writeKeptCounts(ctx, tx); err != nil {
					return err
				}
			}
			return nil
		})
		tick(1)
		return 0, err
	}})
	// The counters once every row and index is in (the vacuums may still
	// run): until they are set, an interrupted seed is seen as one.
	g.add(&seedStep{name: "counters", phase: "counters", table: "*", order: 80, after: "indexes", units: 1, run: func(ctx context.Context, c *pgxpool.Conn, tick func(int)) (int, error) {
		err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			return recountAll(ctx, tx, res.AccountIDs)
		})
		if err != nil {
			return 0, err
		}
		_, err = c.Exec(ctx, "VACUUM (ANALYZE) account_counters")
		tick(1)
		return 0, err
	}})
	if err := g.run(ctx, pool, s.Sessions); err != nil {
		return res, err
	}
	for _, st := range g.steps {
		if st.phase == "load" {
			res.Rows[st.table] += st.rows
		}
	}
	res.PeopleLoaded = g.peopleLoaded
	res.Phases = g.phases()
	res.Duration = time.Since(start)
	return res, nil
}

// recountAll sets the counters of the accounts from a full recount.
func recountAll(ctx context.Context, tx pgx.Tx, accountIDs []int64) error {
	if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = origin`); err != nil {
		return err
	}
	for _, id := range accountIDs {
		if err := RecountCounters(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// seedSessions is how many sessions load, build indexes and vacuum at
// once by default: one more than the cores, as a COPY session leaves its
// server process idle while the seeder generates its rows.
func seedSessions() int { return max(3, min(runtime.NumCPU()+1, 5)) }

// seedStep is one step of the seed after the first transaction: a COPY of
// a slice of one table, an index build or a vacuum.
type seedStep struct {
	name, phase, table string
	// order: lower runs first among the steps that may run.
	order int
	// after: this step waits for the table's steps of that phase ("load":
	// its COPYs; "indexes": its index builds); table "*" waits for every
	// step of that phase and of the phases before it (phaseOrder).
	after string
	units int // progress units (rows for COPYs)
	// people: a step of the main account's people, memberships and roles.
	people bool
	run    func(ctx context.Context, c *pgxpool.Conn, tick func(done int)) (rows int, err error)

	waits      int
	next       []*seedStep
	rows       int
	start, end time.Duration
}

// seedGraph runs seed steps over a few sessions, each as soon as the steps
// it waits for are done, the lowest order first.
type seedGraph struct {
	start    time.Time
	progress func(string, int, int)
	steps    []*seedStep

	mu           sync.Mutex
	cond         *sync.Cond
	ready        []*seedStep
	left         int
	err          error
	done         map[string]int // phase -> steps done
	units        map[string]int // phase -> units planned
	unitsDone    map[string]int // phase -> units done
	shown        int            // the phase the progress bar shows (phaseOrder)
	peopleLeft   int
	peopleLoaded time.Duration
}

func newSeedGraph(start time.Time, progress func(string, int, int)) *seedGraph {
	g := &seedGraph{start: start, progress: progress, done: map[string]int{}, units: map[string]int{}, unitsDone: map[string]int{}}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *seedGraph) add(st *seedStep) {
	g.steps = append(g.steps, st)
	g.units[st.phase] += st.units
	if st.people {
		g.peopleLeft++
	}
}

// link makes each step wait for what its after names.
func (g *seedGraph) link() {
	for _, st := range g.steps {
		if st.after == "" {
			continue
		}
		upTo := slices.Index(phaseOrder, st.after)
		for _, o := range g.steps {
			every := st.table == "*" && slices.Index(phaseOrder, o.phase) <= upTo
			if every || o.table == st.table && o.phase == st.after {
				o.next = append(o.next, st)
				st.waits++
			}
		}
	}
	for _, st := range g.steps {
		if st.waits == 0 {
			g.ready = append(g.ready, st)
		}
	}
	g.left = len(g.steps)
}

// phaseOrder is the order in which the progress bar shows the phases.
var phaseOrder = []string{"load", "kept", "indexes", "analyze", "counters"}

// tick records units done of a phase; the bar shows the first phase not
// yet finished. Called with g.mu held.
func (g *seedGraph) tick(phase string, units int) {
	g.unitsDone[phase] += units
	for g.shown < len(phaseOrder) {
		p := phaseOrder[g.shown]
		if g.units[p] > 0 {
			g.progress(p, min(g.unitsDone[p], g.units[p]), g.units[p])
			if g.unitsDone[p] < g.units[p] || g.shown == len(phaseOrder)-1 {
				return
			}
		}
		g.shown++
	}
}

func (g *seedGraph) run(ctx context.Context, pool *pgxpool.Pool, sessions int) error {
	if sessions <= 0 {
		sessions = seedSessions()
	}
	sessions = min(sessions, int(pool.Config().MaxConns))
	g.link()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g.mu.Lock()
	g.tick("load", 0)
	g.mu.Unlock()
	var wg sync.WaitGroup
	fail := func(err error) {
		g.mu.Lock()
		if g.err == nil {
			g.err = err
		}
		g.cond.Broadcast()
		g.mu.Unlock()
		cancel()
	}
	for range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := pool.Acquire(ctx)
			if err != nil {
				fail(err)
				return
			}
			defer c.Release()
			// Index builds want memory; nothing here may time out.
			for _, set := range []string{"SET maintenance_work_mem = '512MB'", "SET statement_timeout = 0"} {
				if _, err := c.Exec(ctx, set); err != nil {
					fail(err)
					return
				}
			}
			for {
				g.mu.Lock()
				for len(g.ready) == 0 && g.left > 0 && g.err == nil {
					g.cond.Wait()
				}
				if g.err != nil || len(g.ready) == 0 {
					g.mu.Unlock()
					return
				}
				k := 0
				for i, st := range g.ready {
					if st.order < g.ready[k].order {
						k = i
					}
				}
				st := g.ready[k]
				g.ready = slices.Delete(g.ready, k, k+1)
				st.start = time.Since(g.start)
				g.mu.Unlock()

				last := 0
				rows, err := st.run(ctx, c, func(done int) {
					g.mu.Lock()
					g.tick(st.phase, done-last)
					last = done
					g.mu.Unlock()
				})
				if err != nil {
					fail(fmt.Errorf("%s: %w", st.name, err))
					return
				}
				g.mu.Lock()
				st.rows, st.end = rows, time.Since(g.start)
				g.tick(st.phase, st.units-last)
				g.done[st.phase]++
				if st.people {
					if g.peopleLeft--; g.peopleLeft == 0 {
						g.peopleLoaded = st.end
					}
				}
				for _, n := range st.next {
					if n.waits--; n.waits == 0 {
						g.ready = append(g.ready, n)
					}
				}
				g.left--
				g.cond.Broadcast()
				g.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if g.err != nil {
		return g.err
	}
	return ctx.Err()
}

// phases sums the steps by phase.
func (g *seedGraph) phases() []BigSeedPhase {
	var out []BigSeedPhase
	for _, p := range phaseOrder {
		ph := BigSeedPhase{Name: p}
		for _, st := range g.steps {
			if st.phase != p {
				continue
			}
			if ph.Steps == 0 || st.start < ph.Start {
				ph.Start = st.start
			}
			ph.End = max(ph.End, st.end)
			ph.Steps++
			took := st.end - st.start
			ph.Busy += took
			if took > ph.LongestTook {
				ph.Longest, ph.LongestTook = st.name, took
			}
		}
		if ph.Steps > 0 {
			out = append(out, ph)
		}
	}
	return out
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
	if _, err := tx.Exec(ctx, `DELETE FROM role_holder_deltas WHERE account_id = $1`, accountID); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO role_holder_counts AS c (account_id, role_id, holders)
	SELECT r.account_id, r.id, (SELECT count(*) FROM role_holders h WHERE h.account_id = r.account_id AND h.role_id = r.id)
	FROM roles r WHERE r.account_id = $1 ORDER BY r.id
	ON CONFLICT (account_id, role_id) DO UPDATE SET holders = EXCLUDED.holders`, accountID)
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
	WHERE i.indrelid IN ('users'::regclass, 'people_search'::regclass, 'memberships'::regclass, 'role_assignments'::regclass, 'role_holders'::regclass, 'invitations'::regclass, 'audit_events'::regclass)
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

// indexStep builds one index dropped for the load once its table is
// loaded: the trigram index on the search rows first, as soon as they are
// loaded (the longest build, alone in one session while the others load),
// then the longer builds before the shorter, so that none is left to run
// alone at the end: the invitations' trigram index (8 s), the people's
// other indexes, and the rest by size.
func indexStep(def string) *seedStep {
	order := 30
	switch {
	case strings.Contains(def, "gin_trgm_ops") && strings.Contains(def, " ON public.people_search "):
		order = -2 // before any COPY still waiting: it is the critical path
	case strings.Contains(def, "gin_trgm_ops"):
		order = 29
	case strings.Contains(def, " ON public.users "), strings.Contains(def, " ON public.people_search "):
		order = 31
	case strings.Contains(def, "role_assignments"), strings.Contains(def, "memberships"), strings.Contains(def, "role_holders"):
		order = 33
	}
	table := ""
	if _, rest, ok := strings.Cut(def, " ON "); ok {
		table = strings.TrimPrefix(strings.Fields(rest)[0], "public.")
	}
	return &seedStep{name: def, phase: "indexes", table: table, order: order, after: "load", units: 1,
		run: func(ctx context.Context, c *pgxpool.Conn, tick func(int)) (int, error) {
			_, err := c.Exec(ctx, def)
			tick(1)
			return 0, err
		}}
}

// bigAccount generates and loads one account's rows. Every row is a pure
// function of the seed and its index, so people, their invitations and
// their memberships agree without being held in memory together.
type bigAccount struct {
	seed                       BigSeed
	accountID, adminID, rootID int64
	domain                     string
	users, invitations, groups int
	index                      int

	roles     map[string]int64
	inviters  []int64 // account administrators (created with the triggers on)
	groupIDs  []int64 // bulk groups, then root
	userIDs   []int64 // reserved ids of the bulk people
	inviteIDs []int64 // reserved ids of the invitations
	auditIDs  []int64 // reserved ids of the audit events
	auditRows int
	accepted  int     // the first accepted people came through invitations 0..accepted-1
	acceptIdx []int32 // invitation index -> person index for accepted ones (-1 otherwise)
	// acceptedInv: person index -> their invitation, for the first accepted ones
	acceptedInv []int32
	keys        []string // each person's name key
	groupOf     [][3]int32
	groupPaths  [][]int64 // each bulk group's path, root first
	roleBits    [][3]uint8
	nGroups     []uint8
	flags       []uint8 // each person's status and sign-in (flagDeactivated, flagNever), set as their row is made
	linkIDs     []int64 // invitations that are links needing approval
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

// writeKeptCounts writes the group member counts, the people counts and
// the name prefix counts of the bulk people, as the triggers (off during
// the load) would have kept them (migrations 00024, 00026 and 00028):
// each person towards their groups (direct), towards every group on those
// groups' paths, once (subtree), and towards each of those groups and 0
// (or -1 and 0 without a group) with each role they hold and 0, by status
// and sign-in; each name key's prefixes as name_prefixes makes them. The
// administrators made with the triggers on are counted by their deltas.
func (b *bigAccount) writeKeptCounts(ctx context.Context, tx pgx.Tx) error {
	// Groups by slot: 0 is the whole account, 1 no group, then the
	// groups; roles by slot: 0 is any, then bitRoles.
	slot := map[int64]int{}
	ids := []int64{0, -1}
	for _, path := range b.groupPaths {
		for _, a := range path {
			if _, ok := slot[a]; !ok {
				slot[a] = len(ids)
				ids = append(ids, a)
			}
		}
	}
	direct, subtree := make([]int64, len(ids)), make([]int64, len(ids))
	people := make([][6][4]int64, len(ids)) // by role slot (any, then bitRoles' five) and flags
	seen := make([]int, len(ids))           // the person (plus one) last counted towards a slot
	var covered []int
	for i := range b.userIDs {
		covered = covered[:0]
		var bits uint8
		for k := range int(b.nGroups[i]) {
			g := b.groupOf[i][k]
			direct[slot[b.groupIDs[g]]]++
			bits |= b.roleBits[i][k]
			for _, a := range b.groupPaths[g] {
				if j := slot[a]; seen[j] != i+1 {
					seen[j] = i + 1
					covered = append(covered, j)
				}
			}
		}
		for _, j := range covered {
			subtree[j]++
		}
		if b.nGroups[i] == 0 {
			covered = append(covered, 1)
		}
		covered = append(covered, 0)
		f := b.flags[i]
		for _, j := range covered {
			people[j][0][f]++
			for r, br := range bitRoles {
				if bits&br.bit != 0 {
					people[j][r+1][f]++
				}
			}
		}
	}
	var gids, d, st []int64
	for j, id := range ids[2:] {
		if subtree[j+2] > 0 {
			gids, d, st = append(gids, id), append(d, direct[j+2]), append(st, subtree[j+2])
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO group_member_counts AS c (account_id, group_id, direct, subtree)
	SELECT $1, t.id, t.d, t.s FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS t(id, d, s) ORDER BY t.id
	ON CONFLICT (account_id, group_id) DO UPDATE SET direct = c.direct + EXCLUDED.direct, subtree = c.subtree + EXCLUDED.subtree`,
		b.accountID, gids, d, st)
	if err != nil {
		return err
	}
	var pg, pr, pn []int64
	var pd, pv []bool
	for j, id := range ids {
		for r, byFlags := range people[j] {
			role := int64(0)
			if r > 0 {
				role = b.roles[bitRoles[r-1].key]
			}
			for f, n := range byFlags {
				if n > 0 {
					pg, pr, pn = append(pg, id), append(pr, role), append(pn, n)
					pd, pv = append(pd, f&flagDeactivated != 0), append(pv, f&flagNever != 0)
				}
			}
		}
	}
	_, err = tx.Exec(ctx, `INSERT INTO people_counts AS c (account_id, group_id, role_id, deactivated, never, people)
	SELECT $1, t.g, t.r, t.d, t.v, t.n FROM unnest($2::bigint[], $3::bigint[], $4::boolean[], $5::boolean[], $6::bigint[]) AS t(g, r, d, v, n) ORDER BY 2, 3, 4, 5
	ON CONFLICT (account_id, group_id, role_id, deactivated, never) DO UPDATE SET people = c.people + EXCLUDED.people`,
		b.accountID, pg, pr, pd, pv, pn)
	if err != nil {
		return err
	}
	// The name prefix counts (migration 00028), as name_prefixes makes
	// them: the prefixes of three characters or more of each name key's
	// first word, and of its last word that do not start the name key.
	var parts [2]map[string]int64
	parts[0], parts[1] = map[string]int64{}, map[string]int64{}
	for _, key := range b.keys {
		first := key
		if i := strings.IndexByte(key, ' '); i >= 0 {
			first = key[:i]
		}
		forPrefixes(first, func(p string) { parts[0][p]++ })
		forPrefixes(key[strings.LastIndexByte(key, ' ')+1:], func(p string) {
			if !strings.HasPrefix(key, p) {
				parts[1][p]++
			}
		})
	}
	var kp []int16
	var kprefix []string
	var kn []int64
	for part, counts := range parts {
		for p, n := range counts {
			kp, kprefix, kn = append(kp, int16(part)), append(kprefix, p), append(kn, n)
		}
	}
	_, err = tx.Exec(ctx, `INSERT INTO name_prefix_counts AS c (account_id, part, prefix, people)
	SELECT $1, t.part, t.prefix, t.n FROM unnest($2::smallint[], $3::text[], $4::bigint[]) AS t(part, prefix, n) ORDER BY 2, 3
	ON CONFLICT (account_id, part, prefix) DO UPDATE SET people = c.people + EXCLUDED.people`,
		b.accountID, kp, kprefix, kn)
	return err
}

// forPrefixes calls f with each prefix of w of three characters or more,
// as left(w, n) for n from 3 to length(w) makes them.
func forPrefixes(w string, f func(string)) {
	n := 0
	for i := range w {
		if n >= 3 {
			f(w[:i])
		}
		n++
	}
	if n >= 3 {
		f(w)
	}
}

// A bulk person's flags (bigAccount.flags), set as their row is made.
const (
	flagDeactivated = 1 << iota
	flagNever
)

// access is person i's memberships and role assignments as their row
// carries them (migration 00017): the group ids ascending, and the group
// ids then the role ids of their role assignments ordered by group, role.
func (b *bigAccount) access(i int) (memberOf, rolesHeld []int64) {
	memberOf = make([]int64, 0, b.nGroups[i])
	type pair struct{ g, r int64 }
	var pairs []pair
	for k := range int(b.nGroups[i]) {
		gid := b.groupIDs[b.groupOf[i][k]]
		memberOf = append(memberOf, gid)
		for _, br := range bitRoles {
			if b.roleBits[i][k]&br.bit != 0 {
				pairs = append(pairs, pair{gid, b.roles[br.key]})
			}
		}
	}
	slices.Sort(memberOf)
	slices.SortFunc(pairs, func(x, y pair) int { return cmp.Or(cmp.Compare(x.g, y.g), cmp.Compare(x.r, y.r)) })
	rolesHeld = make([]int64, 2*len(pairs))
	for j, p := range pairs {
		rolesHeld[j], rolesHeld[len(pairs)+j] = p.g, p.r
	}
	return memberOf, rolesHeld
}

func (b *bigAccount) rng(stream, i uint64) *mrand.Rand {
	return mrand.New(mrand.NewPCG(b.seed.Seed^uint64(b.index)<<48^stream<<40, i))
}

// prepare makes the extra administrators (with the triggers on), reserves
// ids and plans memberships.
func (b *bigAccount) prepare(ctx context.Context, tx pgx.Tx) error {
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

// copySteps adds the COPY of rows 0..n-1 of table, in slices of about
// 250,000 rows, each its own transaction in any session.
func (b *bigAccount) copySteps(g *seedGraph, table string, cols []string, n, rowsPerIndex, order int, people bool, row func(i int, vals []any) bool) {
	name := table
	if b.index > 0 {
		name = fmt.Sprintf("%s (account %d)", table, b.index+1)
	}
	slice := max(250000*rowsPerIndex, 1)
	for lo := 0; lo < n; lo += slice {
		hi := min(lo+slice, n)
		units := (hi - lo + rowsPerIndex - 1) / rowsPerIndex
		step := &seedStep{name: name, phase: "load", table: table, order: order, units: units, people: people && b.index == 0}
		if lo > 0 || hi < n {
			step.name = fmt.Sprintf("%s [%d, %d)", name, lo/rowsPerIndex, hi/rowsPerIndex)
		}
		step.run = func(ctx context.Context, c *pgxpool.Conn, tick func(int)) (int, error) {
			src := &genSource{i: lo, hi: hi, vals: make([]any, len(cols)), row: row,
				tick: func(i int) { tick((i - lo) / rowsPerIndex) }}
			var copied int64
			err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
					return err
				}
				var err error
				copied, err = tx.CopyFrom(ctx, pgx.Identifier{table}, cols, src)
				return err
			})
			return int(copied), err
		}
		g.add(step)
	}
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
func (b *bigAccount) loadGroups(ctx context.Context, tx pgx.Tx) error {
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
	b.groupPaths = make([][]int64, n)
	for i, g := range gs {
		b.groupPaths[i] = g.path
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
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"groups"}, []string{"account_id", "id", "parent_id", "name", "path", "created_at"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy groups: %w", err)
	}
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
	b.flags = make([]uint8, n)
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

// invitationPlan is the plan of one invitation.
type invitationPlan struct {
	status            string
	created, expires  time.Time
	accepted, revoked *time.Time
	link              bool
}

// invitation plans invitation j: about half accepted (each accepted one is
// a person who came through it), a quarter pending, the rest expired or
// revoked; every 1,000th a link. Recent weeks are busier (the chart).
func (b *bigAccount) invitation(j int) invitationPlan {
	now := b.seed.Now
	r := b.rng(5, uint64(j))
	var v invitationPlan
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

func (b *bigAccount) invGroups(r *mrand.Rand) []int64 {
	if len(b.groupIDs) == 0 {
		return []int64{b.rootID}
	}
	return []int64{b.groupIDs[r.IntN(len(b.groupIDs))]}
}

func (b *bigAccount) invRoles(r *mrand.Rand) []int64 {
	ids := []int64{b.roles[roster.RoleRequisitioner]}
	if r.IntN(6) == 0 {
		ids = append(ids, b.roles[roster.RoleApprover])
	}
	return ids
}

// plan decides, before any row is written, everything the rows of one
// table need from another's: every person's groups and roles, who came
// through which invitation, the links that collect join requests, each
// person's name key and how many audit events there are.
func (b *bigAccount) plan() {
	b.planMemberships()
	// Accepted invitations map to the first people, in order.
	b.acceptIdx = make([]int32, b.invitations)
	accepted, audit := 0, b.invitations+b.users/10
	for j := range b.invitations {
		b.acceptIdx[j] = -1
		v := b.invitation(j)
		if v.status == roster.InviteAccepted && accepted < b.users {
			b.acceptIdx[j] = int32(accepted)
			accepted++
		}
		if v.accepted != nil && b.acceptIdx[j] >= 0 || v.revoked != nil {
			audit++
		}
		if v.link {
			// The same draws as the invitation's row: its approval.
			r := b.rng(6, uint64(j))
			r.Uint64()
			r.Uint64()
			r.IntN(len(b.inviters))
			r.IntN(len(bigDepartments))
			mu := 20 + r.IntN(500)
			r.IntN(mu)
			if r.IntN(2) == 0 && v.status == roster.InvitePending {
				b.linkIDs = append(b.linkIDs, b.inviteIDs[j])
			}
		}
	}
	b.accepted, b.auditRows = accepted, audit
	b.acceptedInv = make([]int32, accepted)
	for j, p := range b.acceptIdx {
		if p >= 0 {
			b.acceptedInv[p] = int32(j)
		}
	}
	// Each person's name key, for memberships and role_holders.
	b.keys = make([]string, b.users)
	for i := range b.keys {
		_, b.keys[i], _ = b.personKeyed(i)
	}
}

// addLoads adds the COPYs of the account's bulk rows to g: its people
// first (their trigram index is the longest build), the largest tables
// next.
func (b *bigAccount) addLoads(g *seedGraph) {
	now := b.seed.Now
	acceptedInv := b.acceptedInv
	b.copySteps(g, "invitations", []string{"account_id", "id", "kind", "email", "label", "token_nonce", "token_hash", "status",
		"group_ids", "role_ids", "invited_by", "created_at", "sent_at", "expires_at", "accepted_at", "accepted_user_id", "revoked_at", "revoked_by",
		"delivery", "delivery_error", "reminders_sent", "max_uses", "use_count", "approval_required"}, b.invitations, 1, 25, false,
		func(j int, vals []any) bool {
			v := b.invitation(j)
			r := b.rng(6, uint64(j))
			nonce := make([]byte, 16)
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
			copy(vals, []any{b.accountID, b.inviteIDs[j], kind, email, label, nonce, hash, v.status,
				b.invGroups(r), b.invRoles(r), inviter, v.created, sent, v.expires, acc, acceptedUser, rev, revokedBy,
				delivery, derr, reminders, maxUses, useCount, approval})
			return true
		})

	// People.
	created0 := now.AddDate(-5, 0, 0)
	b.copySteps(g, "users", []string{"account_id", "id", "email", "name", "status", "created_at", "last_sign_in_at",
		"invited_by", "invitation_id", "group_count", "admin_grants", "member_of", "roles_held"}, b.users, 1, 0, true,
		func(i int, vals []any) bool {
			r := b.rng(7, uint64(i))
			name, _ := b.person(i)
			email := b.personEmail(i)
			var invitedBy, invitationID any
			created := created0.Add(time.Duration(r.Int64N(int64(now.Sub(created0) - time.Hour))))
			if i < b.accepted {
				j := acceptedInv[i]
				v := b.invitation(int(j))
				created = *v.accepted
				invitationID = b.inviteIDs[j]
				invitedBy = b.inviters[b.rng(6, uint64(j)).IntN(len(b.inviters))]
			} else if r.IntN(5) == 0 {
				invitedBy = b.inviters[r.IntN(len(b.inviters))]
			}
			status := roster.StatusActive
			var flags uint8
			if r.IntN(25) == 0 {
				status, flags = roster.StatusDeactivated, flagDeactivated
			}
			var lastSignIn any
			if r.IntN(7) != 0 {
				lastSignIn = created.Add(time.Duration(r.Int64N(int64(now.Sub(created)) + 1)))
			} else {
				flags |= flagNever
			}
			b.flags[i] = flags
			admin := 0
			for k := 0; k < int(b.nGroups[i]); k++ {
				if b.roleBits[i][k]&bitAdministrator != 0 {
					admin++
				}
			}
			memberOf, rolesHeld := b.access(i)
			copy(vals, []any{b.accountID, b.userIDs[i], email, name, status, created, lastSignIn, invitedBy, invitationID, int(b.nGroups[i]), admin,
				memberOf, rolesHeld})
			return true
		})

	// Their search rows (migration 00020), as the trigger would write
	// them, loaded before anything else: the trigram index over them, the
	// seed's longest step, starts as soon as they are in.
	b.copySteps(g, "people_search", []string{"account_id", "user_id", "name_key", "email_key", "rest", "lead"}, b.users, 1, -1, true,
		func(i int, vals []any) bool {
			key, email := b.keys[i], strings.ToLower(b.personEmail(i))
			copy(vals, []any{b.accountID, b.userIDs[i], key, email, searchRest(key, email), emailLead(key, email)})
			return true
		})

	// Memberships and roles, by person.
	memberAt := func(i int) time.Time {
		return now.Add(-time.Duration(b.rng(8, uint64(i)).Int64N(int64(3 * 365 * 24 * time.Hour))))
	}
	keys := b.keys
	b.copySteps(g, "memberships", []string{"account_id", "user_id", "group_id", "created_at", "name_key"}, b.users*3, 3, 20, true,
		func(x int, vals []any) bool {
			i, k := x/3, x%3
			if k >= int(b.nGroups[i]) {
				return false
			}
			copy(vals, []any{b.accountID, b.userIDs[i], b.groupIDs[b.groupOf[i][k]], memberAt(i), keys[i]})
			return true
		})
	b.copySteps(g, "role_assignments", []string{"account_id", "user_id", "group_id", "role_id", "created_at"}, b.users*15, 15, 20, true,
		func(x int, vals []any) bool {
			i, k, ri := x/15, x%15/5, x%5
			if k >= int(b.nGroups[i]) || b.roleBits[i][k]&bitRoles[ri].bit == 0 {
				return false
			}
			copy(vals, []any{b.accountID, b.userIDs[i], b.groupIDs[b.groupOf[i][k]], b.roles[bitRoles[ri].key], memberAt(i)})
			return true
		})
	// Their holders: each person once per role, with the number of groups
	// they hold it in.
	b.copySteps(g, "role_holders", []string{"account_id", "role_id", "user_id", "grants", "name_key"}, b.users*5, 5, 20, true,
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

	// Audit history: every invitation sent, accepted or revoked, and a
	// sign-in for one person in ten. One slice: the ids reserved for them
	// are taken in order.
	nInv := b.invitations
	next := 0
	b.copySteps(g, "audit_events", []string{"account_id", "id", "at", "actor_id", "action", "target_user_id", "invitation_id"}, nInv*2+b.users/10, nInv*2+b.users/10, 21, false,
		func(x int, vals []any) bool {
			if x < nInv*2 {
				j := x / 2
				v := b.invitation(j)
				inviter := b.inviters[b.rng(6, uint64(j)).IntN(len(b.inviters))]
				if x%2 == 0 {
					action := "invited"
					if v.link {
						action = "link_created"
					}
					copy(vals, []any{b.accountID, b.auditIDs[next], v.created, inviter, action, nil, b.inviteIDs[j]})
					next++
					return true
				}
				switch {
				case v.accepted != nil && b.acceptIdx[j] >= 0:
					uid := b.userIDs[b.acceptIdx[j]]
					copy(vals, []any{b.accountID, b.auditIDs[next], *v.accepted, uid, "accepted", uid, b.inviteIDs[j]})
				case v.revoked != nil:
					copy(vals, []any{b.accountID, b.auditIDs[next], *v.revoked, inviter, "revoked", nil, b.inviteIDs[j]})
				default:
					return false
				}
				next++
				return true
			}
			i := (x - nInv*2) * 10
			uid := b.userIDs[i]
			at := now.Add(-time.Duration(b.rng(10, uint64(i)).Int64N(int64(90 * 24 * time.Hour))))
			copy(vals, []any{b.accountID, b.auditIDs[next], at, uid, "signed_in", uid, nil})
			next++
			return true
		})
}

// joinRequests are the join requests on the links that need approval:
// most waiting.
func (b *bigAccount) joinRequests() [][]any {
	now := b.seed.Now
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
				b.invGroups(r), b.invRoles(r), now.Add(-time.Duration(1+r.IntN(400)) * time.Hour)})
		}
	}
	return jr
}

func recountInvitationCounters(ctx context.Context, tx pgx.Tx, accountID int64) error {
	_, err := tx.Exec(ctx, `SELECT invitation_counters_recount($1)`, accountID)
	return err
}

// searchRest is roster_search_rest (migration 00019): both keys but their
// first character, joined by \x01.
func searchRest(nameKey, emailKey string) string {
	tail := func(s string) string {
		_, n := utf8.DecodeRuneInString(s)
		return s[n:]
	}
	return tail(nameKey) + "\x01" + tail(emailKey)
}

// emailLead is roster_email_lead (migration 00019): how many characters the
// email key shares with the start of the name key.
func emailLead(nameKey, emailKey string) int {
	n := 0
	for nameKey != "" && emailKey != "" {
		a, i := utf8.DecodeRuneInString(nameKey)
		b, j := utf8.DecodeRuneInString(emailKey)
		if a != b {
			break
		}
		n++
		nameKey, emailKey = nameKey[i:], emailKey[j:]
	}
	return n
}
