-- 0002: who may see and do what. Users and their scopes, sessions, login throttling, the audit trail, and the
-- functions row-level security reads the caller's scope through.
--
-- How scope reaches PostgreSQL: every request's transaction starts with auth_begin(token hash, ...), which checks
-- the session and sets transaction-local settings registry.user_id / role / province / county / center. Policies
-- read them back through the registry_*() functions below. Nothing else sets them, except registryctl and the
-- SECURITY DEFINER functions here, which act as role 'system'.

CREATE TYPE user_role AS ENUM ('national_admin', 'national_viewer', 'provincial_admin', 'provincial_officer',
                               'county_officer', 'ngo_submitter');

-- The caller, as set for this transaction ----------------------------------------------------------------------
CREATE FUNCTION registry_role() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT current_setting('registry.role', true) $$;
CREATE FUNCTION registry_user_id() RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('registry.user_id', true), '')::bigint $$;
CREATE FUNCTION registry_province() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('registry.province', true), '') $$;
CREATE FUNCTION registry_county() RETURNS integer LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('registry.county', true), '')::integer $$;
CREATE FUNCTION registry_center() RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('registry.center', true), '')::bigint $$;

-- Is a record that lives at (province, county, center) inside the caller's scope?
CREATE FUNCTION registry_in_scope(p text, c integer, ctr bigint) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE registry_role()
        WHEN 'national_admin' THEN true
        WHEN 'national_viewer' THEN true
        WHEN 'system' THEN true
        WHEN 'provincial_admin' THEN p = registry_province()
        WHEN 'provincial_officer' THEN p = registry_province()
        WHEN 'county_officer' THEN c = registry_county()
        WHEN 'ngo_submitter' THEN ctr IS NOT NULL AND ctr = registry_center()
        ELSE false
    END
$$;

-- May the caller write registry records (within its scope)?
CREATE FUNCTION registry_can_write() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT registry_role() IN ('national_admin', 'provincial_admin', 'provincial_officer', 'county_officer', 'system')
$$;

-- Users --------------------------------------------------------------------------------------------------------
CREATE TABLE users (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username            text NOT NULL CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    password_hash       text NOT NULL,
    role                user_role NOT NULL,
    province_code       text REFERENCES provinces (code),
    county_id           integer REFERENCES counties (id),
    center_id           bigint,     -- references centers (added with them)
    full_name           text,
    active              boolean NOT NULL DEFAULT true,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_scope_shape CHECK (
        (role IN ('national_admin', 'national_viewer')
            AND province_code IS NULL AND county_id IS NULL AND center_id IS NULL)
     OR (role IN ('provincial_admin', 'provincial_officer')
            AND province_code IS NOT NULL AND county_id IS NULL AND center_id IS NULL)
     OR (role = 'county_officer' AND province_code IS NOT NULL AND county_id IS NOT NULL AND center_id IS NULL)
     OR (role = 'ngo_submitter' AND province_code IS NOT NULL AND county_id IS NOT NULL AND center_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_username_key ON users (username);
CREATE INDEX users_province_idx ON users (province_code, id);

-- A county officer's province is its county's; kept right whoever writes the row.
CREATE FUNCTION users_derive_scope() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.county_id IS NOT NULL THEN
        SELECT province_code INTO NEW.province_code FROM counties WHERE id = NEW.county_id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER users_derive_scope BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_derive_scope();

-- Which users may the caller create or change? Nobody acts above or outside their own scope.
CREATE FUNCTION registry_may_manage_user(r user_role, p text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT CASE registry_role()
        WHEN 'system' THEN true
        WHEN 'national_admin' THEN true
        WHEN 'provincial_admin' THEN p = registry_province()
                                     AND r IN ('provincial_officer', 'county_officer', 'ngo_submitter')
        ELSE false
    END
$$;

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_read ON users FOR SELECT
    USING (id = registry_user_id() OR registry_role() = 'system' OR registry_may_manage_user(role, province_code)
           OR (registry_role() = 'provincial_admin' AND province_code = registry_province()));
CREATE POLICY users_insert ON users FOR INSERT WITH CHECK (registry_may_manage_user(role, province_code));
CREATE POLICY users_update ON users FOR UPDATE
    USING (registry_may_manage_user(role, province_code))
    WITH CHECK (registry_may_manage_user(role, province_code));

-- Sessions and login throttling: reached only through the SECURITY DEFINER functions below ----------------------
CREATE TABLE sessions (
    token_hash  bytea PRIMARY KEY,          -- SHA-256 of the token; the token itself is never stored
    user_id     bigint NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    address     text
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE login_throttle (
    key             text PRIMARY KEY,       -- 'u:<username>' or 'a:<address>'
    failures        integer NOT NULL,
    window_start    timestamptz NOT NULL,
    locked_until    timestamptz
);

-- The audit trail -----------------------------------------------------------------------------------------------
-- Append-only for the application: it may insert, and read within its scope; never update or delete. Rows are
-- chained by audit_seal() (each row's hash covers the previous row's), so `registryctl audit verify` notices a row
-- changed or removed behind the application's back.
CREATE TABLE audit_log (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    user_id         bigint,
    username        text,
    role            text,
    address         text,
    request_id      text,
    action          text NOT NULL,      -- create, update, close, read, list, login, login_failed, logout, denied, ...
    entity          text NOT NULL,      -- user, session, client, staff, center, ...
    entity_id       text,
    province_code   text,               -- where the record lives, so audit reads can be scoped
    county_id       integer,
    center_id       bigint,
    before          jsonb,
    after           jsonb,
    detail          jsonb,
    seal_seq        bigint UNIQUE,
    prev_hash       bytea,
    hash            bytea
);
CREATE INDEX audit_entity_idx ON audit_log (entity, entity_id, id);
CREATE INDEX audit_unsealed_idx ON audit_log (id) WHERE seal_seq IS NULL;
CREATE INDEX audit_province_idx ON audit_log (province_code, id);

-- Who did it is never taken from the application's word: it comes from the transaction's settings.
CREATE FUNCTION audit_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_user = 'registry_app' THEN
        NEW.user_id := registry_user_id();
        NEW.role := registry_role();
        NEW.username := nullif(current_setting('registry.username', true), '');
        NEW.address := nullif(current_setting('registry.address', true), '');
        NEW.request_id := nullif(current_setting('registry.request_id', true), '');
        NEW.seal_seq := NULL;
        NEW.prev_hash := NULL;
        NEW.hash := NULL;
    END IF;
    NEW.at := clock_timestamp();
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_stamp BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_stamp();

-- Only sealing may touch a row after it is written, and only to fill in its seal.
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('registry.sealing', true) = 'on' AND OLD.seal_seq IS NULL
       AND (to_jsonb(NEW) - 'seal_seq' - 'prev_hash' - 'hash') = (to_jsonb(OLD) - 'seal_seq' - 'prev_hash' - 'hash') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_insert ON audit_log FOR INSERT WITH CHECK (true);
CREATE POLICY audit_read ON audit_log FOR SELECT USING (
    registry_role() IN ('national_admin', 'system')
    OR (registry_role() = 'provincial_admin' AND province_code = registry_province()));
CREATE POLICY audit_seal ON audit_log FOR UPDATE USING (registry_role() = 'system') WITH CHECK (true);

-- The bytes a row's hash covers: every column but the seal, as canonical JSON, times in UTC.
CREATE FUNCTION audit_row_bytes(r audit_log) RETURNS bytea LANGUAGE sql IMMUTABLE
    SET timezone = 'UTC'
AS $$
    SELECT convert_to((to_jsonb(r) - 'seal_seq' - 'prev_hash' - 'hash')::text, 'UTF8')
$$;

-- Seals up to max_rows rows, in id order, continuing the chain. One sealer at a time (advisory lock); returns
-- how many rows it sealed. registryd calls it every second; so does `registryctl audit verify` before checking.
CREATE FUNCTION audit_seal(max_rows integer DEFAULT 10000) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET timezone = 'UTC'
AS $$
DECLARE
    prev bytea;
    seq bigint;
    r audit_log;
    n integer := 0;
BEGIN
    IF NOT pg_try_advisory_xact_lock(727274002) THEN
        RETURN 0;
    END IF;
    PERFORM set_config('registry.role', 'system', true);
    PERFORM set_config('registry.sealing', 'on', true);
    SELECT a.hash, a.seal_seq INTO prev, seq FROM audit_log a WHERE a.seal_seq IS NOT NULL
        ORDER BY a.seal_seq DESC LIMIT 1;
    prev := coalesce(prev, '\x'::bytea);
    seq := coalesce(seq, 0);
    FOR r IN SELECT * FROM audit_log WHERE seal_seq IS NULL ORDER BY id LIMIT max_rows FOR UPDATE LOOP
        seq := seq + 1;
        UPDATE audit_log SET seal_seq = seq, prev_hash = prev, hash = sha256(prev || audit_row_bytes(r))
            WHERE id = r.id
            RETURNING hash INTO prev;
        n := n + 1;
    END LOOP;
    PERFORM set_config('registry.sealing', 'off', true);
    RETURN n;
END
$$;

-- Walks the chain; returns the first problem found, or nothing when it is whole.
CREATE FUNCTION audit_verify() RETURNS TABLE (seal_seq bigint, audit_id bigint, problem text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET timezone = 'UTC'
AS $$
DECLARE
    prev bytea := '\x'::bytea;
    expect bigint := 1;
    r audit_log;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    FOR r IN SELECT * FROM audit_log a WHERE a.seal_seq IS NOT NULL ORDER BY a.seal_seq LOOP
        IF r.seal_seq <> expect THEN
            RETURN QUERY SELECT expect, NULL::bigint, 'row missing from the chain'::text;
            RETURN;
        END IF;
        IF r.prev_hash IS DISTINCT FROM prev THEN
            RETURN QUERY SELECT r.seal_seq, r.id, 'link to the previous row broken'::text;
            RETURN;
        END IF;
        IF r.hash IS DISTINCT FROM sha256(prev || audit_row_bytes(r)) THEN
            RETURN QUERY SELECT r.seal_seq, r.id, 'row changed after it was written'::text;
            RETURN;
        END IF;
        prev := r.hash;
        expect := expect + 1;
    END LOOP;
END
$$;

-- Authentication -------------------------------------------------------------------------------------------------

-- The first statement of every authenticated request: checks the session and sets the caller's scope for the
-- rest of the transaction. An unknown, expired or revoked token aborts the whole transaction (SQLSTATE RA401),
-- so nothing after it runs. read_only lowers the commit to asynchronous: the transaction then only records reads
-- in the audit trail, and losing the last fraction of a second of those in a crash is acceptable where waiting for
-- a disk flush on every read is not.
CREATE FUNCTION auth_begin(token_hash_hex text, request_id text, address text, read_only boolean)
    RETURNS TABLE (user_id bigint, username text, role user_role, province_code text, county_id integer,
                   center_id bigint)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    u users;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    SELECT us.* INTO u FROM sessions s JOIN users us ON us.id = s.user_id
        WHERE s.token_hash = decode(token_hash_hex, 'hex') AND s.revoked_at IS NULL AND s.expires_at > now()
          AND us.active;
    IF NOT FOUND THEN
        PERFORM set_config('registry.role', '', true);
        RAISE EXCEPTION 'invalid session' USING ERRCODE = 'RA401';
    END IF;
    PERFORM set_config('registry.user_id', u.id::text, true),
            set_config('registry.username', u.username, true),
            set_config('registry.role', u.role::text, true),
            set_config('registry.province', coalesce(u.province_code, ''), true),
            set_config('registry.county', coalesce(u.county_id::text, ''), true),
            set_config('registry.center', coalesce(u.center_id::text, ''), true),
            set_config('registry.request_id', coalesce(request_id, ''), true),
            set_config('registry.address', coalesce(address, ''), true);
    IF read_only THEN
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;
    RETURN QUERY SELECT u.id, u.username, u.role, u.province_code, u.county_id, u.center_id;
END
$$;

-- Login, step 1: the user's hash (or nothing) and whether the username or the address is locked out.
CREATE FUNCTION auth_login_lookup(login_username text, address text)
    RETURNS TABLE (user_id bigint, password_hash text, retry_after_s integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    locked timestamptz;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    SELECT max(t.locked_until) INTO locked FROM login_throttle t
        WHERE t.key IN ('u:' || lower(login_username), 'a:' || coalesce(address, '')) AND t.locked_until > now();
    RETURN QUERY
        SELECT u.id, u.password_hash,
               CASE WHEN locked IS NULL THEN 0 ELSE greatest(1, ceil(extract(epoch FROM locked - now())))::integer END
        FROM (SELECT 1) one LEFT JOIN users u ON u.username = lower(login_username) AND u.active;
END
$$;

-- Login, step 2: after the password was checked (off the event loop), record the outcome. On success a session
-- is created; on failure the username and the address move toward a lock-out (5 failures of a username or 20 of
-- an address within 15 minutes lock it for 15 minutes). Both are audited.
CREATE FUNCTION auth_login_finish(login_username text, uid bigint, ok boolean, token_hash_hex text, ttl_s integer,
                                  address text, request_id text)
    RETURNS TABLE (expires_at timestamptz, username text, role user_role, province_code text, county_id integer,
                   center_id bigint, full_name text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    k text;
    lim integer;
    exp timestamptz := now() + make_interval(secs => ttl_s);
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    IF ok THEN
        INSERT INTO sessions (token_hash, user_id, expires_at, address)
            VALUES (decode(token_hash_hex, 'hex'), uid, exp, address);
        DELETE FROM login_throttle WHERE key = 'u:' || lower(login_username);
        INSERT INTO audit_log (user_id, username, role, address, request_id, action, entity, entity_id,
                               province_code, county_id, center_id)
            SELECT u.id, u.username, u.role::text, address, request_id, 'login', 'session', u.id::text,
                   u.province_code, u.county_id, u.center_id
            FROM users u WHERE u.id = uid;
        RETURN QUERY SELECT exp, u.username, u.role, u.province_code, u.county_id, u.center_id, u.full_name
            FROM users u WHERE u.id = uid;
        RETURN;
    END IF;
    FOREACH k IN ARRAY ARRAY['u:' || lower(login_username), 'a:' || coalesce(address, '')] LOOP
        lim := CASE WHEN k LIKE 'u:%' THEN 5 ELSE 20 END;
        INSERT INTO login_throttle AS t (key, failures, window_start) VALUES (k, 1, now())
        ON CONFLICT (key) DO UPDATE SET
            failures = CASE WHEN t.window_start < now() - interval '15 minutes' THEN 1 ELSE t.failures + 1 END,
            window_start = CASE WHEN t.window_start < now() - interval '15 minutes' THEN now() ELSE t.window_start END;
        UPDATE login_throttle t SET locked_until = now() + interval '15 minutes'
            WHERE t.key = k AND t.failures >= lim;
    END LOOP;
    INSERT INTO audit_log (user_id, username, role, address, request_id, action, entity, entity_id, detail,
                           province_code, county_id, center_id)
        SELECT u.id, lower(login_username), u.role::text, address, request_id, 'login_failed', 'session',
               u.id::text, jsonb_build_object('reason', CASE WHEN u.id IS NULL THEN 'unknown user' ELSE 'wrong password' END),
               u.province_code, u.county_id, u.center_id
        FROM (SELECT 1) one LEFT JOIN users u ON u.id = uid;
END
$$;

-- Logout: the session dies at once, for every registryd sharing this database.
CREATE FUNCTION auth_logout(token_hash_hex text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    UPDATE sessions SET revoked_at = now() WHERE token_hash = decode(token_hash_hex, 'hex') AND revoked_at IS NULL;
    INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, user_id, username,
                           role, address, request_id)
        SELECT 'logout', 'session', registry_user_id()::text, u.province_code, u.county_id, u.center_id,
               registry_user_id(), current_setting('registry.username', true), registry_role(),
               nullif(current_setting('registry.address', true), ''),
               nullif(current_setting('registry.request_id', true), '')
        FROM users u WHERE u.id = registry_user_id();
END
$$;

-- The caller's own password hash (to check the old password on a change) and the change itself, which also ends
-- every other session of the user.
CREATE FUNCTION auth_own_password_hash() RETURNS text LANGUAGE sql SECURITY DEFINER STABLE
    SET search_path = public, pg_temp
AS $$ SELECT password_hash FROM users WHERE id = registry_user_id() $$;

CREATE FUNCTION auth_set_own_password(new_hash text, keep_token_hash_hex text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    saved_role text := registry_role();
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    UPDATE users SET password_hash = new_hash, password_changed_at = now(), updated_at = now(),
                     version = version + 1
        WHERE id = registry_user_id();
    UPDATE sessions SET revoked_at = now()
        WHERE user_id = registry_user_id() AND revoked_at IS NULL AND token_hash <> decode(keep_token_hash_hex, 'hex');
    PERFORM set_config('registry.role', saved_role, true);
    INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, user_id, username, role,
                           address, request_id)
        SELECT 'password_change', 'user', u.id::text, u.province_code, u.county_id, u.center_id, u.id, u.username,
               saved_role, nullif(current_setting('registry.address', true), ''),
               nullif(current_setting('registry.request_id', true), '')
        FROM users u WHERE u.id = registry_user_id();
END
$$;

-- What the application role may touch ---------------------------------------------------------------------------
REVOKE ALL ON FUNCTION auth_begin, auth_login_lookup, auth_login_finish, auth_logout, auth_own_password_hash,
    auth_set_own_password, audit_seal, audit_verify FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_begin, auth_login_lookup, auth_login_finish, auth_logout, auth_own_password_hash,
    auth_set_own_password, audit_seal TO registry_app;
GRANT SELECT (id, username, role, province_code, county_id, center_id, full_name, active, version, created_at,
              updated_at, password_changed_at) ON users TO registry_app;
GRANT INSERT (username, password_hash, role, province_code, county_id, center_id, full_name, active) ON users
    TO registry_app;
GRANT UPDATE (password_hash, role, province_code, county_id, center_id, full_name, active, version, updated_at,
              password_changed_at) ON users TO registry_app;
GRANT INSERT (action, entity, entity_id, province_code, county_id, center_id, before, after, detail) ON audit_log
    TO registry_app;
GRANT SELECT ON audit_log TO registry_app;
