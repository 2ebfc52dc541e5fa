-- T4 sagas: orchestration state per business key (e.g. wfProjectId) and per step, and the route lock's lease.
-- saga_state (V1) was never used; saga and saga_step replace it. route_lock (V1) is kept as it was:
-- lock_key = '<plan>:<business key>', owner = the holder's ledger owner id, lease_until = the lease's expiry.
DROP TABLE saga_state;

-- One saga per plan and business key. plan_text is the plan as it was when the saga started (plan_version is a hash
-- of it): a deploy that changes routes/sagas/*.yaml never changes a saga already running.
CREATE TABLE saga (
    plan_name    VARCHAR(100)             NOT NULL,
    business_key VARCHAR(200)             NOT NULL,
    route_id     VARCHAR(100)             NOT NULL,
    status       VARCHAR(20)              NOT NULL,
    current_step VARCHAR(100),
    plan_version VARCHAR(64)              NOT NULL,
    plan_text    TEXT                     NOT NULL,
    event        TEXT                     NOT NULL,
    error        TEXT,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at   TIMESTAMP WITH TIME ZONE,
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at  TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (plan_name, business_key)
);
CREATE INDEX saga_by_status ON saga (status, updated_at);

-- One row per step of a saga's frozen plan. CALLING = intent recorded, the call may or may not have reached the
-- target: a resume re-sends it with the same idempotency key.
CREATE TABLE saga_step (
    plan_name       VARCHAR(100)             NOT NULL,
    business_key    VARCHAR(200)             NOT NULL,
    step            VARCHAR(100)             NOT NULL,
    position        INT                      NOT NULL,
    status          VARCHAR(20)              NOT NULL,
    attempts        INT                      NOT NULL,
    idempotency_key VARCHAR(400)             NOT NULL,
    request_hash    VARCHAR(64),
    result          TEXT,
    error           TEXT,
    started_at      TIMESTAMP WITH TIME ZONE,
    finished_at     TIMESTAMP WITH TIME ZONE,
    PRIMARY KEY (plan_name, business_key, step)
);
