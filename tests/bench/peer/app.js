'use strict';
// One worker of the peer: fastify over HTTPS, a pg pool, and three of registryd's endpoints done the usual way:
// take a pooled client, BEGIN, SELECT auth_begin(<SHA-256 of the bearer token>, ...) (which checks the session and
// sets the caller's scope for row-level security in transaction-local settings), run the endpoint's query (a named,
// prepared statement), COMMIT, release. Four round trips to PostgreSQL per request, where registryd pipelines the
// same statements into one.

const crypto = require('node:crypto');
const fs = require('node:fs');
const Fastify = require('fastify');
const pg = require('pg');
const { toJalaali } = require('jalaali-js');
const sql = require('./sql');

// Column types as the API shows them: bigint ids as numbers, dates as the ISO text PostgreSQL sends.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

const ROLE_LEVEL = {
  national_admin: 0,
  national_viewer: 0,
  provincial_admin: 1,
  provincial_officer: 1,
  county_officer: 2,
  ngo_submitter: 3,
};

class HttpError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

function jalali(iso) {
  if (!iso) return null;
  const [y, m, d] = iso.split('-').map(Number);
  const j = toJalaali(y, m, d);
  return `${j.jy}-${String(j.jm).padStart(2, '0')}-${String(j.jd).padStart(2, '0')}`;
}

// The row as registryd shows it: birth_date_jalali next to birth_date.
function clientJson(r) {
  return {
    id: r.id,
    national_id: r.national_id,
    first_name: r.first_name,
    last_name: r.last_name,
    birth_date: r.birth_date,
    birth_date_jalali: jalali(r.birth_date),
    sex: r.sex,
    province: r.province,
    county_id: r.county_id,
    center_id: r.center_id,
    disability: r.disability,
    needs: r.needs,
    household_id: r.household_id,
    household_role: r.household_role,
    status: r.status,
    version: r.version,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

// The server's own check of what row-level security let through (registryd does the same).
function inScope(who, row) {
  switch (ROLE_LEVEL[who.role]) {
    case 0:
      return true;
    case 1:
      return row.province === who.province_code;
    case 2:
      return row.county_id === who.county_id;
    case 3:
      return row.center_id != null && row.center_id === who.center_id;
    default:
      return false;
  }
}

const b64url = (s) => Buffer.from(s, 'utf8').toString('base64url');

function cursorDecode(c) {
  const raw = Buffer.from(c, 'base64url').toString('utf8');
  const m = /^v1\x1f([0-9]{1,18})$/.exec(raw);
  if (!m || b64url(raw) !== c) throw new HttpError(400, 'cursor: is not a cursor from this list; start again without it');
  return m[1];
}

const nullable = (t) => ({ type: [t, 'null'] });
const clientSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    national_id: { type: 'string' },
    first_name: { type: 'string' },
    last_name: { type: 'string' },
    birth_date: { type: 'string' },
    birth_date_jalali: nullable('string'),
    sex: { type: 'string' },
    province: { type: 'string' },
    county_id: { type: 'integer' },
    center_id: nullable('integer'),
    disability: {
      type: ['object', 'null'],
      properties: { type: { type: 'string' }, severity: { type: 'string' } },
    },
    needs: { type: 'array', items: { type: 'string' } },
    household_id: nullable('integer'),
    household_role: nullable('string'),
    status: { type: 'string' },
    version: { type: 'integer' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
};
const summaryRowSchema = {
  type: 'object',
  properties: {
    province: { type: 'string' },
    county_id: { type: 'integer' },
    centers: { type: 'integer' },
    staff: { type: 'integer' },
    clients: { type: 'integer' },
    allocations_rials: { type: 'integer' },
    donations_rials: { type: 'integer' },
  },
};

function build(cfg) {
  const pool = new pg.Pool({
    host: cfg.pgHost,
    port: cfg.pgPort,
    database: cfg.pgDatabase,
    user: cfg.pgUser,
    max: cfg.dbPool,
    idleTimeoutMillis: 0,
    statement_timeout: 30000,
  });
  // every connection acts as the unprivileged role, as registryd's do
  pool.on('connect', (client) => {
    client.query(`SET ROLE ${client.escapeIdentifier(cfg.dbRole)}`);
  });
  pool.on('error', (err) => console.error(`peer: idle database connection failed: ${err.message}`));

  // One request's transaction: BEGIN; auth_begin; the work; COMMIT, on one pooled client.
  async function inTransaction(req, readOnly, work) {
    const auth = req.headers.authorization;
    if (!auth || !auth.startsWith('Bearer ') || auth.length < 8) throw new HttpError(401, 'Sign in first.');
    const tokenHash = crypto.createHash('sha256').update(auth.slice(7)).digest('hex');
    const client = await pool.connect();
    let broken;
    try {
      await client.query('BEGIN');
      const a = await client.query({
        name: 'auth_begin',
        text: sql.authBegin,
        values: [tokenHash, req.id, req.ip, readOnly],
      });
      const out = await work(client, a.rows[0]);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (e) {
        broken = e;
      }
      if (err.code === 'RA401') throw new HttpError(401, 'The session has ended or the token is not valid; sign in again.');
      throw err;
    } finally {
      client.release(broken);
    }
  }

  const app = Fastify({
    logger: false,
    https: { key: fs.readFileSync(cfg.tlsKey), cert: fs.readFileSync(cfg.tlsCert), minVersion: 'TLSv1.2' },
    keepAliveTimeout: 30000,
    requestIdHeader: false,
    genReqId: () => crypto.randomBytes(8).toString('hex'),
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.headers({
      'strict-transport-security': 'max-age=63072000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'x-request-id': req.id,
    });
  });

  app.setErrorHandler((err, req, reply) => {
    let status = err instanceof HttpError ? err.status : err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) console.error(`peer: ${req.id}: ${err.message}`);
    if (status === 401) reply.header('www-authenticate', 'Bearer error="invalid_token"');
    reply
      .code(status)
      .type('application/problem+json')
      .send({
        type: `/problems/${status}`,
        title: status === 500 ? 'Internal error' : 'Request refused',
        status,
        detail: status === 500 ? 'Internal error; quote the request id when reporting it.' : err.message,
        request_id: req.id,
      });
  });

  app.get(
    '/api/v1/clients/:id',
    {
      schema: {
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]{1,18}$' } } },
        response: { 200: clientSchema },
      },
    },
    async (req, reply) => {
      const row = await inTransaction(req, true, async (client, who) => {
        const r = await client.query({ name: 'client_get', text: sql.clientGet, values: [req.params.id] });
        if (r.rows.length !== 1) return null;
        if (!inScope(who, r.rows[0])) {
          console.error(`peer: ${req.id}: client ${r.rows[0].id} came back outside the caller's scope`);
          return null;
        }
        return r.rows[0];
      });
      if (!row) throw new HttpError(404, 'No such client (or it is outside your scope).');
      reply.header('etag', `"v${row.version}"`);
      return clientJson(row);
    },
  );

  app.get(
    '/api/v1/clients',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            province: { type: 'string', pattern: '^IR-[0-9]{2}$' },
            county_id: { type: 'integer', minimum: 1, maximum: 2147483647 },
            center_id: { type: 'integer', minimum: 1 },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            cursor: { type: 'string', maxLength: 1024 },
            q: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: clientSchema }, next_cursor: nullable('string') },
          },
        },
      },
    },
    async (req) => {
      const q = req.query;
      const after = q.cursor ? cursorDecode(q.cursor) : null;
      const filter = {};
      for (const k of ['province', 'county_id', 'center_id', 'q']) if (q[k] !== undefined) filter[k] = String(q[k]);
      return inTransaction(req, true, async (client, who) => {
        const level = ROLE_LEVEL[who.role];
        // ?q=: LIKE on the table's own search key, with the trigram index most teams would add
        const r = await client.query({
          name: q.q === undefined ? 'client_list' : 'client_search',
          text: q.q === undefined ? sql.clientList : sql.clientSearchPeer,
          values: [
            level === 1 ? who.province_code : null,
            level === 2 ? who.county_id : null,
            level === 3 ? who.center_id : null,
            q.province ?? null,
            q.county_id ?? null,
            q.center_id ?? null,
            null, // national_id
            null, // disability_type
            null, // sex
            null, // status
            null, // need
            q.q === undefined ? null : q.q.replace(/[\\%_]/g, '\\$&'), // q (name search), LIKE-escaped
            after,
            q.limit + 1,
            JSON.stringify(filter),
          ],
        });
        let rows = r.rows;
        let next = null;
        if (rows.length > q.limit) {
          rows = rows.slice(0, q.limit);
          next = b64url(`v1\x1f${rows[rows.length - 1].id}`);
        }
        if (!rows.every((row) => inScope(who, row))) throw new Error('a listed client came back outside the caller\'s scope');
        return { items: rows.map(clientJson), next_cursor: next };
      });
    },
  );

  app.get(
    '/api/v1/reports/summary',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            fiscal_year: { type: 'integer', minimum: 1300, maximum: 1500 },
            province: { type: 'string', pattern: '^IR-[0-9]{2}$' },
          },
        },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: summaryRowSchema } } } },
      },
    },
    async (req) => {
      const now = new Date();
      const year = req.query.fiscal_year ?? toJalaali(now.getUTCFullYear(), now.getUTCMonth() + 1, now.getUTCDate()).jy;
      const province = req.query.province ?? null;
      return inTransaction(req, true, async (client, who) => {
        const level = ROLE_LEVEL[who.role];
        if (level >= 3) throw new HttpError(403, 'The summary report is for officers and admins.');
        if (province && level >= 1 && province !== who.province_code) throw new HttpError(404, 'No such province in your scope.');
        let r;
        if (province || level === 2) {
          r = await client.query({
            name: 'report_summary_counties',
            text: sql.summaryCounties,
            values: [year, level === 2 ? who.province_code : province, level === 2 ? who.county_id : null],
            rowMode: 'array',
          });
          return { items: r.rows.map((x) => ({ province: x[0], county_id: x[1], centers: x[2], staff: x[3], clients: x[4], allocations_rials: x[5], donations_rials: x[6] })) };
        }
        r = await client.query({
          name: 'report_summary_provinces',
          text: sql.summaryProvinces,
          values: [year, level === 1 ? who.province_code : null],
          rowMode: 'array',
        });
        return { items: r.rows.map((x) => ({ province: x[0], centers: x[2], staff: x[3], clients: x[4], allocations_rials: x[5], donations_rials: x[6] })) };
      });
    },
  );

  app.get('/healthz', async () => ({ status: 'ok' }));

  return { app, pool };
}

module.exports = { build };
