package postgres

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/roster"
)

// GroupStore reads and changes an account's group tree and role catalogue.
type GroupStore struct {
	pool  *pgxpool.Pool
	trees treeCache
}

// NewGroupStore returns a GroupStore on pool.
func NewGroupStore(pool *pgxpool.Pool) *GroupStore { return &GroupStore{pool: pool} }

// treeCache keeps each account's decoded group tree and role catalogue
// with the version they were read at (accounts.groups_version, bumped by
// trigger in the same transaction as any change to the account's groups
// or roles). Neither is changed once read: every request of the account
// shares the tree, and gets its own copy of the roles.
type treeCache struct {
	mu    sync.Mutex
	trees map[int64]cachedTree
}

type cachedTree struct {
	version int64
	tree    *roster.GroupTree
	roles   []roster.Role
}

// maxCachedTrees bounds the cache; past it, it starts again empty.
const maxCachedTrees = 4096

func (c *treeCache) get(accountID, version int64) (cachedTree, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.trees[accountID]
	return t, ok && t.version == version
}

func (c *treeCache) put(accountID int64, t cachedTree) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.trees == nil || len(c.trees) >= maxCachedTrees {
		c.trees = map[int64]cachedTree{}
	}
	if old, ok := c.trees[accountID]; !ok || old.version < t.version {
		c.trees[accountID] = t
	}
}

// Catalogue returns the account's groups in depth-first order (siblings by
// name) and its role catalogue in catalogue order, as of version: the
// account's accounts.groups_version as the request's session lookup read
// it, or 0 to read it first. The tree is shared with other requests and
// must not be changed.
//
// While the catalogue is unchanged it costs nothing with a version, and
// one primary-key read without; reading and decoding the tree (500 groups
// and their paths) and sorting it was a seventh of a People request's CPU
// time, and the version and the roles were two of its seven round trips.
func (s *GroupStore) Catalogue(ctx context.Context, accountID, version int64) (*roster.GroupTree, []roster.Role, error) {
	if version == 0 {
		err := s.pool.QueryRow(ctx, `SELECT groups_version FROM accounts WHERE id = $1`, accountID).Scan(&version)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, nil, err
		}
	}
	c, ok := s.trees.get(accountID, version)
	if !ok {
		// The version, the groups and the roles in one snapshot.
		c.version = -1
		err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT a.groups_version, g.id, g.parent_id, g.name, g.path
			FROM accounts a JOIN groups g ON g.account_id = a.id WHERE a.id = $1`, accountID)
			if err != nil {
				return err
			}
			groups, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (roster.Group, error) {
				var g roster.Group
				err := row.Scan(&c.version, &g.ID, &g.ParentID, &g.Name, &g.Path)
				return g, err
			})
			if err != nil {
				return err
			}
			c.tree = roster.NewGroupTree(roster.SortDepthFirst(groups))
			rows, err = tx.Query(ctx, `SELECT id, coalesce(key, ''), name, description
			FROM roles WHERE account_id = $1 ORDER BY position, lower(name)`, accountID)
			if err != nil {
				return err
			}
			c.roles, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (roster.Role, error) {
				var r roster.Role
				err := row.Scan(&r.ID, &r.Key, &r.Name, &r.Description)
				return r, err
			})
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		if c.version >= 0 {
			s.trees.put(accountID, c)
		}
	}
	return c.tree, slices.Clone(c.roles), nil
}

// GroupTree returns the account's group tree (see Catalogue).
func (s *GroupStore) GroupTree(ctx context.Context, accountID int64) (*roster.GroupTree, error) {
	t, _, err := s.Catalogue(ctx, accountID, 0)
	return t, err
}

// Roles returns the account's role catalogue in catalogue order.
func (s *GroupStore) Roles(ctx context.Context, accountID int64) ([]roster.Role, error) {
	_, r, err := s.Catalogue(ctx, accountID, 0)
	return r, err
}
