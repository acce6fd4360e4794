-- 0008: sealing the audit trail in bulk. 0002's audit_seal updated one row per statement, and the append-only
-- trigger compared every sealed row's JSON twice: under a read load (every read of a person's record adds a row)
-- it sealed 3-13k rows a second and fell behind. Now the hashes are computed in one pass and written with one
-- UPDATE; the trigger lets the sealer through without re-reading the rows (the sealer is this SECURITY DEFINER
-- function, and it only ever sets the seal columns).

CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('registry.sealing', true) = 'on' AND OLD.seal_seq IS NULL THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;

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
    IF NOT pg_try_advisory_xact_lock(727274002) THEN
        RETURN 0;
    END IF;
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
