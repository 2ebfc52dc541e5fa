-- Ledger owners: one row per running caravan process (its ledger owner id), beating every caravan.ledger.heartbeat.
-- An IN_PROGRESS key whose owner's heartbeat is older than caravan.ledger.owner-timeout (or whose owner has no row
-- and which was claimed longer ago than that) is taken over without waiting for its lease. A clean shutdown deletes
-- its row; rows of crashed processes are deleted by the others once long stale.
CREATE TABLE ledger_owner (
    owner        VARCHAR(100)             NOT NULL PRIMARY KEY,
    started_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    heartbeat_at TIMESTAMP WITH TIME ZONE NOT NULL
);
