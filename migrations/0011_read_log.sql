-- 0011: the records of reads of people's records get a table of their own, written a batch at a time and sealed
-- a batch at a time.
--
-- Since 0010 registryd writes the audit rows of reads (one person's record read, or a list or search of them) in
-- batches, but each read still became a full audit_log row: five indexes, a PL/pgSQL trigger, the row-level
-- security check and a per-row validation loop, then a second write of the row when the sealer chained it (a
-- non-HOT UPDATE: the five indexes again, plus the row as JSON and its hash). At national scale under the GET load
-- the sealer alone kept 40% of a core busy, and the rows it rewrote doubled the table's churn.
--
-- read_log holds one row per read, with two indexes (the id, and entity + entity_id for "who read this person's
-- record"), written only by audit_reads() and never updated. The shape of a read record is a CHECK constraint
-- instead of a PL/pgSQL loop. Each batch gets one row in read_batches with the SHA-256 of its rows, computed from
-- the arrays it was given as they are written; the sealer chains read_batches rows, one per batch, not one per
-- read. audit_verify_reads() recomputes every batch's hash from its rows and walks the chain.
--
-- Measured with pgbench at national scale (8 connections, 2 cores, literal arrays as registryd sends them; the
-- machine's speed varied by 25% between runs): a batch of 1 about 5,500 a second, of 4 about 4,000 (63 us a read),
-- of 16 about 2,100-2,700 (25-30 us a read) - against 0010's 7,900 / 4,400 / 1,600 before sealing, and sealing
-- is now one row a batch. Bigger batches are the lever: registryd now keeps one batch in flight per thread
-- (server/audit/read_audit.c), which doubled their size under load.
--
-- Ids come from audit_log's sequence, so GET /api/v1/audit lists both tables as one trail, newest first. Rows of
-- reads already in audit_log stay there, sealed in its chain.

CREATE TABLE read_batches (
    id              bigint PRIMARY KEY,     -- the id of the batch's first row
    at              timestamptz NOT NULL,
    row_count       integer NOT NULL,
    content_hash    bytea NOT NULL,     -- sha256 of the batch's rows: read_log_batch_bytes()
    seal_seq        bigint UNIQUE,
    prev_hash       bytea,
    hash            bytea
);
-- (the sealer finds unsealed batches through seal_seq's index: NULLs are in it)

CREATE TABLE read_log (
    id              bigint PRIMARY KEY,     -- from audit_log_id_seq: one id space with audit_log
    batch_id        bigint NOT NULL,
    at              timestamptz NOT NULL,
    user_id         bigint,
    username        text,
    role            text,
    address         text,
    request_id      text,
    action          text NOT NULL,
    entity          text COLLATE "C" NOT NULL,     -- byte order: cheaper to index, and these are codes and ids
    entity_id       text COLLATE "C",
    province_code   text,
    county_id       integer,
    center_id       bigint,
    detail          jsonb,
    -- only what a read leaves behind: one person's record read, or a list of them (with its filter and count)
    CONSTRAINT read_log_shape CHECK (
        (action = 'read' AND entity IN ('client', 'staff', 'household', 'loan', 'service')
            AND entity_id IS NOT NULL AND detail IS NULL)
     OR (action = 'list' AND entity IN ('client', 'staff') AND entity_id IS NULL AND jsonb_typeof(detail) = 'object'))
);
CREATE INDEX read_log_entity_idx ON read_log (entity, entity_id, id);

-- Nobody changes or removes a read record; only the sealer fills in a batch's seal, once.
CREATE FUNCTION read_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'read_batches' AND TG_OP = 'UPDATE' AND current_setting('registry.sealing', true) = 'on'
       AND OLD.seal_seq IS NULL THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER read_log_append_only BEFORE UPDATE OR DELETE ON read_log
    FOR EACH ROW EXECUTE FUNCTION read_log_append_only();
CREATE TRIGGER read_batches_append_only BEFORE UPDATE OR DELETE ON read_batches
    FOR EACH ROW EXECUTE FUNCTION read_log_append_only();
CREATE TRIGGER read_log_no_truncate BEFORE TRUNCATE ON read_log
    FOR EACH STATEMENT EXECUTE FUNCTION read_log_append_only();
CREATE TRIGGER read_batches_no_truncate BEFORE TRUNCATE ON read_batches
    FOR EACH STATEMENT EXECUTE FUNCTION read_log_append_only();

-- Who may read the records of reads: as for audit_log.
ALTER TABLE read_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE read_log FORCE ROW LEVEL SECURITY;
CREATE POLICY read_log_read ON read_log FOR SELECT USING (
    registry_role() IN ('national_admin', 'system')
    OR (registry_role() = 'provincial_admin' AND province_code = registry_province()));
-- Rows are written only by audit_reads(), which runs as the owner of these tables (SECURITY DEFINER, created by
-- the same migration): the owner may insert, registry_app has no INSERT privilege at all.
CREATE POLICY read_log_write ON read_log FOR INSERT TO CURRENT_USER WITH CHECK (true);
ALTER TABLE read_batches ENABLE ROW LEVEL SECURITY;
ALTER TABLE read_batches FORCE ROW LEVEL SECURITY;
CREATE POLICY read_batches_read ON read_batches FOR SELECT USING (registry_role() IN ('national_admin', 'system'));
CREATE POLICY read_batches_write ON read_batches FOR INSERT TO CURRENT_USER WITH CHECK (true);
CREATE POLICY read_batches_seal ON read_batches FOR UPDATE USING (registry_role() = 'system') WITH CHECK (true);
GRANT SELECT ON read_log TO registry_app;

-- The bytes a batch's hash covers: the batch id, then each column of its rows as one PostgreSQL array in id order
-- (the output of array_out, the same for the arrays audit_reads() is given and for array_agg() over the stored
-- rows). Hashing twelve arrays costs a few microseconds a batch, where hashing every row as JSON doubled the cost
-- of writing it. The time is the batch's (every row of a batch has it), covered by the seal.
CREATE FUNCTION read_log_batch_bytes(batch bigint, ids bigint[], user_ids bigint[], usernames text[], roles text[],
                                    addresses text[], request_ids text[], actions text[], entities text[],
                                    entity_ids text[], provinces text[], counties integer[], centers bigint[],
                                    details jsonb[])
    RETURNS bytea LANGUAGE sql STABLE    -- as convert_to is: so PostgreSQL can inline it, not parse it each call
AS $$
    SELECT convert_to(concat_ws(E'\n', batch::text, ids::text, user_ids::text, usernames::text, roles::text,
                                addresses::text, request_ids::text, actions::text, entities::text, entity_ids::text,
                                provinces::text, counties::text, centers::text, details::text), 'UTF8')
$$;

-- The bytes a batch's seal covers.
CREATE FUNCTION read_batch_bytes(b read_batches) RETURNS bytea LANGUAGE sql IMMUTABLE
    SET timezone = 'UTC'
AS $$
    SELECT convert_to(jsonb_build_object('id', b.id, 'at', b.at, 'row_count', b.row_count,
                                         'content_hash', encode(b.content_hash, 'hex'))::text, 'UTF8')
$$;

-- One batch of read records (server/audit/read_audit.c): twelve arrays, one per column. Replaces 0010's version,
-- which wrote into audit_log. All rows of a batch share one time (they were queued within milliseconds) and the
-- batch's id is its first row's. One statement writes the rows and the batch: each statement of a PL/pgSQL
-- function costs its executor start, which was most of a small batch's cost.
CREATE OR REPLACE FUNCTION audit_reads(user_ids bigint[], usernames text[], roles text[], addresses text[],
                                       request_ids text[], actions text[], entities text[], entity_ids text[],
                                       provinces text[], counties integer[], centers bigint[], details jsonb[])
    RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    n integer := coalesce(cardinality(actions), 0);
BEGIN
    IF n = 0 THEN
        RETURN 0;
    END IF;
    IF (n = ALL (ARRAY[cardinality(user_ids), cardinality(usernames), cardinality(roles), cardinality(addresses),
                       cardinality(request_ids), cardinality(entities), cardinality(entity_ids),
                       cardinality(provinces), cardinality(counties), cardinality(centers), cardinality(details)]))
       IS NOT TRUE THEN
        RAISE EXCEPTION 'audit_reads: the arrays differ in length';
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

-- Sealing (registryd calls it every second, registryctl before verifying): 0008's chain of audit_log rows, then
-- the chain of read batches. Returns how many rows and batches it sealed.
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
    RETURN sealed + coalesce(array_length(ids, 1), 0);
END
$$;

-- The read records' side of `registryctl audit verify`: every batch's rows against its hash (one pass over
-- read_log), then the chain of sealed batches. Returns the first problem found, or nothing.
CREATE FUNCTION audit_verify_reads() RETURNS TABLE (seal_seq bigint, batch_id bigint, problem text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET timezone = 'UTC'
AS $$
DECLARE
    prev bytea := '\x'::bytea;
    expect bigint := 1;
    b read_batches;
BEGIN
    PERFORM set_config('registry.role', 'system', true);
    RETURN QUERY
        SELECT x.seal_seq, coalesce(x.id, g.batch_id),
               CASE WHEN g.batch_id IS NULL THEN 'read records of the batch missing'
                    WHEN x.id IS NULL THEN 'read records without their batch'
                    WHEN g.n <> x.row_count THEN 'read records added to or removed from the batch'
                    ELSE 'read records changed after they were written' END
        FROM read_batches x
        FULL JOIN (SELECT l.batch_id, count(*) AS n, min(l.at) AS at_min, max(l.at) AS at_max,
                          sha256(read_log_batch_bytes(l.batch_id, array_agg(l.id ORDER BY l.id),
                              array_agg(l.user_id ORDER BY l.id), array_agg(l.username ORDER BY l.id),
                              array_agg(l.role ORDER BY l.id), array_agg(l.address ORDER BY l.id),
                              array_agg(l.request_id ORDER BY l.id), array_agg(l.action ORDER BY l.id),
                              array_agg(l.entity ORDER BY l.id), array_agg(l.entity_id ORDER BY l.id),
                              array_agg(l.province_code ORDER BY l.id), array_agg(l.county_id ORDER BY l.id),
                              array_agg(l.center_id ORDER BY l.id), array_agg(l.detail ORDER BY l.id))) AS h
                   FROM read_log l GROUP BY l.batch_id) g ON g.batch_id = x.id
        WHERE g.batch_id IS NULL OR x.id IS NULL OR g.n <> x.row_count OR g.h <> x.content_hash
           OR g.at_min <> x.at OR g.at_max <> x.at
        ORDER BY x.seal_seq NULLS LAST, x.id
        LIMIT 1;
    IF FOUND THEN
        RETURN;
    END IF;
    FOR b IN SELECT * FROM read_batches x WHERE x.seal_seq IS NOT NULL ORDER BY x.seal_seq LOOP
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
REVOKE ALL ON FUNCTION audit_verify_reads FROM PUBLIC;
