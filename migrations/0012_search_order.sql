-- 0012: name search reads fewer pages.
--
-- 0009's search finds a rare name through the trigram index and then reads each candidate's row to check it: the
-- rows lay in id order, so 20,000 candidates for a surname across the nation meant 15,000 different pages (90 ms
-- for "چراغی" in one province at national scale). A common name is found by walking the province's (or county's,
-- or center's) ids in order and reading each row's key, which also visited the heap (28 ms for "علی رضایی").
--
-- Now the copies are kept in name order (CLUSTER, and registry_names_refresh() inserts in that order), so the
-- candidates of one name share a few hundred pages, and the id walks are index-only: the walking indexes carry
-- the name key (INCLUDE). Measured on the same data, same four names (EXPLAIN ANALYZE, one province): 2.6 / 9.6 /
-- 28 / 90 ms before, 0.6 / 24 / 10 / 15 ms after (the second now takes the trigram path: 24 ms; 130 ms for the
-- four, 50 after).
--
-- Rows written later go to the end of the table, in no order: a nightly `CLUSTER client_names USING
-- client_names_key_order; CLUSTER staff_names USING staff_names_key_order;` (a minute for 3 million clients; it
-- locks out searches meanwhile) restores the order.

DROP INDEX client_names_province, client_names_county, client_names_center,
           staff_names_province, staff_names_county, staff_names_center;
CREATE INDEX client_names_key_order ON client_names (name_key COLLATE "C");
CREATE INDEX staff_names_key_order ON staff_names (name_key COLLATE "C");
CLUSTER client_names USING client_names_key_order;
CLUSTER staff_names USING staff_names_key_order;
CREATE INDEX client_names_province ON client_names (province_code, id) INCLUDE (name_key);
CREATE INDEX client_names_county ON client_names (county_id, id) INCLUDE (name_key);
CREATE INDEX client_names_center ON client_names (center_id, id) INCLUDE (name_key) WHERE center_id IS NOT NULL;
CREATE INDEX staff_names_province ON staff_names (province_code, id) INCLUDE (name_key);
CREATE INDEX staff_names_county ON staff_names (county_id, id) INCLUDE (name_key);
CREATE INDEX staff_names_center ON staff_names (center_id, id) INCLUDE (name_key) WHERE center_id IS NOT NULL;

-- For bulk loads that skip triggers (registryctl gen-data as a superuser): as 0009's, the new rows in name order.
CREATE OR REPLACE FUNCTION registry_names_refresh(kind text, after_id bigint) RETURNS bigint LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    IF kind NOT IN ('client', 'staff') THEN
        RAISE EXCEPTION 'no name search for %', kind;
    END IF;
    EXECUTE format('INSERT INTO %I SELECT id, province_code, county_id, center_id, name_key FROM %I WHERE id > $1'
                   ' ORDER BY name_key COLLATE "C"'
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
