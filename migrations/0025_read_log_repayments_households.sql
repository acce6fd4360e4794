-- 0025: the reads issue 16's new endpoints make, in the read log: one repayment (GET /api/v1/repayments/{id}: a
-- person's loan, read like the loan), and a list of households (GET /api/v1/households: their members are people,
-- listed like the clients they are). The check only widens, so NOT VALID as in 0016 and 0018.
ALTER TABLE read_log DROP CONSTRAINT read_log_shape;
ALTER TABLE read_log ADD CONSTRAINT read_log_shape CHECK (
    (action = 'read' AND entity IN ('client', 'staff', 'household', 'loan', 'service', 'enrollment', 'submission',
                                    'donation', 'repayment')
        AND entity_id IS NOT NULL AND detail IS NULL)
 OR (action = 'read' AND entity IN ('client', 'loan') AND entity_id IS NOT NULL AND jsonb_typeof(detail) = 'object')
 OR (action = 'list' AND entity IN ('client', 'staff', 'loan', 'service', 'enrollment', 'repayment', 'installment',
                                    'donation', 'audit', 'household')
        AND entity_id IS NULL AND jsonb_typeof(detail) = 'object')) NOT VALID;
