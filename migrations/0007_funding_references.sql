-- 0007: a loan lives at its client's center too (so the center's NGO submitter sees its clients' loans), and a
-- donation may name only a campaign its writer may see, of its own province or national; places that do not exist
-- are refused by name instead of by a constraint.

CREATE OR REPLACE FUNCTION derive_from_client() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cl clients;
BEGIN
    SELECT * INTO cl FROM clients WHERE id = NEW.client_id;
    IF NOT FOUND THEN
        -- unknown, or outside the caller's scope: the API answers 404 either way
        RAISE EXCEPTION 'client % does not exist', NEW.client_id USING ERRCODE = 'RA404';
    END IF;
    NEW.province_code := cl.province_code;
    NEW.county_id := cl.county_id;
    IF TG_TABLE_NAME IN ('enrollments', 'loans') THEN
        NEW.center_id := cl.center_id;
    END IF;
    RETURN NEW;
END
$$;

-- loans made before this migration
UPDATE loans l SET center_id = c.center_id FROM clients c WHERE c.id = l.client_id AND l.center_id IS NULL;
UPDATE loan_installments i SET center_id = l.center_id FROM loans l WHERE l.id = i.loan_id AND i.center_id IS NULL;
UPDATE repayments r SET center_id = l.center_id FROM loans l WHERE l.id = r.loan_id AND r.center_id IS NULL;

CREATE OR REPLACE FUNCTION donations_place() RETURNS trigger LANGUAGE plpgsql AS $$
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
        IF NOT FOUND THEN
            RAISE EXCEPTION 'county_id: there is no county %', NEW.county_id USING ERRCODE = 'RA422';
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM provinces WHERE code = NEW.province_code) THEN
        RAISE EXCEPTION 'province: there is no province %', NEW.province_code USING ERRCODE = 'RA422';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION allocations_place() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.center_id IS NOT NULL THEN
        SELECT c.county_id, c.province_code INTO NEW.county_id, NEW.province_code FROM centers c WHERE c.id = NEW.center_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'center % does not exist', NEW.center_id USING ERRCODE = 'RA404';
        END IF;
        NEW.level := 'center';
    ELSIF NEW.county_id IS NOT NULL THEN
        SELECT province_code INTO NEW.province_code FROM counties WHERE id = NEW.county_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'county_id: there is no county %', NEW.county_id USING ERRCODE = 'RA422';
        END IF;
        NEW.level := 'county';
    ELSE
        IF NOT EXISTS (SELECT 1 FROM provinces WHERE code = NEW.province_code) THEN
            RAISE EXCEPTION 'province: there is no province %', NEW.province_code USING ERRCODE = 'RA422';
        END IF;
        NEW.level := 'province';
    END IF;
    RETURN NEW;
END
$$;

-- runs after donations_place (BEFORE triggers run in name order), as the writer, under row-level security
CREATE FUNCTION donations_campaign_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p text;
BEGIN
    IF NEW.campaign_id IS NOT NULL THEN
        SELECT province_code INTO p FROM campaigns WHERE id = NEW.campaign_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'campaign_id: campaign % is not one you may use', NEW.campaign_id USING ERRCODE = 'RA422';
        END IF;
        IF p IS NOT NULL AND p <> NEW.province_code THEN
            RAISE EXCEPTION 'campaign_id: campaign % is of another province', NEW.campaign_id USING ERRCODE = 'RA422';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER donations_refs BEFORE INSERT OR UPDATE ON donations
    FOR EACH ROW EXECUTE FUNCTION donations_campaign_check();
