-- 0010: the audit rows of reads of one person's record, written in batches (server/audit/read_audit.h).
--
-- Until now a GET of a client or staff record inserted its audit row in the read's own transaction: every read was
-- a write transaction. registryd now reads read-only, queues the row, and holds the answer until the row is
-- written here together with the other reads of the moment: one INSERT of many rows.
--
-- The rows arrive as arrays, one per column. Who read is what the server learnt from auth_begin() in the read's
-- own transaction (the session checked in the database); it cannot come from the transaction's settings here, as
-- a batch holds the reads of many callers. Only 'read' rows of people's records can be written this way, and they
-- go through audit_stamp() and the hash chain like every other row.
CREATE FUNCTION audit_reads(user_ids bigint[], usernames text[], roles text[], addresses text[], request_ids text[],
                            entities text[], entity_ids text[], provinces text[], counties integer[],
                            centers bigint[])
    RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(entities) e WHERE e IS NULL OR e NOT IN ('client', 'staff', 'household', 'loan',
                                                                             'service')) THEN
        RAISE EXCEPTION 'audit_reads: not a record of a person';
    END IF;
    PERFORM set_config('synchronous_commit', 'off', true);    -- the relaxed commit of reads (issue 3)
    INSERT INTO audit_log (user_id, username, role, address, request_id, action, entity, entity_id, province_code,
                           county_id, center_id)
    SELECT r.u, r.un, r.ro, r.ad, r.rq, 'read', r.e, r.eid, r.p, r.c, r.ctr
    FROM unnest(user_ids, usernames, roles, addresses, request_ids, entities, entity_ids, provinces, counties,
                centers) AS r (u, un, ro, ad, rq, e, eid, p, c, ctr);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION audit_reads FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_reads TO registry_app;
