-- 0020: fixes to the login guard (0014).
--
-- (1) The database compared the key registryd derived with the stored hash itself, so the stored string was as
-- good as the password to anyone with the registry_app login (a leaked backup, replica or logged bind parameter
-- was enough). Now, as SCRAM does, a row stores only a verifier of the key:
--     $scrypt-sha256$ln=A,r=B,p=C$<salt>$<base64(sha256(key))>
-- registryd still sends the key as "$scrypt$ln=A,r=B,p=C$<salt>$<base64(key)>" and the database compares
-- sha256(key) with the verifier. Existing rows are converted here; a CHECK refuses anything else from now on.
-- (2) A username is delayed after failures only for sources it never signed in from: a (username, address) pair
-- that succeeded within 90 days is exempt, so a stranger polling from elsewhere cannot keep the user out.
-- (3) A refused start writes nothing to login_throttle (waits are checked before any row is added), and expired
-- rows are pruned, a few per counted start.
-- (4) Addresses are keyed by their /64 for IPv6 (IPv4-mapped IPv6 as IPv4), so one host's many addresses are one.
-- (5) A sign-in may store a verifier with the current parameters (registryd derives one when the stored
-- parameters are older): a rehash of the same password ends no session. The fake salt's parameters are
-- registryd's defaults, which it sends with the start.
-- (6) Throttle rows are locked in key order by the undo too (it could deadlock with a start).
-- (8) Refusals by the throttle are audited, at most once a minute per address and kind; usernames are audited
-- without control or bidi characters; the password check's audit row takes the role from the scope ticket.
SELECT set_config('registry.role', 'system', true);

-- Verifiers ------------------------------------------------------------------------------------------------------
-- base64 as common/password.c writes it: the standard alphabet, no padding, no line breaks
CREATE FUNCTION auth_b64_decode(s text) RETURNS bytea LANGUAGE sql IMMUTABLE
AS $$ SELECT decode(s || repeat('=', (4 - length(s) % 4) % 4), 'base64') $$;
CREATE FUNCTION auth_b64_encode(b bytea) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT rtrim(translate(encode(b, 'base64'), E'\n', ''), '=') $$;

-- The verifier of a key-form string ("$scrypt$...$<key>"); anything else is returned as it is.
CREATE FUNCTION auth_verifier_of(encoded text) RETURNS text LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE WHEN m IS NULL THEN encoded
                ELSE '$scrypt-sha256$' || m[1] || '$' || auth_b64_encode(sha256(auth_b64_decode(m[2]))) END
    FROM regexp_match(encoded, '^\$scrypt\$(ln=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+)\$([A-Za-z0-9+/]{43})$') m
$$;

-- Converting is not a new password: no session ends.
ALTER TABLE users DISABLE TRIGGER users_password_ends_sessions;
UPDATE users SET password_hash = auth_verifier_of(password_hash) WHERE password_hash LIKE '$scrypt$%';
ALTER TABLE users ENABLE TRIGGER users_password_ends_sessions;
-- ('!': an account nobody can sign in to)
ALTER TABLE users ADD CONSTRAINT users_password_hash_is_verifier
    CHECK (password_hash = '!'
           OR password_hash ~ '^\$scrypt-sha256\$ln=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]{43}$')
    NOT VALID;

-- Does the key registryd derived (key form) match the stored verifier? Same parameters and salt, and
-- sha256(key) equal to the verifier, compared as keyed digests (the time taken says nothing about where they
-- differ). The stored string itself, or its last part, is not a key whose sha256 is the verifier.
CREATE OR REPLACE FUNCTION auth_same_hash(stored text, candidate text) RETURNS boolean LANGUAGE sql STABLE
    SET search_path = public, pg_temp
AS $$
    SELECT coalesce(v[1] = k[1] AND sha256(s.secret || auth_b64_decode(v[2]))
                                    = sha256(s.secret || sha256(auth_b64_decode(k[2]))), false)
    FROM auth_secret s,
         regexp_match(stored,
                      '^\$scrypt-sha256\$(ln=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+)\$([A-Za-z0-9+/]{43})$') v,
         regexp_match(candidate, '^\$scrypt\$(ln=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+)\$([A-Za-z0-9+/]{43})$') k
$$;

-- What registryd needs to derive a key: "$scrypt$ln=..,r=..,p=..$salt$". For an unknown user, registryd's
-- default parameters (sent with the start) and a salt that depends only on the username.
CREATE FUNCTION auth_setting_of(stored text, uname text, defaults text DEFAULT NULL) RETURNS text LANGUAGE sql STABLE
    SET search_path = public, pg_temp
AS $$
    SELECT coalesce('$scrypt$' || substring(stored FROM
                        '^\$scrypt-sha256\$(ln=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$)[A-Za-z0-9+/]{43}$'),
                    '$scrypt$' || coalesce(substring(defaults FROM '^ln=[0-9]{1,2},r=[0-9]{1,2},p=[0-9]{1,2}$'),
                                           'ln=17,r=8,p=1') || '$'
                    || rtrim(encode(substring(sha256(s.secret || convert_to('salt:' || uname, 'UTF8')) FROM 1 FOR 16),
                                    'base64'), '=') || '$')
    FROM auth_secret s
$$;
DROP FUNCTION auth_setting_of(text, text);

-- Addresses ------------------------------------------------------------------------------------------------------
-- The key an address is throttled under: IPv4 as it is, IPv4-mapped IPv6 as IPv4, other IPv6 by its /64 (one
-- host usually has a whole /64); anything that is not an address, as it is.
CREATE FUNCTION auth_address_key(addr text) RETURNS text LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
    a inet;
BEGIN
    IF addr IS NULL OR addr !~ '^[0-9A-Fa-f:.]+$' THEN
        RETURN addr;
    END IF;
    BEGIN
        a := addr::inet;
    EXCEPTION WHEN others THEN
        RETURN addr;
    END;
    IF family(a) = 4 THEN
        RETURN host(a);
    END IF;
    IF a <<= inet '::ffff:0.0.0.0/96' THEN
        RETURN host(inet '0.0.0.0' + (a - inet '::ffff:0.0.0.0'));
    END IF;
    RETURN host(network(set_masklen(a, 64))) || '/64';
END
$$;

-- Usernames as the audit trail shows names nobody registered: without control, zero-width or bidi characters.
CREATE FUNCTION auth_audit_name(uname text) RETURNS text LANGUAGE sql IMMUTABLE
AS $$
    SELECT regexp_replace(uname, '[\x01-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f' || '\u202a-\u202e\u2060-\u2069\ufeff]',
                          '', 'g')
$$;

-- Throttle -------------------------------------------------------------------------------------------------------
-- Sources a username signed in from: exempt from its per-username delay for 90 days.
CREATE TABLE login_known_sources (
    username     text NOT NULL,
    address_key  text NOT NULL,
    last_success timestamptz NOT NULL,
    PRIMARY KEY (username, address_key)
);
CREATE INDEX login_known_sources_last_idx ON login_known_sources (last_success);
REVOKE ALL ON login_known_sources FROM PUBLIC;

-- The last audited refusal per address and kind (so a flood writes one audit row a minute, not one per request).
CREATE TABLE login_refusals_audited (
    key  text PRIMARY KEY,
    at   timestamptz NOT NULL
);
REVOKE ALL ON login_refusals_audited FROM PUBLIC;

-- Rows of the old code's refused starts, and rows of finished windows, go; pruning finds old ones by index.
DELETE FROM login_throttle WHERE last_failure IS NULL AND (locked_until IS NULL OR locked_until <= now());
CREATE INDEX login_throttle_last_failure_idx ON login_throttle (last_failure);

-- A few expired rows per call: a window, delay or lock over for an hour, a source unseen for 90 days.
CREATE FUNCTION auth_throttle_prune() RETURNS void LANGUAGE sql
    SET search_path = public, pg_temp
AS $$
    DELETE FROM login_throttle t WHERE t.key IN (
        SELECT o.key FROM login_throttle o
        WHERE o.last_failure < now() - interval '1 hour' AND (o.locked_until IS NULL OR o.locked_until <= now())
        ORDER BY o.last_failure LIMIT 20 FOR UPDATE SKIP LOCKED);
    DELETE FROM login_known_sources k WHERE (k.username, k.address_key) IN (
        SELECT o.username, o.address_key FROM login_known_sources o
        WHERE o.last_success < now() - interval '90 days' ORDER BY o.last_success LIMIT 20 FOR UPDATE SKIP LOCKED);
    DELETE FROM login_refusals_audited r WHERE r.key IN (
        SELECT o.key FROM login_refusals_audited o WHERE o.at < now() - interval '1 minute'
        LIMIT 20 FOR UPDATE SKIP LOCKED);
$$;

-- Audits a refused password check (kind: 'throttled' by the database, 'busy' in registryd), at most once a minute
-- per address and kind.
CREATE FUNCTION auth_refusal_audit(uname text, addr text, kind text, request_id text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    saved_role text := current_setting('registry.role', true);
    u users;
    clean text := auth_audit_name(left(lower(coalesce(uname, '')), 64));
BEGIN
    IF kind NOT IN ('throttled', 'busy') THEN
        RAISE EXCEPTION 'unknown refusal kind';
    END IF;
    INSERT INTO login_refusals_audited AS r (key, at)
        VALUES (kind || ':' || auth_address_key(left(coalesce(addr, ''), 64)), now())
        ON CONFLICT (key) DO UPDATE SET at = now() WHERE r.at < now() - interval '1 minute';
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM set_config('registry.role', 'system', true);
    SELECT * INTO u FROM users us WHERE us.username = left(lower(coalesce(uname, '')), 64);
    INSERT INTO audit_log (user_id, username, role, address, request_id, action, entity, entity_id, detail,
                           province_code, county_id, center_id)
        VALUES (u.id, coalesce(u.username, clean), u.role::text, left(coalesce(addr, ''), 64), request_id,
                'login_refused', 'session', u.id::text,
                jsonb_build_object('reason', CASE kind WHEN 'throttled' THEN 'too many failed attempts'
                                                       ELSE 'too many attempts at once' END,
                                   'note', 'at most one such record a minute per address'),
                u.province_code, u.county_id, u.center_id);
    PERFORM set_config('registry.role', coalesce(saved_role, ''), true);
END
$$;

-- Counts an attempt as it starts, unless the address, the (username, address) pair or the username must wait
-- (the username only for a source it never signed in from): returns 0 when counted, else the seconds to wait,
-- having written nothing. Rows are locked in key order (the undo does the same).
CREATE OR REPLACE FUNCTION auth_throttle_start(uname text, addr text) RETURNS integer LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
DECLARE
    ak text := auth_address_key(addr);
    ka text := 'a:' || ak;
    kp text := 'p:' || ak || ' ' || uname;
    ku text := 'u:' || uname;
    known boolean;
    thr login_throttle;
    wait integer := 0;
BEGIN
    known := EXISTS (SELECT 1 FROM login_known_sources k WHERE k.username = uname AND k.address_key = ak
                                                           AND k.last_success > now() - interval '90 days');
    FOR thr IN SELECT * FROM login_throttle lt WHERE lt.key IN (ka, kp, ku) ORDER BY lt.key FOR UPDATE LOOP
        IF thr.locked_until > now() THEN
            wait := greatest(wait, ceil(extract(epoch FROM thr.locked_until - now()))::integer);
        END IF;
        IF thr.key = ku AND NOT known AND thr.last_failure > now() - interval '1 hour' THEN
            wait := greatest(wait,
                             ceil(extract(epoch FROM thr.last_failure + auth_user_delay(thr.failures) - now()))::integer);
        END IF;
    END LOOP;
    IF wait > 0 THEN
        RETURN wait;
    END IF;
    INSERT INTO login_throttle (key, failures, window_start)
        SELECT k, 0, now() FROM unnest(ARRAY[ka, kp, ku]) k ORDER BY k
        ON CONFLICT (key) DO NOTHING;
    PERFORM 1 FROM login_throttle lt WHERE lt.key IN (ka, kp, ku) ORDER BY lt.key FOR UPDATE;
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

-- Takes an attempt's count back: it succeeded (the username and the pair start afresh, and the source is known
-- from now on) or was never checked.
CREATE OR REPLACE FUNCTION auth_throttle_undo(uname text, addr text, succeeded boolean) RETURNS void
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
DECLARE
    ak text := auth_address_key(addr);
    ka text := 'a:' || ak;
    kp text := 'p:' || ak || ' ' || uname;
    ku text := 'u:' || uname;
BEGIN
    PERFORM 1 FROM login_throttle lt WHERE lt.key IN (ka, kp, ku) ORDER BY lt.key FOR UPDATE;
    IF succeeded THEN
        DELETE FROM login_throttle WHERE key IN (ku, kp);
        INSERT INTO login_known_sources AS k (username, address_key, last_success) VALUES (uname, ak, now())
            ON CONFLICT (username, address_key) DO UPDATE SET last_success = now();
    END IF;
    UPDATE login_throttle t SET failures = greatest(0, t.failures - 1),
                                locked_until = CASE WHEN t.failures - 1 >= CASE WHEN t.key = ka THEN 20 ELSE 5 END
                                                    THEN t.locked_until END
        WHERE t.key IN (ka, kp, ku);
    -- rows with nothing left to count go, so signing in leaves no row behind
    DELETE FROM login_throttle t
        WHERE t.key IN (ka, kp, ku) AND t.failures = 0 AND (t.locked_until IS NULL OR t.locked_until <= now());
END
$$;

-- registryd's own refusals (too many checks at once in the process): only that kind, bounded like the rest.
CREATE FUNCTION auth_busy_audit(uname text, addr text, request_id text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$ SELECT auth_refusal_audit(uname, addr, 'busy', request_id) $$;

REVOKE ALL ON FUNCTION auth_b64_decode, auth_b64_encode, auth_verifier_of, auth_setting_of, auth_address_key,
    auth_audit_name, auth_throttle_prune, auth_refusal_audit, auth_busy_audit FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_busy_audit TO registry_app;

-- Sign-in --------------------------------------------------------------------------------------------------------
DROP FUNCTION auth_login_start(text, text);
-- Step 1: counts the attempt; returns its id and what registryd needs to derive the key, or how long to wait.
-- defaults: registryd's default scrypt parameters ("ln=17,r=8,p=1"), for an unknown user's fake salt.
CREATE FUNCTION auth_login_start(login_username text, address text, defaults text DEFAULT NULL)
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
        PERFORM auth_refusal_audit(uname, addr, 'throttled', nullif(current_setting('registry.request_id', true), ''));
        PERFORM set_config('registry.role', '', true);
        RETURN QUERY SELECT NULL::bigint, NULL::text, wait;
        RETURN;
    END IF;
    DELETE FROM login_attempts a WHERE a.started_at < now() - interval '10 minutes';
    PERFORM auth_throttle_prune();
    SELECT * INTO u FROM users WHERE username = uname;
    INSERT INTO login_attempts (purpose, user_id, username, address) VALUES ('login', u.id, uname, addr)
        RETURNING id INTO aid;
    PERFORM set_config('registry.role', '', true);
    RETURN QUERY SELECT aid, auth_setting_of(u.password_hash, uname, defaults), 0;
END
$$;

DROP FUNCTION auth_login_check(bigint, text, text, integer, text);
-- Step 2: the key registryd derived (key form), or NULL when the attempt was abandoned before its check. Only a
-- key matching the stored verifier, for an active user, creates the session; every check is audited. upgrade:
-- a verifier of the same password with the current parameters, stored on a match (no session ends).
CREATE FUNCTION auth_login_check(attempt bigint, candidate text, token_hash_hex text, ttl_s integer,
                                 request_id text, upgrade text DEFAULT NULL)
    RETURNS TABLE (ok boolean, user_id bigint, expires_at timestamptz, username text, role user_role,
                   province_code text, county_id integer, center_id bigint, full_name text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    a login_attempts;
    u users;
    exp timestamptz := now() + make_interval(secs => ttl_s);
    rehashed boolean := false;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    DELETE FROM login_attempts la WHERE la.id = attempt AND la.purpose = 'login'
        AND la.started_at > now() - interval '10 minutes' RETURNING * INTO a;
    IF NOT FOUND THEN
        PERFORM set_config('registry.role', '', true);
        RETURN QUERY SELECT false, NULL::bigint, NULL::timestamptz, NULL::text, NULL::user_role, NULL::text,
                            NULL::integer, NULL::bigint, NULL::text;
        RETURN;
    END IF;
    IF candidate IS NULL THEN
        PERFORM auth_throttle_undo(a.username, a.address, false);
        PERFORM set_config('registry.role', '', true);
        RETURN QUERY SELECT false, NULL::bigint, NULL::timestamptz, NULL::text, NULL::user_role, NULL::text,
                            NULL::integer, NULL::bigint, NULL::text;
        RETURN;
    END IF;
    SELECT * INTO u FROM users us WHERE us.id = a.user_id;
    IF u.active AND auth_same_hash(u.password_hash, candidate) THEN
        INSERT INTO sessions (token_hash, user_id, expires_at, address)
            VALUES (decode(token_hash_hex, 'hex'), u.id, exp, a.address);
        PERFORM auth_throttle_undo(a.username, a.address, true);
        IF upgrade ~ '^\$scrypt-sha256\$ln=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]{43}$'
           AND upgrade <> u.password_hash THEN
            -- the mark tells the trigger below this is the same password (registry_app cannot make one)
            PERFORM set_config('registry.rehash',
                               encode(sha256(s.secret || convert_to(u.id::text || ' ' || upgrade, 'UTF8')), 'hex'),
                               true)
                FROM auth_secret s;
            UPDATE users us SET password_hash = upgrade WHERE us.id = u.id;
            PERFORM set_config('registry.rehash', '', true);
            rehashed := true;
        END IF;
        INSERT INTO audit_log (user_id, username, role, address, request_id, action, entity, entity_id, detail,
                               province_code, county_id, center_id)
            VALUES (u.id, u.username, u.role::text, a.address, request_id, 'login', 'session', u.id::text,
                    CASE WHEN rehashed THEN
                        jsonb_build_object('password_hash', 'rehashed with the current parameters',
                                           'parameters', substring(upgrade FROM 'ln=[0-9]+,r=[0-9]+,p=[0-9]+'))
                    END,
                    u.province_code, u.county_id, u.center_id);
        PERFORM set_config('registry.role', '', true);
        RETURN QUERY SELECT true, u.id, exp, u.username, u.role, u.province_code, u.county_id, u.center_id,
                            u.full_name;
        RETURN;
    END IF;
    INSERT INTO audit_log (user_id, username, role, address, request_id, action, entity, entity_id, detail,
                           province_code, county_id, center_id)
        VALUES (u.id, coalesce(u.username, auth_audit_name(a.username)), u.role::text, a.address, request_id,
                'login_failed', 'session', u.id::text,
                jsonb_build_object('reason', CASE WHEN u.id IS NULL THEN 'unknown user'
                                                  WHEN NOT u.active THEN 'inactive user' ELSE 'wrong password' END),
                u.province_code, u.county_id, u.center_id);
    PERFORM set_config('registry.role', '', true);
    RETURN QUERY SELECT false, NULL::bigint, NULL::timestamptz, NULL::text, NULL::user_role, NULL::text,
                        NULL::integer, NULL::bigint, NULL::text;
END
$$;

-- Own password change ----------------------------------------------------------------------------------------------
-- Step 1, as 0014's, with a refusal audited and the verifier's setting.
CREATE OR REPLACE FUNCTION auth_password_start()
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
    ELSE
        PERFORM auth_refusal_audit(u.username, addr, 'throttled',
                                   nullif(current_setting('registry.request_id', true), ''));
    END IF;
    PERFORM set_config('registry.role', saved_role, true);
    RETURN QUERY SELECT aid, CASE WHEN wait = 0 THEN auth_setting_of(u.password_hash, u.username, NULL) END, wait;
END
$$;

-- Step 2, as 0014's, comparing with the verifier, taking a verifier as the new hash, and recording the role the
-- scope ticket names (not a setting the application may have set).
CREATE OR REPLACE FUNCTION auth_password_check(attempt bigint, candidate text, new_hash text, keep_token_hash_hex text)
    RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    saved_role text := current_setting('registry.role', true);
    c registry_caller_t := registry_caller();
    a login_attempts;
    u users;
    ok boolean;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    DELETE FROM login_attempts la WHERE la.id = attempt AND la.purpose = 'password'
        AND la.user_id = c.user_id AND la.started_at > now() - interval '10 minutes' RETURNING * INTO a;
    IF NOT FOUND THEN
        PERFORM set_config('registry.role', coalesce(saved_role, ''), true);
        RETURN false;
    END IF;
    IF candidate IS NULL THEN
        PERFORM auth_throttle_undo(a.username, a.address, false);
        PERFORM set_config('registry.role', coalesce(saved_role, ''), true);
        RETURN false;
    END IF;
    SELECT * INTO u FROM users WHERE id = a.user_id FOR UPDATE;
    ok := coalesce(u.active AND auth_same_hash(u.password_hash, candidate), false);
    IF ok AND new_hash !~ '^\$scrypt-sha256\$ln=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]{43}$' THEN
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
                u.province_code, u.county_id, u.center_id, u.id, c.username, c.role, a.address,
                nullif(current_setting('registry.request_id', true), ''),
                CASE WHEN NOT ok THEN jsonb_build_object('reason', 'wrong current password') END);
    PERFORM set_config('registry.role', coalesce(saved_role, ''), true);
    RETURN ok;
END
$$;

-- As 0014's, except for a rehash of the same password on sign-in (marked by auth_login_check with a digest only
-- code that reads auth_secret can make): that ends no session.
CREATE OR REPLACE FUNCTION users_password_ends_sessions() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    keep text := CASE WHEN NEW.id = registry_user_id() THEN nullif(current_setting('registry.keep_session', true), '') END;
BEGIN
    IF coalesce(current_setting('registry.rehash', true), '') <> ''
       AND current_setting('registry.rehash', true)
           = (SELECT encode(sha256(s.secret || convert_to(NEW.id::text || ' ' || NEW.password_hash, 'UTF8')), 'hex')
              FROM auth_secret s) THEN
        RETURN NULL;
    END IF;
    UPDATE sessions s SET revoked_at = now()
        WHERE s.user_id = NEW.id AND s.revoked_at IS NULL AND encode(s.token_hash, 'hex') IS DISTINCT FROM keep;
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION auth_login_start, auth_login_check FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_login_start, auth_login_check TO registry_app;

-- Bind parameters (keys, verifiers) stay out of the server log: for the database (whoever connects: registryd's
-- login role, which is only a member of registry_app, and registryctl) and for registry_app. Setting these needs a
-- superuser (or GRANT SET ON PARAMETER); without one, the deployment does it (README, deploy/README.md).
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET log_parameter_max_length = 0', current_database());
    EXECUTE format('ALTER DATABASE %I SET log_parameter_max_length_on_error = 0', current_database());
    ALTER ROLE registry_app SET log_parameter_max_length = 0;
    ALTER ROLE registry_app SET log_parameter_max_length_on_error = 0;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'log_parameter_max_length not set (needs a superuser): see README, "Sign-in"';
END
$$;
