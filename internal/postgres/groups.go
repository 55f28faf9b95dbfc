package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-hub/roster/internal/roster"
)

// GroupStore reads and changes an account's group tree and role catalogue.
type GroupStore struct {
	pool *pgxpool.Pool
}

// NewGroupStore returns a GroupStore on pool.
func NewGroupStore(pool *pgxpool.Pool) *GroupStore { return &GroupStore{pool: pool} }

// GroupTree returns the account's groups in depth-first order, siblings by
// name.
func (s *GroupStore) GroupTree(ctx context.Context, accountID int64) (*roster.GroupTree, error) {
	rows, err := s.pool.Query(ctx, `SELECT g.id, g.parent_id, g.name, g.path
	FROM groups g WHERE g.account_id = $1`, accountID)
	if err != nil {
		return nil, err
	}
	groups, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (roster.Group, error) {
		var g roster.Group
		err := row.Scan(&g.ID, &g.ParentID, &g.Name, &g.Path)
		return g, err
	})
	if err != nil {
		return nil, err
	}
	return roster.NewGroupTree(roster.SortDepthFirst(groups)), nil
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
