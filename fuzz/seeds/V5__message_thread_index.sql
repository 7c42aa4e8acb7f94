-- Messages are listed per thread. Built without locking writes, so this migration
-- runs outside a transaction, one statement at a time.

CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_messages_thread_id_creation_date
    ON messages (thread_id, creation_date);
