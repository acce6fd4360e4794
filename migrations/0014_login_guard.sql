-- 0014: password checks that never hand a hash to the application, and sign-in throttling that counts attempts
-- when they start and cannot be turned against the real user.
--
-- (1) registryd (as registry_app) used to receive the stored hash (auth_login_lookup, auth_own_password_hash) and
-- could mint a session for any user id (auth_login_finish took its word that the password matched). Now a check
-- has two steps: *_start returns only the scrypt parameters and salt (for an unknown username, a stable fake salt
-- derived from the username and a secret the application cannot read, so existence is not revealed) and an attempt
-- id; registryd runs scrypt on its login threads and sends the derived key (as the full encoded string) to
-- *_check, which compares it with the stored one here and only on a match mints the session (or changes the
-- password). Nothing can mint a session without the password. The stored string keeps its own parameters, so old
-- hashes keep working.
-- (2) Attempts are counted when they start, as failures until they succeed (a success or an abandoned attempt is
-- taken back), so attempts in flight count, also across registryd processes. Limits: 20 per address and 5 per
-- (username, address) within 15 minutes lock that address or that pair for 15 minutes; per username, across all
-- addresses, after 5 failures each further attempt must wait 2^(failures-5) seconds (at most 5 minutes) since the
-- last one. A stranger can slow a user down but not lock them out.
-- (3) A password reset ends the user's sessions (a user changing their own password keeps the session they did
-- it with).

-- The secret behind fake salts and the comparison of keys: only SECURITY DEFINER code reads it.
CREATE TABLE auth_secret (
    id      integer PRIMARY KEY CHECK (id = 1),
    secret  bytea NOT NULL
);
INSERT INTO auth_secret VALUES (1, sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text
                                                     || clock_timestamp()::text, 'UTF8')));
REVOKE ALL ON auth_secret FROM PUBLIC;

-- A password check in progress: counted when it started; its check consumes it.
CREATE TABLE login_attempts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purpose     text NOT NULL CHECK (purpose IN ('login', 'password')),
    user_id     bigint,                 -- NULL: no such user
    username    text NOT NULL,
    address     text NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_started_idx ON login_attempts (started_at);
REVOKE ALL ON login_attempts FROM PUBLIC;

ALTER TABLE login_throttle ADD COLUMN last_failure timestamptz;
COMMENT ON COLUMN login_throttle.key IS '''a:<address>'', ''p:<address> <username>'' or ''u:<username>''';

-- The encoded hash up to its key ("$scrypt$ln=..,r=..,p=..$salt$"): what registryd needs to derive a key. For an
-- unknown user, the same shape with the default parameters and a salt that depends only on the username.
CREATE FUNCTION auth_setting_of(stored text, uname text) RETURNS text LANGUAGE sql STABLE
    SET search_path = public, pg_temp
AS $$
    SELECT coalesce(substring(stored FROM '^(\$scrypt\$ln=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$)[A-Za-z0-9+/]+$'),
                    '$scrypt$ln=17,r=8,p=1$'
                    || rtrim(encode(substring(sha256(s.secret || convert_to('salt:' || uname, 'UTF8')) FROM 1 FOR 16),
                                    'base64'), '=') || '$')
    FROM auth_secret s
$$;

-- Equal encoded hashes? Compares keyed digests, so the time taken says nothing about where two strings differ.
CREATE FUNCTION auth_same_hash(stored text, candidate text) RETURNS boolean LANGUAGE sql STABLE
    SET search_path = public, pg_temp
AS $$
    SELECT stored IS NOT NULL AND candidate IS NOT NULL
           AND sha256(s.secret || convert_to(stored, 'UTF8')) = sha256(s.secret || convert_to(candidate, 'UTF8'))
    FROM auth_secret s
$$;

-- Per-username delay once 5 failures have piled up: 1 s, 2 s, 4 s, ... at most 5 minutes.
CREATE FUNCTION auth_user_delay(failures integer) RETURNS interval LANGUAGE sql IMMUTABLE
AS $$ SELECT make_interval(secs => CASE WHEN failures < 5 THEN 0 ELSE least(300, power(2, least(failures - 5, 20))) END) $$;

-- Counts an attempt as it starts, unless the address, the (username, address) pair or the username must wait:
-- returns 0 when counted, else the seconds to wait. Rows are locked in key order, so concurrent attempts queue
-- here instead of slipping past the limits together.
CREATE FUNCTION auth_throttle_start(uname text, addr text) RETURNS integer LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
DECLARE
    ka text := 'a:' || addr;
    kp text := 'p:' || addr || ' ' || uname;
    ku text := 'u:' || uname;
    thr login_throttle;
    wait integer := 0;
BEGIN
    INSERT INTO login_throttle (key, failures, window_start) VALUES (ka, 0, now()), (kp, 0, now()), (ku, 0, now())
        ON CONFLICT (key) DO NOTHING;
    FOR thr IN SELECT * FROM login_throttle lt WHERE lt.key IN (ka, kp, ku) ORDER BY lt.key FOR UPDATE LOOP
        IF thr.locked_until > now() THEN
            wait := greatest(wait, ceil(extract(epoch FROM thr.locked_until - now()))::integer);
        END IF;
        IF thr.key = ku AND thr.last_failure > now() - interval '1 hour' THEN
            wait := greatest(wait,
                             ceil(extract(epoch FROM thr.last_failure + auth_user_delay(thr.failures) - now()))::integer);
        END IF;
    END LOOP;
    IF wait > 0 THEN
        RETURN wait;
    END IF;
    UPDATE login_throttle t SET
        failures = CASE WHEN t.key = ku THEN
                            CASE WHEN t.last_failure > now() - interval '1 hour' THEN t.failures + 1 ELSE 1 END
                        WHEN t.window_start < now() - interval '15 minutes' THEN 1 ELSE t.failures + 1 END,
        window_start = CASE WHEN t.window_start < now() - interval '15 minutes' THEN now() ELSE t.window_start END,
        last_failure = now()
        WHERE t.key IN (ka, kp, ku);
    UPDATE login_throttle t SET locked_until = now() + interval '15 minutes'
        WHERE (t.key = ka AND t.failures >= 20) OR (t.key = kp AND t.failures >= 5);
    RETURN 0;
END
$$;

-- Takes an attempt's count back: it succeeded (the username and the pair start afresh) or was never checked.
CREATE FUNCTION auth_throttle_undo(uname text, addr text, succeeded boolean) RETURNS void LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF succeeded THEN
        DELETE FROM login_throttle WHERE key IN ('u:' || uname, 'p:' || addr || ' ' || uname);
    END IF;
    UPDATE login_throttle t SET failures = greatest(0, t.failures - 1),
                                locked_until = CASE WHEN t.failures - 1 >= CASE WHEN t.key LIKE 'a:%' THEN 20 ELSE 5 END
                                                    THEN t.locked_until END
        WHERE t.key IN ('a:' || addr, 'p:' || addr || ' ' || uname, 'u:' || uname);
    -- rows with nothing left to count go, so signing in leaves no row behind
    DELETE FROM login_throttle t
        WHERE t.key IN ('a:' || addr, 'p:' || addr || ' ' || uname, 'u:' || uname) AND t.failures = 0
          AND (t.locked_until IS NULL OR t.locked_until <= now());
END
$$;

REVOKE ALL ON FUNCTION auth_setting_of, auth_same_hash, auth_throttle_start, auth_throttle_undo FROM PUBLIC;

-- Sign-in --------------------------------------------------------------------------------------------------------
-- (by name: whatever their arguments, the functions that handed out hashes and took the app's word must go)
DROP FUNCTION auth_login_lookup, auth_login_finish;

-- Step 1: counts the attempt; returns its id and what registryd needs to derive the key, or how long to wait.
CREATE FUNCTION auth_login_start(login_username text, address text)
    RETURNS TABLE (attempt_id bigint, setting text, retry_after_s integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    uname text := left(lower(login_username), 64);
    addr text := left(coalesce(address, ''), 64);
    wait integer;
    u users;
    aid bigint;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    wait := auth_throttle_start(uname, addr);
    IF wait > 0 THEN
        RETURN QUERY SELECT NULL::bigint, NULL::text, wait;
        RETURN;
    END IF;
    DELETE FROM login_attempts a WHERE a.started_at < now() - interval '10 minutes';
    SELECT * INTO u FROM users WHERE username = uname;
    INSERT INTO login_attempts (purpose, user_id, username, address) VALUES ('login', u.id, uname, addr)
        RETURNING id INTO aid;
    RETURN QUERY SELECT aid, auth_setting_of(u.password_hash, uname), 0;
END
$$;

-- Step 2: the key registryd derived (the whole encoded string), or NULL when the attempt was abandoned before
-- its check. Only a match with the stored hash, for an active user, creates the session; every check is audited.
CREATE FUNCTION auth_login_check(attempt bigint, candidate text, token_hash_hex text, ttl_s integer,
                                 request_id text)
    RETURNS TABLE (ok boolean, user_id bigint, expires_at timestamptz, username text, role user_role,
                   province_code text, county_id integer, center_id bigint, full_name text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    a login_attempts;
    u users;
    exp timestamptz := now() + make_interval(secs => ttl_s);
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    DELETE FROM login_attempts la WHERE la.id = attempt AND la.purpose = 'login'
        AND la.started_at > now() - interval '10 minutes' RETURNING * INTO a;
    IF NOT FOUND THEN
        RETURN QUERY SELECT false, NULL::bigint, NULL::timestamptz, NULL::text, NULL::user_role, NULL::text,
                            NULL::integer, NULL::bigint, NULL::text;
        RETURN;
    END IF;
    IF candidate IS NULL THEN
        PERFORM auth_throttle_undo(a.username, a.address, false);
        RETURN QUERY SELECT false, NULL::bigint, NULL::timestamptz, NULL::text, NULL::user_role, NULL::text,
                            NULL::integer, NULL::bigint, NULL::text;
        RETURN;
    END IF;
    SELECT * INTO u FROM users us WHERE us.id = a.user_id;
    IF u.active AND auth_same_hash(u.password_hash, candidate) THEN
        INSERT INTO sessions (token_hash, user_id, expires_at, address)
            VALUES (decode(token_hash_hex, 'hex'), u.id, exp, a.address);
        PERFORM auth_throttle_undo(a.username, a.address, true);
        INSERT INTO audit_log (user_id, username, role, address, request_id, action, entity, entity_id,
                               province_code, county_id, center_id)
            VALUES (u.id, u.username, u.role::text, a.address, request_id, 'login', 'session', u.id::text,
                    u.province_code, u.county_id, u.center_id);
        RETURN QUERY SELECT true, u.id, exp, u.username, u.role, u.province_code, u.county_id, u.center_id,
                            u.full_name;
        RETURN;
    END IF;
    INSERT INTO audit_log (user_id, username, role, address, request_id, action, entity, entity_id, detail,
                           province_code, county_id, center_id)
        VALUES (u.id, a.username, u.role::text, a.address, request_id, 'login_failed', 'session', u.id::text,
                jsonb_build_object('reason', CASE WHEN u.id IS NULL THEN 'unknown user'
                                                  WHEN NOT u.active THEN 'inactive user' ELSE 'wrong password' END),
                u.province_code, u.county_id, u.center_id);
    RETURN QUERY SELECT false, NULL::bigint, NULL::timestamptz, NULL::text, NULL::user_role, NULL::text,
                        NULL::integer, NULL::bigint, NULL::text;
END
$$;

-- Own password change ----------------------------------------------------------------------------------------------
DROP FUNCTION auth_own_password_hash, auth_set_own_password;

-- Step 1 (after auth_begin): counted and throttled like a sign-in of the caller, from the caller's address.
CREATE FUNCTION auth_password_start()
    RETURNS TABLE (attempt_id bigint, setting text, retry_after_s integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    saved_role text := registry_role();
    addr text := left(coalesce(current_setting('registry.address', true), ''), 64);
    u users;
    wait integer;
    aid bigint;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    SELECT * INTO u FROM users WHERE id = registry_user_id() AND active;
    IF NOT FOUND THEN
        PERFORM set_config('registry.role', saved_role, true);
        RAISE EXCEPTION 'invalid session' USING ERRCODE = 'RA401';
    END IF;
    wait := auth_throttle_start(u.username, addr);
    IF wait = 0 THEN
        INSERT INTO login_attempts (purpose, user_id, username, address) VALUES ('password', u.id, u.username, addr)
            RETURNING id INTO aid;
    END IF;
    PERFORM set_config('registry.role', saved_role, true);
    RETURN QUERY SELECT aid, CASE WHEN wait = 0 THEN auth_setting_of(u.password_hash, u.username) END, wait;
END
$$;

-- Step 2: changes the password only when the current one matched; ends every other session of the user (the
-- trigger below); audits the change or the failed check. Returns whether it changed.
CREATE FUNCTION auth_password_check(attempt bigint, candidate text, new_hash text, keep_token_hash_hex text)
    RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    saved_role text := registry_role();
    a login_attempts;
    u users;
    ok boolean;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    DELETE FROM login_attempts la WHERE la.id = attempt AND la.purpose = 'password'
        AND la.user_id = registry_user_id() AND la.started_at > now() - interval '10 minutes' RETURNING * INTO a;
    IF NOT FOUND THEN
        PERFORM set_config('registry.role', saved_role, true);
        RETURN false;
    END IF;
    IF candidate IS NULL THEN
        PERFORM auth_throttle_undo(a.username, a.address, false);
        PERFORM set_config('registry.role', saved_role, true);
        RETURN false;
    END IF;
    SELECT * INTO u FROM users WHERE id = a.user_id FOR UPDATE;
    ok := coalesce(u.active AND auth_same_hash(u.password_hash, candidate), false);
    IF ok AND new_hash !~ '^\$scrypt\$ln=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]{43}$' THEN
        RAISE EXCEPTION 'malformed password hash';
    END IF;
    IF ok THEN
        PERFORM set_config('registry.keep_session', lower(keep_token_hash_hex), true);
        UPDATE users SET password_hash = new_hash, password_changed_at = now(), updated_at = now(),
                         version = version + 1
            WHERE id = u.id;
        PERFORM set_config('registry.keep_session', '', true);
        PERFORM auth_throttle_undo(a.username, a.address, true);
    END IF;
    INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, user_id, username, role,
                           address, request_id, detail)
        VALUES (CASE WHEN ok THEN 'password_change' ELSE 'password_change_failed' END, 'user', u.id::text,
                u.province_code, u.county_id, u.center_id, u.id, u.username, saved_role, a.address,
                nullif(current_setting('registry.request_id', true), ''),
                CASE WHEN NOT ok THEN jsonb_build_object('reason', 'wrong current password') END);
    PERFORM set_config('registry.role', saved_role, true);
    RETURN ok;
END
$$;

-- A new password ends the user's sessions, whoever sets it (an admin's reset, registryctl, SQL): the token may
-- be what leaked. Only a user changing their own password keeps the session they did it with.
CREATE FUNCTION users_password_ends_sessions() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    keep text := CASE WHEN NEW.id = registry_user_id() THEN nullif(current_setting('registry.keep_session', true), '') END;
BEGIN
    UPDATE sessions s SET revoked_at = now()
        WHERE s.user_id = NEW.id AND s.revoked_at IS NULL AND encode(s.token_hash, 'hex') IS DISTINCT FROM keep;
    RETURN NULL;
END
$$;
CREATE TRIGGER users_password_ends_sessions AFTER UPDATE OF password_hash ON users FOR EACH ROW
    WHEN (NEW.password_hash IS DISTINCT FROM OLD.password_hash) EXECUTE FUNCTION users_password_ends_sessions();

REVOKE ALL ON FUNCTION auth_login_start, auth_login_check, auth_password_start, auth_password_check,
    users_password_ends_sessions FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_login_start, auth_login_check, auth_password_start, auth_password_check
    TO registry_app;
