-- 0009: name search that stays fast with the whole country in it.
--
-- Why a separate table: under row-level security PostgreSQL must apply the policy before any condition that could
-- leak what it sees (a non-LEAKPROOF one), and LIKE is not leakproof. So `name_key LIKE '%...%'` on clients could
-- never use the trigram index: every search read all of the caller's province (500,000 rows in Tehran at national
-- scale) and sorted what matched; 0.8-5 s a search. The policy's CASE also hid the province from the planner's
-- estimates.
--
-- client_names and staff_names hold only what a search needs (id, where the record lives, its search key). They
-- have no row-level security and registry_app has no privilege on them at all: the one way in is
-- registry_search_ids(), a SECURITY DEFINER function that narrows every search to the caller's scope, taken from the
-- transaction's settings (as the policies take it), never from its arguments. It returns ids only; the handlers
-- then read those records from clients / staff under row-level security as always, so a bug here can at worst
-- return ids of records the caller then cannot read.

CREATE TABLE client_names (
    id              bigint PRIMARY KEY,
    province_code   text NOT NULL,
    county_id       integer NOT NULL,
    center_id       bigint,
    name_key        text NOT NULL
);
CREATE TABLE staff_names (
    id              bigint PRIMARY KEY,
    province_code   text NOT NULL,
    county_id       integer NOT NULL,
    center_id       bigint,
    name_key        text NOT NULL
);
REVOKE ALL ON client_names, staff_names FROM PUBLIC;

-- filled before the indexes exist: building an index is faster than growing it a row at a time
INSERT INTO client_names SELECT id, province_code, county_id, center_id, name_key FROM clients;
INSERT INTO staff_names SELECT id, province_code, county_id, center_id, name_key FROM staff;

-- The trigram index finds a rare name; the btree indexes find a common one faster, by walking ids in order and
-- stopping after a page. (A GIN index over (province_code, name_key) looked better and was worse: the planner
-- costs it low, picks it for common names too, and it intersects the province's 500,000-entry posting list with
-- the trigrams' every time: 35-60 ms against 0.2-6 ms for the walk, measured at national scale.)
CREATE INDEX client_names_search ON client_names USING gin (name_key gin_trgm_ops);
CREATE INDEX client_names_province ON client_names (province_code, id);
CREATE INDEX client_names_county ON client_names (county_id, id);
CREATE INDEX client_names_center ON client_names (center_id, id) WHERE center_id IS NOT NULL;
CREATE INDEX staff_names_search ON staff_names USING gin (name_key gin_trgm_ops);
CREATE INDEX staff_names_province ON staff_names (province_code, id);
CREATE INDEX staff_names_county ON staff_names (county_id, id);
CREATE INDEX staff_names_center ON staff_names (center_id, id) WHERE center_id IS NOT NULL;


-- the trigram indexes on the tables themselves could never be used (see above); they only cost every write
DROP INDEX clients_name_trgm;
DROP INDEX staff_name_trgm;

-- Kept in step by triggers, in the same transaction as the write. After the BEFORE triggers that set name_key and
-- derive province and county, so the copy holds the stored values. Static SQL, one function a table: its plan is
-- cached (a shared function with EXECUTE format() planned the statement again for every client written).
CREATE FUNCTION client_names_sync() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM client_names WHERE id = OLD.id;
        RETURN OLD;
    END IF;
    INSERT INTO client_names (id, province_code, county_id, center_id, name_key)
        VALUES (NEW.id, NEW.province_code, NEW.county_id, NEW.center_id, NEW.name_key)
        ON CONFLICT (id) DO UPDATE SET province_code = EXCLUDED.province_code, county_id = EXCLUDED.county_id,
                                       center_id = EXCLUDED.center_id, name_key = EXCLUDED.name_key;
    RETURN NEW;
END
$$;
CREATE FUNCTION staff_names_sync() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM staff_names WHERE id = OLD.id;
        RETURN OLD;
    END IF;
    INSERT INTO staff_names (id, province_code, county_id, center_id, name_key)
        VALUES (NEW.id, NEW.province_code, NEW.county_id, NEW.center_id, NEW.name_key)
        ON CONFLICT (id) DO UPDATE SET province_code = EXCLUDED.province_code, county_id = EXCLUDED.county_id,
                                       center_id = EXCLUDED.center_id, name_key = EXCLUDED.name_key;
    RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION client_names_sync(), staff_names_sync() FROM PUBLIC;

CREATE TRIGGER clients_names_sync AFTER INSERT OR DELETE OR UPDATE OF name_key, province_code, county_id, center_id
    ON clients FOR EACH ROW EXECUTE FUNCTION client_names_sync();
CREATE TRIGGER staff_names_sync AFTER INSERT OR DELETE OR UPDATE OF name_key, province_code, county_id, center_id
    ON staff FOR EACH ROW EXECUTE FUNCTION staff_names_sync();

-- For bulk loads that skip triggers (registryctl gen-data as a superuser): copy the rows with id > after_id.
CREATE FUNCTION registry_names_refresh(kind text, after_id bigint) RETURNS bigint LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    IF kind NOT IN ('client', 'staff') THEN
        RAISE EXCEPTION 'no name search for %', kind;
    END IF;
    EXECUTE format('INSERT INTO %I SELECT id, province_code, county_id, center_id, name_key FROM %I WHERE id > $1'
                   ' ON CONFLICT (id) DO UPDATE SET province_code = EXCLUDED.province_code,'
                   ' county_id = EXCLUDED.county_id, center_id = EXCLUDED.center_id, name_key = EXCLUDED.name_key',
                   CASE kind WHEN 'client' THEN 'client_names' ELSE 'staff_names' END,
                   CASE kind WHEN 'client' THEN 'clients' ELSE 'staff' END)
        USING after_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION registry_names_refresh(text, bigint) FROM PUBLIC;

-- The ids of kind's records whose search key matches pattern (a LIKE pattern), inside the caller's scope and the
-- optional province / county / center filters, after the cursor, in id order, at most max_rows of them (all when
-- NULL). The statement is built for the filters present and planned for this pattern (EXECUTE): a common name is
-- found fastest by walking ids in order, a rare one through the trigram index, and only the actual pattern tells
-- which.
CREATE FUNCTION registry_search_ids(kind text, pattern text, province text, county integer, center bigint,
                                    after_id bigint, max_rows integer)
    RETURNS SETOF bigint LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    ROWS 50
AS $$
DECLARE
    caller_role text := registry_role();
    p text := province;
    c integer := county;
    ctr bigint := center;
    sql text;
BEGIN
    IF pattern IS NULL THEN
        RETURN;
    END IF;
    -- the caller's scope is a filter nobody can widen: a filter outside it finds nothing
    IF caller_role IN ('national_admin', 'national_viewer', 'system') THEN
        NULL;
    ELSIF caller_role IN ('provincial_admin', 'provincial_officer') THEN
        IF registry_province() IS NULL OR (p IS NOT NULL AND p <> registry_province()) THEN
            RETURN;
        END IF;
        p := registry_province();
    ELSIF caller_role = 'county_officer' THEN
        IF registry_county() IS NULL OR (c IS NOT NULL AND c <> registry_county()) THEN
            RETURN;
        END IF;
        c := registry_county();
    ELSIF caller_role = 'ngo_submitter' THEN
        IF registry_center() IS NULL OR (ctr IS NOT NULL AND ctr <> registry_center()) THEN
            RETURN;
        END IF;
        ctr := registry_center();
    ELSE
        RETURN;
    END IF;
    sql := format('SELECT id FROM %I WHERE name_key LIKE $1',
                  CASE kind WHEN 'client' THEN 'client_names' WHEN 'staff' THEN 'staff_names' END);
    IF sql IS NULL THEN
        RAISE EXCEPTION 'no name search for %', kind;
    END IF;
    IF p IS NOT NULL THEN sql := sql || ' AND province_code = $2'; END IF;
    IF c IS NOT NULL THEN sql := sql || ' AND county_id = $3'; END IF;
    IF ctr IS NOT NULL THEN sql := sql || ' AND center_id = $4'; END IF;
    IF after_id IS NOT NULL THEN sql := sql || ' AND id > $5'; END IF;
    sql := sql || ' ORDER BY id';
    IF max_rows IS NOT NULL THEN sql := sql || ' LIMIT $6'; END IF;
    RETURN QUERY EXECUTE sql USING pattern, p, c, ctr, after_id, max_rows;
END
$$;
REVOKE ALL ON FUNCTION registry_search_ids(text, text, text, integer, bigint, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry_search_ids(text, text, text, integer, bigint, bigint, integer) TO registry_app;

-- the planner's choice between walking ids and the trigram index rests on these statistics
ANALYZE client_names;
ANALYZE staff_names;
