-- 0018: what review of 0016 found: reads of one person's lists recorded under that person, NGO views of
-- submissions whoever sent them, exclusions at approval, quotas counted by submitter, and ETags that change with
-- a loan's balance and a household's members.

-- 1. A client's services and enrollments, and a loan's repayments, are a read of that client (or loan): recorded
--    with its id and where it lives, and what was listed in detail ({"list", "count"}), so the audit search of
--    that record (GET /audit?entity=client&entity_id=X) finds them, for whoever may see that record's trail. The
--    check only widens, so NOT VALID as in 0016.
ALTER TABLE read_log DROP CONSTRAINT read_log_shape;
ALTER TABLE read_log ADD CONSTRAINT read_log_shape CHECK (
    (action = 'read' AND entity IN ('client', 'staff', 'household', 'loan', 'service', 'enrollment', 'submission',
                                    'donation')
        AND entity_id IS NOT NULL AND detail IS NULL)
 OR (action = 'read' AND entity IN ('client', 'loan') AND entity_id IS NOT NULL AND jsonb_typeof(detail) = 'object')
 OR (action = 'list' AND entity IN ('client', 'staff', 'loan', 'service', 'enrollment', 'repayment', 'installment',
                                    'donation', 'audit')
        AND entity_id IS NULL AND jsonb_typeof(detail) = 'object')) NOT VALID;

-- 2. Records an officer leaves out of an approval (excluded: {"<index>": "<reason>"}) read, in both views, as
--    invalid with a message that says only that the reviewing officer excluded them, and why he says.
CREATE FUNCTION submission_exclude(results jsonb, excluded jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE
    SET search_path = public, pg_temp
AS $$
    SELECT coalesce(jsonb_agg(CASE WHEN excluded ? (e.x->>'index')
                                   THEN jsonb_build_object('index', (e.x->>'index')::integer, 'status', 'invalid',
                                                           'errors', jsonb_build_array(jsonb_build_object(
                                                               'field', '',
                                                               'message', 'excluded by the reviewing officer: '
                                                                          || (excluded->>(e.x->>'index')))))
                                   ELSE e.x END ORDER BY e.o), '[]'::jsonb)
    FROM jsonb_array_elements(results) WITH ORDINALITY AS e (x, o)
$$;
GRANT EXECUTE ON FUNCTION submission_exclude TO registry_app;

-- 3. The quotas count the submitter's own submissions wherever they are now: under row-level security a user
--    moved to another center (or whose center moved) stopped counting the ones it sent before. SECURITY DEFINER,
--    seeing every row as the system scope does (as registry_national_ids_taken, 0005), reading only this user's.
CREATE OR REPLACE FUNCTION submission_quota_refusal(p_records integer, p_bytes bigint, max_records_day integer,
                                                    max_pending integer, max_pending_bytes bigint)
    RETURNS text LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp SET registry.role = 'system'
AS $$
DECLARE
    uid bigint := registry_user_id();
    day_records bigint;
    pending bigint;
    pending_bytes bigint;
    wait_s integer;
BEGIN
    IF uid IS NULL THEN
        RETURN 'pending';
    END IF;
    PERFORM pg_advisory_xact_lock(727274016, (uid % 2147483647)::integer);
    SELECT coalesce(sum(record_count) FILTER (WHERE created_at > now() - interval '1 day'), 0),
           count(*) FILTER (WHERE status = 'pending'),
           coalesce(sum(body_bytes) FILTER (WHERE status = 'pending'), 0)
        INTO day_records, pending, pending_bytes
        FROM submissions
        WHERE submitted_by = uid AND (status = 'pending' OR created_at > now() - interval '1 day');
    IF pending + 1 > max_pending THEN
        RETURN 'pending';
    END IF;
    IF pending_bytes + p_bytes > max_pending_bytes THEN
        RETURN 'bytes';
    END IF;
    IF day_records + p_records > max_records_day THEN
        SELECT ceil(extract(epoch FROM (w.created_at + interval '1 day' - now())))::integer INTO wait_s
            FROM (SELECT created_at, sum(record_count) OVER (ORDER BY created_at) AS freed FROM submissions
                  WHERE submitted_by = uid AND created_at > now() - interval '1 day') w
            WHERE day_records - w.freed + p_records <= max_records_day
            ORDER BY w.created_at LIMIT 1;
        RETURN 'records:' || greatest(coalesce(wait_s, 86400), 1);
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION submission_quota_refusal FROM PUBLIC;
GRANT EXECUTE ON FUNCTION submission_quota_refusal TO registry_app;

-- 4. ETags change when the reply does. A loan's reply shows repaid_rials and outstanding_rials: every repayment
--    written, corrected or removed bumps the loan's version (0015's settle bumped it only when the status changed,
--    so If-Match passed against a balance the caller never saw).
CREATE OR REPLACE FUNCTION repayments_settle() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lid bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.loan_id ELSE NEW.loan_id END;
    paid numeric;
BEGIN
    -- repayments of a loan are serialized by repayments_check's lock, so this sum is the loan's; the status is
    -- computed from the loan's row as it is when locked (a write-off made meanwhile stays)
    SELECT coalesce(sum(amount_rials), 0) INTO paid FROM repayments WHERE loan_id = lid;
    UPDATE loans l SET status = CASE WHEN l.amount_rials <= paid THEN 'repaid'
                                     WHEN l.status = 'repaid' THEN 'active' ELSE l.status END::loan_status,
                       version = l.version + 1, updated_at = now()
    WHERE l.id = lid;
    RETURN NULL;
END
$$;

--    A household's reply lists its members (names, roles): a client joining, leaving, renamed or given another
--    role bumps the household's version.
CREATE FUNCTION households_members_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE households h SET version = h.version + 1, updated_at = now()
    WHERE h.id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.household_id END,
                   CASE WHEN TG_OP <> 'DELETE' THEN NEW.household_id END);
    RETURN NULL;
END
$$;
CREATE TRIGGER clients_household_version_insert AFTER INSERT ON clients
    FOR EACH ROW WHEN (NEW.household_id IS NOT NULL) EXECUTE FUNCTION households_members_changed();
CREATE TRIGGER clients_household_version_delete AFTER DELETE ON clients
    FOR EACH ROW WHEN (OLD.household_id IS NOT NULL) EXECUTE FUNCTION households_members_changed();
CREATE TRIGGER clients_household_version_update
    AFTER UPDATE OF household_id, household_role, first_name, last_name ON clients
    FOR EACH ROW WHEN ((OLD.household_id, OLD.household_role, OLD.first_name, OLD.last_name)
                       IS DISTINCT FROM (NEW.household_id, NEW.household_role, NEW.first_name, NEW.last_name)
                       AND (OLD.household_id IS NOT NULL OR NEW.household_id IS NOT NULL))
    EXECUTE FUNCTION households_members_changed();
