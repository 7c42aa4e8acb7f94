-- Full-text search over messages: a tsvector kept up to date by a trigger, and its
-- GIN index.

ALTER TABLE messages ADD COLUMN IF NOT EXISTS search_vector TSVECTOR;

CREATE OR REPLACE FUNCTION messages_search_vector_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := to_tsvector('english', coalesce(NEW.content, ''));
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER messages_search_vector_trigger
    BEFORE INSERT OR UPDATE OF content ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_search_vector_update();

CREATE INDEX IF NOT EXISTS ix_messages_search_vector ON messages USING gin (search_vector);
