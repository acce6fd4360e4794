-- 0003: the registry itself: centers, staff, clients and their households, programs, enrollments and services.
--
-- Every scoped table carries the province, county and center its record lives in (derived by triggers from the
-- county or center, whoever writes the row), forces row-level security through registry_in_scope(), and has
-- indexes that lead with those columns so the policies stay cheap. name_key columns hold the search form of
-- names (textnorm_search_key in common/textnorm.c: Arabic/Persian letter forms unified, ZWNJ, tatweel and
-- diacritics dropped, digits folded), computed by the server; trigram indexes make ?q= fast at millions of rows.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The search form of a name: the same rules as textnorm_search_key() in common/textnorm.c (the server computes
-- the form of ?q= with that; tests/e2e/test_registry.py checks the two agree). Arabic Yeh/Alef Maksura/Yeh with
-- hamza become Persian Yeh, Arabic Kaf Persian Keheh, Teh Marbuta and Heh with Yeh Heh, hamza/madda Alefs plain
-- Alef, Waw with hamza Waw; Persian and Arabic-Indic digits ASCII; ZWNJ/ZWJ, tatweel, diacritics, bidi controls,
-- soft hyphens and zero-width characters vanish; ASCII letters lower case; whitespace runs become one space.
CREATE FUNCTION registry_search_key(s text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
    SELECT btrim(regexp_replace(
        translate(s,
            -- mapped: letters, digits, upper-case ASCII, Unicode spaces (to a plain space) ...
            U&'\064A\0649\0626\0643\0629\06C0\0622\0623\0625\0671\0624'
            || U&'\06F0\06F1\06F2\06F3\06F4\06F5\06F6\06F7\06F8\06F9\0660\0661\0662\0663\0664\0665\0666\0667\0668\0669'
            || 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
            || U&'\00A0\2000\2001\2002\2003\2004\2005\2006\2007\2008\2009\200A\202F\205F\3000\1680\2028\2029\0085'
            || U&'\0009\000A\000B\000C\000D'
            -- ... and removed: they have no counterpart in the second list
            || U&'\200C\200D\0640\064B\064C\064D\064E\064F\0650\0651\0652\0653\0654\0655\0656\0657\0658\0659'
            || U&'\065A\065B\065C\065D\065E\065F\0670\00AD\200E\200F\202A\202B\202C\202D\202E\2066\2067\2068\2069'
            || U&'\061C\200B\2060\FEFF',
            U&'\06CC\06CC\06CC\06A9\0647\0647\0627\0627\0627\0627\0648'
            || '01234567890123456789'
            || 'abcdefghijklmnopqrstuvwxyz'
            || '                   '
            || '     '),
        ' {2,}', ' ', 'g'))
$fn$;

CREATE FUNCTION set_name_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'centers' THEN
        NEW.name_key := registry_search_key(NEW.name);
    ELSE
        NEW.name_key := registry_search_key(NEW.first_name || ' ' || NEW.last_name);
    END IF;
    RETURN NEW;
END
$$;

CREATE TYPE center_type AS ENUM ('rehabilitation_day', 'rehabilitation_residential', 'vocational_training',
    'elderly_care', 'social_work_clinic', 'counseling', 'addiction_outpatient', 'addiction_residential',
    'children_home', 'kindergarten', 'mental_health_rehabilitation', 'genetic_counseling', 'social_emergency',
    'cbr_office');
CREATE TYPE center_sector AS ENUM ('public', 'ngo');
CREATE TYPE center_status AS ENUM ('active', 'suspended', 'closed');
CREATE TYPE staff_profession AS ENUM ('social_worker', 'psychologist', 'physiotherapist', 'occupational_therapist',
    'speech_therapist', 'nurse', 'physician', 'caregiver', 'counselor', 'special_educator', 'vocational_trainer',
    'addiction_counselor', 'administrator', 'other');
CREATE TYPE staff_status AS ENUM ('active', 'left');
CREATE TYPE client_sex AS ENUM ('female', 'male');
CREATE TYPE disability_type AS ENUM ('physical', 'visual', 'hearing', 'speech', 'intellectual', 'psychosocial',
    'autism', 'multiple');
CREATE TYPE disability_severity AS ENUM ('mild', 'moderate', 'severe', 'very_severe');
CREATE TYPE client_status AS ENUM ('active', 'closed');
CREATE TYPE enrollment_status AS ENUM ('active', 'completed', 'withdrawn');

-- Centers --------------------------------------------------------------------------------------------------------
CREATE TABLE centers (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text NOT NULL,
    name_key            text NOT NULL DEFAULT '',    -- set by trigger
    type                center_type NOT NULL,
    sector              center_sector NOT NULL,
    province_code       text NOT NULL REFERENCES provinces (code),
    county_id           integer NOT NULL REFERENCES counties (id),
    capacity            integer CHECK (capacity >= 0),
    license_no          text,
    license_expires_on  date,
    status              center_status NOT NULL DEFAULT 'active',
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX centers_name_key ON centers (county_id, name_key);
CREATE UNIQUE INDEX centers_license_key ON centers (license_no) WHERE license_no IS NOT NULL;
CREATE INDEX centers_province_idx ON centers (province_code, id);
CREATE INDEX centers_county_idx ON centers (county_id, id);
CREATE INDEX centers_name_trgm ON centers USING gin (name_key gin_trgm_ops);

CREATE FUNCTION derive_from_county() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT province_code INTO NEW.province_code FROM counties WHERE id = NEW.county_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER centers_derive BEFORE INSERT OR UPDATE OF county_id ON centers
    FOR EACH ROW EXECUTE FUNCTION derive_from_county();
CREATE TRIGGER centers_name_key BEFORE INSERT OR UPDATE OF name ON centers
    FOR EACH ROW EXECUTE FUNCTION set_name_key();

ALTER TABLE users ADD CONSTRAINT users_center_fk FOREIGN KEY (center_id) REFERENCES centers (id);

-- An NGO submitter's county and province are its center's.
CREATE OR REPLACE FUNCTION users_derive_scope() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.center_id IS NOT NULL THEN
        SELECT c.county_id, c.province_code INTO NEW.county_id, NEW.province_code
            FROM centers c WHERE c.id = NEW.center_id;
    ELSIF NEW.county_id IS NOT NULL THEN
        SELECT province_code INTO NEW.province_code FROM counties WHERE id = NEW.county_id;
    END IF;
    RETURN NEW;
END
$$;

-- Staff ----------------------------------------------------------------------------------------------------------
CREATE TABLE staff (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    national_id     text NOT NULL CHECK (national_id ~ '^[0-9]{10}$'),
    first_name      text NOT NULL,
    last_name       text NOT NULL,
    name_key        text NOT NULL DEFAULT '',        -- set by trigger
    profession      staff_profession NOT NULL,
    center_id       bigint NOT NULL REFERENCES centers (id),
    province_code   text NOT NULL,
    county_id       integer NOT NULL,
    trainings       jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(trainings) = 'array'),
    status          staff_status NOT NULL DEFAULT 'active',
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX staff_national_id_key ON staff (national_id);
CREATE INDEX staff_province_idx ON staff (province_code, profession, id);
CREATE INDEX staff_county_idx ON staff (county_id, id);
CREATE INDEX staff_center_idx ON staff (center_id, id);
CREATE INDEX staff_name_trgm ON staff USING gin (name_key gin_trgm_ops);

CREATE FUNCTION derive_from_center() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT c.province_code, c.county_id INTO NEW.province_code, NEW.county_id FROM centers c WHERE c.id = NEW.center_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'center % does not exist', NEW.center_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER staff_derive BEFORE INSERT OR UPDATE OF center_id ON staff
    FOR EACH ROW EXECUTE FUNCTION derive_from_center();
CREATE TRIGGER staff_name_key BEFORE INSERT OR UPDATE OF first_name, last_name ON staff
    FOR EACH ROW EXECUTE FUNCTION set_name_key();

-- Households and clients -----------------------------------------------------------------------------------------
CREATE TABLE households (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    province_code   text NOT NULL,
    county_id       integer NOT NULL REFERENCES counties (id),
    center_id       bigint REFERENCES centers (id),
    address         text,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX households_county_idx ON households (county_id, id);
CREATE INDEX households_province_idx ON households (province_code, id);
CREATE TRIGGER households_derive BEFORE INSERT OR UPDATE OF county_id ON households
    FOR EACH ROW EXECUTE FUNCTION derive_from_county();

CREATE TABLE clients (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    national_id         text NOT NULL CHECK (national_id ~ '^[0-9]{10}$'),
    first_name          text NOT NULL,
    last_name           text NOT NULL,
    name_key            text NOT NULL DEFAULT '',    -- set by trigger
    birth_date          date NOT NULL,
    sex                 client_sex NOT NULL,
    province_code       text NOT NULL,
    county_id           integer NOT NULL REFERENCES counties (id),
    center_id           bigint REFERENCES centers (id),
    disability_type     disability_type,
    disability_severity disability_severity,
    needs               text[] NOT NULL DEFAULT '{}',
    household_id        bigint REFERENCES households (id),
    household_role      text CHECK (household_role IN ('head', 'spouse', 'child', 'parent', 'sibling', 'other')),
    status              client_status NOT NULL DEFAULT 'active',
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((disability_type IS NULL) = (disability_severity IS NULL))
);
-- unique in the whole nation, whoever can see the other record
CREATE UNIQUE INDEX clients_national_id_key ON clients (national_id);
CREATE INDEX clients_province_idx ON clients (province_code, id);
CREATE INDEX clients_county_idx ON clients (county_id, id);
CREATE INDEX clients_center_idx ON clients (center_id, id) WHERE center_id IS NOT NULL;
CREATE INDEX clients_household_idx ON clients (household_id) WHERE household_id IS NOT NULL;
CREATE INDEX clients_name_trgm ON clients USING gin (name_key gin_trgm_ops);
CREATE TRIGGER clients_derive BEFORE INSERT OR UPDATE OF county_id ON clients
    FOR EACH ROW EXECUTE FUNCTION derive_from_county();
CREATE TRIGGER clients_name_key BEFORE INSERT OR UPDATE OF first_name, last_name ON clients
    FOR EACH ROW EXECUTE FUNCTION set_name_key();

-- Programs, enrollments, services ---------------------------------------------------------------------------------
CREATE TABLE programs (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z_]{2,40}$'),
    name_fa     text NOT NULL,
    name_en     text NOT NULL,
    description text,
    active      boolean NOT NULL DEFAULT true
);
INSERT INTO programs (code, name_fa, name_en) VALUES
    ('cbr', 'توانبخشی مبتنی بر جامعه', 'Community-based rehabilitation'),
    ('microfinance', 'اعتبارات خرد', 'Microfinance'),
    ('housing', 'مسکن', 'Housing'),
    ('tele_rehabilitation', 'توانبخشی از راه دور', 'Tele-rehabilitation'),
    ('life_skills', 'مهارت‌های زندگی', 'Life skills'),
    ('elderly_care', 'مراقبت از سالمندان', 'Elderly care'),
    ('caregiver_training', 'آموزش مراقبان', 'Caregiver training');

CREATE TABLE enrollments (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id       bigint NOT NULL REFERENCES clients (id),
    program_id      integer NOT NULL REFERENCES programs (id),
    started_on      date NOT NULL,
    ended_on        date,
    status          enrollment_status NOT NULL DEFAULT 'active',
    province_code   text NOT NULL,
    county_id       integer NOT NULL,
    center_id       bigint,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (ended_on IS NULL OR ended_on >= started_on)
);
CREATE INDEX enrollments_client_idx ON enrollments (client_id, id);
CREATE INDEX enrollments_county_idx ON enrollments (county_id, id);
CREATE INDEX enrollments_province_idx ON enrollments (province_code, program_id);

CREATE TABLE services (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id       bigint NOT NULL REFERENCES clients (id),
    center_id       bigint NOT NULL REFERENCES centers (id),
    service         text NOT NULL,
    provided_on     date NOT NULL,
    notes           text,
    province_code   text NOT NULL,
    county_id       integer NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX services_client_idx ON services (client_id, id);
CREATE INDEX services_center_idx ON services (center_id, id);
CREATE INDEX services_county_idx ON services (county_id, id);

-- An enrollment lives where its client lives; a service where its client lives, at the center that gave it.
CREATE FUNCTION derive_from_client() RETURNS trigger LANGUAGE plpgsql AS $$
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
    IF TG_TABLE_NAME = 'enrollments' THEN
        NEW.center_id := cl.center_id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER enrollments_derive BEFORE INSERT OR UPDATE OF client_id ON enrollments
    FOR EACH ROW EXECUTE FUNCTION derive_from_client();
CREATE TRIGGER services_derive BEFORE INSERT OR UPDATE OF client_id ON services
    FOR EACH ROW EXECUTE FUNCTION derive_from_client();

-- Row-level security ---------------------------------------------------------------------------------------------
ALTER TABLE centers ENABLE ROW LEVEL SECURITY;
ALTER TABLE centers FORCE ROW LEVEL SECURITY;
CREATE POLICY centers_read ON centers FOR SELECT USING (registry_in_scope(province_code, county_id, id));
CREATE POLICY centers_write ON centers FOR INSERT
    WITH CHECK (registry_can_write() AND registry_in_scope(province_code, county_id, id));
CREATE POLICY centers_update ON centers FOR UPDATE
    USING (registry_can_write() AND registry_in_scope(province_code, county_id, id))
    WITH CHECK (registry_can_write() AND registry_in_scope(province_code, county_id, id));

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['staff', 'households', 'clients', 'enrollments', 'services'] LOOP
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
END
$$;

-- Programs are national reference data: everyone reads, national admins change them (checked by the server).
GRANT SELECT ON programs TO registry_app;
GRANT INSERT (code, name_fa, name_en, description, active), UPDATE (name_fa, name_en, description, active)
    ON programs TO registry_app;

GRANT SELECT, INSERT, UPDATE ON centers, staff, households, clients, enrollments, services TO registry_app;

-- Moving a client to another county, possibly another province: the record leaves the old scope and enters the
-- new one in one transaction, with its enrollments and services, audited once. The caller must be able to write
-- the client where it is now; where it goes is any county (the receiving office sees it at once).
CREATE FUNCTION client_transfer(cid bigint, new_county integer, new_center bigint, expected_version integer)
    RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    saved_role text := registry_role();
    old clients;
    new clients;
BEGIN
    -- the caller's view first: can they see and write this client?
    SELECT * INTO old FROM clients c WHERE c.id = cid
        AND registry_in_scope(c.province_code, c.county_id, c.center_id) FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;    -- unknown or outside the caller's scope: 404
    END IF;
    IF NOT registry_can_write() THEN
        RAISE EXCEPTION 'not allowed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF expected_version IS NOT NULL AND old.version <> expected_version THEN
        RETURN '{"stale": true}'::jsonb;      -- 412
    END IF;
    IF NOT EXISTS (SELECT 1 FROM counties WHERE id = new_county) THEN
        RAISE EXCEPTION 'county % does not exist', new_county USING ERRCODE = 'foreign_key_violation';
    END IF;
    PERFORM set_config('registry.role', 'system', true);
    IF new_center IS NOT NULL AND NOT EXISTS (SELECT 1 FROM centers WHERE id = new_center AND county_id = new_county) THEN
        PERFORM set_config('registry.role', saved_role, true);
        RAISE EXCEPTION 'center % is not in county %', new_center, new_county USING ERRCODE = 'foreign_key_violation';
    END IF;
    UPDATE clients SET county_id = new_county, center_id = new_center, version = version + 1, updated_at = now()
        WHERE id = cid RETURNING * INTO new;
    UPDATE enrollments SET province_code = new.province_code, county_id = new.county_id, center_id = new.center_id,
        version = version + 1, updated_at = now() WHERE client_id = cid;
    UPDATE services SET province_code = new.province_code, county_id = new.county_id WHERE client_id = cid;
    INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, before, after, user_id,
                           username, role, address, request_id)
    VALUES ('transfer', 'client', cid::text, new.province_code, new.county_id, new.center_id,
            jsonb_build_object('province', old.province_code, 'county_id', old.county_id, 'center_id', old.center_id),
            jsonb_build_object('province', new.province_code, 'county_id', new.county_id, 'center_id', new.center_id),
            registry_user_id(), nullif(current_setting('registry.username', true), ''), saved_role,
            nullif(current_setting('registry.address', true), ''),
            nullif(current_setting('registry.request_id', true), ''));
    -- the old province's admins see the move in their audit trail too
    INSERT INTO audit_log (action, entity, entity_id, province_code, county_id, center_id, detail, user_id, username,
                           role, address, request_id)
    SELECT 'transfer_out', 'client', cid::text, old.province_code, old.county_id, old.center_id,
           jsonb_build_object('to_province', new.province_code, 'to_county_id', new.county_id),
           registry_user_id(), nullif(current_setting('registry.username', true), ''), saved_role,
           nullif(current_setting('registry.address', true), ''),
           nullif(current_setting('registry.request_id', true), '')
    WHERE old.province_code <> new.province_code;
    PERFORM set_config('registry.role', saved_role, true);
    RETURN jsonb_build_object('id', new.id, 'province', new.province_code, 'county_id', new.county_id,
                              'center_id', new.center_id, 'version', new.version);
END
$$;
REVOKE ALL ON FUNCTION client_transfer FROM PUBLIC;
GRANT EXECUTE ON FUNCTION client_transfer TO registry_app;
