-- 0006: (1) sessions and users tell every registryd at once when a session ends or a user's role, scope or access
-- changes (LISTEN registry_auth), so the servers' session caches never outlive what they cache; auth_begin also
-- returns the session's expiry. (2) References between records must point at records the writer may see and
-- that live where the record lives: a foreign key alone ignores row-level security, so without this a client could
-- be attached to a center of another province and become visible there.

DROP FUNCTION auth_begin(text, text, text, boolean);
CREATE FUNCTION auth_begin(token_hash_hex text, request_id text, address text, read_only boolean)
    RETURNS TABLE (user_id bigint, username text, role user_role, province_code text, county_id integer,
                   center_id bigint, expires_in_s integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    u users;
    uid bigint;
    exp timestamptz;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    SELECT s.user_id, s.expires_at INTO uid, exp FROM sessions s
        WHERE s.token_hash = decode(token_hash_hex, 'hex') AND s.revoked_at IS NULL AND s.expires_at > now();
    IF FOUND THEN
        SELECT * INTO u FROM users WHERE id = uid AND active;
    END IF;
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
    RETURN QUERY SELECT u.id, u.username, u.role, u.province_code, u.county_id, u.center_id,
                        greatest(0, floor(extract(epoch FROM exp - now())))::integer;
END
$$;
REVOKE ALL ON FUNCTION auth_begin FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_begin TO registry_app;

-- 's:<token hash>' when a session ends; 'u:<user id>' when a user's role, scope, access or password changes.
CREATE FUNCTION auth_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        IF NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL OR NEW.expires_at < OLD.expires_at THEN
            PERFORM pg_notify('registry_auth', 's:' || encode(NEW.token_hash, 'hex'));
        END IF;
    ELSIF (NEW.role, NEW.province_code, NEW.county_id, NEW.center_id, NEW.active, NEW.password_hash)
          IS DISTINCT FROM (OLD.role, OLD.province_code, OLD.county_id, OLD.center_id, OLD.active, OLD.password_hash) THEN
        PERFORM pg_notify('registry_auth', 'u:' || NEW.id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER sessions_notify AFTER UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION auth_notify();
CREATE TRIGGER users_notify AFTER UPDATE ON users FOR EACH ROW EXECUTE FUNCTION auth_notify();

-- References: visible to the writer (these triggers run as the writer, under row-level security) and in the
-- record's own province.
CREATE FUNCTION check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p text;
BEGIN
    IF NEW.center_id IS NOT NULL THEN
        SELECT province_code INTO p FROM centers WHERE id = NEW.center_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'center_id: center % is not one you may use', NEW.center_id USING ERRCODE = 'RA422';
        END IF;
        IF p <> NEW.province_code THEN
            RAISE EXCEPTION 'center_id: center % is in another province than this record', NEW.center_id USING ERRCODE = 'RA422';
        END IF;
    END IF;
    IF TG_TABLE_NAME = 'clients' THEN
        -- (a separate IF: NEW.household_id exists only on clients)
        IF NEW.household_id IS NOT NULL THEN
            SELECT province_code INTO p FROM households WHERE id = NEW.household_id;
            IF NOT FOUND OR p <> NEW.province_code THEN
                RAISE EXCEPTION 'household_id: household % is not one you may use here', NEW.household_id USING ERRCODE = 'RA422';
            END IF;
        END IF;
    END IF;
    RETURN NEW;
END
$$;
-- named to run after the triggers that derive the province (BEFORE triggers run in name order)
CREATE TRIGGER clients_refs BEFORE INSERT OR UPDATE OF center_id, household_id, county_id ON clients
    FOR EACH ROW EXECUTE FUNCTION check_references();
CREATE TRIGGER households_refs BEFORE INSERT OR UPDATE OF center_id, county_id ON households
    FOR EACH ROW EXECUTE FUNCTION check_references();
CREATE TRIGGER services_refs BEFORE INSERT OR UPDATE OF center_id, client_id ON services
    FOR EACH ROW EXECUTE FUNCTION check_references();
