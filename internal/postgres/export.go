package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/roster-hub/roster/internal/roster"
)

// exportChunk is how many people an export reads at a time.
const exportChunk = 5000

// ExportUsers streams every person matching f (or, when ids is not empty,
// those people only) in the view's order to fn, one at a time, from one
// consistent snapshot: memory stays flat whatever the size. fn runs on the
// caller's goroutine; the User it gets is its own (nothing is reused).
//
// The people are read a chunk at a time along the view's sort index (keyset,
// as the table pages) by a producer goroutine on the export's one
// transaction, while fn handles the chunk before: reading and writing
// overlap, and at most three chunks are in memory. Each chunk's roles are
// read with one index probe a person (none for people in no group, which
// group_count says); a person's groups are the groups they hold roles in
// when their group_count says that is all of them (most people), and only
// the others' memberships are read. (One statement with three correlated
// array subqueries per person, each sorting its array, spent 17 s of
// PostgreSQL time on a million people; probing memberships and roles for
// everyone, 7 s.)
func (s *UserStore) ExportUsers(ctx context.Context, accountID int64, f roster.UserFilter, ids []int64, fn func(roster.User) error) error {
	return s.exportUsers(ctx, accountID, f, ids, exportChunk, fn)
}

// exportBatch is one chunk of people handed from the reader to fn, or the
// error that ended the reading.
type exportBatch struct {
	users []roster.User
	err   error
}

// exportUsers is ExportUsers reading chunk people at a time (tests use
// small chunks to cross many chunk boundaries).
func (s *UserStore) exportUsers(ctx context.Context, accountID int64, f roster.UserFilter, ids []int64, chunk int, fn func(roster.User) error) error {
	r := newExportReader(accountID, f, ids, chunk)
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	if f.IsFiltered() || f.Scope != nil {
		// A filtered view's chunks are planned with their values (see
		// readPlanned); the whole account's walk may keep its plan.
		opts.BeginQuery = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; " + planWithValues
	}
	return pgx.BeginTxFunc(ctx, s.pool, opts, func(tx pgx.Tx) error {
		// One buffered chunk: the reader works on chunk k+1 while fn has
		// chunk k and chunk k+2 may wait in the channel. Only the reader
		// uses tx until it has returned (done), so the transaction ends
		// (commit or rollback) only after the reader is gone.
		batches := make(chan exportBatch, 1)
		stop, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			defer close(batches)
			for {
				select {
				case <-stop:
					return
				default:
				}
				users, err := r.next(ctx, tx)
				if len(users) > 0 || err != nil {
					select {
					case batches <- exportBatch{users, err}:
					case <-stop:
						return
					}
				}
				if err != nil || len(users) < chunk {
					return
				}
			}
		}()
		// Whatever ends the loop (the end, an error, fn's error or panic),
		// the reader is stopped and waited for before the transaction ends.
		defer func() { close(stop); <-done }()
		for b := range batches {
			if b.err != nil {
				return b.err
			}
			for _, u := range b.users {
				if err := fn(u); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// exportReader reads an export's chunks in order; it is used by one
// goroutine at a time.
type exportReader struct {
	accountID int64
	chunk     int
	first     string // the chunk statement without a keyset, and with one
	after     string
	args      []any // first's arguments; after's are these and the key
	lastKey   []byte
	lastID    int64

	// scratch, reused from chunk to chunk
	at       map[int64]int32
	groups   []int32 // each person's group_count
	distinct []int32 // each person's groups with roles
	probe    []int64
	links    []exportLink
	sorted   []exportLink // sortLinks' other buffer
	starts   []int32
}

// exportLink is a role held (role > 0) or a membership (role 0) of the
// chunk's person at index i.
type exportLink struct {
	i           int32
	group, role int64
}

func newExportReader(accountID int64, f roster.UserFilter, ids []int64, chunk int) *exportReader {
	sc, ok := sortColumns[f.Sort]
	if !ok {
		sc = sortColumns[roster.SortName]
	}
	dir, op := "ASC", ">"
	if f.Desc {
		dir, op = "DESC", "<"
	}
	w := &where{}
	w.add("u.account_id = %s", accountID)
	if len(ids) > 0 {
		w.add("u.id = ANY(%s)", uniqueIDs(ids))
		if f.Scope != nil {
			w.add(inScopeSQL, accountID, f.Scope)
		}
	} else {
		userConditions(w, accountID, f)
	}
	r := &exportReader{accountID: accountID, chunk: chunk, args: w.args, at: make(map[int64]int32, chunk)}
	stmt := func(w *where) string {
		return fmt.Sprintf(`SELECT u.id, u.email, u.name, u.status, u.created_at, u.last_sign_in_at, coalesce(ib.name, ''), u.group_count, %s::text
			FROM users u LEFT JOIN users ib ON ib.account_id = u.account_id AND ib.id = u.invited_by
			WHERE %s ORDER BY %s %s, u.id %s LIMIT %d`, sc.col, w.sql(), sc.col, dir, dir, chunk)
	}
	r.first = stmt(w)
	w.add(fmt.Sprintf("(%s, u.id) %s (%%s::text::%s, %%s)", sc.col, op, sc.typ), "", int64(0))
	r.after = stmt(w)
	return r
}

// next reads the chunk after the last one read, with each person's
// memberships (by group id) and roles (by id within each group). An empty
// chunk is the end.
func (r *exportReader) next(ctx context.Context, tx pgx.Tx) ([]roster.User, error) {
	q, args := r.first, r.args
	if r.lastID != 0 {
		q, args = r.after, append(slices.Clip(r.args), string(r.lastKey), r.lastID)
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	users := make([]roster.User, 0, r.chunk)
	// The chunk's sign-in times share one allocation, and the status is
	// one of two constants: two allocations a person fewer.
	signIns := make([]time.Time, 0, r.chunk)
	clear(r.at)
	r.groups, r.probe = r.groups[:0], r.probe[:0]
	var gc int32
	var signIn pgtype.Timestamptz
	for rows.Next() {
		u := roster.User{AccountID: r.accountID}
		if err := rows.Scan(&u.ID, &u.Email, &u.Name, nil, &u.CreatedAt, &signIn, &u.InvitedByName, &gc, nil); err != nil {
			rows.Close()
			return nil, err
		}
		raw := rows.RawValues()
		switch string(raw[3]) {
		case roster.StatusActive:
			u.Status = roster.StatusActive
		case roster.StatusDeactivated:
			u.Status = roster.StatusDeactivated
		default:
			u.Status = string(raw[3])
		}
		if signIn.Valid {
			signIns = append(signIns, signIn.Time)
			u.LastSignInAt = &signIns[len(signIns)-1]
		}
		// Only the last person's key is needed: keep its bytes, not a
		// string per person.
		r.lastKey = append(r.lastKey[:0], raw[8]...)
		r.at[u.ID] = int32(len(users))
		r.groups = append(r.groups, gc)
		if gc > 0 {
			r.probe = append(r.probe, u.ID)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, nil
	}
	r.lastID = users[len(users)-1].ID
	if err := r.memberships(ctx, tx, users); err != nil {
		return nil, err
	}
	return users, nil
}

// memberships fills in the chunk's memberships: the roles of everyone in
// a group, then the memberships of those whose groups the roles do not
// account for (group_count and role_assignments are read in the same
// snapshot, and a role is held in a group only by one of its members).
func (r *exportReader) memberships(ctx context.Context, tx pgx.Tx, users []roster.User) error {
	r.links = r.links[:0]
	if len(r.probe) == 0 {
		return nil
	}
	// Ascending ids walk each index forward, and unnest (unlike = ANY)
	// costs nothing to plan however many ids there are.
	slices.Sort(r.probe)
	if err := r.readLinks(ctx, tx, `SELECT ra.user_id, ra.group_id, ra.role_id FROM unnest($2::bigint[]) AS t(id)
		JOIN role_assignments ra ON ra.account_id = $1 AND ra.user_id = t.id`); err != nil {
		return err
	}
	r.sortLinks(len(users))
	// Whose memberships are not all among the groups of their roles? (A
	// count that disagrees either way means reading the memberships.)
	distinct := r.distinct[:0]
	distinct = append(distinct, make([]int32, len(users))...)
	for k, l := range r.links {
		if k == 0 || r.links[k-1].i != l.i || r.links[k-1].group != l.group {
			distinct[l.i]++
		}
	}
	r.distinct = distinct
	r.probe = r.probe[:0]
	for i, gc := range r.groups {
		if gc != distinct[i] {
			r.probe = append(r.probe, users[i].ID)
		}
	}
	if len(r.probe) > 0 {
		slices.Sort(r.probe)
		if err := r.readLinks(ctx, tx, `SELECT m.user_id, m.group_id, 0::bigint FROM unnest($2::bigint[]) AS t(id)
			JOIN memberships m ON m.account_id = $1 AND m.user_id = t.id`); err != nil {
			return err
		}
		r.sortLinks(len(users))
	}
	// One backing array for the chunk's memberships and one for its role
	// ids, each person's slices cut from them with their capacity capped,
	// so an append by fn cannot reach a neighbour's.
	nm, nr := 0, 0
	for k, l := range r.links {
		if k == 0 || r.links[k-1].i != l.i || r.links[k-1].group != l.group {
			nm++
		}
		if l.role != 0 {
			nr++
		}
	}
	ms := make([]roster.Membership, 0, nm)
	rids := make([]int64, 0, nr)
	links := r.links
	for k := 0; k < len(links); {
		i, m0 := links[k].i, len(ms)
		for k < len(links) && links[k].i == i {
			g, r0 := links[k].group, len(rids)
			for ; k < len(links) && links[k].i == i && links[k].group == g; k++ {
				if links[k].role != 0 {
					rids = append(rids, links[k].role)
				}
			}
			m := roster.Membership{GroupID: g}
			if len(rids) > r0 {
				m.RoleIDs = rids[r0:len(rids):len(rids)]
			}
			ms = append(ms, m)
		}
		users[i].Memberships = ms[m0:len(ms):len(ms)]
	}
	return nil
}

// readLinks appends the (user, group, role) rows of q, run for r.probe, to
// r.links.
func (r *exportReader) readLinks(ctx context.Context, tx pgx.Tx, q string) error {
	rows, err := tx.Query(ctx, q, r.accountID, r.probe)
	if err != nil {
		return err
	}
	var userID, group, role int64
	_, err = pgx.ForEachRow(rows, []any{&userID, &group, &role}, func() error {
		if i, ok := r.at[userID]; ok {
			r.links = append(r.links, exportLink{i, group, role})
		}
		return nil
	})
	return err
}

// sortLinks orders r.links by person, a counting sort (they come in id
// order, not the chunk's), then each person's by group and role (a
// membership's own link, role 0, first): that is the order the primary
// keys give each person's rows, so it is only checked.
func (r *exportReader) sortLinks(people int) {
	starts := slices.Grow(r.starts[:0], people+1)[:people+1]
	clear(starts)
	for _, l := range r.links {
		starts[l.i+1]++
	}
	for i := 1; i <= people; i++ {
		starts[i] += starts[i-1]
	}
	sorted := slices.Grow(r.sorted[:0], len(r.links))[:len(r.links)]
	for _, l := range r.links {
		sorted[starts[l.i]] = l
		starts[l.i]++
	}
	r.links, r.sorted, r.starts = sorted, r.links, starts
	byGroup := func(a, b exportLink) int {
		if c := cmp.Compare(a.group, b.group); c != 0 {
			return c
		}
		return cmp.Compare(a.role, b.role)
	}
	for k := 0; k < len(sorted); {
		e := k + 1
		for e < len(sorted) && sorted[e].i == sorted[k].i {
			e++
		}
		if seg := sorted[k:e]; !slices.IsSortedFunc(seg, byGroup) {
			slices.SortFunc(seg, byGroup)
		}
		k = e
	}
}
