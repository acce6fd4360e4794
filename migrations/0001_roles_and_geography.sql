-- 0001: the application role and the country's divisions.
--
-- registryd connects as whatever REGISTRY_DB_URL names (often the owner of these tables), then runs every
-- request as registry_app: a role that owns nothing, cannot bypass row-level security, and holds only the
-- grants each migration gives it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'registry_app') THEN
        CREATE ROLE registry_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
    END IF;
END
$$;
-- the migrating role (the owner) may SET ROLE registry_app
GRANT registry_app TO CURRENT_USER;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO registry_app;

CREATE TABLE provinces (
    code        text PRIMARY KEY CHECK (code ~ '^IR-[0-9]{2}$'),
    name_en     text NOT NULL UNIQUE,
    name_fa     text NOT NULL UNIQUE,
    capital_en  text NOT NULL
);

CREATE TABLE counties (
    id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    province_code   text NOT NULL REFERENCES provinces (code),
    name_fa         text NOT NULL,
    name_en         text,           -- two counties in the source data have no English name yet
    UNIQUE (province_code, name_en),
    UNIQUE (province_code, name_fa)
);
CREATE INDEX counties_province_idx ON counties (province_code, id);

-- The data ships with the repository (migrations/data/); ids are assigned in file order, so they are the
-- same on every installation.
-- registry:copy provinces (code, name_en, name_fa, capital_en) FROM data/provinces.csv
-- registry:copy counties (province_code, name_fa, name_en) FROM data/counties.csv

GRANT SELECT ON provinces, counties TO registry_app;
