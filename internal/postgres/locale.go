package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/roster-hub/roster/internal/roster"
)

// SetLocale saves the language a person chose with the picker and, when it
// changed, records a locale_changed event (detail: old and new), in one
// transaction. ENOTFOUND for a person not of the account.
func (s *UserStore) SetLocale(ctx context.Context, accountID, userID int64, locale string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var old string
		err := tx.QueryRow(ctx, `SELECT coalesce(locale, '') FROM users WHERE account_id = $1 AND id = $2 FOR UPDATE`, accountID, userID).Scan(&old)
		if err != nil {
			return mapError(err, "person")
		}
		if old == locale {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET locale = nullif($3, '') WHERE account_id = $1 AND id = $2`, accountID, userID, locale); err != nil {
			return err
		}
		return audit(ctx, tx, accountID, userID, roster.AuditLocaleChanged, &userID, map[string]any{"old": old, "new": locale})
	})
}
