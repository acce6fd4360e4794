-- 0019: repairs of the records and money work (0015), and what it left out.
--
-- 1. A client's loans follow it whatever moves it: loans_follow_client() runs as the owner (SECURITY DEFINER, its
--    search_path pinned) in the 'system' scope, so a PATCH of center_id by an officer moves the loan's
--    installments too (registry_app may not update installments, and still may not).
-- 2. No loan or repayment is left behind by a transfer running at the same time: the triggers that copy a place
--    from the client (derive_from_client) or from the loan (repayments_check) lock that row FOR SHARE, so they
--    wait for a transfer in flight and read the place it leaves, and a transfer waits for them. What a loan has
--    been repaid is summed over all its repayments (loan_repaid_rials(), SECURITY DEFINER), not over those the
--    writer's row-level security happens to show, when a repayment is checked, when the loan's status is checked
--    and when a repayment settles the loan.
-- 3. Search keys drop every invisible character textnorm_search_key() drops (registry_search_key() did not know
--    the ones added for hole 16, so names holding them no longer matched ?q=), and stored text is repaired:
--    the invisible characters and bidi controls are removed from every human-readable column of rows that hold
--    one (found by one regular expression; the rest are not written), with a version bump and an audit record
--    ('repair') per row. Changing a name recomputes its key, and the name-copy tables (client_names,
--    staff_names) follow through their triggers, for these rows only. A center whose repaired name would equal
--    another's in its county keeps its id in the name.
--    Measured on the benchmark's 2-core machine with nothing to repair: the whole migration took 0.58 s on
--    `registryctl gen-data --scale 0.1` (300,000 clients, 20,000 staff, 100,000 donations, 1,000,000 services;
--    the clients' scan 94 ms, the services' 197 ms: one sequential scan with one regular expression per row),
--    so about 6 s at national scale (scale 1, ten times the rows). Only the rows to repair are locked.
-- 4. A center does not change county while it has active clients (422 on county_id: transfer them first, with
--    POST /api/v1/clients/{id}/transfer), nor while money is recorded at it (allocations, donations): those
--    stay in the county whose budget they are. Its staff and NGO submitters, whose place is the center's, move
--    with it, each with an audit record.
-- 5. Loans left behind before this migration (by the races of 2) are moved where their client is, installments
--    and repayments where their loan is, each repaired record with a version bump and an audit record.
-- 6. A donation's campaign named in a PATCH is looked up in the donation's own province (not the writer's), and
--    any refusal names the field the client sent (campaign or campaign_id).
-- 7. A new loan's installments fall on the same Jalali day of each Jalali month (clamped to the month's length:
--    31 days for months 1-6, 30 for 7-11, 29 or 30 for Esfand), not on the same Gregorian day: the default first
--    due day is the 1st of a Jalali month, and Gregorian months drifted from it (1 Dey, 2 Bahman, 3 Esfand,
--    2 Farvardin). Existing loans keep their stored schedules, which the API now shows as stored.
--
-- The repairs run first, before the new triggers exist, each starting from the rows that need it, and wait at
-- most lock_timeout for a row a request holds (the migration then fails and can be run again).

SET LOCAL lock_timeout = '5s';
SELECT set_config('registry.role', 'system', true);     -- the owner, under forced row-level security

-- Search keys ----------------------------------------------------------------------------------------------------
-- What shows nothing: bidi controls and the invisible characters of textnorm.c (is_bidi, is_invisible). The
-- pattern is also what the repair below looks for.
CREATE FUNCTION registry_invisible_pattern() RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT '[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B\u200E\u200F\u202A-\u202E'
           '\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF9-\uFFFB\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A'
           '\U000E0000-\U000E007F\U000E0100-\U000E01EF]'
$fn$;

-- 0003's key, with every character textnorm_search_key() drops dropped first (tests/e2e/test_registry.py
-- compares the two).
CREATE OR REPLACE FUNCTION registry_search_key(s text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
    SELECT btrim(regexp_replace(
        translate(regexp_replace(s, registry_invisible_pattern(), '', 'g'),
            U&'\064A\0649\0626\0643\0629\06C0\0622\0623\0625\0671\0624'
            || U&'\06F0\06F1\06F2\06F3\06F4\06F5\06F6\06F7\06F8\06F9\0660\0661\0662\0663\0664\0665\0666\0667\0668\0669'
            || 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
            || U&'\00A0\2000\2001\2002\2003\2004\2005\2006\2007\2008\2009\200A\202F\205F\3000\1680\2028\2029\0085'
            || U&'\0009\000A\000B\000C\000D'
            || U&'\200C\200D\0640\064B\064C\064D\064E\064F\0650\0651\0652\0653\0654\0655\0656\0657\0658\0659'
            || U&'\065A\065B\065C\065D\065E\065F\0670',
            U&'\06CC\06CC\06CC\06A9\0647\0647\0627\0627\0627\0627\0648'
            || '01234567890123456789'
            || 'abcdefghijklmnopqrstuvwxyz'
            || '                   '
            || '     '),
        ' {2,}', ' ', 'g'))
$fn$;

-- Stored text as textnorm_clean_input() would have stored it, as far as the characters that show nothing go
-- (text stored through registryd has its spaces collapsed already; a removal may leave two together).
CREATE FUNCTION registry_drop_invisible(s text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
    SELECT btrim(regexp_replace(regexp_replace(s, registry_invisible_pattern(), '', 'g'), ' {2,}', ' ', 'g'))
$fn$;

-- The repairs ----------------------------------------------------------------------------------------------------
-- One audit record per repaired row: who is the migration (role 'system'), what changed in before/after.
CREATE FUNCTION registry_audit_repair(ent text, eid text, p text, c integer, ctr bigint, b jsonb, a jsonb,
                                      why text)
    RETURNS integer LANGUAGE sql
AS $$
    INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, before, after, detail, role)
    VALUES ('repair', ent, eid, p, c, ctr, b, a, jsonb_build_object('migration', '0019', 'reason', why), 'system')
    RETURNING 1
$$;
REVOKE ALL ON FUNCTION registry_audit_repair FROM PUBLIC;

-- Text: each table's human-readable columns, rows holding an invisible character only.
DO $$
DECLARE
    spec record;
    cols text[];
    col text;
    cond text;
    sets text;
    b text;
    a text;
    r record;
    why constant text := 'invisible characters removed from stored text (issue 13, hole 16)';
BEGIN
    FOR spec IN SELECT * FROM (VALUES
            ('users', 'user', ARRAY['full_name'], 'province_code', 'county_id', 'center_id'),
            ('staff', 'staff', ARRAY['first_name', 'last_name'], 'province_code', 'county_id', 'center_id'),
            ('clients', 'client', ARRAY['first_name', 'last_name'], 'province_code', 'county_id', 'center_id'),
            ('households', 'household', ARRAY['address'], 'province_code', 'county_id', 'center_id'),
            ('services', 'service', ARRAY['service', 'notes'], 'province_code', 'county_id', 'center_id'),
            ('allocations', 'allocation', ARRAY['note'], 'province_code', 'county_id', 'center_id'),
            ('campaigns', 'campaign', ARRAY['name', 'description'], 'province_code', 'NULL::integer', 'NULL::bigint'),
            ('donations', 'donation', ARRAY['donor_name', 'description'], 'province_code', 'county_id', 'center_id'),
            ('submissions', 'submission', ARRAY['reason'], 'province_code', 'county_id', 'center_id'))
        AS v (tbl, entity, cols, p, c, ctr)
    LOOP
        cols := spec.cols;
        cond := '';
        sets := '';
        b := '';
        a := '';
        FOREACH col IN ARRAY cols LOOP
            cond := cond || CASE WHEN cond = '' THEN '' ELSE ' OR ' END
                    || format('t.%I ~ registry_invisible_pattern()', col);
            sets := sets || format('%I = registry_drop_invisible(t.%I), ', col, col);
            -- an anonymous donor's name never goes into the trail
            b := b || format(', %L, %s', col, CASE WHEN spec.tbl = 'donations' AND col = 'donor_name'
                                                   THEN format('CASE WHEN t.anonymous THEN NULL ELSE o.%I END', col)
                                                   ELSE format('o.%I', col) END);
            a := a || format(', %L, %s', col, CASE WHEN spec.tbl = 'donations' AND col = 'donor_name'
                                                   THEN format('CASE WHEN t.anonymous THEN NULL ELSE t.%I END', col)
                                                   ELSE format('t.%I', col) END);
        END LOOP;
        -- a key-bearing table's key and copy follow the name (its name_key is a target, so the copy's trigger runs)
        IF spec.tbl IN ('staff', 'clients') THEN
            sets := sets || 'name_key = t.name_key, ';
        END IF;
        EXECUTE format(
            'WITH o AS (SELECT t.* FROM %1$I t WHERE %2$s FOR UPDATE),'
            ' u AS (UPDATE %1$I t SET %3$s version = t.version + 1, updated_at = now() FROM o WHERE t.id = o.id'
            '       RETURNING t.id, %4$s AS p, %5$s AS c, %6$s AS ctr, jsonb_build_object(%7$s) AS b,'
            '                 jsonb_build_object(%8$s) AS a)'
            ' SELECT count(registry_audit_repair(%9$L, u.id::text, u.p, u.c, u.ctr, u.b, u.a, %10$L)) FROM u',
            spec.tbl, cond, sets, 't.' || spec.p,
            CASE WHEN spec.c LIKE 'NULL%' THEN spec.c ELSE 't.' || spec.c END,
            CASE WHEN spec.ctr LIKE 'NULL%' THEN spec.ctr ELSE 't.' || spec.ctr END,
            substr(b, 3), substr(a, 3), spec.entity, why);
    END LOOP;

    -- a staff member's training courses (jsonb)
    FOR r IN SELECT s.id, s.trainings FROM staff s WHERE s.trainings::text ~ registry_invisible_pattern()
             FOR UPDATE LOOP
        UPDATE staff t SET trainings = (SELECT coalesce(jsonb_agg(CASE WHEN jsonb_typeof(e->'course') = 'string'
                                                     THEN jsonb_set(e, '{course}', to_jsonb(registry_drop_invisible(e->>'course')))
                                                     ELSE e END ORDER BY i), '[]')
                                        FROM jsonb_array_elements(r.trainings) WITH ORDINALITY x (e, i)),
                           version = t.version + 1, updated_at = now()
            WHERE t.id = r.id;
        PERFORM registry_audit_repair('staff', r.id::text, t.province_code, t.county_id, t.center_id,
                                      jsonb_build_object('trainings', r.trainings),
                                      jsonb_build_object('trainings', t.trainings), why)
            FROM staff t WHERE t.id = r.id;
    END LOOP;

    -- centers, one at a time: a name that becomes another's in its county (unique) keeps the center's id
    FOR r IN SELECT c.id, c.name, c.license_no FROM centers c
             WHERE c.name ~ registry_invisible_pattern() OR c.license_no ~ registry_invisible_pattern()
             FOR UPDATE LOOP
        BEGIN
            UPDATE centers SET name = registry_drop_invisible(name), license_no = registry_drop_invisible(license_no),
                               version = version + 1, updated_at = now()
                WHERE id = r.id;
        EXCEPTION WHEN unique_violation THEN
            UPDATE centers SET name = registry_drop_invisible(name) || ' (' || id || ')',
                               license_no = CASE WHEN registry_drop_invisible(license_no) IS DISTINCT FROM license_no
                                                 THEN registry_drop_invisible(license_no) || ' (' || id || ')'
                                                 ELSE license_no END,
                               version = version + 1, updated_at = now()
                WHERE id = r.id;
        END;
        PERFORM registry_audit_repair('center', c.id::text, c.province_code, c.county_id, c.id,
                                      jsonb_build_object('name', r.name, 'license_no', r.license_no),
                                      jsonb_build_object('name', c.name, 'license_no', c.license_no), why)
            FROM centers c WHERE c.id = r.id;
    END LOOP;
END
$$;

-- Loans left behind: a loan where its client is not (with its installments), then installments and repayments
-- where their loan is not.
WITH o AS (SELECT l.id, l.province_code, l.county_id, l.center_id FROM loans l JOIN clients c ON c.id = l.client_id
           WHERE (l.province_code, l.county_id, l.center_id) IS DISTINCT FROM (c.province_code, c.county_id, c.center_id)
           FOR UPDATE OF l),
     u AS (UPDATE loans l SET province_code = c.province_code, county_id = c.county_id, center_id = c.center_id,
                              version = l.version + 1, updated_at = now()
           FROM o, clients c WHERE l.id = o.id AND c.id = l.client_id
           RETURNING l.*, o.province_code AS old_p, o.county_id AS old_c, o.center_id AS old_ctr),
     i AS (UPDATE loan_installments i SET province_code = u.province_code, county_id = u.county_id,
                                          center_id = u.center_id
           FROM u WHERE i.loan_id = u.id)
SELECT count(registry_audit_repair('loan', u.id::text, u.province_code, u.county_id, u.center_id,
                                   jsonb_build_object('province', u.old_p, 'county_id', u.old_c, 'center_id', u.old_ctr),
                                   jsonb_build_object('province', u.province_code, 'county_id', u.county_id,
                                                      'center_id', u.center_id, 'version', u.version),
                                   'moved where its client is (left behind by a transfer)'))
FROM u;

WITH o AS (SELECT DISTINCT i.loan_id FROM loan_installments i JOIN loans l ON l.id = i.loan_id
           WHERE (i.province_code, i.county_id, i.center_id) IS DISTINCT FROM (l.province_code, l.county_id, l.center_id)),
     i AS (UPDATE loan_installments i SET province_code = l.province_code, county_id = l.county_id,
                                          center_id = l.center_id
           FROM o, loans l WHERE i.loan_id = o.loan_id AND l.id = o.loan_id
             AND (i.province_code, i.county_id, i.center_id) IS DISTINCT FROM (l.province_code, l.county_id, l.center_id)
           RETURNING i.loan_id),
     u AS (UPDATE loans l SET version = l.version + 1, updated_at = now()
           FROM (SELECT loan_id, count(*) AS n FROM i GROUP BY loan_id) m WHERE l.id = m.loan_id
           RETURNING l.*, m.n)
SELECT count(registry_audit_repair('loan', u.id::text, u.province_code, u.county_id, u.center_id, NULL,
                                   jsonb_build_object('installments_moved', u.n, 'version', u.version),
                                   'installments moved where their loan is (left behind by a transfer)'))
FROM u;

WITH o AS (SELECT r.id, r.province_code, r.county_id, r.center_id FROM repayments r JOIN loans l ON l.id = r.loan_id
           WHERE (r.province_code, r.county_id, r.center_id) IS DISTINCT FROM (l.province_code, l.county_id, l.center_id)
           FOR UPDATE OF r),
     u AS (UPDATE repayments r SET province_code = l.province_code, county_id = l.county_id, center_id = l.center_id,
                                   version = r.version + 1, updated_at = now()
           FROM o, loans l WHERE r.id = o.id AND l.id = r.loan_id
           RETURNING r.*, o.province_code AS old_p, o.county_id AS old_c, o.center_id AS old_ctr)
SELECT count(registry_audit_repair('repayment', u.id::text, u.province_code, u.county_id, u.center_id,
                                   jsonb_build_object('province', u.old_p, 'county_id', u.old_c, 'center_id', u.old_ctr),
                                   jsonb_build_object('province', u.province_code, 'county_id', u.county_id,
                                                      'center_id', u.center_id, 'version', u.version),
                                   'moved where its loan is (left behind by a transfer)'))
FROM u;

-- 1. Loans follow their client, whoever moves it --------------------------------------------------------------------
CREATE OR REPLACE FUNCTION loans_follow_client() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    l record;
    saved text := current_setting('registry.role', true);
    actor_role text := registry_role();
    actor_name text;
BEGIN
    -- every loan of the client moves, also one the writer's scope does not show (the client's move is what the
    -- writer was allowed); the audit rows name the user, whose role client_transfer's 'system' hides
    PERFORM set_config('registry.role', 'system', true);
    IF NOT EXISTS (SELECT 1 FROM loans WHERE client_id = NEW.id) THEN
        PERFORM set_config('registry.role', saved, true);
        RETURN NULL;
    END IF;
    SELECT u.role::text, u.username INTO actor_role, actor_name FROM users u WHERE u.id = registry_user_id();
    actor_role := coalesce(actor_role, saved);
    FOR l IN
        UPDATE loans SET province_code = NEW.province_code, county_id = NEW.county_id, center_id = NEW.center_id,
                         version = version + 1, updated_at = now()
        WHERE client_id = NEW.id
        RETURNING id, version
    LOOP
        UPDATE loan_installments SET province_code = NEW.province_code, county_id = NEW.county_id,
                                     center_id = NEW.center_id
            WHERE loan_id = l.id;
        UPDATE repayments SET province_code = NEW.province_code, county_id = NEW.county_id, center_id = NEW.center_id,
                              version = version + 1, updated_at = now()
            WHERE loan_id = l.id;
        INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, before, after, detail,
                               user_id, username, role, address, request_id)
        VALUES ('transfer', 'loan', l.id::text, NEW.province_code, NEW.county_id, NEW.center_id,
                jsonb_build_object('province', OLD.province_code, 'county_id', OLD.county_id,
                                   'center_id', OLD.center_id),
                jsonb_build_object('province', NEW.province_code, 'county_id', NEW.county_id,
                                   'center_id', NEW.center_id, 'version', l.version),
                jsonb_build_object('client_id', NEW.id),
                registry_user_id(), actor_name, actor_role,
                nullif(current_setting('registry.address', true), ''),
                nullif(current_setting('registry.request_id', true), ''));
    END LOOP;
    PERFORM set_config('registry.role', saved, true);
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION loans_follow_client() FROM PUBLIC;

-- 2. Places copied under a lock; what was repaid, whole ----------------------------------------------------------------
-- A record that lives where its client lives reads the client FOR SHARE: a transfer of that client in flight
-- (which holds it FOR UPDATE) finishes first and the record gets the new place (or a 404, if the writer may not
-- follow it there), and a transfer that comes later waits for this record and then moves it.
CREATE OR REPLACE FUNCTION derive_from_client() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cl clients;
BEGIN
    SELECT * INTO cl FROM clients WHERE id = NEW.client_id FOR SHARE;
    IF NOT FOUND THEN
        -- unknown, or outside the caller's scope: the API answers 404 either way
        RAISE EXCEPTION 'client % does not exist', NEW.client_id USING ERRCODE = 'RA404';
    END IF;
    NEW.province_code := cl.province_code;
    NEW.county_id := cl.county_id;
    IF TG_TABLE_NAME IN ('enrollments', 'loans') THEN
        NEW.center_id := cl.center_id;
    END IF;
    RETURN NEW;
END
$$;

-- All the repayments of a loan the caller may see, whatever place each row says (one left behind elsewhere
-- still counts); 0 for a loan the caller may not see (nothing to tell about it).
CREATE FUNCTION loan_repaid_rials(lid bigint) RETURNS numeric LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    saved text := current_setting('registry.role', true);
    paid numeric;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM loans WHERE id = lid) THEN       -- the caller's own scope
        RETURN 0;
    END IF;
    PERFORM set_config('registry.role', 'system', true);
    SELECT coalesce(sum(r.amount_rials), 0) INTO paid FROM repayments r WHERE r.loan_id = lid;
    PERFORM set_config('registry.role', saved, true);
    RETURN paid;
END
$$;
REVOKE ALL ON FUNCTION loan_repaid_rials(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION loan_repaid_rials(bigint) TO registry_app;

CREATE OR REPLACE FUNCTION loans_status_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    owed numeric;
BEGIN
    owed := NEW.amount_rials - CASE WHEN TG_OP = 'INSERT' THEN 0 ELSE loan_repaid_rials(NEW.id) END;
    IF NEW.status = 'repaid' AND owed > 0 THEN
        RAISE EXCEPTION 'status: % rials are still owed; a loan becomes repaid by its repayments', owed
            USING ERRCODE = 'RA422';
    END IF;
    IF NEW.status <> 'repaid' AND owed <= 0 THEN
        RAISE EXCEPTION 'status: the loan is repaid in full; its status stays repaid' USING ERRCODE = 'RA422';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION repayments_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    l loans;
    paid numeric;
BEGIN
    PERFORM pg_advisory_xact_lock(727274003, hashtext(NEW.loan_id::text));
    -- FOR SHARE: a transfer moving this loan finishes first, and the repayment takes the loan's new place
    SELECT * INTO l FROM loans WHERE id = NEW.loan_id FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'loan % does not exist', NEW.loan_id USING ERRCODE = 'RA404';
    END IF;
    NEW.province_code := l.province_code;
    NEW.county_id := l.county_id;
    NEW.center_id := l.center_id;
    paid := loan_repaid_rials(NEW.loan_id);
    IF paid + NEW.amount_rials > l.amount_rials THEN
        RAISE EXCEPTION 'amount_rials: this repayment would bring the total repaid to % rials, more than the loan''s % rials',
            paid + NEW.amount_rials, l.amount_rials USING ERRCODE = 'RA422';
    END IF;
    RETURN NEW;
END
$$;

-- ... and so does settling a loan after a repayment: 0015's repayments_settle() with the sum taken whole, and (as
-- 0018 has it, written the same here so the order the two are merged in does not matter) every repayment bumping
-- the loan's version, since its reply shows what was repaid.
CREATE OR REPLACE FUNCTION repayments_settle() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lid bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.loan_id ELSE NEW.loan_id END;
    paid numeric;
BEGIN
    -- repayments of a loan are serialized by repayments_check's lock, so this sum is the loan's; the status is
    -- computed from the loan's row as it is when locked (a write-off made meanwhile stays)
    paid := loan_repaid_rials(lid);
    UPDATE loans l SET status = CASE WHEN l.amount_rials <= paid THEN 'repaid'
                                     WHEN l.status = 'repaid' THEN 'active' ELSE l.status END::loan_status,
                       version = l.version + 1, updated_at = now()
    WHERE l.id = lid;
    RETURN NULL;
END
$$;

-- 4. A center with active clients or money stays in its county ------------------------------------------------------
CREATE FUNCTION centers_county_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    saved text := current_setting('registry.role', true);
    n bigint;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    SELECT count(*) INTO n FROM clients WHERE center_id = OLD.id AND status = 'active';
    IF n > 0 THEN
        PERFORM set_config('registry.role', saved, true);
        RAISE EXCEPTION 'county_id: this center has % active clients; transfer them to a center of the new county '
                        'first (POST /api/v1/clients/{id}/transfer), then move the center', n USING ERRCODE = 'RA422';
    END IF;
    IF EXISTS (SELECT 1 FROM allocations WHERE center_id = OLD.id)
       OR EXISTS (SELECT 1 FROM donations WHERE center_id = OLD.id) THEN
        PERFORM set_config('registry.role', saved, true);
        RAISE EXCEPTION 'county_id: allocations or donations are recorded at this center in its county''s budget; '
                        'a center with money recorded does not move to another county' USING ERRCODE = 'RA422';
    END IF;
    PERFORM set_config('registry.role', saved, true);
    RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION centers_county_change() FROM PUBLIC;
CREATE TRIGGER centers_county_change BEFORE UPDATE OF county_id ON centers
    FOR EACH ROW WHEN (OLD.county_id IS DISTINCT FROM NEW.county_id) EXECUTE FUNCTION centers_county_change();

-- ... and what lives at the center moves with it: its staff and NGO submitters (their place is derived from the
-- center's), and its running totals.
CREATE FUNCTION centers_moved() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    saved text := current_setting('registry.role', true);
    who bigint := registry_user_id();
    who_name text;
    who_role text;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    SELECT u.username, u.role::text INTO who_name, who_role FROM users u WHERE u.id = who;
    WITH m AS (UPDATE staff s SET center_id = s.center_id, version = s.version + 1, updated_at = now()
               WHERE s.center_id = NEW.id RETURNING s.id, s.province_code, s.county_id, s.center_id, s.version)
    INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, before, after, detail,
                           user_id, username, role, address, request_id)
    SELECT 'transfer', 'staff', m.id::text, m.province_code, m.county_id, m.center_id,
           jsonb_build_object('province', OLD.province_code, 'county_id', OLD.county_id),
           jsonb_build_object('province', m.province_code, 'county_id', m.county_id, 'version', m.version),
           jsonb_build_object('center_id', NEW.id), who, who_name, coalesce(who_role, saved),
           nullif(current_setting('registry.address', true), ''), nullif(current_setting('registry.request_id', true), '')
    FROM m;
    WITH m AS (UPDATE users u SET center_id = u.center_id, version = u.version + 1, updated_at = now()
               WHERE u.center_id = NEW.id RETURNING u.id, u.province_code, u.county_id, u.center_id, u.version)
    INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, before, after, detail,
                           user_id, username, role, address, request_id)
    SELECT 'transfer', 'user', m.id::text, m.province_code, m.county_id, m.center_id,
           jsonb_build_object('province', OLD.province_code, 'county_id', OLD.county_id),
           jsonb_build_object('province', m.province_code, 'county_id', m.county_id, 'version', m.version),
           jsonb_build_object('center_id', NEW.id), who, who_name, coalesce(who_role, saved),
           nullif(current_setting('registry.address', true), ''), nullif(current_setting('registry.request_id', true), '')
    FROM m;
    UPDATE center_totals SET province_code = NEW.province_code, county_id = NEW.county_id WHERE center_id = NEW.id;
    PERFORM set_config('registry.role', saved, true);
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION centers_moved() FROM PUBLIC;
CREATE TRIGGER centers_moved AFTER UPDATE OF county_id ON centers
    FOR EACH ROW WHEN (OLD.county_id IS DISTINCT FROM NEW.county_id) EXECUTE FUNCTION centers_moved();

-- 6. A donation's campaign, looked up in the donation's province ------------------------------------------------------
-- As 0015's, with the province of the donation being changed (values j carry its id as donation_id on a PATCH)
-- before the writer's own; a campaign of another province is refused under the field the client used.
CREATE OR REPLACE FUNCTION donation_campaign_ref(j jsonb) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
    ref jsonb := j->'campaign_id';
    fld text := coalesce(j->>'campaign_field', 'campaign_id');
    p text;
    ids bigint[];
BEGIN
    IF ref IS NULL OR jsonb_typeof(ref) = 'null' THEN
        RETURN NULL;
    END IF;
    p := coalesce(j->>'province',
                  (SELECT province_code FROM counties WHERE id = (j->>'county_id')::integer),
                  (SELECT province_code FROM centers WHERE id = (j->>'center_id')::bigint),
                  (SELECT province_code FROM clients WHERE id = (j->>'client_id')::bigint),
                  (SELECT province_code FROM donations WHERE id = (j->>'donation_id')::bigint));
    IF jsonb_typeof(ref) = 'number' THEN
        SELECT array[c.id] INTO ids FROM campaigns c WHERE c.id = (ref #>> '{}')::bigint
            AND (c.province_code IS NULL OR p IS NULL OR c.province_code = p);
        IF ids IS NULL AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = (ref #>> '{}')::bigint) THEN
            RAISE EXCEPTION '%: campaign % is of another province than this donation', fld, ref #>> '{}'
                USING ERRCODE = 'RA422';
        END IF;
    ELSE
        SELECT array_agg(c.id ORDER BY (c.province_code = coalesce(p, registry_province())) IS NOT TRUE,
                                       c.province_code NULLS FIRST, c.id) INTO ids
            FROM campaigns c
            WHERE c.name = ref #>> '{}' AND (c.province_code IS NULL OR p IS NULL OR c.province_code = p);
        IF cardinality(ids) > 1 AND p IS NULL AND NOT EXISTS (
                SELECT 1 FROM campaigns c WHERE c.id = ids[1] AND c.province_code = registry_province()) THEN
            RAISE EXCEPTION '%: several campaigns have this name; send its id', fld USING ERRCODE = 'RA422';
        END IF;
    END IF;
    IF ids IS NULL THEN
        RAISE EXCEPTION '%: there is no such campaign that this donation may name (a national campaign or one of '
                        'the donation''s province)', fld USING ERRCODE = 'RA422';
    END IF;
    RETURN ids[1];
END
$$;

-- 7. Schedules in Jalali months ----------------------------------------------------------------------------------
-- The Gregorian date of 1 Farvardin of Jalali year jy (1..3177): common/jalali.c's jal_cal (Borkowski's 33-year
-- cycles between the breaks, as jalaali-js), in SQL.
CREATE FUNCTION jalali_nowruz(jy integer) RETURNS date LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    breaks constant integer[] := ARRAY[-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097,
                                       2192, 2262, 2324, 2394, 2456, 3178];
    jp integer := -61;
    jump integer := 0;
    leap_j integer := -14;
    n integer;
    gy integer := jy + 621;
BEGIN
    IF jy < 1 OR jy > 3177 THEN
        RETURN NULL;
    END IF;
    FOR i IN 2 .. 20 LOOP
        jump := breaks[i] - jp;
        EXIT WHEN jy < breaks[i];
        leap_j := leap_j + jump / 33 * 8 + (jump % 33) / 4;
        jp := breaks[i];
    END LOOP;
    n := jy - jp;
    leap_j := leap_j + n / 33 * 8 + (n % 33 + 3) / 4;
    IF jump % 33 = 4 AND jump - n = 4 THEN
        leap_j := leap_j + 1;
    END IF;
    -- 1 Farvardin is the (20 + Jalali leap days - Gregorian leap days since 621)th of March
    RETURN make_date(gy, 3, 1) + (19 + leap_j - (gy / 4 - (gy / 100 + 1) * 3 / 4 - 150));
END
$$;

CREATE FUNCTION jalali_month_days(jy integer, jm integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT
    PARALLEL SAFE
AS $$
    SELECT CASE WHEN jm BETWEEN 1 AND 6 THEN 31 WHEN jm BETWEEN 7 AND 11 THEN 30
                WHEN jm = 12 THEN jalali_nowruz(jy + 1) - jalali_nowruz(jy) - 336 END
$$;

-- Jalali (jy, jm, jd) of a Gregorian date, and back.
CREATE FUNCTION jalali_of(g date, OUT jy integer, OUT jm integer, OUT jd integer) LANGUAGE plpgsql IMMUTABLE STRICT
    PARALLEL SAFE
AS $$
DECLARE
    doy integer;
BEGIN
    jy := extract(year FROM g)::integer - 621;
    IF g < jalali_nowruz(jy) THEN
        jy := jy - 1;
    END IF;
    doy := g - jalali_nowruz(jy);
    IF doy < 186 THEN
        jm := doy / 31 + 1;
        jd := doy % 31 + 1;
    ELSE
        jm := (doy - 186) / 30 + 7;
        jd := (doy - 186) % 30 + 1;
    END IF;
END
$$;

CREATE FUNCTION jalali_date(jy integer, jm integer, jd integer) RETURNS date LANGUAGE sql IMMUTABLE STRICT
    PARALLEL SAFE
AS $$
    SELECT jalali_nowruz(jy) + CASE WHEN jm <= 6 THEN (jm - 1) * 31 ELSE 186 + (jm - 7) * 30 END + jd - 1
$$;

-- months Jalali months after g, on g's Jalali day of month, or the month's last day when it is shorter.
CREATE FUNCTION jalali_add_months(g date, months integer) RETURNS date LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT jalali_date(t / 12, t % 12 + 1, least(j.jd, jalali_month_days(t / 12, t % 12 + 1)))
    FROM jalali_of(g) j, LATERAL (SELECT j.jy * 12 + j.jm - 1 + months AS t) x
$$;

-- 0004's schedule, in Jalali months: installment k is due k - 1 Jalali months after the first.
CREATE OR REPLACE FUNCTION loan_schedule(amount bigint, installments integer, first_due date)
    RETURNS TABLE (n integer, due_on date, amount_rials bigint) LANGUAGE sql IMMUTABLE AS $$
    SELECT k, jalali_add_months(first_due, k - 1),
           CASE WHEN k < installments THEN amount / installments
                ELSE amount - (amount / installments) * (installments - 1) END
    FROM generate_series(1, installments) k
$$;
GRANT EXECUTE ON FUNCTION jalali_nowruz(integer), jalali_month_days(integer, integer), jalali_of(date),
    jalali_date(integer, integer, integer), jalali_add_months(date, integer) TO registry_app;
