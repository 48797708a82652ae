-- Daka schema, PostgreSQL. Every tenant-owned table's primary key starts with tenant_id.
-- Instants are integer milliseconds since the Unix epoch, UTC.

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    -- Head of the tenant's audit hash chain: appends lock and advance it.
    audit_seq   BIGINT NOT NULL DEFAULT 0,
    audit_hash  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE departments (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    parent_id   TEXT,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES departments(tenant_id, id)
);
CREATE INDEX departments_parent ON departments (tenant_id, parent_id);

CREATE TABLE employees (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    id            TEXT NOT NULL,
    employee_no   TEXT NOT NULL,
    name          TEXT NOT NULL,
    department_id TEXT,
    manager_id    TEXT,
    time_zone     TEXT NOT NULL,
    active_from   TEXT,
    active_to     TEXT,
    rule_id       TEXT,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, employee_no),
    FOREIGN KEY (tenant_id, department_id) REFERENCES departments(tenant_id, id),
    FOREIGN KEY (tenant_id, manager_id) REFERENCES employees(tenant_id, id)
);
CREATE INDEX employees_department ON employees (tenant_id, department_id);

CREATE TABLE users (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    id            TEXT NOT NULL,
    username      TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('employee', 'supervisor', 'admin', 'auditor')),
    employee_id   TEXT,
    disabled      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, username),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees(tenant_id, id)
);

-- Supervisors lead department subtrees.
CREATE TABLE department_leads (
    tenant_id     TEXT NOT NULL,
    department_id TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, department_id, user_id),
    FOREIGN KEY (tenant_id, department_id) REFERENCES departments(tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX department_leads_user ON department_leads (tenant_id, user_id);

CREATE TABLE api_tokens (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    id          TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    expires_at  BIGINT,
    revoked     BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);
-- Named for its column, so a violation maps to the field on both backends.
CREATE UNIQUE INDEX api_tokens_token_hash ON api_tokens (token_hash);

-- Browser sessions: the cookie's token is stored hashed; not audited (not a data change).
CREATE TABLE sessions (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    token_hash  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    csrf        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users(tenant_id, id)
);
CREATE INDEX sessions_user ON sessions (tenant_id, user_id);

-- Terminals and kiosks: the device secret is stored hashed.
CREATE TABLE devices (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX devices_secret_hash ON devices (secret_hash);

CREATE TABLE audit_log (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    seq         BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before      TEXT,
    after       TEXT,
    request_id  TEXT,
    ip          TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
