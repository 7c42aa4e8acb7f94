-- Neuroagent: conversation threads and their messages.
-- Every statement can run twice: the runner may resume a migration, and operators
-- sometimes replay one by hand.

DO $$
BEGIN
    CREATE TYPE entity AS ENUM ('USER', 'AI_TOOL', 'TOOL', 'AI_MESSAGE');
EXCEPTION
    WHEN duplicate_object THEN NULL;
END
$$;

CREATE TABLE IF NOT EXISTS threads (
    thread_id     UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    vlab_id       UUID,
    project_id    UUID,
    title         VARCHAR NOT NULL,
    creation_date TIMESTAMPTZ NOT NULL DEFAULT now(),
    update_date   TIMESTAMPTZ NOT NULL DEFAULT now(),
    user_id       UUID NOT NULL
);

CREATE TABLE IF NOT EXISTS messages (
    message_id    UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    creation_date TIMESTAMPTZ NOT NULL DEFAULT now(),
    entity        entity NOT NULL,
    content       VARCHAR NOT NULL,
    is_complete   BOOLEAN NOT NULL DEFAULT true,
    thread_id     UUID NOT NULL REFERENCES threads (thread_id) ON DELETE CASCADE
);

COMMENT ON TABLE threads IS 'A conversation between a user and the agent.';
COMMENT ON TABLE messages IS 'One message of a thread, from the user, the model or a tool.';
