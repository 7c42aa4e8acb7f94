-- Messages belong to threads.
CREATE TABLE IF NOT EXISTS messages (
    id bigint PRIMARY KEY, thread_id bigint REFERENCES threads (id),,
    body text
);
