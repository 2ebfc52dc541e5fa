-- the bench backlog: rows after the keyset cursor, oldest change first (same shape as a production source query)
SELECT id, revision, payload, updated_at
FROM source_rows
WHERE (updated_at, id) > (:afterUpdatedAt, :afterId)
ORDER BY updated_at, id
LIMIT :limit
