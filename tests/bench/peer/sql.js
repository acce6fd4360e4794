'use strict';
// The SQL of registryd's handlers, word for word (but for ?q=: see clientSearch) (server/auth/authenticate.c, server/handlers/clients.c via
// server/http/resource.c, server/handlers/reports.c), so the peer asks PostgreSQL for exactly the same work:
// the same row-level security, the same read and list audit records, the same running totals.

const TS = (col) => `to_char(t.${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS ${col}`;

const CLIENT_SELECT =
  't.id, t.national_id, t.first_name, t.last_name, t.birth_date, t.sex, t.province_code AS province, t.county_id,' +
  " t.center_id, CASE WHEN t.disability_type IS NULL THEN NULL ELSE jsonb_build_object('type', t.disability_type," +
  " 'severity', t.disability_severity) END AS disability, to_jsonb(t.needs) AS needs, t.household_id," +
  ` t.household_role, t.status, t.version, ${TS('created_at')}, ${TS('updated_at')}`;

// server/handlers/clients.c: CLIENT_READ_SELECT, what registryd's reads select (formatted in C, not in SQL)
const CLIENT_READ_SELECT =
  't.id, t.national_id, t.first_name, t.last_name, t.birth_date, t.sex, t.province_code AS province, t.county_id,' +
  ' t.center_id, t.disability_type, t.disability_severity, t.needs, t.household_id, t.household_role, t.status,' +
  ' t.version, t.created_at, t.updated_at';

// server/handlers/clients.c: CLIENT_LIST_WHERE and CLIENT_LIST_AUDIT
const CLIENT_LIST_WHERE =
  '($1::text IS NULL OR t.province_code = $1) AND ($2::integer IS NULL OR t.county_id = $2::integer)' +
  ' AND ($3::bigint IS NULL OR t.center_id = $3::bigint)' +
  ' AND ($4::text IS NULL OR t.province_code = $4) AND ($5::integer IS NULL OR t.county_id = $5::integer)' +
  ' AND ($6::bigint IS NULL OR t.center_id = $6::bigint)' +
  ' AND ($7::text IS NULL OR t.national_id = $7)' +
  ' AND ($8::disability_type IS NULL OR t.disability_type = $8::disability_type)' +
  ' AND ($9::client_sex IS NULL OR t.sex = $9::client_sex)' +
  ' AND ($10::client_status IS NULL OR t.status = $10::client_status)' +
  ' AND ($11::text IS NULL OR t.needs @> ARRAY[$11::text])' +
  ' AND ($12::text IS NULL OR t.name_key LIKE $12)' +
  ' AND ($13::bigint IS NULL OR t.id > $13::bigint)';
// The peer records each read in its own transaction, one audit_reads() call of one row (migration 0011: read
// records live in read_log, written only through that function), where registryd batches the calls.
// Who read is the transaction's scope ticket (migration 0013), which auth_begin put in registry.scope.
const WHO_ARRAYS =
  "ARRAY[current_setting('registry.scope', true)], ARRAY[nullif(current_setting('registry.address', true), '')]," +
  " ARRAY[nullif(current_setting('registry.request_id', true), '')]";
// a list's record is written whatever the page holds: the filter in the final WHERE is a one-time filter, run
// before the page is read
const CLIENT_LIST_AUDIT =
  `a AS (SELECT audit_reads(${WHO_ARRAYS}, ARRAY['list'], ARRAY['client'], ARRAY[NULL::text],` +
  ' ARRAY[registry_province()], ARRAY[registry_county()], ARRAY[registry_center()],' +
  " ARRAY[jsonb_build_object('filter', $15::jsonb, 'count', least((SELECT count(*) FROM r), $14::integer - 1))])" +
  ' AS n)' +
  ' SELECT r.* FROM r WHERE (SELECT n FROM a) IS NOT NULL';

module.exports = {
  authBegin:
    'SELECT user_id, username, role, province_code, county_id, center_id, expires_in_s, ticket' +
    ' FROM auth_begin($1, $2, $3, $4)',

  // the peer's GET: the row and its audit record in one transaction, as most teams would write it
  // registryd's first statement of a read whose caller it knows from its session cache (server/auth/authenticate.c)
  scopeSet:
    "SELECT x.user_id FROM (SELECT set_config('registry.scope', $1, true) AS t," +
    " set_config('registry.request_id', $2, true), set_config('registry.address', $3, true)," +
    " set_config('synchronous_commit', 'off', true) OFFSET 0) s" +
    ' LEFT JOIN LATERAL (SELECT v.user_id FROM registry_scope_v v WHERE s.t IS NOT NULL) x ON true',

  clientGet:
    `WITH r AS (SELECT ${CLIENT_SELECT} FROM clients t WHERE t.id = $1::bigint),` +
    ` a AS (SELECT audit_reads(${WHO_ARRAYS}, ARRAY['read'], ARRAY['client'], ARRAY[r.id::text],` +
    ' ARRAY[r.province], ARRAY[r.county_id], ARRAY[r.center_id], ARRAY[NULL::jsonb]) AS n FROM r)' +
    ' SELECT r.* FROM r, a',

  // registryd's GET (server/http/resource.c): the row alone, read-only; its audit record goes out in a batch with
  // other reads' (server/audit/read_audit.c), through auditReads
  clientGetRead: `SELECT ${CLIENT_READ_SELECT} FROM clients t WHERE t.id = $1::bigint`,
  auditReads:
    'SELECT audit_reads($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],' +
    ' $8::integer[], $9::bigint[], $10::jsonb[])',

  // the peer's list and search: the page and its audit record in one transaction
  clientList: `WITH r AS (SELECT ${CLIENT_SELECT} FROM clients t WHERE ${CLIENT_LIST_WHERE} ORDER BY t.id LIMIT $14), ${CLIENT_LIST_AUDIT}`,

  // the peer's search: clientList with the pattern made in SQL from the query's text, normalized as the stored key
  clientSearchPeer: `WITH r AS (SELECT ${CLIENT_SELECT} FROM clients t WHERE ${CLIENT_LIST_WHERE.replace(
    "t.name_key LIKE $12",
    "t.name_key LIKE '%' || registry_search_key($12) || '%'",
  )} ORDER BY t.id LIMIT $14), ${CLIENT_LIST_AUDIT}`,

  // registryd's list (server/handlers/clients.c): the page alone; its audit record goes out in a batch (auditReads)
  clientListRead: `SELECT ${CLIENT_READ_SELECT} FROM clients t WHERE ${CLIENT_LIST_WHERE} ORDER BY t.id LIMIT $14`,

  // registryd's ?q= statement (migration 0009): the ids come from registry_search_ids, the rows from clients under
  // row-level security; its audit record goes out in a batch, as for lists. The peer does not use it: it searches with clientList, the LIKE on the table itself that
  // most teams would write (and that a trigram index serves - until row-level security is forced on the table).
  // pgbench runs this one, the database's limit for registryd's search.
  clientSearch:
    `SELECT ${CLIENT_READ_SELECT} FROM registry_search_ids('client', $12, $4, $5::integer, $6::bigint,` +
    ' $13::bigint, CASE WHEN $7::text IS NULL AND $8::disability_type IS NULL AND $9::client_sex IS NULL' +
    ' AND $10::client_status IS NULL AND $11::text IS NULL THEN $14::integer END) m (id)' +
    ` JOIN clients t ON t.id = m.id WHERE ${CLIENT_LIST_WHERE} ORDER BY t.id LIMIT $14`,

  summaryProvinces:
    'SELECT p.code, NULL::integer, coalesce(c.centers, 0), coalesce(c.staff, 0), coalesce(c.clients, 0),' +
    ' coalesce(m.allocations_rials, 0), coalesce(m.donations_rials, 0)' +
    ' FROM provinces p' +
    ' LEFT JOIN (SELECT province_code, sum(centers) AS centers, sum(staff) AS staff, sum(clients) AS clients' +
    '  FROM county_totals GROUP BY province_code) c ON c.province_code = p.code' +
    ' LEFT JOIN money_totals m ON m.fiscal_year = $1::integer AND m.province_code = p.code AND m.county_id = 0' +
    ' WHERE ($2::text IS NULL OR p.code = $2) ORDER BY p.code',

  summaryCounties:
    'SELECT t.province_code, t.county_id, t.centers, t.staff, t.clients,' +
    ' coalesce(m.allocations_rials, 0), coalesce(m.donations_rials, 0)' +
    ' FROM county_totals t LEFT JOIN money_totals m ON m.fiscal_year = $1::integer' +
    ' AND m.province_code = t.province_code AND m.county_id = t.county_id' +
    ' WHERE t.province_code = $2 AND ($3::integer IS NULL OR t.county_id = $3::integer) ORDER BY t.county_id',
};
