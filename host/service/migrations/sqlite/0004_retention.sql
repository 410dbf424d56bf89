-- Retention, erasure and connector health. Same portable conventions as 0001.

-- A tenant's privacy choices. A tenant without a row has the defaults:
-- 90 days for everything, health figures shared with no one.
CREATE TABLE privacy_settings (
    tenant_id           TEXT PRIMARY KEY REFERENCES tenants(id),
    personal_data_days  INTEGER NOT NULL,
    job_history_days    INTEGER NOT NULL,
    audit_days          INTEGER NOT NULL,
    share_health        BOOLEAN NOT NULL,
    updated_at          BIGINT NOT NULL
);

-- Every connector call attempt with its instants: connector health is
-- computed from this history. Purged with its job.
CREATE TABLE step_attempts (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    install_id  TEXT NOT NULL REFERENCES installs(id),
    job_id      TEXT NOT NULL REFERENCES jobs(id),
    action      TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    -- NULL when the call succeeded.
    error_kind  TEXT
);
CREATE INDEX step_attempts_by_install ON step_attempts (install_id, finished_at);
CREATE INDEX step_attempts_by_job ON step_attempts (job_id);

-- An erasure request. Who was erased is deliberately not kept.
CREATE TABLE erasures (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    actor        TEXT NOT NULL,
    requested_at BIGINT NOT NULL
);

-- Per install and subject: the erase-person job, or why none was planned.
-- The outcome is the job's status; its job is kept as long as this row.
CREATE TABLE erasure_targets (
    erasure_id  TEXT NOT NULL REFERENCES erasures(id),
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    install_id  TEXT NOT NULL REFERENCES installs(id),
    subject     TEXT NOT NULL,
    job_id      TEXT REFERENCES jobs(id),
    -- 'unsupported' or 'failed' when no job was planned, with the reason.
    not_planned TEXT,
    reason      TEXT,
    PRIMARY KEY (erasure_id, install_id, subject)
);
CREATE INDEX erasure_targets_by_job ON erasure_targets (job_id);
