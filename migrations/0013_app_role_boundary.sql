-- 0013: registry_app is a boundary. Until now the caller's scope was whatever the transaction's settings said
-- (registry.role, registry.province, ...), and registry_app may set any setting: set_config('registry.role',
-- 'national_admin', false) widened what row-level security showed, and the audit trail took its actor from the
-- same settings. Now:
--
-- * auth_begin() gives each session it validates a scope ticket: 256 random bits (hex) naming a row of
--   scope_tickets, which holds the session's scope (user, role, province, county, center) and which registry_app
--   can neither read nor write. It puts the ticket in registry.scope and returns it; registryd caches it with the
--   session, and the cached-read path sets it again and checks it is still live (server/auth/authenticate.c; or
--   scope_set() below). A ticket is worth no
--   more than its token (one per session, found only through the session) and dies with it: triggers keep the row
--   in step with its session and user (an ended session or a deactivated user revokes it, a changed role or scope
--   changes it), beside the NOTIFY registryd's cache already hears.
-- * Every policy takes the scope from registry_scope_v, the row of the ticket in registry.scope, through an
--   uncorrelated sub-select: an InitPlan, one index lookup per statement and table, not per row. A missing,
--   unknown, expired or revoked ticket is no scope: nothing is visible, nothing may be written.
-- * 'system' (every row) is honoured only for the owner of these tables (registryctl, and the SECURITY DEFINER
--   functions that set it) and roles outside registry_app; the functions that act for the caller take the caller
--   from the ticket.
-- * The audit trail's who (user, username, role) comes only from a valid ticket: audit_stamp() for rows the
--   application inserts (no ticket, no row), and audit_reads() from each read's ticket.
-- * Each day's heads of both audit chains are recorded in audit_heads by the sealer (and by `registryctl audit
--   verify`), which nobody below the owner may change and a trigger keeps append-only; verify checks them.
--
-- Why a table and not a signed ticket (an HMAC over the scope, checked by the policies): checking an HMAC in SQL
-- takes a dozen function calls, and the executor sets each up again for every statement; measured with pgbench
-- on GET by id, that halved the rate. One index lookup costs a few microseconds.

-- Tickets -----------------------------------------------------------------------------------------------------------
CREATE TABLE scope_tickets (
    id          text PRIMARY KEY,           -- the ticket: 64 hex digits
    token_hash  bytea NOT NULL UNIQUE,      -- its session
    user_id     bigint NOT NULL,
    username    text NOT NULL,
    role        text NOT NULL,
    province    text,
    county      integer,
    center      bigint,
    -- the scope as one value the policies compare each row with: '*' every row, 'p:<province>', 'c:<county id>',
    -- 'x:<center id>'
    scope_key   text,
    expires_at  timestamptz NOT NULL,       -- the session's
    revoked_at  timestamptz                 -- kept a while after, so the reads it made can still be recorded
);
CREATE INDEX scope_tickets_user ON scope_tickets (user_id);
CREATE INDEX scope_tickets_expires ON scope_tickets (expires_at);
REVOKE ALL ON scope_tickets FROM PUBLIC;

CREATE FUNCTION registry_scope_key_of(r user_role, p text, c integer, ctr bigint) RETURNS text
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE r WHEN 'national_admin' THEN '*' WHEN 'national_viewer' THEN '*'
                  WHEN 'provincial_admin' THEN 'p:' || p WHEN 'provincial_officer' THEN 'p:' || p
                  WHEN 'county_officer' THEN 'c:' || c::text WHEN 'ngo_submitter' THEN 'x:' || ctr::text END
$$;

-- A ticket follows its session and its user, in the transaction that changes them.
CREATE FUNCTION scope_tickets_follow() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        IF NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL THEN
            UPDATE scope_tickets SET revoked_at = now() WHERE token_hash = NEW.token_hash AND revoked_at IS NULL;
        ELSIF NEW.expires_at IS DISTINCT FROM OLD.expires_at THEN
            UPDATE scope_tickets SET expires_at = NEW.expires_at WHERE token_hash = NEW.token_hash;
        END IF;
    ELSIF NOT NEW.active AND OLD.active THEN
        UPDATE scope_tickets SET revoked_at = now() WHERE user_id = NEW.id AND revoked_at IS NULL;
    ELSIF (NEW.username, NEW.role, NEW.province_code, NEW.county_id, NEW.center_id)
          IS DISTINCT FROM (OLD.username, OLD.role, OLD.province_code, OLD.county_id, OLD.center_id) THEN
        UPDATE scope_tickets SET username = NEW.username, role = NEW.role::text, province = NEW.province_code,
                                 county = NEW.county_id, center = NEW.center_id,
                                 scope_key = registry_scope_key_of(NEW.role, NEW.province_code, NEW.county_id,
                                                                   NEW.center_id)
            WHERE user_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION scope_tickets_follow FROM PUBLIC;
CREATE TRIGGER sessions_scope_tickets AFTER UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION scope_tickets_follow();
CREATE TRIGGER users_scope_tickets AFTER UPDATE ON users FOR EACH ROW EXECUTE FUNCTION scope_tickets_follow();

CREATE TYPE registry_caller_t AS (user_id bigint, username text, role text, province text, county integer,
                                  center bigint, scope_key text);

-- The caller a ticket names, or all NULL when it is unknown, expired or revoked. grace_s > 0 is for the audit trail
-- only: a read recorded a moment after its session ended still names who read.
CREATE FUNCTION registry_ticket_check(ticket text, grace_s integer) RETURNS registry_caller_t
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    r registry_caller_t;
BEGIN
    SELECT t.user_id, t.username, t.role, t.province, t.county, t.center, t.scope_key INTO r
        FROM scope_tickets t
        WHERE t.id = ticket AND t.expires_at + make_interval(secs => grace_s) > now()
          AND (t.revoked_at IS NULL OR t.revoked_at + make_interval(secs => grace_s) > now());
    RETURN r;
END
$$;
REVOKE ALL ON FUNCTION registry_ticket_check FROM PUBLIC;

-- Who may act as 'system' (every row): the owner of the registry's tables (registryctl; the SECURITY DEFINER
-- functions) and roles outside the application role (a superuser, a loader role an administrator made); never
-- registry_app, nor any role that is a member of it (a login role made for registryd). The owner's name is the
-- migrating role's, written in here (the owner is a member of registry_app, to SET ROLE to it).
DO $$
BEGIN
    EXECUTE format($f$
        CREATE FUNCTION registry_trusted() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
            AS $b$ SELECT pg_has_role(current_user, %L, 'USAGE')
                          OR NOT pg_has_role(current_user, 'registry_app', 'MEMBER') $b$
    $f$, current_user);
END
$$;

-- The caller of this transaction, for the policies: the ticket in registry.scope, checked, as one row (always
-- one; all NULL without a valid ticket). A view, not a function: the policies read it in a sub-select, which is
-- an InitPlan, planned with the statement and run once per statement and table. It reads scope_tickets as its
-- owner; registry_app may select from it, which shows only the row of the ticket it holds, and security_barrier
-- keeps the view's conditions ahead of any a query adds. role is 'system' for owner code that set it;
-- ticket_role is the ticket's (what the functions acting for a caller use).
CREATE VIEW registry_scope_v WITH (security_barrier) AS
SELECT t.user_id, t.username, CASE WHEN s.sys THEN 'system' ELSE t.role END AS role, t.role AS ticket_role,
       t.province, t.county, t.center, CASE WHEN s.sys THEN '*' ELSE t.scope_key END AS scope_key
FROM (SELECT current_setting('registry.role', true) = 'system' AND registry_trusted() AS sys) s
LEFT JOIN public.scope_tickets t
       ON t.id = current_setting('registry.scope', true) AND t.revoked_at IS NULL AND t.expires_at > now();
REVOKE ALL ON registry_scope_v FROM PUBLIC;
GRANT SELECT ON registry_scope_v TO registry_app;

-- The same, for code outside the policies.
CREATE FUNCTION registry_caller() RETURNS registry_caller_t LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    r public.registry_caller_t;
BEGIN
    SELECT v.user_id, v.username, v.ticket_role, v.province, v.county, v.center, v.scope_key INTO r
        FROM public.registry_scope_v v;
    RETURN r;
END
$$;
-- The caller's role: 'system' for owner code that set it, else the ticket's.
CREATE OR REPLACE FUNCTION registry_role() RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$ BEGIN RETURN (SELECT v.role FROM public.registry_scope_v v); END $$;
-- Who the caller is, and where: only ever the ticket's (never 'system', never a raw setting).
CREATE OR REPLACE FUNCTION registry_user_id() RETURNS bigint LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$ BEGIN RETURN (SELECT v.user_id FROM public.registry_scope_v v); END $$;
CREATE OR REPLACE FUNCTION registry_province() RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$ BEGIN RETURN (SELECT v.province FROM public.registry_scope_v v); END $$;
CREATE OR REPLACE FUNCTION registry_county() RETURNS integer LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$ BEGIN RETURN (SELECT v.county FROM public.registry_scope_v v); END $$;
CREATE OR REPLACE FUNCTION registry_center() RETURNS bigint LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$ BEGIN RETURN (SELECT v.center FROM public.registry_scope_v v); END $$;
CREATE FUNCTION registry_scope_key() RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$ BEGIN RETURN (SELECT v.scope_key FROM public.registry_scope_v v); END $$;

-- Does a record living at (p, c, ctr) lie in the scope keyed k? Inlined into the policies (k is used once, so the
-- sub-select given for it stays one InitPlan).
CREATE FUNCTION registry_in_scope_key(k text, p text, c integer, ctr bigint) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT k = ANY (ARRAY['*', 'p:' || p, 'c:' || c::text, 'x:' || ctr::text]) $$;

-- 0002's, for any caller outside the policies (the policies below use the key directly).
CREATE OR REPLACE FUNCTION registry_in_scope(p text, c integer, ctr bigint) RETURNS boolean LANGUAGE sql STABLE
    PARALLEL SAFE
AS $$ SELECT registry_in_scope_key(registry_scope_key(), p, c, ctr) $$;

-- 0002's and 0004's rules of who manages which users and who allocates at which level, for the role given (the
-- policies give it as a sub-select; each argument is used once, so these are inlined).
CREATE FUNCTION registry_may_manage_user_as(rr text, rp text, r user_role, p text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE rr
        WHEN 'system' THEN true
        WHEN 'national_admin' THEN true
        WHEN 'provincial_admin' THEN p = rp AND r IN ('provincial_officer', 'county_officer', 'ngo_submitter')
        ELSE false
    END
$$;
CREATE FUNCTION registry_may_allocate_as(rr text, lvl allocation_level) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE rr
        WHEN 'system' THEN true
        WHEN 'national_admin' THEN true
        WHEN 'provincial_admin' THEN lvl IN ('county', 'center')
        WHEN 'provincial_officer' THEN lvl IN ('county', 'center')
        WHEN 'county_officer' THEN lvl = 'center'
        ELSE false
    END
$$;

-- The policies, every one reading the scope through sub-selects of registry_scope_v ------------------------------
DO $$
DECLARE
    t text;
    role_ text := '(SELECT v.role FROM registry_scope_v v)';
    prov text := '(SELECT v.province FROM registry_scope_v v)';
    cty text := '(SELECT v.county FROM registry_scope_v v)';
    uid text := '(SELECT v.user_id FROM registry_scope_v v)';
    key_ text := '(SELECT v.scope_key FROM registry_scope_v v)';
    can_write text := '(SELECT v.role IN (''national_admin'', ''provincial_admin'', ''provincial_officer'','
                      ' ''county_officer'', ''system'') FROM registry_scope_v v)';
    manage text;
    alloc text;
    scope text;
BEGIN
    alloc := format('registry_may_allocate_as(%s, level)', role_);
    manage := format('registry_may_manage_user_as(%s, %s, role, province_code)', role_, prov);
    FOREACH t IN ARRAY ARRAY['centers', 'staff', 'households', 'clients', 'enrollments', 'services', 'allocations',
                             'donations', 'loans', 'loan_installments', 'repayments', 'submissions'] LOOP
        scope := format('registry_in_scope_key(%s, province_code, county_id, %s)', key_,
                        CASE t WHEN 'centers' THEN 'id' ELSE 'center_id' END);
        EXECUTE format('ALTER POLICY %I ON %I USING (%s)', t || '_read', t, scope);
        IF t = 'allocations' THEN
            EXECUTE format('ALTER POLICY allocations_write ON allocations WITH CHECK (%s AND %s)', alloc, scope);
            EXECUTE format('ALTER POLICY allocations_update ON allocations USING (%s AND %s) WITH CHECK (%s AND %s)',
                           alloc, scope, alloc, scope);
        ELSIF t = 'submissions' THEN
            EXECUTE format('ALTER POLICY submissions_write ON submissions WITH CHECK (%s IN (''ngo_submitter'','
                           ' ''national_admin'', ''provincial_admin'', ''provincial_officer'', ''county_officer'','
                           ' ''system'') AND %s AND submitted_by = %s)', role_, scope, uid);
            EXECUTE format('ALTER POLICY submissions_decide ON submissions USING (%s AND %s) WITH CHECK (%s AND %s)',
                           can_write, scope, can_write, scope);
        ELSE
            EXECUTE format('ALTER POLICY %I ON %I WITH CHECK (%s AND %s)', t || '_write', t, can_write, scope);
            EXECUTE format('ALTER POLICY %I ON %I USING (%s AND %s) WITH CHECK (%s AND %s)', t || '_update', t,
                           can_write, scope, can_write, scope);
        END IF;
    END LOOP;
    EXECUTE format('ALTER POLICY county_totals_read ON county_totals'
                   ' USING (registry_in_scope_key(%s, province_code, county_id, NULL))', key_);
    EXECUTE format('ALTER POLICY center_totals_read ON center_totals'
                   ' USING (registry_in_scope_key(%s, province_code, county_id, center_id))', key_);
    FOREACH t IN ARRAY ARRAY['county_totals', 'center_totals', 'money_totals'] LOOP
        EXECUTE format('ALTER POLICY %I ON %I USING (%s = ''system'')', t || '_system', t, role_);
    END LOOP;
    EXECUTE format('ALTER POLICY money_totals_read ON money_totals USING (CASE %s'
                   ' WHEN ''national_admin'' THEN true WHEN ''national_viewer'' THEN true WHEN ''system'' THEN true'
                   ' WHEN ''provincial_admin'' THEN province_code = %s'
                   ' WHEN ''provincial_officer'' THEN province_code = %s'
                   ' WHEN ''county_officer'' THEN county_id = %s ELSE false END)', role_, prov, prov, cty);
    EXECUTE format('ALTER POLICY campaigns_read ON campaigns USING (province_code IS NULL'
                   ' OR %s IN (''national_admin'', ''national_viewer'', ''system'') OR province_code = %s)',
                   role_, prov);
    EXECUTE format('ALTER POLICY campaigns_write ON campaigns WITH CHECK (%s IN (''national_admin'', ''system'')'
                   ' OR (%s IN (''provincial_admin'', ''provincial_officer'') AND province_code = %s))',
                   role_, role_, prov);
    EXECUTE format('ALTER POLICY campaigns_update ON campaigns USING (%s IN (''national_admin'', ''system'')'
                   ' OR (%s IN (''provincial_admin'', ''provincial_officer'') AND province_code = %s))'
                   ' WITH CHECK (%s IN (''national_admin'', ''system'')'
                   ' OR (%s IN (''provincial_admin'', ''provincial_officer'') AND province_code = %s))',
                   role_, role_, prov, role_, role_, prov);
    -- users: yourself; national admins and the system everyone; a provincial admin its province's
    EXECUTE format('ALTER POLICY users_read ON users USING (id = %s OR CASE %s'
                   ' WHEN ''system'' THEN true WHEN ''national_admin'' THEN true'
                   ' WHEN ''provincial_admin'' THEN province_code = %s ELSE false END)', uid, role_, prov);
    EXECUTE format('ALTER POLICY users_insert ON users WITH CHECK (%s)', manage);
    EXECUTE format('ALTER POLICY users_update ON users USING (%s) WITH CHECK (%s)', manage, manage);
    -- the audit trail: national admins (and the system) all of it, provincial admins their province's
    FOREACH t IN ARRAY ARRAY['audit_log', 'read_log'] LOOP
        EXECUTE format('ALTER POLICY %I ON %I USING (CASE %s WHEN ''national_admin'' THEN true'
                       ' WHEN ''system'' THEN true WHEN ''provincial_admin'' THEN province_code = %s ELSE false END)',
                       CASE t WHEN 'audit_log' THEN 'audit_read' ELSE 'read_log_read' END, t, role_, prov);
    END LOOP;
    EXECUTE format('ALTER POLICY audit_seal ON audit_log USING (%s = ''system'')', role_);
    EXECUTE format('ALTER POLICY read_batches_read ON read_batches USING (%s IN (''national_admin'', ''system''))',
                   role_);
    EXECUTE format('ALTER POLICY read_batches_seal ON read_batches USING (%s = ''system'')', role_);
END
$$;

-- Authentication -------------------------------------------------------------------------------------------------
-- 0006's auth_begin, which now also gives the session its ticket (made once per session, found again after): in
-- registry.scope for this transaction, and returned for registryd's cache. The other registry.* settings are still
-- set, for the log and for older code, but nothing trusts them; registry.role is never left 'system'.
DROP FUNCTION auth_begin(text, text, text, boolean);
CREATE FUNCTION auth_begin(token_hash_hex text, request_id text, address text, read_only boolean)
    RETURNS TABLE (user_id bigint, username text, role user_role, province_code text, county_id integer,
                   center_id bigint, expires_in_s integer, ticket text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    u users;
    uid bigint;
    exp timestamptz;
    th bytea := decode(token_hash_hex, 'hex');
    t text;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    SELECT s.user_id, s.expires_at INTO uid, exp FROM sessions s
        WHERE s.token_hash = th AND s.revoked_at IS NULL AND s.expires_at > now();
    IF FOUND THEN
        SELECT * INTO u FROM users WHERE id = uid AND active;
    END IF;
    IF NOT FOUND THEN
        PERFORM set_config('registry.role', '', true), set_config('registry.scope', '', true);
        RAISE EXCEPTION 'invalid session' USING ERRCODE = 'RA401';
    END IF;
    -- the triggers keep a ticket in step with its session and user; none yet: the session's first request
    SELECT x.id INTO t FROM scope_tickets x WHERE x.token_hash = th AND x.revoked_at IS NULL;
    IF t IS NULL THEN
        INSERT INTO scope_tickets AS x (id, token_hash, user_id, username, role, province, county, center, scope_key,
                                        expires_at)
            VALUES (encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text
                                             || gen_random_uuid()::text, 'UTF8')), 'hex'),
                    th, u.id, u.username, u.role::text, u.province_code, u.county_id, u.center_id,
                    registry_scope_key_of(u.role, u.province_code, u.county_id, u.center_id), exp)
            -- the same session's first requests at once share one ticket; one revoked with its user (active again)
            -- is replaced
            ON CONFLICT (token_hash) DO UPDATE SET id = CASE WHEN x.revoked_at IS NULL THEN x.id ELSE EXCLUDED.id END,
                username = EXCLUDED.username, role = EXCLUDED.role, province = EXCLUDED.province,
                county = EXCLUDED.county, center = EXCLUDED.center, scope_key = EXCLUDED.scope_key,
                expires_at = EXCLUDED.expires_at, revoked_at = NULL
            RETURNING x.id INTO t;
    END IF;
    PERFORM set_config('registry.scope', t, true),
            set_config('registry.user_id', u.id::text, true),
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
                        greatest(0, floor(extract(epoch FROM exp - now())))::integer, t;
END
$$;
REVOKE ALL ON FUNCTION auth_begin FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_begin TO registry_app;

-- A read whose caller registryd has cached starts with the ticket auth_begin returned: set for the policies (which
-- check it on every statement: setting registry.scope by hand gets nowhere) and checked here (one that is not a
-- live session's ends the transaction as an ended session does, RA401). registryd does the same in one statement
-- of its own (server/auth/authenticate.c), which is cheaper than a PL/pgSQL call.
CREATE FUNCTION scope_set(ticket text, request_id text, address text) RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_catalog.set_config('registry.scope', ticket, true),
            pg_catalog.set_config('registry.request_id', coalesce(request_id, ''), true),
            pg_catalog.set_config('registry.address', coalesce(address, ''), true),
            pg_catalog.set_config('synchronous_commit', 'off', true);
    IF (SELECT v.user_id FROM public.registry_scope_v v) IS NULL THEN
        PERFORM pg_catalog.set_config('registry.scope', '', true);
        RAISE EXCEPTION 'invalid scope ticket' USING ERRCODE = 'RA401';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION scope_set FROM PUBLIC;
GRANT EXECUTE ON FUNCTION scope_set TO registry_app;

-- Logout, as 0002's, with the caller from the ticket.
CREATE OR REPLACE FUNCTION auth_logout(token_hash_hex text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    c registry_caller_t := registry_caller();
BEGIN
    UPDATE sessions SET revoked_at = now() WHERE token_hash = decode(token_hash_hex, 'hex') AND revoked_at IS NULL;
    INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, user_id, username,
                           role, address, request_id)
        SELECT 'logout', 'session', c.user_id::text, u.province_code, u.county_id, u.center_id,
               c.user_id, c.username, c.role,
               nullif(current_setting('registry.address', true), ''),
               nullif(current_setting('registry.request_id', true), '')
        FROM users u WHERE u.id = c.user_id;
END
$$;

-- The audit trail's who ------------------------------------------------------------------------------------------
-- Rows the application inserts take who from the ticket; without a valid one there is no row. Rows written by
-- owner code (logins, the SECURITY DEFINER functions) say who themselves, but a row naming the ticket's user takes
-- its username and role from the ticket too: such a function may have read them from settings the application set
-- before calling it (registry.username, or registry.role = 'system', which registry_role() honours for the owner).
CREATE OR REPLACE FUNCTION audit_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c registry_caller_t;
BEGIN
    IF NOT registry_trusted() THEN
        c := registry_caller();
        IF c.user_id IS NULL THEN
            RAISE EXCEPTION 'audit_log: no valid scope ticket in this transaction'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        NEW.user_id := c.user_id;
        NEW.role := c.role;
        NEW.username := c.username;
        NEW.address := nullif(current_setting('registry.address', true), '');
        NEW.request_id := nullif(current_setting('registry.request_id', true), '');
        NEW.seal_seq := NULL;
        NEW.prev_hash := NULL;
        NEW.hash := NULL;
    ELSIF NEW.user_id IS NOT NULL AND current_setting('registry.scope', true) <> '' THEN
        c := registry_caller();
        IF c.user_id = NEW.user_id THEN
            NEW.username := c.username;
            NEW.role := c.role;
        END IF;
    END IF;
    NEW.at := clock_timestamp();
    RETURN NEW;
END
$$;

-- One batch of read records (0011's), each row's who from the ticket of the read it records: a batch holds the
-- reads of many callers, so registryd sends each read's ticket (server/audit/read_audit.c). A ticket that does not
-- check out refuses the whole batch. Tickets are checked once each (a batch mostly holds a few callers), allowing
-- a minute past their expiry or their session's end: the read happened while they were good.
DROP FUNCTION audit_reads(bigint[], text[], text[], text[], text[], text[], text[], text[], text[], integer[],
                          bigint[], jsonb[]);
CREATE FUNCTION audit_reads(tickets text[], addresses text[], request_ids text[], actions text[], entities text[],
                            entity_ids text[], provinces text[], counties integer[], centers bigint[], details jsonb[])
    RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    n integer := coalesce(cardinality(actions), 0);
    user_ids bigint[];
    usernames text[];
    roles text[];
    bad integer;
BEGIN
    IF n = 0 THEN
        RETURN 0;
    END IF;
    IF (n = ALL (ARRAY[cardinality(tickets), cardinality(addresses), cardinality(request_ids), cardinality(entities),
                       cardinality(entity_ids), cardinality(provinces), cardinality(counties), cardinality(centers),
                       cardinality(details)]))
       IS NOT TRUE THEN
        RAISE EXCEPTION 'audit_reads: the arrays differ in length';
    END IF;
    WITH d AS MATERIALIZED (SELECT s.t, registry_ticket_check(s.t, 60) AS c
                            FROM (SELECT DISTINCT x.t FROM unnest(tickets) AS x (t)) s)
    SELECT array_agg((d.c).user_id ORDER BY x.i), array_agg((d.c).username ORDER BY x.i),
           array_agg((d.c).role ORDER BY x.i), count(*) FILTER (WHERE (d.c).user_id IS NULL)
        INTO user_ids, usernames, roles, bad
        FROM unnest(tickets) WITH ORDINALITY AS x (t, i) LEFT JOIN d ON d.t = x.t;
    IF bad > 0 THEN
        RAISE EXCEPTION 'audit_reads: % rows without a valid scope ticket', bad
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM set_config('synchronous_commit', 'off', true);    -- the relaxed commit of reads (issue 3)
    WITH b AS (SELECT array_agg(nextval('audit_log_id_seq') ORDER BY i) AS ids, clock_timestamp() AS t
               FROM generate_series(1, n) AS i),
         rows AS (INSERT INTO read_log (id, batch_id, at, user_id, username, role, address, request_id, action,
                                        entity, entity_id, province_code, county_id, center_id, detail)
                  SELECT r.id, b.ids[1], b.t, r.u, r.un, r.ro, r.ad, r.rq, r.a, r.e, r.eid, r.p, r.c, r.ctr, r.d
                  FROM b, unnest(b.ids, user_ids, usernames, roles, addresses, request_ids, actions, entities,
                                 entity_ids, provinces, counties, centers, details)
                          AS r (id, u, un, ro, ad, rq, a, e, eid, p, c, ctr, d))
    INSERT INTO read_batches (id, at, row_count, content_hash)
        SELECT b.ids[1], b.t, n, sha256(read_log_batch_bytes(b.ids[1], b.ids, user_ids, usernames, roles, addresses,
                                                            request_ids, actions, entities, entity_ids, provinces,
                                                            counties, centers, details))
        FROM b;
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION audit_reads FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_reads TO registry_app;

-- The functions that act for the caller take it from the ticket ---------------------------------------------------
-- 0003's transfer: who may move the client, and who is recorded, are the ticket's; the raw registry.role the
-- application may have set is cleared first, so the caller's view below is the ticket's scope.
CREATE OR REPLACE FUNCTION client_transfer(cid bigint, new_county integer, new_center bigint, expected_version integer)
    RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    who registry_caller_t := registry_caller();
    old clients;
    new clients;
BEGIN
    PERFORM set_config('registry.role', '', true);
    -- the caller's view first: can they see and write this client?
    SELECT * INTO old FROM clients c WHERE c.id = cid
        AND registry_in_scope(c.province_code, c.county_id, c.center_id) FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;    -- unknown or outside the caller's scope: 404
    END IF;
    IF who.role IS NULL OR who.role NOT IN ('national_admin', 'provincial_admin', 'provincial_officer',
                                            'county_officer') THEN
        RAISE EXCEPTION 'not allowed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF expected_version IS NOT NULL AND old.version <> expected_version THEN
        RETURN '{"stale": true}'::jsonb;      -- 412
    END IF;
    IF NOT EXISTS (SELECT 1 FROM counties WHERE id = new_county) THEN
        RAISE EXCEPTION 'county % does not exist', new_county USING ERRCODE = 'foreign_key_violation';
    END IF;
    PERFORM set_config('registry.role', 'system', true);
    IF new_center IS NOT NULL AND NOT EXISTS (SELECT 1 FROM centers WHERE id = new_center AND county_id = new_county) THEN
        PERFORM set_config('registry.role', who.role, true);
        RAISE EXCEPTION 'center % is not in county %', new_center, new_county USING ERRCODE = 'foreign_key_violation';
    END IF;
    UPDATE clients SET county_id = new_county, center_id = new_center, version = version + 1, updated_at = now()
        WHERE id = cid RETURNING * INTO new;
    UPDATE enrollments SET province_code = new.province_code, county_id = new.county_id, center_id = new.center_id,
        version = version + 1, updated_at = now() WHERE client_id = cid;
    UPDATE services SET province_code = new.province_code, county_id = new.county_id WHERE client_id = cid;
    INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, before, after, user_id,
                           username, role, address, request_id)
    VALUES ('transfer', 'client', cid::text, new.province_code, new.county_id, new.center_id,
            jsonb_build_object('province', old.province_code, 'county_id', old.county_id, 'center_id', old.center_id),
            jsonb_build_object('province', new.province_code, 'county_id', new.county_id, 'center_id', new.center_id),
            who.user_id, who.username, who.role,
            nullif(current_setting('registry.address', true), ''),
            nullif(current_setting('registry.request_id', true), ''));
    -- the old province's admins see the move in their audit trail too
    INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, detail, user_id, username,
                           role, address, request_id)
    SELECT 'transfer_out', 'client', cid::text, old.province_code, old.county_id, old.center_id,
           jsonb_build_object('to_province', new.province_code, 'to_county_id', new.county_id),
           who.user_id, who.username, who.role,
           nullif(current_setting('registry.address', true), ''),
           nullif(current_setting('registry.request_id', true), '')
    WHERE old.province_code <> new.province_code;
    PERFORM set_config('registry.role', who.role, true);
    RETURN jsonb_build_object('id', new.id, 'province', new.province_code, 'county_id', new.county_id,
                              'center_id', new.center_id, 'version', new.version);
END
$$;

-- 0009's search, with the caller's scope from the ticket (running as the owner, registry_role() would take a
-- 'system' the application set for itself).
CREATE OR REPLACE FUNCTION registry_search_ids(kind text, pattern text, province text, county integer, center bigint,
                                    after_id bigint, max_rows integer)
    RETURNS SETOF bigint LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    ROWS 50
AS $$
DECLARE
    who registry_caller_t := registry_caller();
    caller_role text := who.role;
    p text := province;
    c integer := county;
    ctr bigint := center;
    sql text;
BEGIN
    IF pattern IS NULL THEN
        RETURN;
    END IF;
    -- the caller's scope is a filter nobody can widen: a filter outside it finds nothing
    IF caller_role IN ('national_admin', 'national_viewer') THEN
        NULL;
    ELSIF caller_role IN ('provincial_admin', 'provincial_officer') THEN
        IF who.province IS NULL OR (p IS NOT NULL AND p <> who.province) THEN
            RETURN;
        END IF;
        p := who.province;
    ELSIF caller_role = 'county_officer' THEN
        IF who.county IS NULL OR (c IS NOT NULL AND c <> who.county) THEN
            RETURN;
        END IF;
        c := who.county;
    ELSIF caller_role = 'ngo_submitter' THEN
        IF who.center IS NULL OR (ctr IS NOT NULL AND ctr <> who.center) THEN
            RETURN;
        END IF;
        ctr := who.center;
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

-- The audit chains' heads, kept --------------------------------------------------------------------------------------
-- A chain alone cannot show rows cut off its end, nor a row changed and every hash after it computed again. So the
-- head of each chain (its position and hash) is recorded here once a day by the sealer, and by every `registryctl
-- audit verify` that found the chain whole ('verify_full' when it walked the chains from the start: the next
-- plain verify walks on from there); verify checks that every recorded head is still in its chain. Only the
-- owner's code writes here (the sealer and verify, SECURITY DEFINER), nobody may change or remove a row (trigger),
-- and registry_app may not even read it. The owner (or a superuser) can still rewrite rows, heads and chain
-- together: only a head kept outside the database (`audit verify --expect`) shows that.
CREATE TABLE audit_heads (
    chain       text NOT NULL CHECK (chain IN ('audit_log', 'read_batches')),
    seal_seq    bigint NOT NULL,
    hash        bytea NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    recorded_by text NOT NULL CHECK (recorded_by IN ('sealer', 'verify', 'verify_full')),
    PRIMARY KEY (chain, seal_seq)
);
CREATE INDEX audit_heads_recent ON audit_heads (chain, recorded_at);
CREATE FUNCTION audit_heads_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_heads is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_heads_append_only BEFORE UPDATE OR DELETE ON audit_heads
    FOR EACH ROW EXECUTE FUNCTION audit_heads_append_only();
CREATE TRIGGER audit_heads_no_truncate BEFORE TRUNCATE ON audit_heads
    FOR EACH STATEMENT EXECUTE FUNCTION audit_heads_append_only();
REVOKE ALL ON audit_heads FROM PUBLIC;
ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_heads_read ON audit_heads FOR SELECT USING ((SELECT v.role FROM registry_scope_v v) = 'system');
CREATE POLICY audit_heads_write ON audit_heads FOR INSERT TO CURRENT_USER WITH CHECK (true);

-- Records both chains' heads as they are now; by: 'sealer' records only a chain with no head recorded today (UTC).
-- Returns what it recorded, "chain SEQ:HASH" per line (SEQ as `audit verify --expect` takes it: N for audit_log,
-- rN for the read batches).
CREATE FUNCTION audit_record_heads(by text) RETURNS text LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET timezone = 'UTC'
AS $$
DECLARE
    saved text := current_setting('registry.role', true);
    out text;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    WITH heads AS (
        (SELECT 'audit_log' AS chain, a.seal_seq, a.hash FROM audit_log a WHERE a.seal_seq IS NOT NULL
            ORDER BY a.seal_seq DESC LIMIT 1)
        UNION ALL
        (SELECT 'read_batches', x.seal_seq, x.hash FROM read_batches x WHERE x.seal_seq IS NOT NULL
            ORDER BY x.seal_seq DESC LIMIT 1)),
    ins AS (INSERT INTO audit_heads (chain, seal_seq, hash, recorded_by)
            SELECT h.chain, h.seal_seq, h.hash, by FROM heads h
            WHERE by <> 'sealer' OR NOT EXISTS (SELECT 1 FROM audit_heads d WHERE d.chain = h.chain
                                                AND d.recorded_at >= date_trunc('day', now()))
            ON CONFLICT (chain, seal_seq) DO NOTHING
            RETURNING chain, seal_seq, hash)
    SELECT string_agg(i.chain || ' ' || CASE i.chain WHEN 'read_batches' THEN 'r' ELSE '' END || i.seal_seq || ':'
                      || encode(i.hash, 'hex'), E'\n') INTO out FROM ins i;
    PERFORM set_config('registry.role', coalesce(saved, ''), true);
    RETURN out;
END
$$;
REVOKE ALL ON FUNCTION audit_record_heads FROM PUBLIC;

-- 0011's sealer, which now also records the day's heads (its first call of a day: what it recorded is left in
-- registry.sealed_heads for registryd's log) and forgets tickets ended ten minutes ago.
CREATE OR REPLACE FUNCTION audit_seal(max_rows integer DEFAULT 10000) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET timezone = 'UTC'
AS $$
DECLARE
    prev bytea;
    seq bigint;
    r audit_log;
    b read_batches;
    h bytea;
    ids bigint[] := '{}';
    seqs bigint[] := '{}';
    prevs bytea[] := '{}';
    hashes bytea[] := '{}';
    sealed integer;
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
    FOR r IN SELECT * FROM audit_log WHERE seal_seq IS NULL ORDER BY id LIMIT max_rows LOOP
        seq := seq + 1;
        h := sha256(prev || audit_row_bytes(r));
        ids := ids || r.id;
        seqs := seqs || seq;
        prevs := prevs || prev;
        hashes := hashes || h;
        prev := h;
    END LOOP;
    UPDATE audit_log a SET seal_seq = v.seq, prev_hash = v.prev, hash = v.h
        FROM unnest(ids, seqs, prevs, hashes) AS v(id, seq, prev, h) WHERE a.id = v.id;
    sealed := coalesce(array_length(ids, 1), 0);

    ids := '{}'; seqs := '{}'; prevs := '{}'; hashes := '{}';
    SELECT x.hash, x.seal_seq INTO prev, seq FROM read_batches x WHERE x.seal_seq IS NOT NULL
        ORDER BY x.seal_seq DESC LIMIT 1;
    prev := coalesce(prev, '\x'::bytea);
    seq := coalesce(seq, 0);
    FOR b IN SELECT * FROM read_batches WHERE seal_seq IS NULL ORDER BY id LIMIT max_rows LOOP
        seq := seq + 1;
        h := sha256(prev || read_batch_bytes(b));
        ids := ids || b.id;
        seqs := seqs || seq;
        prevs := prevs || prev;
        hashes := hashes || h;
        prev := h;
    END LOOP;
    UPDATE read_batches x SET seal_seq = v.seq, prev_hash = v.prev, hash = v.h
        FROM unnest(ids, seqs, prevs, hashes) AS v(id, seq, prev, h) WHERE x.id = v.id;
    PERFORM set_config('registry.sealing', 'off', true);
    PERFORM set_config('registry.sealed_heads', coalesce(audit_record_heads('sealer'), ''), true);
    DELETE FROM scope_tickets WHERE expires_at < now() - interval '10 minutes'
                                 OR revoked_at < now() - interval '10 minutes';
    RETURN sealed + coalesce(array_length(ids, 1), 0);
END
$$;

-- Walking the chains from a position (1: the whole chain), trusting the stored hash of the row before it; the
-- first problem, or nothing. `registryctl audit verify` starts at the newest head recorded by a --full verify,
-- --full at 1.
CREATE FUNCTION audit_verify(from_seq bigint) RETURNS TABLE (seal_seq bigint, audit_id bigint, problem text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET timezone = 'UTC'
AS $$
DECLARE
    prev bytea := '\x'::bytea;
    expect bigint := greatest(from_seq, 1);
    r audit_log;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    IF expect > 1 THEN
        SELECT a.hash INTO prev FROM audit_log a WHERE a.seal_seq = expect - 1;
        IF NOT FOUND THEN
            RETURN QUERY SELECT expect - 1, NULL::bigint, 'row missing from the chain'::text;
            RETURN;
        END IF;
    END IF;
    FOR r IN SELECT * FROM audit_log a WHERE a.seal_seq >= expect ORDER BY a.seal_seq LOOP
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
REVOKE ALL ON FUNCTION audit_verify(bigint) FROM PUBLIC;

CREATE FUNCTION audit_verify_reads(from_seq bigint) RETURNS TABLE (seal_seq bigint, batch_id bigint, problem text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET timezone = 'UTC'
AS $$
DECLARE
    prev bytea := '\x'::bytea;
    expect bigint := greatest(from_seq, 1);
    first_batch bigint;
    b read_batches;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    -- batches are sealed in id order: those from this position on, and the unsealed ones, have ids from here
    SELECT min(x.id) INTO first_batch FROM read_batches x WHERE x.seal_seq >= expect OR x.seal_seq IS NULL;
    IF expect = 1 THEN
        first_batch := -1;
    END IF;
    RETURN QUERY
        SELECT x.seal_seq, coalesce(x.id, g.batch_id),
               CASE WHEN g.batch_id IS NULL THEN 'read records of the batch missing'
                    WHEN x.id IS NULL THEN 'read records without their batch'
                    WHEN g.n <> x.row_count THEN 'read records added to or removed from the batch'
                    ELSE 'read records changed after they were written' END
        FROM (SELECT * FROM read_batches y WHERE y.id >= first_batch) x
        FULL JOIN (SELECT l.batch_id, count(*) AS n, min(l.at) AS at_min, max(l.at) AS at_max,
                          sha256(read_log_batch_bytes(l.batch_id, array_agg(l.id ORDER BY l.id),
                              array_agg(l.user_id ORDER BY l.id), array_agg(l.username ORDER BY l.id),
                              array_agg(l.role ORDER BY l.id), array_agg(l.address ORDER BY l.id),
                              array_agg(l.request_id ORDER BY l.id), array_agg(l.action ORDER BY l.id),
                              array_agg(l.entity ORDER BY l.id), array_agg(l.entity_id ORDER BY l.id),
                              array_agg(l.province_code ORDER BY l.id), array_agg(l.county_id ORDER BY l.id),
                              array_agg(l.center_id ORDER BY l.id), array_agg(l.detail ORDER BY l.id))) AS h
                   FROM read_log l WHERE l.batch_id >= first_batch GROUP BY l.batch_id) g ON g.batch_id = x.id
        WHERE g.batch_id IS NULL OR x.id IS NULL OR g.n <> x.row_count OR g.h <> x.content_hash
           OR g.at_min <> x.at OR g.at_max <> x.at
        ORDER BY x.seal_seq NULLS LAST, x.id
        LIMIT 1;
    IF FOUND THEN
        RETURN;
    END IF;
    IF expect > 1 THEN
        SELECT x.hash INTO prev FROM read_batches x WHERE x.seal_seq = expect - 1;
        IF NOT FOUND THEN
            RETURN QUERY SELECT expect - 1, NULL::bigint, 'read batch missing from the chain'::text;
            RETURN;
        END IF;
    END IF;
    FOR b IN SELECT * FROM read_batches x WHERE x.seal_seq >= expect ORDER BY x.seal_seq LOOP
        IF b.seal_seq <> expect THEN
            RETURN QUERY SELECT expect, NULL::bigint, 'read batch missing from the chain'::text;
            RETURN;
        END IF;
        IF b.prev_hash IS DISTINCT FROM prev THEN
            RETURN QUERY SELECT b.seal_seq, b.id, 'link to the previous read batch broken'::text;
            RETURN;
        END IF;
        IF b.hash IS DISTINCT FROM sha256(prev || read_batch_bytes(b)) THEN
            RETURN QUERY SELECT b.seal_seq, b.id, 'read batch changed after it was written'::text;
            RETURN;
        END IF;
        prev := b.hash;
        expect := expect + 1;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION audit_verify_reads(bigint) FROM PUBLIC;

-- Is a head (chain position and hash) still in its chain? NULL when it is, else what is wrong.
CREATE FUNCTION audit_head_problem(chain text, seq bigint, head bytea) RETURNS text LANGUAGE plpgsql STABLE
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    h bytea;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    IF chain = 'read_batches' THEN
        SELECT x.hash INTO h FROM read_batches x WHERE x.seal_seq = seq;
    ELSE
        SELECT a.hash INTO h FROM audit_log a WHERE a.seal_seq = seq;
    END IF;
    IF NOT FOUND THEN
        RETURN 'the chain no longer reaches this position (rows cut off its end)';
    ELSIF h IS DISTINCT FROM head THEN
        RETURN 'the chain holds another hash at this position (rows changed and the chain computed again)';
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION audit_head_problem FROM PUBLIC;

-- Every recorded head, checked; the first that is no longer in its chain. And where a default verify starts.
CREATE FUNCTION audit_verify_heads() RETURNS TABLE (chain text, seal_seq bigint, hash text, recorded_at timestamptz,
                                                   problem text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    SET registry.role = 'system'
AS $$
    SELECT * FROM (SELECT h.chain, h.seal_seq, encode(h.hash, 'hex'), h.recorded_at,
                          audit_head_problem(h.chain, h.seal_seq, h.hash) AS problem
                   FROM audit_heads h) x
    WHERE x.problem IS NOT NULL ORDER BY x.recorded_at LIMIT 1
$$;
REVOKE ALL ON FUNCTION audit_verify_heads FROM PUBLIC;
