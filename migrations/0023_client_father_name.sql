-- 0023: a client's father's name (optional), which duplicate detection will need. Nullable, no default: existing
-- rows, gendata's COPY and every function that reads clients stay as they are.
ALTER TABLE clients ADD COLUMN father_name text;
