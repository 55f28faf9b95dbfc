-- +goose Up
-- The trigram index over the search tails takes new people into its
-- pending list (GIN's fast update), which every search through it reads
-- whole, until a vacuum or until the list passes gin_pending_list_limit
-- (4 MB by default, about 6,000 people) and an insert moves it into the
-- index. At 1,000,000 people, after 3,000 people added, a search's scan
-- of the index took 3.8 ms instead of 1.5, and 4,700 pending people made
-- the benchmark's searches three times slower. At 128 kB the list holds
-- about 150 people: the same scan took 1.5-1.8 ms after the same 3,000,
-- and adding them 2.45 s against 2.48.
ALTER INDEX people_search_rest_trgm SET (gin_pending_list_limit = 128);

-- +goose Down
ALTER INDEX people_search_rest_trgm RESET (gin_pending_list_limit);
