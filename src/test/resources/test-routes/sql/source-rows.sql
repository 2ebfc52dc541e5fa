-- the test source: rows after the keyset cursor, oldest change first
SELECT id, revision, payload, updated_at
FROM source_rows
WHERE (updated_at, id) > (:afterUpdatedAt, :afterId)
ORDER BY updated_at, id
LIMIT :limit
