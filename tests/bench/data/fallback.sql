-- A stand-in for `registryctl gen-data` while that command does not exist: run.sh loads this after
-- `registryctl seed-demo` when `registryctl --help` does not list gen-data. It is for developing the benchmark at a
-- small scale, not a national data set: one public center per county, :clients clients spread over the counties
-- (a fifth of them in Tehran's first county, a tenth more over the rest of Tehran province, so one county and one
-- province are clearly bigger than the others, as in the real registry), valid and unique national IDs
-- (300000000 + n, far from the ranges the benchmark writes), Persian names, and some allocations and donations
-- for fiscal year 1403. Idempotent: a second run adds nothing.
-- psql variables: clients (how many), seed (for setseed, a number between -1 and 1).
\set ON_ERROR_STOP on
SET registry.role = 'system';
SELECT setseed(:seed) \g /dev/null
BEGIN;

CREATE FUNCTION pg_temp.nid(body bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT b || (CASE WHEN s < 2 THEN s ELSE 11 - s END)::text
    FROM (SELECT lpad(body::text, 9, '0') AS b) x,
         LATERAL (SELECT sum(substr(x.b, k + 1, 1)::integer * (10 - k)) % 11 AS s FROM generate_series(0, 8) k) y
$$;

INSERT INTO centers (name, type, sector, county_id, capacity, license_no, license_expires_on)
SELECT 'مرکز جامع بهزیستی ' || c.name_fa, 'social_work_clinic', 'public', c.id, 500, 'BENCH-' || c.id,
       current_date + 400
FROM counties c
ON CONFLICT DO NOTHING;

CREATE TEMP TABLE bench_places AS
SELECT row_number() OVER (ORDER BY c.id) - 1 AS n, c.id AS county_id, c.province_code,
       (SELECT ce.id FROM centers ce WHERE ce.license_no = 'BENCH-' || c.id) AS center_id
FROM counties c;
CREATE TEMP TABLE bench_tehran AS
SELECT row_number() OVER (ORDER BY county_id) - 1 AS n, county_id, center_id
FROM bench_places WHERE province_code = 'IR-23';

INSERT INTO clients (national_id, first_name, last_name, birth_date, sex, county_id, center_id, disability_type,
                     disability_severity, needs, status)
SELECT pg_temp.nid(300000000 + g),
       CASE WHEN g % 2 = 0
            THEN (ARRAY['مریم','زهرا','فاطمه','سارا','نرگس','لیلا','معصومه','شیرین','پروین','سمیه','نازنین','الهام'])[1 + (g / 2) % 12]
            ELSE (ARRAY['علی','محمد','حسین','رضا','مهدی','امیر','حمید','جواد','سعید','محمدرضا','کاظم','یوسف'])[1 + (g / 2) % 12] END,
       (ARRAY['رضایی','محمدی','حسینی','احمدی','کریمی','موسوی','جعفری','قاسمی','صادقی','رحیمی','کاظمی','نوری',
              'اکبری','شریفی','یزدانی','طاهری','عباسی','فرهادی','مرادی','ابراهیمی','سلیمانی','بهرامی','نجفی'])[1 + (g * 7) % 23],
       date '1935-01-01' + (random() * 30000)::integer,
       CASE WHEN g % 2 = 0 THEN 'female' ELSE 'male' END::client_sex,
       p.county_id,
       CASE WHEN random() < 0.7 THEN p.center_id END,
       d.t, CASE WHEN d.t IS NOT NULL THEN (ARRAY['mild','moderate','severe','very_severe'])[1 + g % 4]::disability_severity END,
       (ARRAY['{housing}','{employment}','{housing,employment}','{rehabilitation}','{caregiving}','{}'])[1 + g % 6]::text[],
       CASE WHEN g % 50 = 0 THEN 'closed' ELSE 'active' END::client_status
FROM generate_series(1, :clients) g
CROSS JOIN LATERAL (SELECT random() + 0 * g AS r) w
CROSS JOIN LATERAL (
    SELECT * FROM (
        SELECT county_id, center_id FROM bench_tehran WHERE w.r < 0.2 AND n = 0
        UNION ALL
        SELECT county_id, center_id FROM bench_tehran
        WHERE w.r >= 0.2 AND w.r < 0.3 AND n = 1 + (g % ((SELECT count(*) FROM bench_tehran) - 1))
        UNION ALL
        SELECT county_id, center_id FROM bench_places WHERE w.r >= 0.3 AND n = g % (SELECT count(*) FROM bench_places)
    ) one LIMIT 1) p
CROSS JOIN LATERAL (SELECT CASE WHEN g % 5 <> 4
    THEN (ARRAY['physical','visual','hearing','speech','intellectual','psychosocial','autism','multiple'])[1 + g % 8]::disability_type
    END AS t) d
ON CONFLICT DO NOTHING;

-- money for fiscal year 1403, so the summary report has something to add up (skipped when any exists)
INSERT INTO allocations (fiscal_year, program_id, level, province_code, amount_rials, note)
SELECT 1403, pr.id, 'province', p.code, 1000000000 + 1000000 * row_number() OVER (), 'bench'
FROM provinces p CROSS JOIN (SELECT id FROM programs WHERE code = 'cbr') pr
WHERE NOT EXISTS (SELECT 1 FROM allocations WHERE fiscal_year = 1403);

COMMIT;
