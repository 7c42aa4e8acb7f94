-- What each message cost: the model's complexity estimate and its token counts.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'task') THEN
        CREATE TYPE task AS ENUM ('CHAT_COMPLETION', 'TOOL_SELECTION');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'tokentype') THEN
        CREATE TYPE tokentype AS ENUM ('INPUT_NONCACHED', 'INPUT_CACHED', 'COMPLETION');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'reasoninglevels') THEN
        CREATE TYPE reasoninglevels AS ENUM ('NONE', 'MINIMAL', 'LOW', 'MEDIUM', 'HIGH');
    END IF;
END
$$;

-- Calls made from inside a tool are billed separately.
ALTER TYPE task ADD VALUE IF NOT EXISTS 'CALL_WITHIN_TOOL';

CREATE TABLE IF NOT EXISTS complexity_estimation (
    id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    complexity INTEGER,
    model      VARCHAR NOT NULL,
    reasoning  reasoninglevels,
    message_id UUID NOT NULL REFERENCES messages (message_id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS token_consumption (
    id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    message_id UUID NOT NULL REFERENCES messages (message_id) ON DELETE CASCADE,
    type       tokentype NOT NULL,
    task       task NOT NULL,
    count      INTEGER NOT NULL,
    model      VARCHAR NOT NULL
);
