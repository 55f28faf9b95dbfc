package postgres

import (
	"context"
	"errors"
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

// treeCache keeps each account's decoded group tree with the version of
// the tree it was read at (accounts.groups_version, bumped by trigger in
// the same transaction as any change to the account's groups). A tree is
// never changed once built: every request of the account shares it.
type treeCache struct {
	mu    sync.Mutex
	trees map[int64]cachedTree
}

type cachedTree struct {
	version int64
	tree    *roster.GroupTree
}

// maxCachedTrees bounds the cache; past it, it starts again empty.
const maxCachedTrees = 4096

func (c *treeCache) get(accountID, version int64) *roster.GroupTree {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.trees[accountID]; ok && t.version == version {
		return t.tree
	}
	return nil
}

func (c *treeCache) put(accountID, version int64, tree *roster.GroupTree) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.trees == nil || len(c.trees) >= maxCachedTrees {
		c.trees = map[int64]cachedTree{}
	}
	if t, ok := c.trees[accountID]; !ok || t.version < version {
		c.trees[accountID] = cachedTree{version: version, tree: tree}
	}
}

// GroupTree returns the account's groups in depth-first order, siblings by
// name. The tree is shared with other requests and must not be changed.
//
// It costs one primary-key read of the account's tree version while the
// tree is unchanged; reading and decoding the tree (500 groups and their
// paths) and sorting it was a seventh of a People request's CPU time.
func (s *GroupStore) GroupTree(ctx context.Context, accountID int64) (*roster.GroupTree, error) {
	var version int64
	err := s.pool.QueryRow(ctx, `SELECT groups_version FROM accounts WHERE id = $1`, accountID).Scan(&version)
	if err == nil {
		if t := s.trees.get(accountID, version); t != nil {
			return t, nil
		}
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	// The version and the groups in one statement: one snapshot.
	rows, err := s.pool.Query(ctx, `SELECT a.groups_version, g.id, g.parent_id, g.name, g.path
	FROM accounts a JOIN groups g ON g.account_id = a.id WHERE a.id = $1`, accountID)
	if err != nil {
		return nil, err
	}
	version = -1
	groups, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (roster.Group, error) {
		var g roster.Group
		err := row.Scan(&version, &g.ID, &g.ParentID, &g.Name, &g.Path)
		return g, err
	})
	if err != nil {
		return nil, err
	}
	tree := roster.NewGroupTree(roster.SortDepthFirst(groups))
	if version >= 0 {
		s.trees.put(accountID, version, tree)
	}
	return tree, nil
}

// Roles returns the account's role catalogue in catalogue order.
func (s *GroupStore) Roles(ctx context.Context, accountID int64) ([]roster.Role, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, coalesce(key, ''), name, description
	FROM roles WHERE account_id = $1 ORDER BY position, lower(name)`, accountID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (roster.Role, error) {
		var r roster.Role
		err := row.Scan(&r.ID, &r.Key, &r.Name, &r.Description)
		return r, err
	})
}
