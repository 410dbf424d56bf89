-- Durable state of the component host: per-install key/value pairs, unique
-- number pools, and sealed secrets. Plain SQL that PostgreSQL also accepts.

CREATE TABLE kv_entries (
    tenant_id  TEXT NOT NULL,
    install_id TEXT NOT NULL,
    entry_key  TEXT NOT NULL,
    value      BLOB NOT NULL,
    PRIMARY KEY (tenant_id, install_id, entry_key)
);

-- A row is a number in use. owner is NULL for numbers reserved because they
-- were found taken in the PACS itself.
CREATE TABLE unique_numbers (
    tenant_id  TEXT    NOT NULL,
    install_id TEXT    NOT NULL,
    pool       TEXT    NOT NULL,
    number     BIGINT  NOT NULL,
    owner      TEXT,
    PRIMARY KEY (tenant_id, install_id, pool, number)
);

-- One number per owner and pool: what makes allocation idempotent.
CREATE UNIQUE INDEX unique_numbers_owner
    ON unique_numbers (tenant_id, install_id, pool, owner)
    WHERE owner IS NOT NULL;

-- Secret values sealed with the master key (AEAD); the associated data binds
-- each ciphertext to its tenant, install and name.
CREATE TABLE sealed_secrets (
    tenant_id  TEXT NOT NULL,
    install_id TEXT NOT NULL,
    name       TEXT NOT NULL,
    nonce      BLOB NOT NULL,
    ciphertext BLOB NOT NULL,
    PRIMARY KEY (tenant_id, install_id, name)
);
