-- Shards loaded by `python -m pipeline load DIR` (issue #16): one row per shard, by its content
-- name, written in the same transaction as the shard's rows, so a load that is run again (or
-- resumed after a crash) skips what is already in and never stores a shard twice.
CREATE TABLE IF NOT EXISTS loaded_shards (
    shard_id VARCHAR PRIMARY KEY,
    reports INTEGER,
    files INTEGER,
    loaded_at TIMESTAMP DEFAULT current_timestamp
);
