-- 0015: money records that cannot contradict themselves or leak, and loans that follow their client.
--
-- 1. A client's loans, their installments and repayments move with the client (client_transfer moves the client,
--    its enrollments and services; until now the loans stayed where they were, readable and payable by the old
--    county and invisible to the new one). A trigger on the client's place does it, in the transfer's transaction,
--    with an audit record per loan.
-- 2. A loan's status follows its money: 'repaid' exactly when nothing is owed (set by repayments, never by hand);
--    while money is owed a loan is 'active' or 'written_off', and the API may switch between those two. A trigger
--    refuses any other write, whatever path it takes. Repayments mark a loan repaid after the row is in.
-- 3. Donations: anonymity is one-way (true -> false is refused), an anonymous donor's name does not come out of
--    the audit trail either (records written while the donor was named are masked when read: audit_shown()), and
--    the contract's `campaign` may name a campaign by name (donation_campaign_ref()).

-- 1. Loans follow their client ------------------------------------------------------------------------------------
CREATE FUNCTION loans_follow_client() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    l record;
    actor_role text := registry_role();
BEGIN
    IF NOT EXISTS (SELECT 1 FROM loans WHERE client_id = NEW.id) THEN
        RETURN NULL;
    END IF;
    -- client_transfer acts as 'system' while it moves the client; the audit row names the user's own role
    IF current_user <> 'registry_app' AND actor_role = 'system' AND registry_user_id() IS NOT NULL THEN
        SELECT u.role::text INTO actor_role FROM users u WHERE u.id = registry_user_id();
    END IF;
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
                registry_user_id(), nullif(current_setting('registry.username', true), ''), actor_role,
                nullif(current_setting('registry.address', true), ''),
                nullif(current_setting('registry.request_id', true), ''));
    END LOOP;
    RETURN NULL;
END
$$;
CREATE TRIGGER clients_loans_follow AFTER UPDATE OF county_id, center_id ON clients
    FOR EACH ROW WHEN (OLD.province_code IS DISTINCT FROM NEW.province_code OR OLD.county_id IS DISTINCT FROM NEW.county_id
                       OR OLD.center_id IS DISTINCT FROM NEW.center_id)
    EXECUTE FUNCTION loans_follow_client();

-- loans left behind by transfers made before this migration
UPDATE loan_installments i SET province_code = c.province_code, county_id = c.county_id, center_id = c.center_id
    FROM loans l JOIN clients c ON c.id = l.client_id
    WHERE i.loan_id = l.id AND (i.province_code, i.county_id, i.center_id) IS DISTINCT FROM
                               (c.province_code, c.county_id, c.center_id);
UPDATE repayments r SET province_code = c.province_code, county_id = c.county_id, center_id = c.center_id
    FROM loans l JOIN clients c ON c.id = l.client_id
    WHERE r.loan_id = l.id AND (r.province_code, r.county_id, r.center_id) IS DISTINCT FROM
                               (c.province_code, c.county_id, c.center_id);
UPDATE loans l SET province_code = c.province_code, county_id = c.county_id, center_id = c.center_id
    FROM clients c
    WHERE c.id = l.client_id AND (l.province_code, l.county_id, l.center_id) IS DISTINCT FROM
                                 (c.province_code, c.county_id, c.center_id);

-- 2. A loan's status follows its money ----------------------------------------------------------------------------
-- Before any write of a loan: 'repaid' if and only if nothing is owed. Runs as the writer; the loan's repayments
-- are in its scope as the loan is.
CREATE FUNCTION loans_status_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    owed numeric;
BEGIN
    owed := NEW.amount_rials - (SELECT coalesce(sum(r.amount_rials), 0) FROM repayments r WHERE r.loan_id = NEW.id);
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
CREATE TRIGGER loans_status_check BEFORE INSERT OR UPDATE ON loans
    FOR EACH ROW EXECUTE FUNCTION loans_status_check();

-- The repayment check no longer marks the loan (its row is not in yet, so the loan would still owe it) ...
CREATE OR REPLACE FUNCTION repayments_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    l loans;
    paid numeric;
BEGIN
    PERFORM pg_advisory_xact_lock(727274003, hashtext(NEW.loan_id::text));
    SELECT * INTO l FROM loans WHERE id = NEW.loan_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'loan % does not exist', NEW.loan_id USING ERRCODE = 'RA404';
    END IF;
    NEW.province_code := l.province_code;
    NEW.county_id := l.county_id;
    NEW.center_id := l.center_id;
    SELECT coalesce(sum(amount_rials), 0) INTO paid FROM repayments WHERE loan_id = NEW.loan_id;
    IF paid + NEW.amount_rials > l.amount_rials THEN
        RAISE EXCEPTION 'amount_rials: this repayment would bring the total repaid to % rials, more than the loan''s % rials',
            paid + NEW.amount_rials, l.amount_rials USING ERRCODE = 'RA422';
    END IF;
    RETURN NEW;
END
$$;

-- ... this does, once the repayment is in: a loan paid in full is repaid; one that owes again (a repayment
-- corrected down) is active again.
CREATE FUNCTION repayments_settle() RETURNS trigger LANGUAGE plpgsql AS $$
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
    WHERE l.id = lid AND l.status <> CASE WHEN l.amount_rials <= paid THEN 'repaid'
                                          WHEN l.status = 'repaid' THEN 'active' ELSE l.status END::loan_status;
    RETURN NULL;
END
$$;
CREATE TRIGGER repayments_settle AFTER INSERT OR UPDATE OF amount_rials OR DELETE ON repayments
    FOR EACH ROW EXECUTE FUNCTION repayments_settle();

-- statuses written by hand before this migration follow the money now
ALTER TABLE loans DISABLE TRIGGER loans_status_check;
UPDATE loans l SET status = CASE WHEN l.amount_rials <= p.paid THEN 'repaid'
                                 WHEN l.status = 'repaid' THEN 'active' ELSE l.status END::loan_status
    FROM (SELECT x.id, coalesce(sum(r.amount_rials), 0) AS paid FROM loans x LEFT JOIN repayments r ON r.loan_id = x.id
          GROUP BY x.id) p
    WHERE p.id = l.id AND (l.status = 'repaid') <> (l.amount_rials <= p.paid);
ALTER TABLE loans ENABLE TRIGGER loans_status_check;

-- 3. Donations ------------------------------------------------------------------------------------------------------
-- An anonymous donor stays anonymous: the API never turns anonymity off (the name would then show everywhere).
CREATE FUNCTION donations_anonymity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.anonymous AND NOT NEW.anonymous AND registry_role() IS DISTINCT FROM 'system' THEN
        RAISE EXCEPTION 'anonymous: an anonymous donation stays anonymous (the donor''s name is never shown)'
            USING ERRCODE = 'RA422';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER donations_anonymity BEFORE UPDATE OF anonymous ON donations
    FOR EACH ROW EXECUTE FUNCTION donations_anonymity();

-- The campaign a donation names (values j: campaign_id, the id or the name, and campaign_field, the field the
-- client used): an id must be a campaign the writer may see, a name is looked up among those, of the donation's
-- province or national (the province's own first). The province is the given one, or that of the given county,
-- center or client; a PATCH gives none, so the writer's own province decides. donations_campaign_check() checks
-- the result once the place is derived, as before.
CREATE FUNCTION donation_campaign_ref(j jsonb) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
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
                  (SELECT province_code FROM clients WHERE id = (j->>'client_id')::bigint));
    IF jsonb_typeof(ref) = 'number' THEN
        SELECT array[c.id] INTO ids FROM campaigns c WHERE c.id = (ref #>> '{}')::bigint
            AND (c.province_code IS NULL OR p IS NULL OR c.province_code = p);
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
GRANT EXECUTE ON FUNCTION donation_campaign_ref(jsonb) TO registry_app;

-- What GET /api/v1/audit shows of a record's before/after: a donation's donor as written, unless the donation is
-- anonymous now (or not visible to the reader): then the name is masked, also in records written while the donor
-- was named. The stored trail (and its hash chain) is unchanged.
CREATE FUNCTION audit_shown(entity text, entity_id text, j jsonb) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN entity = 'donation' AND j IS NOT NULL AND (j ? 'donor_name' OR j ? 'donor')
                     AND NOT EXISTS (SELECT 1 FROM donations d WHERE entity_id ~ '^[0-9]{1,18}$'
                                     AND d.id = entity_id::bigint AND NOT d.anonymous)
                THEN j || jsonb_build_object('donor_name', NULL, 'donor', NULL)
                ELSE j END
$$;
GRANT EXECUTE ON FUNCTION audit_shown(text, text, jsonb) TO registry_app;
