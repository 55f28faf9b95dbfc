-- +goose Up
-- A search within a group's subtree: the trigram index's matches ANDed
-- with the subtree's members (people whose member_of overlaps the
-- subtree's groups) before any row is read. "hannah" in a department of
-- 4,664 read 4,746 rows to keep 24 (14 ms); the intersection reads 27
-- (5 ms).
CREATE INDEX users_member_of_idx ON users USING gin (member_of);

-- +goose Down
DROP INDEX users_member_of_idx;
