-- the runner owns transactions, so this one is allowed per statement
-- pgstrata:allow(transaction)
SAVEPOINT a;
INSERT INTO t VALUES (1);
