-- 0005: submissions from NGO partner centers: batches of client, staff and service records, stored with each
-- record's validation result, safe to retry (Idempotency-Key), decided by an officer whose scope holds the center.

CREATE TYPE submission_status AS ENUM ('pending', 'approved', 'rejected');

CREATE TABLE submissions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    center_id       bigint NOT NULL REFERENCES centers (id),
    province_code   text NOT NULL,
    county_id       integer NOT NULL,
    submitted_by    bigint NOT NULL REFERENCES users (id),
    idempotency_key text NOT NULL,
    request_hash    text NOT NULL,              -- SHA-256 of the request body: same key, other body is a 409
    status          submission_status NOT NULL DEFAULT 'pending',
    record_count    integer NOT NULL,
    valid_count     integer NOT NULL,
    records         jsonb NOT NULL,             -- as sent
    results         jsonb NOT NULL,             -- [{index, status, errors}]
    valid_values    jsonb NOT NULL,             -- [{index, kind, values}]: what approval writes
    reason          text,
    decided_by      bigint REFERENCES users (id),
    decided_at      timestamptz,
    decided_request text,                       -- the request that decided it (approval writes only under it)
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- keys are per user and kept as long as the submission (at least the 24 hours retries need)
CREATE UNIQUE INDEX submissions_key ON submissions (submitted_by, idempotency_key);
CREATE INDEX submissions_center_idx ON submissions (center_id, id);
CREATE INDEX submissions_county_idx ON submissions (county_id, id);
CREATE INDEX submissions_province_idx ON submissions (province_code, status, id);
CREATE TRIGGER submissions_derive BEFORE INSERT OR UPDATE OF center_id ON submissions
    FOR EACH ROW EXECUTE FUNCTION derive_from_center();

ALTER TABLE submissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE submissions FORCE ROW LEVEL SECURITY;
CREATE POLICY submissions_read ON submissions FOR SELECT USING (registry_in_scope(province_code, county_id, center_id));
CREATE POLICY submissions_write ON submissions FOR INSERT WITH CHECK (
    registry_role() IN ('ngo_submitter', 'national_admin', 'provincial_admin', 'provincial_officer', 'county_officer',
                        'system')
    AND registry_in_scope(province_code, county_id, center_id) AND submitted_by = registry_user_id());
CREATE POLICY submissions_decide ON submissions FOR UPDATE
    USING (registry_can_write() AND registry_in_scope(province_code, county_id, center_id))
    WITH CHECK (registry_can_write() AND registry_in_scope(province_code, county_id, center_id));
GRANT SELECT, INSERT, UPDATE ON submissions TO registry_app;

-- Which of these national IDs are taken already, anywhere in the nation? Says only that (as a 409 would), so a
-- submission can be checked against records the submitter may not see.
CREATE FUNCTION registry_national_ids_taken(kind text, ids text[]) RETURNS text[] LANGUAGE plpgsql STABLE
    SECURITY DEFINER SET search_path = public, pg_temp SET registry.role = 'system'
AS $$
BEGIN
    IF kind = 'client' THEN
        RETURN ARRAY(SELECT national_id FROM clients WHERE national_id = ANY(ids));
    ELSIF kind = 'staff' THEN
        RETURN ARRAY(SELECT national_id FROM staff WHERE national_id = ANY(ids));
    END IF;
    RETURN '{}';
END
$$;
REVOKE ALL ON FUNCTION registry_national_ids_taken FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry_national_ids_taken TO registry_app;
