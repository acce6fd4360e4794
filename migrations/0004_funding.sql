-- 0004: money. Budget allocations (national office → provinces → counties → centers, per program and Jalali fiscal
-- year), donations and campaigns, microfinance loans with their schedules and repayments, and the running totals
-- the summary report reads. Money is a bigint count of rials; sums are numeric, so they are exact and cannot wrap.

-- Allocations ----------------------------------------------------------------------------------------------------
CREATE TYPE allocation_level AS ENUM ('province', 'county', 'center');

CREATE TABLE allocations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fiscal_year     integer NOT NULL CHECK (fiscal_year BETWEEN 1300 AND 1500),
    program_id      integer NOT NULL REFERENCES programs (id),
    level           allocation_level NOT NULL,      -- set from the place by trigger
    province_code   text NOT NULL REFERENCES provinces (code),
    county_id       integer REFERENCES counties (id),
    center_id       bigint REFERENCES centers (id),
    amount_rials    bigint NOT NULL CHECK (amount_rials >= 0),
    note            text,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX allocations_place_key
    ON allocations (fiscal_year, program_id, province_code, coalesce(county_id, 0), coalesce(center_id, 0));
CREATE INDEX allocations_county_idx ON allocations (county_id, id);
CREATE INDEX allocations_province_idx ON allocations (province_code, id);

-- The place decides the level; a center's county and province, a county's province, come from them.
CREATE FUNCTION allocations_place() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.center_id IS NOT NULL THEN
        SELECT c.county_id, c.province_code INTO NEW.county_id, NEW.province_code FROM centers c WHERE c.id = NEW.center_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'center % does not exist', NEW.center_id USING ERRCODE = 'RA404';
        END IF;
        NEW.level := 'center';
    ELSIF NEW.county_id IS NOT NULL THEN
        SELECT province_code INTO NEW.province_code FROM counties WHERE id = NEW.county_id;
        NEW.level := 'county';
    ELSE
        NEW.level := 'province';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER allocations_place BEFORE INSERT OR UPDATE ON allocations
    FOR EACH ROW EXECUTE FUNCTION allocations_place();

-- A lower level's allocations for a year and program never add up to more than its parent's. Siblings are
-- serialized by an advisory lock on (year, program, province), so two concurrent writes cannot both slip under
-- the limit. The error names the overrun; the API returns it as a 422 on amount_rials.
CREATE FUNCTION allocations_check_tree() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parent bigint;
    children numeric;
    prog text;
BEGIN
    PERFORM pg_advisory_xact_lock(NEW.fiscal_year * 1000 + NEW.program_id, hashtext(NEW.province_code));
    SELECT code INTO prog FROM programs WHERE id = NEW.program_id;
    -- against the parent
    IF NEW.level = 'county' THEN
        SELECT amount_rials INTO parent FROM allocations
            WHERE fiscal_year = NEW.fiscal_year AND program_id = NEW.program_id AND province_code = NEW.province_code
              AND level = 'province';
        SELECT sum(amount_rials) INTO children FROM allocations
            WHERE fiscal_year = NEW.fiscal_year AND program_id = NEW.program_id AND province_code = NEW.province_code
              AND level = 'county';
        IF children > coalesce(parent, 0) THEN
            RAISE EXCEPTION 'amount_rials: the counties of % would be allocated % rials for % in %, more than the province''s % rials',
                NEW.province_code, children, prog, NEW.fiscal_year, coalesce(parent, 0) USING ERRCODE = 'RA422';
        END IF;
    ELSIF NEW.level = 'center' THEN
        SELECT amount_rials INTO parent FROM allocations
            WHERE fiscal_year = NEW.fiscal_year AND program_id = NEW.program_id AND county_id = NEW.county_id
              AND level = 'county';
        SELECT sum(amount_rials) INTO children FROM allocations
            WHERE fiscal_year = NEW.fiscal_year AND program_id = NEW.program_id AND county_id = NEW.county_id
              AND level = 'center';
        IF children > coalesce(parent, 0) THEN
            RAISE EXCEPTION 'amount_rials: the centers of county % would be allocated % rials for % in %, more than the county''s % rials',
                NEW.county_id, children, prog, NEW.fiscal_year, coalesce(parent, 0) USING ERRCODE = 'RA422';
        END IF;
    END IF;
    -- against its own children, when it shrinks
    IF NEW.level = 'province' THEN
        SELECT sum(amount_rials) INTO children FROM allocations
            WHERE fiscal_year = NEW.fiscal_year AND program_id = NEW.program_id AND province_code = NEW.province_code
              AND level = 'county';
    ELSIF NEW.level = 'county' THEN
        SELECT sum(amount_rials) INTO children FROM allocations
            WHERE fiscal_year = NEW.fiscal_year AND program_id = NEW.program_id AND county_id = NEW.county_id
              AND level = 'center';
    ELSE
        children := NULL;
    END IF;
    IF children > NEW.amount_rials THEN
        RAISE EXCEPTION 'amount_rials: the % rials already allocated below would exceed this allocation''s % rials',
            children, NEW.amount_rials USING ERRCODE = 'RA422';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER allocations_check_tree AFTER INSERT OR UPDATE ON allocations
    FOR EACH ROW EXECUTE FUNCTION allocations_check_tree();

-- Who allocates: the national office to provinces, a province to its counties and centers, a county to its centers.
CREATE FUNCTION registry_may_allocate(lvl allocation_level) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT CASE registry_role()
        WHEN 'system' THEN true
        WHEN 'national_admin' THEN true
        WHEN 'provincial_admin' THEN lvl IN ('county', 'center')
        WHEN 'provincial_officer' THEN lvl IN ('county', 'center')
        WHEN 'county_officer' THEN lvl = 'center'
        ELSE false
    END
$$;

-- Campaigns and donations ------------------------------------------------------------------------------------------
CREATE TABLE campaigns (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL,
    description     text,
    province_code   text REFERENCES provinces (code),     -- NULL: a national campaign
    starts_on       date,
    ends_on         date,
    goal_rials      bigint CHECK (goal_rials >= 0),
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on)
);
CREATE UNIQUE INDEX campaigns_name_key ON campaigns (coalesce(province_code, ''), name);

CREATE TYPE donation_kind AS ENUM ('cash', 'in_kind');
CREATE TYPE donor_type AS ENUM ('person', 'organization');

CREATE TABLE donations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    donor_name      text,
    donor_type      donor_type NOT NULL,
    anonymous       boolean NOT NULL DEFAULT false,
    kind            donation_kind NOT NULL,
    description     text,                   -- what an in-kind gift is
    amount_rials    bigint NOT NULL CHECK (amount_rials > 0),   -- cash, or an in-kind gift's appraised value
    campaign_id     bigint REFERENCES campaigns (id),
    received_on     date NOT NULL,
    fiscal_year     integer NOT NULL,       -- Jalali year of received_on, set by the server
    province_code   text NOT NULL REFERENCES provinces (code),
    county_id       integer REFERENCES counties (id),
    center_id       bigint REFERENCES centers (id),
    client_id       bigint REFERENCES clients (id),
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'cash' OR description IS NOT NULL),
    CHECK (anonymous OR donor_name IS NOT NULL)
);
CREATE INDEX donations_province_idx ON donations (province_code, fiscal_year);
CREATE INDEX donations_county_idx ON donations (county_id, id);
CREATE INDEX donations_campaign_idx ON donations (campaign_id);

-- Where a gift goes: a client's, a center's or a county's place, down to the province.
CREATE FUNCTION donations_place() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.client_id IS NOT NULL THEN
        SELECT c.province_code, c.county_id, c.center_id INTO NEW.province_code, NEW.county_id, NEW.center_id
            FROM clients c WHERE c.id = NEW.client_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'client % does not exist', NEW.client_id USING ERRCODE = 'RA404';
        END IF;
    ELSIF NEW.center_id IS NOT NULL THEN
        SELECT c.province_code, c.county_id INTO NEW.province_code, NEW.county_id FROM centers c WHERE c.id = NEW.center_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'center % does not exist', NEW.center_id USING ERRCODE = 'RA404';
        END IF;
    ELSIF NEW.county_id IS NOT NULL THEN
        SELECT province_code INTO NEW.province_code FROM counties WHERE id = NEW.county_id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER donations_place BEFORE INSERT OR UPDATE ON donations FOR EACH ROW EXECUTE FUNCTION donations_place();

-- Microfinance loans ------------------------------------------------------------------------------------------------
CREATE TYPE loan_status AS ENUM ('active', 'repaid', 'written_off');

CREATE TABLE loans (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id       bigint NOT NULL REFERENCES clients (id),
    amount_rials    bigint NOT NULL CHECK (amount_rials > 0),
    installments    integer NOT NULL CHECK (installments BETWEEN 1 AND 120),
    first_due_on    date NOT NULL,
    status          loan_status NOT NULL DEFAULT 'active',
    province_code   text NOT NULL,
    county_id       integer NOT NULL,
    center_id       bigint,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX loans_client_idx ON loans (client_id);
CREATE INDEX loans_county_idx ON loans (county_id, id);
CREATE INDEX loans_province_idx ON loans (province_code, id);
CREATE TRIGGER loans_derive BEFORE INSERT OR UPDATE OF client_id ON loans
    FOR EACH ROW EXECUTE FUNCTION derive_from_client();

CREATE TABLE loan_installments (
    loan_id         bigint NOT NULL REFERENCES loans (id),
    n               integer NOT NULL,
    due_on          date NOT NULL,
    amount_rials    bigint NOT NULL,
    province_code   text NOT NULL,
    county_id       integer NOT NULL,
    center_id       bigint,
    PRIMARY KEY (loan_id, n)
);
CREATE INDEX loan_installments_due_idx ON loan_installments (county_id, due_on);

-- The schedule: equal monthly installments, the remainder on the last, so it sums to the loan exactly.
CREATE FUNCTION loan_schedule(amount bigint, installments integer, first_due date)
    RETURNS TABLE (n integer, due_on date, amount_rials bigint) LANGUAGE sql IMMUTABLE AS $$
    SELECT k, (first_due + make_interval(months => k - 1))::date,
           CASE WHEN k < installments THEN amount / installments
                ELSE amount - (amount / installments) * (installments - 1) END
    FROM generate_series(1, installments) k
$$;

-- ... stored with the loan, for the overdue lists.
CREATE FUNCTION loans_schedule() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO loan_installments (loan_id, n, due_on, amount_rials, province_code, county_id, center_id)
    SELECT NEW.id, s.n, s.due_on, s.amount_rials, NEW.province_code, NEW.county_id, NEW.center_id
    FROM loan_schedule(NEW.amount_rials, NEW.installments, NEW.first_due_on) s;
    RETURN NULL;
END
$$;
CREATE TRIGGER loans_schedule AFTER INSERT ON loans FOR EACH ROW EXECUTE FUNCTION loans_schedule();

CREATE TABLE repayments (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loan_id         bigint NOT NULL REFERENCES loans (id),
    amount_rials    bigint NOT NULL CHECK (amount_rials > 0),
    paid_on         date NOT NULL,
    province_code   text NOT NULL,
    county_id       integer NOT NULL,
    center_id       bigint,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX repayments_loan_idx ON repayments (loan_id, id);

-- A repayment belongs to its loan's place, may not pay back more than is owed, and closes a loan paid in full.
CREATE FUNCTION repayments_check() RETURNS trigger LANGUAGE plpgsql AS $$
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
    IF paid + NEW.amount_rials = l.amount_rials THEN
        UPDATE loans SET status = 'repaid', version = version + 1, updated_at = now() WHERE id = l.id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER repayments_check BEFORE INSERT ON repayments FOR EACH ROW EXECUTE FUNCTION repayments_check();

-- Running totals for the summary report ----------------------------------------------------------------------------
-- Kept right inside every writing transaction by the triggers below (so a report is never stale), and read by the
-- report instead of counting millions of rows. registry_recompute_totals() rebuilds them from scratch (after a bulk
-- load with triggers disabled, or to check them).
CREATE TABLE county_totals (
    county_id       integer PRIMARY KEY REFERENCES counties (id),
    province_code   text NOT NULL,
    centers         bigint NOT NULL DEFAULT 0,      -- not closed
    staff           bigint NOT NULL DEFAULT 0,      -- active
    clients         bigint NOT NULL DEFAULT 0       -- active
);
INSERT INTO county_totals (county_id, province_code) SELECT id, province_code FROM counties;

CREATE TABLE money_totals (
    fiscal_year     integer NOT NULL,
    province_code   text NOT NULL,
    county_id       integer NOT NULL,               -- 0: the province's own row
    allocations_rials numeric NOT NULL DEFAULT 0,   -- allocations made at this level
    donations_rials numeric NOT NULL DEFAULT 0,     -- donations to this place, anywhere below it
    PRIMARY KEY (fiscal_year, province_code, county_id)
);

CREATE TABLE center_totals (
    center_id       bigint PRIMARY KEY REFERENCES centers (id),
    province_code   text NOT NULL,
    county_id       integer NOT NULL,
    clients         bigint NOT NULL DEFAULT 0       -- active clients of the center
);

CREATE FUNCTION totals_add_count(col text, cty integer, delta integer) RETURNS void LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp SET registry.role = 'system'
AS $$
BEGIN
    IF cty IS NULL OR delta = 0 THEN
        RETURN;
    END IF;
    EXECUTE format('UPDATE county_totals SET %I = %I + $1 WHERE county_id = $2', col, col) USING delta, cty;
END
$$;

CREATE FUNCTION totals_add_money(yr integer, prov text, cty integer, alloc numeric, don numeric) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET registry.role = 'system'
AS $$
BEGIN
    IF yr IS NULL OR prov IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO money_totals AS m (fiscal_year, province_code, county_id, allocations_rials, donations_rials)
    VALUES (yr, prov, coalesce(cty, 0), alloc, don)
    ON CONFLICT (fiscal_year, province_code, county_id) DO UPDATE
        SET allocations_rials = m.allocations_rials + EXCLUDED.allocations_rials,
            donations_rials = m.donations_rials + EXCLUDED.donations_rials;
END
$$;

CREATE FUNCTION totals_center_clients(ctr bigint, delta integer) RETURNS void LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public, pg_temp SET registry.role = 'system'
AS $$
BEGIN
    IF ctr IS NULL OR delta = 0 THEN
        RETURN;
    END IF;
    INSERT INTO center_totals AS t (center_id, province_code, county_id, clients)
        SELECT c.id, c.province_code, c.county_id, delta FROM centers c WHERE c.id = ctr
    ON CONFLICT (center_id) DO UPDATE SET clients = t.clients + delta;
END
$$;

-- Runs as the owner in the 'system' scope: the totals span scopes, and the application may not write them itself.
CREATE FUNCTION totals_track() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp SET registry.role = 'system'
AS $$
DECLARE
    was boolean := false;
    now_counts boolean := false;
BEGIN
    IF TG_TABLE_NAME = 'centers' THEN
        IF TG_OP <> 'INSERT' THEN was := OLD.status <> 'closed'; END IF;
        IF TG_OP <> 'DELETE' THEN now_counts := NEW.status <> 'closed'; END IF;
        IF was THEN PERFORM totals_add_count('centers', OLD.county_id, -1); END IF;
        IF now_counts THEN PERFORM totals_add_count('centers', NEW.county_id, 1); END IF;
    ELSIF TG_TABLE_NAME = 'staff' THEN
        IF TG_OP <> 'INSERT' THEN was := OLD.status = 'active'; END IF;
        IF TG_OP <> 'DELETE' THEN now_counts := NEW.status = 'active'; END IF;
        IF was THEN PERFORM totals_add_count('staff', OLD.county_id, -1); END IF;
        IF now_counts THEN PERFORM totals_add_count('staff', NEW.county_id, 1); END IF;
    ELSIF TG_TABLE_NAME = 'clients' THEN
        IF TG_OP <> 'INSERT' THEN was := OLD.status = 'active'; END IF;
        IF TG_OP <> 'DELETE' THEN now_counts := NEW.status = 'active'; END IF;
        IF was THEN
            PERFORM totals_add_count('clients', OLD.county_id, -1);
            PERFORM totals_center_clients(OLD.center_id, -1);
        END IF;
        IF now_counts THEN
            PERFORM totals_add_count('clients', NEW.county_id, 1);
            PERFORM totals_center_clients(NEW.center_id, 1);
        END IF;
    ELSIF TG_TABLE_NAME = 'allocations' THEN
        -- only a province's and a county's own allocations count at their level (centers' are within them)
        IF TG_OP <> 'INSERT' AND OLD.level <> 'center' THEN
            PERFORM totals_add_money(OLD.fiscal_year, OLD.province_code,
                                     CASE WHEN OLD.level = 'county' THEN OLD.county_id ELSE 0 END, -OLD.amount_rials, 0);
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.level <> 'center' THEN
            PERFORM totals_add_money(NEW.fiscal_year, NEW.province_code,
                                     CASE WHEN NEW.level = 'county' THEN NEW.county_id ELSE 0 END, NEW.amount_rials, 0);
        END IF;
    ELSIF TG_TABLE_NAME = 'donations' THEN
        IF TG_OP <> 'INSERT' THEN
            PERFORM totals_add_money(OLD.fiscal_year, OLD.province_code, 0, 0, -OLD.amount_rials);
            IF OLD.county_id IS NOT NULL THEN
                PERFORM totals_add_money(OLD.fiscal_year, OLD.province_code, OLD.county_id, 0, -OLD.amount_rials);
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM totals_add_money(NEW.fiscal_year, NEW.province_code, 0, 0, NEW.amount_rials);
            IF NEW.county_id IS NOT NULL THEN
                PERFORM totals_add_money(NEW.fiscal_year, NEW.province_code, NEW.county_id, 0, NEW.amount_rials);
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER centers_totals AFTER INSERT OR UPDATE OF status, county_id OR DELETE ON centers
    FOR EACH ROW EXECUTE FUNCTION totals_track();
CREATE TRIGGER staff_totals AFTER INSERT OR UPDATE OF status, center_id OR DELETE ON staff
    FOR EACH ROW EXECUTE FUNCTION totals_track();
CREATE TRIGGER clients_totals AFTER INSERT OR UPDATE OF status, county_id, center_id OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION totals_track();
CREATE TRIGGER allocations_totals AFTER INSERT OR UPDATE OR DELETE ON allocations
    FOR EACH ROW EXECUTE FUNCTION totals_track();
CREATE TRIGGER donations_totals AFTER INSERT OR UPDATE OR DELETE ON donations
    FOR EACH ROW EXECUTE FUNCTION totals_track();

CREATE FUNCTION registry_recompute_totals() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp SET registry.role = 'system'
AS $$
BEGIN
    UPDATE county_totals t SET
        centers = (SELECT count(*) FROM centers c WHERE c.county_id = t.county_id AND c.status <> 'closed'),
        staff = (SELECT count(*) FROM staff s WHERE s.county_id = t.county_id AND s.status = 'active'),
        clients = (SELECT count(*) FROM clients c WHERE c.county_id = t.county_id AND c.status = 'active');
    DELETE FROM center_totals;
    INSERT INTO center_totals (center_id, province_code, county_id, clients)
        SELECT c.id, c.province_code, c.county_id, count(*) FROM clients cl JOIN centers c ON c.id = cl.center_id
        WHERE cl.status = 'active' GROUP BY c.id;
    DELETE FROM money_totals;
    INSERT INTO money_totals (fiscal_year, province_code, county_id, allocations_rials, donations_rials)
    SELECT fiscal_year, province_code, county_id, sum(a), sum(d) FROM (
        SELECT fiscal_year, province_code, CASE WHEN level = 'county' THEN county_id ELSE 0 END AS county_id,
               amount_rials::numeric AS a, 0::numeric AS d
            FROM allocations WHERE level <> 'center'
        UNION ALL SELECT fiscal_year, province_code, 0, 0, amount_rials FROM donations
        UNION ALL SELECT fiscal_year, province_code, county_id, 0, amount_rials FROM donations WHERE county_id IS NOT NULL
    ) x GROUP BY fiscal_year, province_code, county_id;
END
$$;

-- Row-level security ---------------------------------------------------------------------------------------------
ALTER TABLE allocations ENABLE ROW LEVEL SECURITY;
ALTER TABLE allocations FORCE ROW LEVEL SECURITY;
CREATE POLICY allocations_read ON allocations FOR SELECT USING (registry_in_scope(province_code, county_id, center_id));
CREATE POLICY allocations_write ON allocations FOR INSERT
    WITH CHECK (registry_may_allocate(level) AND registry_in_scope(province_code, county_id, center_id));
CREATE POLICY allocations_update ON allocations FOR UPDATE
    USING (registry_may_allocate(level) AND registry_in_scope(province_code, county_id, center_id))
    WITH CHECK (registry_may_allocate(level) AND registry_in_scope(province_code, county_id, center_id));

ALTER TABLE campaigns ENABLE ROW LEVEL SECURITY;
ALTER TABLE campaigns FORCE ROW LEVEL SECURITY;
CREATE POLICY campaigns_read ON campaigns FOR SELECT
    USING (province_code IS NULL OR registry_role() IN ('national_admin', 'national_viewer', 'system')
           OR province_code = registry_province());
CREATE POLICY campaigns_write ON campaigns FOR INSERT WITH CHECK (
    registry_role() IN ('national_admin', 'system')
    OR (registry_role() IN ('provincial_admin', 'provincial_officer') AND province_code = registry_province()));
CREATE POLICY campaigns_update ON campaigns FOR UPDATE
    USING (registry_role() IN ('national_admin', 'system')
           OR (registry_role() IN ('provincial_admin', 'provincial_officer') AND province_code = registry_province()))
    WITH CHECK (registry_role() IN ('national_admin', 'system')
           OR (registry_role() IN ('provincial_admin', 'provincial_officer') AND province_code = registry_province()));

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['donations', 'loans', 'loan_installments', 'repayments'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I FOR SELECT USING (registry_in_scope(province_code, county_id, center_id))',
                       t || '_read', t);
        EXECUTE format('CREATE POLICY %I ON %I FOR INSERT WITH CHECK (registry_can_write()'
                       ' AND registry_in_scope(province_code, county_id, center_id))', t || '_write', t);
        EXECUTE format('CREATE POLICY %I ON %I FOR UPDATE'
                       ' USING (registry_can_write() AND registry_in_scope(province_code, county_id, center_id))'
                       ' WITH CHECK (registry_can_write() AND registry_in_scope(province_code, county_id, center_id))',
                       t || '_update', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['county_totals', 'center_totals'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    END LOOP;
END
$$;
CREATE POLICY county_totals_read ON county_totals FOR SELECT USING (registry_in_scope(province_code, county_id, NULL));
CREATE POLICY county_totals_system ON county_totals FOR UPDATE USING (registry_role() = 'system');
CREATE POLICY center_totals_read ON center_totals FOR SELECT USING (registry_in_scope(province_code, county_id, center_id));
CREATE POLICY center_totals_system ON center_totals FOR ALL USING (registry_role() = 'system');
ALTER TABLE money_totals ENABLE ROW LEVEL SECURITY;
ALTER TABLE money_totals FORCE ROW LEVEL SECURITY;
CREATE POLICY money_totals_read ON money_totals FOR SELECT USING (
    registry_role() IN ('national_admin', 'national_viewer', 'system')
    OR (registry_role() IN ('provincial_admin', 'provincial_officer') AND province_code = registry_province())
    OR (registry_role() = 'county_officer' AND county_id = registry_county()));
CREATE POLICY money_totals_system ON money_totals FOR ALL USING (registry_role() = 'system');

GRANT SELECT, INSERT, UPDATE ON allocations, campaigns, donations, loans, repayments TO registry_app;
GRANT SELECT, INSERT ON loan_installments TO registry_app;
GRANT SELECT ON county_totals, money_totals, center_totals TO registry_app;
REVOKE ALL ON FUNCTION totals_add_count, totals_add_money, totals_center_clients, registry_recompute_totals,
    totals_track FROM PUBLIC;

-- Counts of what 0003 and the demo data already hold.
SELECT registry_recompute_totals();
