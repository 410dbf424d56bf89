-- Gatehouse's durable state. Portable SQL on purpose (the PostgreSQL backend
-- mirrors it): ids are TEXT, instants are BIGINT milliseconds since the epoch
-- in UTC, JSON is TEXT, flags are BOOLEAN. Every row carries its tenant.

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    -- SMTP relay, outbound webhook, e-mail template (JSON, secrets sealed).
    settings    TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE locations (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    name        TEXT NOT NULL,
    time_zone   TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE installs (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    location_id     TEXT NOT NULL REFERENCES locations(id),
    plugin_id       TEXT NOT NULL,
    config          TEXT NOT NULL,
    grants          TEXT NOT NULL,
    webhook_secret  BLOB,
    enabled         BOOLEAN NOT NULL,
    created_at      BIGINT NOT NULL
);

CREATE TABLE policies (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    install_id  TEXT NOT NULL REFERENCES installs(id),
    version     INTEGER NOT NULL,
    source      TEXT NOT NULL,
    -- The plugin's actions when this version was validated (JSON list):
    -- the planner uses optional actions only where the plugin has them.
    supported_actions TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (install_id, version)
);

CREATE TABLE card_pools (
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    install_id      TEXT NOT NULL REFERENCES installs(id),
    facility_code   INTEGER NOT NULL,
    format          TEXT NOT NULL,
    min_number      BIGINT NOT NULL,
    max_number      BIGINT NOT NULL,
    PRIMARY KEY (install_id, facility_code)
);

-- Live card numbers only: a number is in this table from issue to release.
CREATE TABLE card_numbers (
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    install_id      TEXT NOT NULL REFERENCES installs(id),
    facility_code   INTEGER NOT NULL,
    number          BIGINT NOT NULL,
    owner           TEXT NOT NULL,
    issued_at       BIGINT NOT NULL,
    PRIMARY KEY (install_id, facility_code, number),
    UNIQUE (install_id, facility_code, owner)
);

CREATE TABLE events (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    install_id  TEXT NOT NULL REFERENCES installs(id),
    source      TEXT NOT NULL,
    name        TEXT NOT NULL,
    dedup_key   TEXT NOT NULL,
    raw         TEXT NOT NULL,
    normalised  TEXT,
    -- Why the event is recorded without being acted on (unknown event name).
    ignored_reason TEXT,
    time_zone   TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    -- The intake's answer, returned again verbatim to a redelivery.
    receipt     TEXT,
    UNIQUE (install_id, dedup_key)
);

CREATE TABLE persons (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    install_id  TEXT NOT NULL REFERENCES installs(id),
    external_id TEXT NOT NULL,
    kind        TEXT NOT NULL,
    details     TEXT NOT NULL,
    pacs_id     TEXT,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (install_id, external_id)
);

CREATE TABLE visits (
    tenant_id               TEXT NOT NULL REFERENCES tenants(id),
    install_id              TEXT NOT NULL REFERENCES installs(id),
    visit_id                TEXT NOT NULL,
    visitor_type            TEXT NOT NULL,
    invited                 BOOLEAN NOT NULL,
    registration_complete   BOOLEAN NOT NULL,
    expected_arrival        BIGINT,
    window_start            BIGINT,
    window_end              BIGINT,
    provisioned             BOOLEAN NOT NULL,
    state                   TEXT NOT NULL,
    updated_at              BIGINT NOT NULL,
    PRIMARY KEY (install_id, visit_id)
);

CREATE TABLE jobs (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    install_id          TEXT NOT NULL REFERENCES installs(id),
    event_id            TEXT REFERENCES events(id),
    schedule_entry_id   TEXT,
    subject             TEXT NOT NULL,
    -- Global order of creation; jobs of one subject run in this order.
    queue_pos           BIGINT NOT NULL UNIQUE,
    policy_version      INTEGER,
    status              TEXT NOT NULL,
    reason              TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX jobs_by_subject ON jobs (install_id, subject, queue_pos);
CREATE INDEX jobs_by_status ON jobs (status, queue_pos);

CREATE TABLE job_steps (
    id                  TEXT PRIMARY KEY,
    job_id              TEXT NOT NULL REFERENCES jobs(id),
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    seq                 INTEGER NOT NULL,
    action              TEXT NOT NULL,
    params              TEXT NOT NULL,
    due_at              BIGINT NOT NULL,
    window_start        BIGINT,
    window_end          BIGINT,
    include_contact     BOOLEAN NOT NULL,
    idempotency_key     TEXT NOT NULL UNIQUE,
    status              TEXT NOT NULL,
    attempts            INTEGER NOT NULL,
    next_attempt_at     BIGINT NOT NULL,
    error_kind          TEXT,
    error               TEXT,
    outcome             TEXT,
    updated_at          BIGINT NOT NULL,
    UNIQUE (job_id, seq)
);

CREATE TABLE schedule_entries (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    install_id      TEXT NOT NULL REFERENCES installs(id),
    subject         TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    due_at          BIGINT NOT NULL,
    steps           TEXT NOT NULL,
    policy_version  INTEGER,
    origin_event_id TEXT REFERENCES events(id),
    fired           BOOLEAN NOT NULL,
    cancelled       BOOLEAN NOT NULL,
    job_id          TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX schedule_due ON schedule_entries (fired, cancelled, due_at);
CREATE INDEX schedule_by_subject ON schedule_entries (install_id, subject);

CREATE TABLE attachments (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    install_id      TEXT NOT NULL REFERENCES installs(id),
    job_id          TEXT NOT NULL REFERENCES jobs(id),
    subject         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    card_number     BIGINT,
    facility_code   INTEGER,
    card_format     TEXT,
    sealed_pin      BLOB,
    pin_revealed    BOOLEAN NOT NULL,
    png             BLOB,
    note            TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX attachments_by_job ON attachments (job_id);
CREATE INDEX attachments_by_subject ON attachments (install_id, subject);

CREATE TABLE occupancy (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    install_id      TEXT NOT NULL REFERENCES installs(id),
    location_id     TEXT NOT NULL REFERENCES locations(id),
    pacs_event_id   TEXT NOT NULL,
    email           TEXT,
    pacs_person_id  TEXT NOT NULL,
    door            TEXT,
    occurred_at     BIGINT NOT NULL,
    recorded_at     BIGINT NOT NULL,
    UNIQUE (install_id, pacs_event_id)
);

CREATE TABLE event_cursors (
    install_id  TEXT PRIMARY KEY REFERENCES installs(id),
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    cursor      TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE outbound_deliveries (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX outbound_due ON outbound_deliveries (status, next_attempt_at);

CREATE TABLE audit_entries (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX audit_by_tenant ON audit_entries (tenant_id, at);
