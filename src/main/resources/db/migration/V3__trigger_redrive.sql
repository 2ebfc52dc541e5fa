-- Orphan sweeper: how often a transient trigger (one S3 object version: key and ETag) was re-driven to its queue.
CREATE TABLE trigger_redrive (
    trigger_ref    VARCHAR(600)             NOT NULL PRIMARY KEY,
    route_id       VARCHAR(100)             NOT NULL,
    redrives       INT                      NOT NULL,
    first_redrive  TIMESTAMP WITH TIME ZONE NOT NULL,
    last_redrive   TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX IF NOT EXISTS trigger_redrive_route ON trigger_redrive (route_id, last_redrive);
