-- 0016: every read of a person's data leaves a read record; NGO submissions learn nothing of the nation's
-- registered IDs and are bounded per user.
--
-- Read records (issue 13, hole 6). A client's services and enrollments, one enrollment, one submission (names,
-- national IDs, disability), loans and their repayments and overdue installments, donations (donor names, gifts to
-- a client) and the audit trail itself (whose before/after hold people's records) were read without a record.
-- registryd now records them through audit_reads() like any other read; read_log's shape admits them. The check
-- only widens (every row it held still passes), so it is added NOT VALID: no scan of a table that holds every read
-- in the nation, and every new row is checked.
ALTER TABLE read_log DROP CONSTRAINT read_log_shape;
ALTER TABLE read_log ADD CONSTRAINT read_log_shape CHECK (
    (action = 'read' AND entity IN ('client', 'staff', 'household', 'loan', 'service', 'enrollment', 'submission',
                                    'donation')
        AND entity_id IS NOT NULL AND detail IS NULL)
 OR (action = 'list' AND entity IN ('client', 'staff', 'loan', 'service', 'enrollment', 'repayment', 'installment',
                                    'donation', 'audit')
        AND entity_id IS NULL AND jsonb_typeof(detail) = 'object')) NOT VALID;

-- Submissions (holes 3 and 10).
--   review_results, review_valid_count: what the reviewing officer sees when the submitter was told less. An NGO
--     submitter is not told that a national ID is registered somewhere it cannot see (that made one submission a
--     bulk oracle of who is a welfare client in the nation); such a record reads "valid" to it, is left out of
--     valid_values (approval never writes it), and shows as invalid here, to officers only. NULL: as results.
--   body_bytes: the size of the request, for the per-user quota of pending bytes (0 for those sent before).
ALTER TABLE submissions ADD COLUMN review_results jsonb;
ALTER TABLE submissions ADD COLUMN review_valid_count integer;
ALTER TABLE submissions ADD COLUMN body_bytes integer NOT NULL DEFAULT 0;
CREATE INDEX submissions_user_day_idx ON submissions (submitted_by, created_at);
CREATE INDEX submissions_user_pending_idx ON submissions (submitted_by) WHERE status = 'pending';

-- The per-user quotas of submissions (registryd passes its configured limits): records checked in the last 24
-- hours, submissions pending review and their bytes. Returns NULL when this submission (records, bytes) fits, else
-- what it exceeds: 'records:<seconds until it would fit>', 'pending' or 'bytes'. The caller's own submissions are
-- counted under row-level security (they are in its scope). The per-user advisory lock makes two submissions of
-- one user at once count one after the other; VOLATILE, so the sums are read after the lock is held.
CREATE FUNCTION submission_quota_refusal(p_records integer, p_bytes bigint, max_records_day integer,
                                         max_pending integer, max_pending_bytes bigint)
    RETURNS text LANGUAGE plpgsql VOLATILE
    SET search_path = public, pg_temp
AS $$
DECLARE
    uid bigint := registry_user_id();
    day_records bigint;
    pending bigint;
    pending_bytes bigint;
    wait_s integer;
BEGIN
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
        -- when enough of the last day's records will have aged out for this submission to fit
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
