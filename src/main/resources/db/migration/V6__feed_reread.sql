-- Per feed route and re-read pass (OVERLAP: the overlap re-check, RECONCILE: the backstop): how far the pass has
-- re-read behind the watermark, so the next execution resumes there instead of re-reading the whole window.
-- updated_at/last_id are null between laps; lap_started_at is when the current (or last) lap began.
CREATE TABLE feed_reread (
    route_id       VARCHAR(100)             NOT NULL,
    pass           VARCHAR(20)              NOT NULL,
    updated_at     TIMESTAMP WITH TIME ZONE,
    last_id        VARCHAR(400),
    lap_started_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (route_id, pass)
);
