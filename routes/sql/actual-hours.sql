-- Workfront actual-hours entries after the keyset cursor, oldest change first.
SELECT id, revision, employee, project, hours, work_date, updated_at
FROM actual_hours
WHERE (updated_at, id) > (:afterUpdatedAt, :afterId)
ORDER BY updated_at, id
LIMIT :limit
