-- +goose Up
-- How many people hold each role, kept without a hot row: a change to a
-- role's holders appends a delta (+1 a new holder, -1 one gone), and a
-- periodic job folds the deltas into role_holder_counts. A count is the
-- folded number plus the deltas not folded yet: exact at once, and no
-- transaction ever waits on another's counter (counter rows taken in
-- different role orders by two transactions could deadlock).
CREATE TABLE role_holder_counts (
    account_id bigint NOT NULL,
    role_id    bigint NOT NULL,
    holders    bigint NOT NULL,
    PRIMARY KEY (account_id, role_id),
    FOREIGN KEY (account_id, role_id) REFERENCES roles (account_id, id) ON DELETE CASCADE
);
-- No foreign key: a role deleted with its holders leaves deltas that the
-- fold drops.
CREATE TABLE role_holder_deltas (
    account_id bigint NOT NULL,
    role_id    bigint NOT NULL,
    delta      int NOT NULL
);
CREATE INDEX role_holder_deltas_role_idx ON role_holder_deltas (account_id, role_id);

INSERT INTO role_holder_counts (account_id, role_id, holders)
SELECT r.account_id, r.id, (SELECT count(*) FROM role_holders h WHERE h.account_id = r.account_id AND h.role_id = r.id)
FROM roles r;

-- A role's holders: the folded count and the deltas since.
CREATE FUNCTION role_holder_count(account bigint, role bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT holders FROM role_holder_counts WHERE account_id = account AND role_id = role), 0)
         + coalesce((SELECT sum(delta) FROM role_holder_deltas WHERE account_id = account AND role_id = role), 0)
$$;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION role_holders_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    left_ int;
    fresh boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO role_holders AS h (account_id, role_id, user_id, grants, name_key)
        SELECT NEW.account_id, NEW.role_id, NEW.user_id, 1, u.name_key
        FROM users u WHERE u.account_id = NEW.account_id AND u.id = NEW.user_id
        ON CONFLICT (account_id, user_id, role_id) DO UPDATE SET grants = h.grants + 1
        RETURNING h.grants = 1 INTO fresh;
        IF fresh THEN
            INSERT INTO role_holder_deltas (account_id, role_id, delta) VALUES (NEW.account_id, NEW.role_id, 1);
        END IF;
    ELSE
        UPDATE role_holders SET grants = grants - 1
        WHERE account_id = OLD.account_id AND role_id = OLD.role_id AND user_id = OLD.user_id AND grants > 1
        RETURNING grants INTO left_;
        IF left_ IS NULL THEN
            DELETE FROM role_holders WHERE account_id = OLD.account_id AND role_id = OLD.role_id AND user_id = OLD.user_id;
            IF FOUND THEN
                INSERT INTO role_holder_deltas (account_id, role_id, delta) VALUES (OLD.account_id, OLD.role_id, -1);
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION role_holders_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    left_ int;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO role_holders AS h (account_id, role_id, user_id, grants, name_key)
        SELECT NEW.account_id, NEW.role_id, NEW.user_id, 1, u.name_key
        FROM users u WHERE u.account_id = NEW.account_id AND u.id = NEW.user_id
        ON CONFLICT (account_id, user_id, role_id) DO UPDATE SET grants = h.grants + 1;
    ELSE
        UPDATE role_holders SET grants = grants - 1
        WHERE account_id = OLD.account_id AND role_id = OLD.role_id AND user_id = OLD.user_id AND grants > 1
        RETURNING grants INTO left_;
        IF left_ IS NULL THEN
            DELETE FROM role_holders WHERE account_id = OLD.account_id AND role_id = OLD.role_id AND user_id = OLD.user_id;
        END IF;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP FUNCTION role_holder_count(bigint, bigint);
DROP TABLE role_holder_deltas;
DROP TABLE role_holder_counts;
