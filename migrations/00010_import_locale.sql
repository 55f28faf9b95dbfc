-- +goose Up
-- Languages (issue 7): each row of a CSV import carries the language of
-- its invitation, from the file's language column or the one chosen in the
-- dialog ('' for the account's default).
ALTER TABLE csv_import_rows ADD COLUMN locale text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE csv_import_rows DROP COLUMN locale;
