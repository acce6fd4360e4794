-- 0024: sync. A province's own system keeps a copy of its records current with ?updated_since= on the lists and
-- the changes feed (GET /api/v1/changes).
--
-- The feed is the table changes, one row per create, update, close and transfer of a record, written only by the
-- trigger below (SECURITY DEFINER: registry_app may read it under row-level security, never write it). Its order
-- is commit order, so a reader that has seen seq N can never later find a change numbered below N:
--
--   A bigserial taken while a transaction runs is not commit order: a transaction that took 5 may commit after
--   one that took 6, and a reader that saw 6 would then skip 5. Here seq is taken at commit instead, by a
--   DEFERRABLE INITIALLY DEFERRED constraint trigger (deferred triggers run as COMMIT begins), which first takes
--   a transaction-level advisory lock. The lock is released only after the commit is visible to others, so the
--   next committer takes its seq after the previous one's rows are visible: if seq N is visible, so is every
--   seq below it that will ever exist (a gap is a rolled-back number, never a late change).
--
-- The price is that committing transactions that change records take turns from their deferred trigger to the end
-- of their commit (its WAL flush included); reads and everything before COMMIT run in parallel as before. The
-- README (sync) gives the measured cost.
--
-- Each row carries where its record lives (province, county, center: a center's own id), and row-level security
-- shows a caller the rows of its scope, as the records' own policies do. A record moving between places (a
-- client's transfer, and the enrollments, services, loans and repayments that follow it; a center moving county)
-- writes two rows: transfer_out where it was, transfer_in where it is now, so the scope it left learns that it
-- left, and the one it entered that it arrived.

-- updated_at is bumped by every change ------------------------------------------------------------------------
-- The writes set it, but not every one did (a client's transfer moved its services' place and left their
-- updated_at): a BEFORE UPDATE trigger, run last of them (the name), sets it when a row changed and the write did
-- not set it itself.
CREATE FUNCTION registry_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at AND NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION registry_touch() FROM PUBLIC;

-- The feed ---------------------------------------------------------------------------------------------------
CREATE TABLE changes (
    seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,   -- taken at commit, under the lock
    entity          text NOT NULL,
    entity_id       bigint NOT NULL,
    action          text NOT NULL CHECK (action IN ('create', 'update', 'close', 'transfer_out', 'transfer_in')),
    version         integer NOT NULL,
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    province_code   text,
    county_id       integer,
    center_id       bigint
);
COMMENT ON TABLE changes IS 'The changes feed (GET /api/v1/changes): seq is commit order (migration 0024)';
CREATE INDEX changes_entity_seq ON changes (entity, seq);

-- One row (two for a move) per event, as COMMIT begins; registry_touch has run by then.
CREATE FUNCTION registry_log_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    entity text := TG_ARGV[0];
    n jsonb := to_jsonb(NEW);
    o jsonb;
    np text; nc integer; nx bigint;
    op text; oc integer; ox bigint;
    act text := 'create';
BEGIN
    -- commit order: one committer at a time from here until its commit is visible (see above)
    PERFORM pg_advisory_xact_lock(727274024);
    np := n->>'province_code';
    nc := (n->>'county_id')::integer;
    nx := CASE WHEN entity = 'center' THEN (n->>'id')::bigint ELSE (n->>'center_id')::bigint END;
    IF TG_OP = 'UPDATE' THEN
        o := to_jsonb(OLD);
        op := o->>'province_code';
        oc := (o->>'county_id')::integer;
        ox := CASE WHEN entity = 'center' THEN (o->>'id')::bigint ELSE (o->>'center_id')::bigint END;
        IF op IS DISTINCT FROM np OR oc IS DISTINCT FROM nc OR ox IS DISTINCT FROM nx THEN
            INSERT INTO changes (entity, entity_id, action, version, province_code, county_id, center_id)
            VALUES (entity, (n->>'id')::bigint, 'transfer_out', (n->>'version')::integer,
                    op, oc, ox);
            act := 'transfer_in';
            PERFORM pg_notify('registry_changes', concat_ws('|', op, oc, ox));
        ELSIF (n->>'status') IN ('closed', 'left') AND (o->>'status') IS DISTINCT FROM (n->>'status') THEN
            act := 'close';
        ELSE
            act := 'update';
        END IF;
    END IF;
    INSERT INTO changes (entity, entity_id, action, version, province_code, county_id, center_id)
    VALUES (entity, (n->>'id')::bigint, act, (n->>'version')::integer, np, nc, nx);
    -- sent when the transaction commits, once per place however many rows it wrote there (same channel, same
    -- payload): registryd wakes only the long polls that place may concern
    PERFORM pg_notify('registry_changes', concat_ws('|', np, nc, nx));
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION registry_log_change() FROM PUBLIC;

DO $$
DECLARE
    t text;
    e text;
BEGIN
    FOREACH t IN ARRAY ARRAY['centers', 'staff', 'households', 'clients', 'enrollments', 'services', 'allocations',
                             'campaigns', 'donations', 'loans', 'repayments', 'submissions'] LOOP
        e := CASE t WHEN 'staff' THEN 'staff' ELSE left(t, -1) END;
        EXECUTE format('CREATE TRIGGER zz_touch BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION registry_touch()',
                       t);
        EXECUTE format('CREATE CONSTRAINT TRIGGER zz_changes AFTER INSERT OR UPDATE ON %I'
                       ' DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION registry_log_change(%L)', t, e);
        -- ?updated_since= reads a range of updated_at
        EXECUTE format('CREATE INDEX %I ON %I (updated_at)', t || '_updated_at', t);
    END LOOP;
    EXECUTE 'CREATE INDEX users_updated_at ON users (updated_at)';
END
$$;

-- Who sees which rows: as the records' own policies (0013), by where the record lived at the change; a campaign
-- as campaigns_read (national ones everyone, a province's its province).
ALTER TABLE changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE changes FORCE ROW LEVEL SECURITY;
CREATE POLICY changes_read ON changes FOR SELECT USING (
    CASE WHEN entity = 'campaign'
         THEN province_code IS NULL
              OR (SELECT v.role FROM registry_scope_v v) IN ('national_admin', 'national_viewer', 'system')
              OR province_code = (SELECT v.province FROM registry_scope_v v)
         ELSE registry_in_scope_key((SELECT v.scope_key FROM registry_scope_v v), province_code, county_id, center_id)
    END);
CREATE POLICY changes_write ON changes FOR INSERT TO CURRENT_USER WITH CHECK (true);
REVOKE ALL ON changes FROM PUBLIC;
GRANT SELECT ON changes TO registry_app;

-- The highest seq committed, whoever's: a page that found nothing of the caller's scope below it may move the
-- caller's cursor there (every change up to it is visible by then: see above), so a county's reader does not scan
-- the nation's changes again on every poll. It tells a number, nothing of any record. STABLE: it reads in the
-- calling statement's snapshot, the one its page was read in.
CREATE FUNCTION changes_head() RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp SET registry.role = ''
AS $$ SELECT coalesce(max(seq), 0) FROM changes $$;
REVOKE ALL ON FUNCTION changes_head() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION changes_head() TO registry_app;
