-- The five workload profiles of seed 000 (budget per execution = max_returned_events x max_cycles).
INSERT INTO drain_profile (name, schedule_interval_seconds, max_returned_events, max_cycles, description) VALUES
    ('FEED_THROUGHPUT_5MIN',   300, 50, 2, 'Feed, every 5 min: up to 100 events per execution for steady volume'),
    ('FEED_SAFE_5MIN',         300, 25, 2, 'Feed, every 5 min: up to 50 events per execution for fragile targets'),
    ('FEED_CATCHUP_5MIN',      300, 50, 4, 'Feed, every 5 min: up to 200 events per execution to work off a backlog'),
    ('SAGA_CONSERVATIVE_5MIN', 300,  5, 1, 'Saga, every 5 min: up to 5 business keys per execution, one cycle'),
    ('SAGA_BALANCED_5MIN',     300,  5, 2, 'Saga, every 5 min: up to 10 business keys per execution');
