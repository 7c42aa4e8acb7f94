//! What the seed tests share: the four seed schemas' rows (`seed_schemas`
//! writes them in SQL and checks them; `seed_types` reads them through the
//! generated types and writes them back), and the SQL that writes and checks them.

use postgres::Client;

// The four seed schemas through the macro: each set compiles, checked at build time
// like any user's migrations, and its generated module is what the tests use.
pub mod neuroagent {
    pgstrata::migrations!("tests/fixtures/neuroagent");
}
pub mod agent_prompt_train {
    pgstrata::migrations!("tests/fixtures/agent_prompt_train");
}
pub mod live_conversational_threads {
    pgstrata::migrations!("tests/fixtures/live_conversational_threads");
}
pub mod chat {
    pgstrata::migrations!("tests/fixtures/chat");
}

/// One row of one table: the columns it sets, as SQL literals, and what must hold of
/// the stored row beyond them (what defaults, triggers and generated columns fill in).
pub struct Row {
    pub table: &'static str,
    pub values: &'static [(&'static str, &'static str)],
    pub derived: &'static [&'static str],
}

/// A seed's rows in insertion order (parents first), and the materialized views that
/// must show them once refreshed.
pub struct SeedRows {
    pub rows: &'static [Row],
    pub materialized_views: &'static [&'static str],
}

/// Every row the test writes, per seed. Literals are cast to their column's type when
/// read back, so `'0.85'` compares as the `real` it was stored as.
pub mod rows {
    use super::{Row, SeedRows};

    const THREAD: &str = "'3f0b6a4c-2d1e-4c8a-9b7f-1a2b3c4d5e6f'";
    const MESSAGE: &str = "'8c9d0e1f-2a3b-4c5d-8e7f-9a0b1c2d3e4f'";

    pub const NEUROAGENT: SeedRows = SeedRows {
        rows: &[
            Row {
                table: "alembic_version",
                values: &[("version_num", "'cd5a73ea91db'")],
                derived: &[],
            },
            Row {
                table: "threads",
                values: &[
                    ("thread_id", THREAD),
                    ("vlab_id", "'0d6f5a8e-7b1c-4f3e-a2d9-5c4b3a291807'"),
                    ("project_id", "'b7e4c2a1-9f8d-4e6c-b5a3-2d1c0f9e8d7c'"),
                    ("title", "'Which neurons fire first in CA1?'"),
                    ("creation_date", "'2025-03-14 09:26:53+00'"),
                    ("update_date", "'2025-03-14 09:31:07+00'"),
                    ("user_id", "'5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d'"),
                ],
                derived: &[],
            },
            Row {
                table: "messages",
                values: &[
                    ("message_id", MESSAGE),
                    ("creation_date", "'2025-03-14 09:27:02+00'"),
                    ("entity", "'USER'"),
                    (
                        "content",
                        r#"'{"role": "user", "content": "Which pyramidal neurons of the hippocampus fire first?"}'"#,
                    ),
                    ("thread_id", THREAD),
                ],
                // The trigger of 014 fills the search vector; 009's default completes it.
                derived: &[
                    "search_vector @@ to_tsquery('english', 'hippocampus & neuron')",
                    "is_complete",
                ],
            },
            Row {
                table: "tool_calls",
                values: &[
                    ("tool_call_id", "'call_Qm8x2LrT4vWb'"),
                    ("name", "'literature-search'"),
                    (
                        "arguments",
                        r#"'{"query": "CA1 pyramidal cell firing order", "numberOfResults": 5}'"#,
                    ),
                    ("validated", "true"),
                    ("message_id", MESSAGE),
                ],
                derived: &[],
            },
            Row {
                table: "tool_selection",
                values: &[
                    ("id", "'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f'"),
                    ("tool_name", "'literature-search'"),
                    ("message_id", MESSAGE),
                ],
                derived: &[],
            },
            Row {
                table: "complexity_estimation",
                values: &[
                    ("complexity", "7"),
                    ("model", "'openai/gpt-4.1-mini'"),
                    ("reasoning", "'MEDIUM'"),
                    ("message_id", MESSAGE),
                ],
                derived: &["id IS NOT NULL"],
            },
            Row {
                table: "token_consumption",
                values: &[
                    ("message_id", MESSAGE),
                    ("type", "'INPUT_CACHED'"),
                    ("task", "'CALL_WITHIN_TOOL'"),
                    ("count", "1284"),
                    ("model", "'openai/gpt-4.1'"),
                ],
                derived: &["id IS NOT NULL"],
            },
        ],
        materialized_views: &[],
    };

    const REQUEST: &str = "'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d'";
    const CONVERSATION: &str = "'f0e1d2c3-b4a5-4968-8776-5a4b3c2d1e0f'";
    const TRAIN: &str = "'11111111-2222-4333-8444-555555555555'";
    const CREDENTIAL: &str = "'66666666-7777-4888-9999-aaaaaaaaaaaa'";

    pub const AGENT_PROMPT_TRAIN: SeedRows = SeedRows {
        rows: &[
            Row {
                table: "api_requests",
                values: &[
                    ("request_id", REQUEST),
                    ("domain", "'claude-1.example.com'"),
                    ("account_id", "'acc_claude_1'"),
                    ("timestamp", "'2025-06-02 14:03:11.482+00'"),
                    ("method", "'POST'"),
                    ("path", "'/v1/messages'"),
                    (
                        "headers",
                        r#"'{"content-type": "application/json", "anthropic-version": "2023-06-01"}'"#,
                    ),
                    (
                        "body",
                        r#"'{"model": "claude-sonnet-4-20250514", "max_tokens": 1024, "messages": [{"role": "user", "content": "Why does the nightly build fail?"}]}'"#,
                    ),
                    ("api_key_hash", "'sha256:3b1f0c9e2d7a'"),
                    ("model", "'claude-sonnet-4-20250514'"),
                    ("request_type", "'inference'"),
                    ("response_status", "200"),
                    ("response_headers", r#"'{"request-id": "req_011CPh7"}'"#),
                    (
                        "response_body",
                        r#"'{"id": "msg_01XFDUDYJgAACzvnptvVoYEL", "content": [{"type": "text", "text": "The linker runs out of memory."}], "stop_reason": "end_turn"}'"#,
                    ),
                    ("response_streaming", "true"),
                    ("input_tokens", "1210"),
                    ("output_tokens", "342"),
                    ("total_tokens", "1552"),
                    ("cache_creation_input_tokens", "0"),
                    ("cache_read_input_tokens", "812"),
                    (
                        "usage_data",
                        r#"'{"input_tokens": 1210, "output_tokens": 342, "cache_read_input_tokens": 812}'"#,
                    ),
                    ("first_token_ms", "418"),
                    ("duration_ms", "3120"),
                    ("tool_call_count", "0"),
                    (
                        "current_message_hash",
                        "'9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'",
                    ),
                    (
                        "parent_message_hash",
                        "'60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752'",
                    ),
                    ("conversation_id", CONVERSATION),
                    ("branch_id", "'main'"),
                    ("message_count", "3"),
                    ("is_subtask", "false"),
                    (
                        "system_hash",
                        "'fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13'",
                    ),
                    ("train_id", "'agent-prompt-train'"),
                ],
                derived: &["created_at IS NOT NULL"],
            },
            Row {
                table: "streaming_chunks",
                values: &[
                    ("request_id", REQUEST),
                    ("chunk_index", "0"),
                    ("timestamp", "'2025-06-02 14:03:11.900+00'"),
                    (
                        "data",
                        r#"E'event: content_block_delta\ndata: {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "The linker"}}'"#,
                    ),
                    ("token_count", "3"),
                ],
                derived: &["id > 0"],
            },
            Row {
                table: "conversation_analyses",
                values: &[
                    ("conversation_id", CONVERSATION),
                    ("branch_id", "'main'"),
                    ("status", "'completed'"),
                    ("model_used", "'gemini-2.5-pro'"),
                    (
                        "analysis_content",
                        "'## Summary\nThe user debugged an out-of-memory link step.'",
                    ),
                    (
                        "analysis_data",
                        r#"'{"summary": "Debugging an OOM in the linker", "keyTopics": ["build", "memory"], "sentiment": "neutral"}'"#,
                    ),
                    ("generated_at", "'2025-06-02 15:00:04+00'"),
                    ("processing_duration_ms", "8421"),
                    ("prompt_tokens", "5230"),
                    ("completion_tokens", "611"),
                    ("completed_at", "'2025-06-02 15:00:04+00'"),
                ],
                derived: &["retry_count = 0", "updated_at IS NOT NULL"],
            },
            Row {
                table: "trains",
                values: &[
                    ("id", TRAIN),
                    ("train_id", "'agent-prompt-train'"),
                    ("name", "'Agent Prompt Train'"),
                    ("description", "'The proxy team''s own train.'"),
                ],
                derived: &[],
            },
            Row {
                table: "anthropic_credentials",
                values: &[
                    ("id", CREDENTIAL),
                    ("account_id", "'acc_claude_1'"),
                    ("account_name", "'Claude 1'"),
                    ("oauth_access_token", "'sk-ant-oat01-not-a-real-token'"),
                    ("oauth_refresh_token", "'sk-ant-ort01-not-a-real-token'"),
                    ("oauth_expires_at", "'2025-06-03 14:00:00+00'"),
                    ("oauth_scopes", "'{user:inference,user:profile}'"),
                    ("oauth_is_max", "true"),
                ],
                derived: &[],
            },
            Row {
                table: "train_accounts",
                values: &[
                    ("train_id", TRAIN),
                    ("credential_id", CREDENTIAL),
                    ("priority", "0"),
                ],
                derived: &[],
            },
            Row {
                table: "train_api_keys",
                values: &[
                    ("train_id", TRAIN),
                    (
                        "key_hash",
                        "'2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae'",
                    ),
                    ("key_prefix", "'cnp_live_'"),
                    ("key_suffix", "'x7Q2'"),
                    ("name", "'CI pipeline'"),
                    ("created_by", "'ada@example.com'"),
                ],
                derived: &["revoked_at IS NULL"],
            },
            Row {
                table: "train_members",
                values: &[
                    ("train_id", TRAIN),
                    ("user_email", "'ada@example.com'"),
                    ("role", "'owner'"),
                    ("added_by", "'ada@example.com'"),
                ],
                derived: &[],
            },
        ],
        materialized_views: &["hourly_stats"],
    };

    const LCT_CONVERSATION: &str = "'0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'";
    const UTTERANCE: &str = "'1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e'";
    const NODE: &str = "'2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f'";
    const CHILD_NODE: &str = "'3d4e5f6a-7b8c-4d9e-8f0a-2b3c4d5e6f7a'";

    pub const LIVE_CONVERSATIONAL_THREADS: SeedRows = SeedRows {
        rows: &[
            Row {
                table: "conversations",
                values: &[
                    ("id", LCT_CONVERSATION),
                    ("title", "'Sprint planning, week 12'"),
                    (
                        "description",
                        "'Scope and owners for the transcription sprint'",
                    ),
                    ("source_type", "'google_meet'"),
                    (
                        "source_metadata",
                        r#"'{"platform": "google_meet", "meeting_code": "abc-defg-hij"}'"#,
                    ),
                    (
                        "participants",
                        r#"'[{"id": "spk_1", "name": "Priya"}, {"id": "spk_2", "name": "Tomás"}]'"#,
                    ),
                    ("goals", r#"'{"agree on the sprint scope","assign owners"}'"#),
                    ("goal_progress", "'0.5'"),
                    ("owner_id", "'priya@example.com'"),
                    ("started_at", "'2025-05-12 09:00:00+00'"),
                    ("ended_at", "'2025-05-12 09:45:00+00'"),
                ],
                derived: &["tsv_search @@ to_tsquery('english', 'sprint & transcription')"],
            },
            Row {
                table: "utterances",
                values: &[
                    ("id", UTTERANCE),
                    ("conversation_id", LCT_CONVERSATION),
                    ("sequence_number", "0"),
                    ("speaker_id", "'spk_1'"),
                    ("speaker_name", "'Priya'"),
                    (
                        "text",
                        "'Let us keep the scope to live captions and the export.'",
                    ),
                    ("start_time", "'0.0'"),
                    ("end_time", "'4.2'"),
                    ("confidence", "'0.93'"),
                    ("platform_metadata", r#"'{"message_id": "m-0001"}'"#),
                ],
                derived: &[],
            },
            Row {
                table: "nodes",
                values: &[
                    ("id", NODE),
                    ("conversation_id", LCT_CONVERSATION),
                    ("title", "'Sprint scope'"),
                    ("summary", "'Live captions and the Obsidian export only.'"),
                    ("node_type", "'decision'"),
                    ("zoom_levels", "'{1,2,3}'"),
                    ("utterance_ids", "'{1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e}'"),
                    (
                        "speaker_info",
                        r#"'{"primary_speaker": "spk_1", "transitions": 0}'"#,
                    ),
                    ("cluster_info", r#"'{"cluster": "planning"}'"#),
                    ("canvas_x", "'120.5'"),
                    ("canvas_y", "'-40'"),
                ],
                derived: &[],
            },
            // A relationship joins two different nodes: the second one is the first's
            // child and successor.
            Row {
                table: "nodes",
                values: &[
                    ("id", CHILD_NODE),
                    ("conversation_id", LCT_CONVERSATION),
                    ("title", "'Export format'"),
                    ("node_type", "'subtopic'"),
                    ("parent_node_id", NODE),
                    ("predecessor_id", NODE),
                ],
                derived: &["zoom_levels = '{1,2,3,4,5}'"],
            },
            Row {
                table: "relationships",
                values: &[
                    ("conversation_id", LCT_CONVERSATION),
                    ("source_node_id", NODE),
                    ("target_node_id", CHILD_NODE),
                    ("relationship_type", "'elaborates'"),
                    ("strength", "'0.8'"),
                    ("confidence", "'0.7'"),
                    (
                        "supporting_utterance_ids",
                        "'{1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e}'",
                    ),
                ],
                derived: &[],
            },
            Row {
                table: "clusters",
                values: &[
                    ("conversation_id", LCT_CONVERSATION),
                    ("label", "'Planning'"),
                    ("level", "1"),
                    (
                        "node_ids",
                        "'{2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f,3d4e5f6a-7b8c-4d9e-8f0a-2b3c4d5e6f7a}'",
                    ),
                    ("generation_model", "'claude-3-5-sonnet-20241022'"),
                    ("clustering_algorithm", "'hdbscan'"),
                ],
                derived: &["is_auto_generated"],
            },
            Row {
                table: "edits_log",
                values: &[
                    ("conversation_id", LCT_CONVERSATION),
                    ("target_type", "'node'"),
                    ("target_id", NODE),
                    ("edit_type", "'update'"),
                    ("field_name", "'title'"),
                    ("old_value", "'Scope'"),
                    ("new_value", "'Sprint scope'"),
                    ("user_id", "'priya@example.com'"),
                    ("user_confidence", "'0.9'"),
                ],
                derived: &["NOT exported_for_training"],
            },
            Row {
                table: "api_calls_log",
                values: &[
                    ("conversation_id", LCT_CONVERSATION),
                    ("provider", "'anthropic'"),
                    ("model", "'claude-3-5-sonnet-20241022'"),
                    ("purpose", "'node_generation'"),
                    ("prompt_tokens", "1800"),
                    ("completion_tokens", "420"),
                    ("total_tokens", "2220"),
                    ("cost_usd", "'0.011700'"),
                    ("latency_ms", "5300"),
                    ("status", "'success'"),
                ],
                derived: &[],
            },
        ],
        materialized_views: &[],
    };

    const ACCOUNT: &str = "'7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d'";
    const USER: &str = "'8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e'";
    const AGENT: &str = "'9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f'";
    const CHAT: &str = "'0d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f3a'";

    pub const CHAT_TABLES: SeedRows = SeedRows {
        rows: &[
            Row {
                table: "accounts",
                values: &[("id", ACCOUNT), ("name", "'Contoso Retail'")],
                derived: &[],
            },
            Row {
                table: "users",
                values: &[
                    ("id", USER),
                    ("account_id", ACCOUNT),
                    ("email", "'megan@contoso.example'"),
                ],
                derived: &[],
            },
            Row {
                table: "agents",
                values: &[
                    ("id", AGENT),
                    ("account_id", ACCOUNT),
                    ("name", "'Sales analyst'"),
                ],
                derived: &[],
            },
            Row {
                table: "chats",
                values: &[
                    ("id", CHAT),
                    ("agent_id", AGENT),
                    ("user_id", USER),
                    ("account_id", ACCOUNT),
                ],
                derived: &["title = 'New Chat'", "updated_at IS NOT NULL"],
            },
            Row {
                table: "chat_messages",
                values: &[
                    ("id", "'1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b'"),
                    ("chat_id", CHAT),
                    ("role", "'assistant'"),
                    ("content", "'Revenue in March was 1.2M, up 8% on February.'"),
                    ("action", "'QUERY'"),
                    (
                        "dax_attempts",
                        r#"'["EVALUATE SUMMARIZECOLUMNS(''Date''[Month], \"Revenue\", [Total Revenue])"]'"#,
                    ),
                    (
                        "final_dax",
                        r#"'EVALUATE SUMMARIZECOLUMNS(''Date''[Month], "Revenue", [Total Revenue])'"#,
                    ),
                    ("resolution_note", "'Answered from the first attempt.'"),
                ],
                derived: &["error IS NULL"],
            },
        ],
        materialized_views: &[],
    };
}

/// Writes the row with one `INSERT` of its SQL literals.
pub fn insert(client: &mut Client, row: &Row) {
    let columns: Vec<&str> = row.values.iter().map(|(c, _)| *c).collect();
    let values: Vec<&str> = row.values.iter().map(|(_, v)| *v).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        row.table,
        columns.join(", "),
        values.join(", ")
    );
    if let Err(e) = client.batch_execute(&sql) {
        panic!("{}: {e}\n{sql}", row.table);
    }
}

/// The row is stored as written (each literal cast to its column's own type) and its
/// derived values hold.
pub fn read_back(client: &mut Client, row: &Row) -> String {
    let mut conditions = Vec::new();
    for (column, value) in row.values {
        let column_type: String = client
            .query_one(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
                 WHERE attrelid = $1::text::regclass AND attname = $2 AND NOT attisdropped",
                &[&row.table, column],
            )
            .unwrap_or_else(|e| panic!("{}.{column}: {e}", row.table))
            .get(0);
        conditions.push(format!(
            "{column} IS NOT DISTINCT FROM ({value})::{column_type}"
        ));
    }
    conditions.extend(row.derived.iter().map(|d| format!("({d})")));
    let sql = format!(
        "SELECT to_jsonb(t)::text FROM {} AS t WHERE {}",
        row.table,
        conditions.join(" AND ")
    );
    let found = client
        .query(&sql, &[])
        .unwrap_or_else(|e| panic!("{}: {e}\n{sql}", row.table));
    assert_eq!(
        found.len(),
        1,
        "{}: the row read back differs from the row written\n{sql}",
        row.table
    );
    found[0].get(0)
}

/// The tables of `public`, but for the runner's history, by name.
pub fn every_table(client: &mut Client) -> Vec<String> {
    client
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' \
             AND tablename <> 'pgstrata_schema_history' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}
