-- +goose Up
-- role_holder_count() is written into the statements that read a role's
-- kept count (roleHolderCountSQL in internal/postgres): PostgreSQL cannot
-- inline a SQL function whose body has subqueries, so it parsed and
-- planned the body again on every call (0.2 ms of a role's page).
DROP FUNCTION role_holder_count(bigint, bigint);

-- +goose Down
CREATE FUNCTION role_holder_count(account bigint, role bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT holders FROM role_holder_counts WHERE account_id = account AND role_id = role), 0)
         + coalesce((SELECT sum(delta) FROM role_holder_deltas WHERE account_id = account AND role_id = role), 0)
$$;
