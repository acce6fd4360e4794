'use strict';
// The benchmark's peer: registryd's hot read endpoints as most teams would write them in Node.js, one worker per
// core (node:cluster), each with fastify over HTTPS and its own pg pool. See ../README.md.
//
// Environment (run.sh sets it):
//   PEER_LISTEN      host:port (default 127.0.0.1:18444)
//   PEER_TLS_CERT, PEER_TLS_KEY   PEM files (the same certificate registryd serves)
//   PEER_WORKERS     worker processes (default: one per core)
//   PEER_DB_POOL     database connections per worker (default 4, as registryd's db_pool)
//   PEER_DB_ROLE     the role every connection acts as (default registry_app)
//   PGHOST, PGPORT, PGDATABASE, PGUSER   where PostgreSQL is (as libpq reads them)

const cluster = require('node:cluster');
const os = require('node:os');

const [host, port] = (process.env.PEER_LISTEN || '127.0.0.1:18444').split(/:(?=[0-9]+$)/);
const cfg = {
  host,
  port: Number(port),
  tlsCert: process.env.PEER_TLS_CERT,
  tlsKey: process.env.PEER_TLS_KEY,
  workers: Number(process.env.PEER_WORKERS) || os.availableParallelism(),
  dbPool: Number(process.env.PEER_DB_POOL) || 4,
  dbRole: process.env.PEER_DB_ROLE || 'registry_app',
  pgHost: process.env.PGHOST,
  pgPort: process.env.PGPORT ? Number(process.env.PGPORT) : undefined,
  pgDatabase: process.env.PGDATABASE || 'registry',
  pgUser: process.env.PGUSER,
};

if (!cfg.tlsCert || !cfg.tlsKey) {
  console.error('peer: PEER_TLS_CERT and PEER_TLS_KEY are required');
  process.exit(2);
}

if (cluster.isPrimary) {
  let stopping = false;
  let restarts = 0;
  for (let i = 0; i < cfg.workers; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers).length === 0) process.exit(0);
      return;
    }
    if (++restarts > 10) {
      console.error('peer: workers keep dying; giving up');
      process.exit(1);
    }
    console.error(`peer: worker ${worker.process.pid} died (${signal || code}); starting another`);
    cluster.fork();
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
    if (Object.keys(cluster.workers).length === 0) process.exit(0);
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  console.error(`peer: listening on https://${cfg.host}:${cfg.port} (workers ${cfg.workers}, database connections per worker ${cfg.dbPool})`);
} else {
  const { build } = require('./app');
  const { app, pool } = build(cfg);
  const stop = async () => {
    await app.close().catch(() => {});
    await pool.end().catch(() => {});
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  app.listen({ host: cfg.host, port: cfg.port }).catch((err) => {
    console.error(`peer: ${err.message}`);
    process.exit(1);
  });
}
