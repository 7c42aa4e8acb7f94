-- pgstrata:allow(transaction)
BEGIN;
CREATE TABLE IF NOT EXISTS t (id int);
COMMIT;
