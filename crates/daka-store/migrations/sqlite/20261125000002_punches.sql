-- Punch capture: sites, rules with versions and assignments, rota, company special days,
-- punches and photos. Instants are integer milliseconds since the Unix epoch, UTC; dates are
-- ISO `YYYY-MM-DD` text (an attendance date is a local calendar date, never a UTC instant).

-- A place where punching is allowed. `config` is daka-core's site JSON with fences already
-- converted to WGS-84 (the system each arrived in is kept beside it); `num` is the engine's
-- numeric site id.
CREATE TABLE sites (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    id          TEXT NOT NULL,
    num         INTEGER NOT NULL,
    name        TEXT NOT NULL,
    config      TEXT NOT NULL,
    archived    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, num),
    UNIQUE (tenant_id, name)
);

CREATE TABLE rules (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

-- Rule versions are facts: never rewritten, a change is a new version from a date.
-- `spec` is daka-core's RuleVersionSpec JSON; `location` its LocationPolicy JSON (or NULL:
-- punching allowed anywhere).
CREATE TABLE rule_versions (
    tenant_id      TEXT NOT NULL,
    rule_id        TEXT NOT NULL,
    version        INTEGER NOT NULL,
    effective_from TEXT NOT NULL,
    spec           TEXT NOT NULL,
    location       TEXT,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, rule_id, version),
    UNIQUE (tenant_id, rule_id, effective_from),
    FOREIGN KEY (tenant_id, rule_id) REFERENCES rules(tenant_id, id)
);

-- A rule for an employee or a whole department subtree from a date. An employee's own
-- assignment wins over a department's; the nearest department wins over its ancestors.
CREATE TABLE rule_assignments (
    tenant_id      TEXT NOT NULL,
    id             TEXT NOT NULL,
    rule_id        TEXT NOT NULL,
    employee_id    TEXT,
    department_id  TEXT,
    effective_from TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CHECK ((employee_id IS NULL) <> (department_id IS NULL)),
    FOREIGN KEY (tenant_id, rule_id) REFERENCES rules(tenant_id, id),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees(tenant_id, id),
    FOREIGN KEY (tenant_id, department_id) REFERENCES departments(tenant_id, id)
);
CREATE UNIQUE INDEX rule_assignments_employee ON rule_assignments (tenant_id, employee_id, effective_from);
CREATE UNIQUE INDEX rule_assignments_department ON rule_assignments (tenant_id, department_id, effective_from);

-- 排班: an employee's shift code (of the rule in force that day) or REST, per attendance date.
CREATE TABLE rota_entries (
    tenant_id   TEXT NOT NULL,
    employee_id TEXT NOT NULL,
    date        TEXT NOT NULL,
    shift       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, employee_id, date),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees(tenant_id, id)
);

-- Company-wide one-off workdays and days off, over the national calendar.
CREATE TABLE special_days (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    date        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('workday', 'day_off')),
    name        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, date)
);

-- Photos live in the photo directory under their SHA-256; this row says whose they are.
CREATE TABLE photos (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    id            TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    employee_id   TEXT,
    uploaded_by   TEXT NOT NULL,
    exif_at       INTEGER,
    -- Sealed JSON {lat, lng} (WGS-84) from EXIF, when the photo has one.
    exif_position BLOB,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX photos_sha256 ON photos (tenant_id, sha256);

-- Punches are facts: never rewritten except to purge raw location after the retention period
-- and to record a supervisor's review of an exception.
CREATE TABLE punches (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    id            TEXT NOT NULL,
    -- The client's UUID: a retry or a replayed batch finds the first answer.
    client_id     TEXT NOT NULL,
    employee_id   TEXT NOT NULL,
    -- The instant attendance uses: device time when within the skew and sync window, else receipt.
    at            INTEGER NOT NULL,
    device_at     INTEGER,
    received_at   INTEGER NOT NULL,
    time_flag     TEXT,
    source        TEXT NOT NULL CHECK (source IN ('app', 'web', 'terminal', 'kiosk', 'api')),
    device_id     TEXT,
    submitted_by  TEXT NOT NULL,
    decision      TEXT NOT NULL CHECK (decision IN ('accepted', 'exception', 'field_work', 'refused')),
    -- For exceptions: NULL while pending, then 'approved' or 'rejected'.
    review        TEXT,
    reviewed_by   TEXT,
    reviewed_at   INTEGER,
    note          TEXT,
    photo_id      TEXT,
    -- Sealed JSON: position (WGS-84 with the system it arrived in), Wi-Fi, beacons, IP.
    location      BLOB,
    location_purged_at INTEGER,
    -- The answer first given, replayed verbatim on retries.
    answer        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES employees(tenant_id, id)
);
CREATE UNIQUE INDEX punches_client_id ON punches (tenant_id, client_id);
CREATE INDEX punches_employee_at ON punches (tenant_id, employee_id, at);
CREATE INDEX punches_received ON punches (tenant_id, received_at);
