-- 0026: two decisions of issue 16.
--
-- national_viewer is the oversight role: it reads every user (the columns registry_app may read: never a password
-- hash; tokens live only as hashes in sessions, which it cannot list) and the whole audit trail (audit_log and
-- read_log), nation-wide, and writes nothing. registryd lets it through the same routes (identity.c role_may);
-- these policies are the database's half of the same rule. Nothing else changes for any role.
ALTER POLICY users_read ON users USING (
    id = (SELECT v.user_id FROM registry_scope_v v) OR
    CASE (SELECT v.role FROM registry_scope_v v)
        WHEN 'system' THEN true
        WHEN 'national_admin' THEN true
        WHEN 'national_viewer' THEN true
        WHEN 'provincial_admin' THEN province_code = (SELECT v.province FROM registry_scope_v v)
        ELSE false
    END);

ALTER POLICY audit_read ON audit_log USING (
    CASE (SELECT v.role FROM registry_scope_v v)
        WHEN 'national_admin' THEN true
        WHEN 'national_viewer' THEN true
        WHEN 'system' THEN true
        WHEN 'provincial_admin' THEN province_code = (SELECT v.province FROM registry_scope_v v)
        ELSE false
    END);

ALTER POLICY read_log_read ON read_log USING (
    CASE (SELECT v.role FROM registry_scope_v v)
        WHEN 'national_admin' THEN true
        WHEN 'national_viewer' THEN true
        WHEN 'system' THEN true
        WHEN 'provincial_admin' THEN province_code = (SELECT v.province FROM registry_scope_v v)
        ELSE false
    END);

-- A replayed Idempotency-Key answers the first reply, also after the decision. A decision that excludes records
-- rewrites results (and review_results) as both views now read them (0018's submission_exclude), so the decision
-- keeps what they said before, once: the replay reads these first, the record reads the current ones. NULL: the
-- results never changed since the first reply (every submission decided without exclusions, and all before this).
ALTER TABLE submissions ADD COLUMN first_results jsonb, ADD COLUMN first_review_results jsonb;
