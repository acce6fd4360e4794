-- 0011: read records join the hash chain as they are written, instead of being sealed afterwards.
--
-- Reads are almost all of the audit trail's rows. Sealed by audit_seal() a second later, each one was written
-- twice: inserted, then updated with its seal - a new row version and an entry in every index again. At national
-- scale the sealer's connection used a quarter of a core under the GET-by-id load. audit_reads() (0010) already
-- writes a batch of reads in a transaction of its own, so it can extend the chain itself: it takes the chain's
-- lock (the one audit_seal takes), reads the head, and inserts its rows with seal_seq, prev_hash and hash set. The
-- chain, audit_verify() and `registryctl audit verify` are unchanged; the sealer now only seals the rows written
-- inside other transactions (writes, lists, logins), and does so in smaller steps so a batch of reads never waits
-- long for the lock.

-- audit_stamp set "at" on every insert; a row that is hashed before it is inserted needs its own "at" kept. The
-- column's default (clock_timestamp()) still gives every other row its time; registry_app's rows are stamped here
-- as before, whatever they say.
CREATE OR REPLACE FUNCTION audit_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_user = 'registry_app' THEN
        NEW.user_id := registry_user_id();
        NEW.role := registry_role();
        NEW.username := nullif(current_setting('registry.username', true), '');
        NEW.address := nullif(current_setting('registry.address', true), '');
        NEW.request_id := nullif(current_setting('registry.request_id', true), '');
        NEW.seal_seq := NULL;
        NEW.prev_hash := NULL;
        NEW.hash := NULL;
        NEW.at := clock_timestamp();
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION audit_reads(user_ids bigint[], usernames text[], roles text[], addresses text[],
                                       request_ids text[], entities text[], entity_ids text[], provinces text[],
                                       counties integer[], centers bigint[])
    RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET timezone = 'UTC'
AS $$
DECLARE
    prev bytea;
    seq bigint;
    r audit_log;
    rows audit_log[] := '{}';
    n integer := coalesce(array_length(user_ids, 1), 0);
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(entities) e WHERE e IS NULL OR e NOT IN ('client', 'staff', 'household', 'loan',
                                                                             'service')) THEN
        RAISE EXCEPTION 'audit_reads: not a record of a person';
    END IF;
    PERFORM set_config('synchronous_commit', 'off', true);    -- the relaxed commit of reads (issue 3)
    PERFORM set_config('registry.role', 'system', true);
    PERFORM pg_advisory_xact_lock(727274002);                  -- the chain's lock, as audit_seal takes it
    SELECT a.hash, a.seal_seq INTO prev, seq FROM audit_log a WHERE a.seal_seq IS NOT NULL
        ORDER BY a.seal_seq DESC LIMIT 1;
    prev := coalesce(prev, '\x'::bytea);
    seq := coalesce(seq, 0);
    FOR i IN 1 .. n LOOP
        r := NULL;
        r.id := nextval(pg_get_serial_sequence('audit_log', 'id'));
        r.at := clock_timestamp();
        r.user_id := user_ids[i];
        r.username := usernames[i];
        r.role := roles[i];
        r.address := addresses[i];
        r.request_id := request_ids[i];
        r.action := 'read';
        r.entity := entities[i];
        r.entity_id := entity_ids[i];
        r.province_code := provinces[i];
        r.county_id := counties[i];
        r.center_id := centers[i];
        seq := seq + 1;
        r.seal_seq := seq;
        r.prev_hash := prev;
        r.hash := sha256(prev || audit_row_bytes(r));
        prev := r.hash;
        rows := array_append(rows, r);
    END LOOP;
    INSERT INTO audit_log OVERRIDING SYSTEM VALUE SELECT * FROM unnest(rows);
    PERFORM set_config('registry.role', '', true);
    RETURN n;
END
$$;
REVOKE ALL ON FUNCTION audit_reads FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_reads TO registry_app;

-- The sealer (0008) now waits for the chain's lock instead of giving up when it is taken.
CREATE OR REPLACE FUNCTION audit_seal(max_rows integer DEFAULT 10000) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    SET timezone = 'UTC'
AS $$
DECLARE
    prev bytea;
    seq bigint;
    r audit_log;
    h bytea;
    ids bigint[] := '{}';
    seqs bigint[] := '{}';
    prevs bytea[] := '{}';
    hashes bytea[] := '{}';
BEGIN
    -- waits its turn: batches of reads (audit_reads) hold this lock for a moment at a time, and under a steady
    -- read load a sealer that gave up whenever it was taken would hardly ever seal
    PERFORM pg_advisory_xact_lock(727274002);
    PERFORM set_config('registry.role', 'system', true);
    PERFORM set_config('registry.sealing', 'on', true);
    SELECT a.hash, a.seal_seq INTO prev, seq FROM audit_log a WHERE a.seal_seq IS NOT NULL
        ORDER BY a.seal_seq DESC LIMIT 1;
    prev := coalesce(prev, '\x'::bytea);
    seq := coalesce(seq, 0);
    FOR r IN SELECT * FROM audit_log WHERE seal_seq IS NULL ORDER BY id LIMIT max_rows LOOP
        seq := seq + 1;
        h := sha256(prev || audit_row_bytes(r));
        ids := ids || r.id;
        seqs := seqs || seq;
        prevs := prevs || prev;
        hashes := hashes || h;
        prev := h;
    END LOOP;
    UPDATE audit_log a SET seal_seq = v.seq, prev_hash = v.prev, hash = v.h
        FROM unnest(ids, seqs, prevs, hashes) AS v(id, seq, prev, h) WHERE a.id = v.id;
    PERFORM set_config('registry.sealing', 'off', true);
    RETURN coalesce(array_length(ids, 1), 0);
END
$$;
