-- Dead-letter payloads are stored up to caravan.dead-letters.max-payload-bytes; what was cut off is described here:
-- the original payload's size in UTF-8 bytes and its SHA-256 (hex), and whether the stored payload is a prefix.
ALTER TABLE dead_letter ADD COLUMN payload_size BIGINT;
ALTER TABLE dead_letter ADD COLUMN payload_sha256 VARCHAR(64);
ALTER TABLE dead_letter ADD COLUMN payload_truncated BOOLEAN DEFAULT FALSE NOT NULL;
