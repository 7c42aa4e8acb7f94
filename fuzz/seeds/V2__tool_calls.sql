-- Tools the model called, and the tools it selected for a message.

CREATE TABLE IF NOT EXISTS tool_calls (
    tool_call_id VARCHAR PRIMARY KEY,
    name         VARCHAR NOT NULL,
    arguments    VARCHAR NOT NULL,
    validated    BOOLEAN,
    message_id   UUID NOT NULL REFERENCES messages (message_id) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS tool_selection (
    id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    tool_name  VARCHAR NOT NULL,
    message_id UUID NOT NULL REFERENCES messages (message_id) ON DELETE CASCADE
);
