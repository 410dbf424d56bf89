-- Management API bearer tokens. Only the SHA-256 (hex) of a token is kept;
-- tenant_id NULL means an admin token (every tenant).
CREATE TABLE api_tokens (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    tenant_id   TEXT REFERENCES tenants(id),
    read_only   BOOLEAN NOT NULL,
    label       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX api_tokens_by_tenant ON api_tokens (tenant_id);

-- System-wide changes (admin tokens, plugin activation) are audited under
-- this reserved tenant, so the audit trail keeps one shape.
INSERT INTO tenants (id, name, settings, created_at) VALUES ('_system', 'System', '{}', 0);

CREATE INDEX audit_by_actor ON audit_entries (tenant_id, actor, at);
