-- Plugin lifecycle: the versions operators uploaded (their bytes are files
-- under <data_dir>/plugins/<plugin>/<version>.wasm) and which version serves
-- whom, so a restart restores exactly the same routing.

CREATE TABLE plugin_versions (
    plugin_id       TEXT NOT NULL,
    version         TEXT NOT NULL,
    -- sha256 of the component bytes, hex.
    content_hash    TEXT NOT NULL,
    uploaded_at     BIGINT NOT NULL,
    PRIMARY KEY (plugin_id, version)
);

CREATE TABLE plugin_routing (
    plugin_id       TEXT PRIMARY KEY,
    active_version  TEXT,
    -- JSON array of versions active before, most recent last (rollback order).
    previous        TEXT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- One install pinned to another version than the plugin's active one.
CREATE TABLE plugin_canaries (
    plugin_id   TEXT NOT NULL REFERENCES plugin_routing(plugin_id),
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    install_id  TEXT NOT NULL REFERENCES installs(id),
    version     TEXT NOT NULL,
    PRIMARY KEY (plugin_id, tenant_id, install_id)
);

