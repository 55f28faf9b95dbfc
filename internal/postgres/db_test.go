package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// keptPlans' statements run with generic plans, and the setting ends
// with each one: the connection's next statement is planned as usual.
func TestKeptPlansHoldForTheirStatementOnly(t *testing.T) {
	t.Parallel()
	pool := NewDB(t)
	ctx := t.Context()
	err := pool.AcquireFunc(ctx, func(c *pgxpool.Conn) error {
		k := keptPlans{c}
		var mode string
		if err := k.QueryRow(ctx, "SELECT current_setting('plan_cache_mode')").Scan(&mode); err != nil {
			return err
		}
		if mode != "force_generic_plan" {
			t.Errorf("within keptPlans: plan_cache_mode %q", mode)
		}
		rows, err := k.Query(ctx, "SELECT current_setting('plan_cache_mode') FROM generate_series(1, $1::int)", 3)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(&mode); err != nil {
				return err
			}
			n++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n != 3 || mode != "force_generic_plan" {
			t.Errorf("keptPlans rows: %d, plan_cache_mode %q", n, mode)
		}
		if err := c.QueryRow(ctx, "SELECT current_setting('plan_cache_mode')").Scan(&mode); err != nil {
			return err
		}
		if mode != "auto" {
			t.Errorf("after keptPlans: plan_cache_mode %q, want auto", mode)
		}
		// An error reaches the caller, and the connection stays usable.
		if _, err := k.Exec(ctx, "SELECT 1/0"); err == nil {
			t.Error("division by zero: no error")
		}
		return c.QueryRow(ctx, "SELECT 1").Scan(new(int))
	})
	if err != nil {
		t.Fatal(err)
	}
}
