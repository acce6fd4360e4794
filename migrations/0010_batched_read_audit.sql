-- 0010: the audit rows of reads of people's records - one record read, or a list or search of them - written in
-- batches (server/audit/read_audit.h).
--
-- Until now a GET of a client or staff record, or a list of them, inserted its audit row in the read's own
-- transaction: every read was a write transaction. At national scale the database served 8,000 GET-by-id a second
-- that way and 23,000 without the row; 4,000 county pages a second, and 6,800 without. registryd now reads
-- read-only, queues the row, and holds the answer until the row is written here together with the other reads of
-- the moment: one INSERT of many rows. Each row says its action ('read' of one record: its id and where it lives;
-- 'list': the filter and the count in detail, the caller's scope as where).
--
-- The rows arrive as arrays, one per column. Who read is the identity registryd holds for the request: what
-- auth_begin() (the session checked in the database) returned, in this request or, through the session cache, in
-- an earlier one (server/auth/session_cache.h); it cannot come from the transaction's settings here, as a batch
-- holds the reads of many callers. Only the rows reads leave can be written this way (checked below), and they go
-- through audit_stamp() and the hash chain like every other row.
CREATE FUNCTION audit_reads(user_ids bigint[], usernames text[], roles text[], addresses text[], request_ids text[],
                            actions text[], entities text[], entity_ids text[], provinces text[], counties integer[],
                            centers bigint[], details jsonb[])
    RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    -- only what a read leaves behind: one person's record read, or a list of them (with its filter and count)
    IF EXISTS (SELECT 1 FROM unnest(actions, entities, entity_ids, details) AS r (a, e, eid, d)
               WHERE NOT ((r.a = 'read' AND r.e IN ('client', 'staff', 'household', 'loan', 'service')
                           AND r.eid IS NOT NULL AND r.d IS NULL)
                       OR (r.a = 'list' AND r.e IN ('client', 'staff') AND r.eid IS NULL
                           AND jsonb_typeof(r.d) = 'object'))) THEN
        RAISE EXCEPTION 'audit_reads: not a read of people''s records';
    END IF;
    PERFORM set_config('synchronous_commit', 'off', true);    -- the relaxed commit of reads (issue 3)
    INSERT INTO audit_log (user_id, username, role, address, request_id, action, entity, entity_id, province_code,
                           county_id, center_id, detail)
    SELECT r.u, r.un, r.ro, r.ad, r.rq, r.a, r.e, r.eid, r.p, r.c, r.ctr, r.d
    FROM unnest(user_ids, usernames, roles, addresses, request_ids, actions, entities, entity_ids, provinces,
                counties, centers, details) AS r (u, un, ro, ad, rq, a, e, eid, p, c, ctr, d);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION audit_reads FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_reads TO registry_app;
