-- registry_national_ids_taken (0005) answers for the whole nation, as the system, so a submission can be checked
-- against records its submitter may not see (the server then tells an NGO only about its own center: 0016, 0018).
-- It checked no caller: anything running as registry_app, even with no scope ticket, could ask it about any
-- number of national IDs, with no audit record. Now it needs the live ticket of a user who may send or review
-- submissions; anyone else gets "permission denied" (42501). A caller holding such a ticket is as strong as
-- that user's token: the per-user quotas on submissions (0018) bound what the server asks for it.
CREATE OR REPLACE FUNCTION registry_national_ids_taken(kind text, ids text[]) RETURNS text[] LANGUAGE plpgsql STABLE
    SECURITY DEFINER SET search_path = public, pg_temp SET registry.role = 'system'
AS $$
DECLARE
    caller public.registry_caller_t := public.registry_caller();
BEGIN
    IF caller.user_id IS NULL OR caller.role NOT IN ('national_admin', 'provincial_admin', 'provincial_officer',
                                                      'county_officer', 'ngo_submitter') THEN
        RAISE EXCEPTION 'registry_national_ids_taken needs the scope ticket of a user who sends or reviews submissions'
            USING ERRCODE = '42501';
    END IF;
    IF kind = 'client' THEN
        RETURN ARRAY(SELECT national_id FROM clients WHERE national_id = ANY(ids));
    ELSIF kind = 'staff' THEN
        RETURN ARRAY(SELECT national_id FROM staff WHERE national_id = ANY(ids));
    END IF;
    RETURN '{}';
END
$$;
