-- 0011: lists and searches of people's records are audited in the read batches too (0010). Their audit row (what
-- was asked, how many records came back) was written in the list's own transaction, which made every list a write
-- transaction: at national scale the database served 4,000 county pages a second with it and 6,800 without.
-- audit_reads now takes each row's action ('read' of one record, 'list') and detail.
DROP FUNCTION audit_reads(bigint[], text[], text[], text[], text[], text[], text[], text[], integer[], bigint[]);
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
