-- 0021: a 'system' claim made by the application never reaches the owner's functions. registry_scope_v honours
-- registry.role = 'system' for the tables' owner, and inside every SECURITY DEFINER function the current user is
-- the owner; registry_app may set registry.role itself. So the application could set 'system' and then call any
-- such function that did not clear the setting first (only client_transfer did), which then saw or wrote every
-- row (loan_repaid_rials told any loan's total, whatever its scope). And a function that set 'system' with
-- set_config(..., true) and did not put the old value back (auth_begin, the logins, audit_seal) left it set for
-- the rest of the transaction, for the next such call to honour.
--
-- Now every SECURITY DEFINER function but the trigger functions carries a registry.role clause: 'system' for the
-- few that act as the system throughout (as before), '' for all the others. PostgreSQL applies a function's SET
-- clause at entry and puts the caller's value back at exit, also over any set_config(..., true) of the same
-- setting made inside (and on error), so whatever the caller set is masked for the call, and whatever the
-- function sets is gone when it returns. The functions that act as the system for a step still set it for that
-- step themselves. Trigger functions are left as they are: their only input is a row the writer's own policies
-- admitted, each sets 'system' itself before reading anything under row-level security and puts the writer's
-- value back, and the writer's value is what names registryctl ('system') in their audit rows.
--
-- The one function the owner's own code also calls as the system is loan_repaid_rials(), from the loans' and
-- repayments' triggers (run as the writer: registryctl, or loans_follow_client moving a client's loans, where the
-- caller's ticket does not show the loan). It becomes an ordinary function that sums a loan's repayments itself
-- for a caller registry_scope_v says is the system (which registry_app never is), and otherwise asks
-- loan_repaid_in_scope(), the SECURITY DEFINER part, which is masked like the others and now says the caller's
-- scope in its query (0019's relied on row-level security, which an owner that is a superuser bypasses: any
-- loan's total was told to anyone).
--
-- tests/e2e/test_app_boundary.py calls every SECURITY DEFINER function registry_app may execute with 'system'
-- claimed and checks nothing outside the caller's scope is shown, written or left 'system', and that every such
-- function (a later migration's too) carries the clause.

CREATE FUNCTION loan_repaid_in_scope(lid bigint) RETURNS numeric LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp SET registry.role = ''
AS $$
DECLARE
    paid numeric;
BEGIN
    -- the caller's own scope (its ticket), said here: row-level security does not hold an owner that is a
    -- superuser (the tests', and README allows it)
    IF NOT EXISTS (SELECT 1 FROM loans l WHERE l.id = lid
                   AND registry_in_scope(l.province_code, l.county_id, l.center_id)) THEN
        RETURN 0;
    END IF;
    PERFORM set_config('registry.role', 'system', true);            -- undone at exit by the clause
    SELECT coalesce(sum(r.amount_rials), 0) INTO paid FROM repayments r WHERE r.loan_id = lid;
    RETURN paid;
END
$$;
REVOKE ALL ON FUNCTION loan_repaid_in_scope(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION loan_repaid_in_scope(bigint) TO registry_app;

-- 0019's, as an ordinary function: the system (the owner saying so) sees every repayment itself.
CREATE OR REPLACE FUNCTION loan_repaid_rials(lid bigint) RETURNS numeric LANGUAGE plpgsql SECURITY INVOKER
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF (SELECT v.role FROM registry_scope_v v) = 'system' THEN
        RETURN (SELECT coalesce(sum(r.amount_rials), 0) FROM repayments r WHERE r.loan_id = lid);
    END IF;
    RETURN loan_repaid_in_scope(lid);
END
$$;
REVOKE ALL ON FUNCTION loan_repaid_rials(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION loan_repaid_rials(bigint) TO registry_app;

-- The mask, on every SECURITY DEFINER function of ours that has no registry.role clause yet.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_proc p
             WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace AND p.prorettype <> 'trigger'::regtype
               AND p.proowner = (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user)
               AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'registry.role=%')
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET registry.role = %L', f, '');
    END LOOP;
END
$$;
