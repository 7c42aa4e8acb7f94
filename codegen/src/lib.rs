//! The code pgstrata's `migrations!` generates, as a plain library: the macro, the
//! CLI (`pgstrata schema --rust`), the tests and the bench call it alike.
//!
//! In two steps: [`model`] decides from the analyzer's catalog what the typed
//! `schema` module holds (Rust names, each column's type, which columns an `Insert`
//! requires), and [`EmbeddedMigration`] reads each migration as the runtime embeds
//! it; [`emit`] writes them out as Rust source, and (feature `runtime`) [`runtime`]
//! turns them into the runtime's values for the `pgstrata` command and the tests. Its API is for pgstrata's own crates
//! and is exempt from semver.

mod embedded;
pub mod emit;
mod features;
pub mod model;
#[cfg(feature = "runtime")]
pub mod runtime;

pub use embedded::{EmbeddedDown, EmbeddedMigration, StatementSpan};
pub use features::{Clients, Features};

use pgstrata_analyzer::catalog::Catalog;
use pgstrata_analyzer::Analysis;
use std::path::Path;

/// The code of a directory, as Rust source: the typed schema module, the embedded
/// migrations, the runner and the check of the embedded files. `dir` is the directory's absolute
/// path (the code `include_str!`s its files and checks it in debug builds).
///
/// The macro emits it even when there are errors, so code that names `MIGRATIONS` or
/// `runner()` does not add a cascade of "cannot find" errors to the real ones.
pub fn generate(analysis: &Analysis, dir: &Path, features: Features) -> String {
    let mut out = schema_module(&analysis.catalog, features);
    let migrations: Vec<EmbeddedMigration<'_>> = analysis
        .migrations
        .iter()
        .map(EmbeddedMigration::new)
        .collect();
    emit::migrations::migrations(
        &mut out,
        &migrations,
        &analysis.considered_files,
        &dir.to_string_lossy(),
    );
    out
}

/// `pub mod schema { ... }` for `catalog`, as Rust source.
pub fn schema_module(catalog: &Catalog, features: Features) -> String {
    emit::schema_module(&model::Schema::new(catalog, features))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgstrata_analyzer::catalog::{Column, Enum, QualifiedName, Table, TableKind};

    fn column(name: &str, ty: &str, nullable: bool) -> Column {
        Column {
            name: name.into(),
            type_name: ty.into(),
            base_type: QualifiedName {
                schema: "pg_catalog".into(),
                name: ty.into(),
            },
            array_dimensions: 0,
            nullable,
            default: None,
            identity: None,
            generated: None,
            serial: None,
            comment: None,
        }
    }

    fn catalog() -> Catalog {
        let mut kind = column("kind", "mood", false);
        kind.base_type = QualifiedName {
            schema: "public".into(),
            name: "mood".into(),
        };
        let mut id = column("id", "int8", false);
        id.identity = Some("always".into());
        let mut created = column("createdAt", "timestamptz", false);
        created.default = Some("now()".into());
        Catalog {
            enums: vec![Enum {
                schema: "public".into(),
                name: "mood".into(),
                labels: vec!["sad".into(), "AI_TOOL".into(), "in progress".into()],
                comment: None,
            }],
            tables: vec![Table {
                schema: "public".into(),
                name: "notes".into(),
                kind: TableKind::Table,
                columns: vec![
                    id,
                    column("type", "text", false),
                    kind,
                    created,
                    column("search", "tsvector", true),
                ],
                primary_key: None,
                unique: vec![],
                foreign_keys: vec![],
                checks: vec![],
                indexes: vec![],
                inherits: vec![],
                partition_of: None,
                comment: Some("Notes.".into()),
            }],
            ..Catalog::default()
        }
    }

    fn features() -> Features {
        Features {
            postgres: true,
            tokio_postgres: true,
            uuid: true,
            chrono: true,
            time: false,
            serde_json: true,
            rust_decimal: true,
        }
    }

    #[test]
    fn generates_valid_rust_for_tables_and_enums() {
        let text = schema_module(&catalog(), features());
        let file: syn::File = syn::parse_str(&text).expect("the generated module parses as Rust");
        assert_eq!(file.items.len(), 1);
        assert!(text.contains("pub enum Mood"), "{text}");
        assert!(text.contains("AiTool") && text.contains("InProgress"));
        assert!(text.contains("pub r#type: ::std::string::String"), "{text}");
        assert!(
            text.contains("pub created_at"),
            "camelCase columns become snake_case fields"
        );
        assert!(
            text.contains("`search` is left out: `tsvector` has no Rust mapping."),
            "{text}"
        );
    }

    #[test]
    fn without_postgres_there_is_no_reading_or_writing() {
        let offline = Features {
            postgres: false,
            tokio_postgres: false,
            ..features()
        };
        let text = schema_module(&catalog(), offline);
        assert!(!text.contains("fn from_row"), "{text}");
        assert!(!text.contains("fn execute"), "{text}");
        assert!(
            text.contains("fn to_sql"),
            "building the statement needs no client"
        );
    }

    #[test]
    fn a_missing_feature_leaves_the_column_out_with_a_note() {
        let no_time = Features {
            chrono: false,
            ..features()
        };
        let text = schema_module(&catalog(), no_time);
        assert!(text.contains("`createdAt` is left out: `timestamptz` needs pgstrata's `chrono` or `time` feature."), "{text}");
    }

    #[test]
    fn the_model_names_types_and_sorts_the_columns_of_an_insert() {
        use model::{Insert, InsertColumn, Presence, Schema};
        let schema = Schema::new(&catalog(), features());
        assert_eq!(schema.public.enums[0].rust, "Mood");
        let variants: Vec<&str> = schema.public.enums[0]
            .variants
            .iter()
            .map(|v| v.rust.as_str())
            .collect();
        assert_eq!(variants, ["Sad", "AiTool", "InProgress"]);
        let notes = &schema.public.relations[0];
        let fields: Vec<(&str, Option<&str>)> = notes
            .fields
            .iter()
            .map(|f| (f.rust.as_str(), f.ty.as_deref()))
            .collect();
        assert_eq!(
            fields,
            [
                ("id", Some("i64")),
                ("r#type", Some("::std::string::String")),
                ("kind", Some("Mood")),
                (
                    "created_at",
                    Some("__p::chrono::DateTime<__p::chrono::Utc>")
                ),
                ("search", None),
            ]
        );
        // `id` is the server's (identity ALWAYS), `search` has no type but may be NULL;
        // the required columns come first.
        let Some(Insert::Columns(columns)) = &notes.insert else {
            panic!("an Insert for notes: {:?}", notes.insert);
        };
        let column = |field, presence| InsertColumn { field, presence };
        assert_eq!(
            columns,
            &[
                column(1, Presence::Required),
                column(2, Presence::Required),
                column(3, Presence::Optional),
            ]
        );
    }

    #[test]
    fn a_required_column_without_a_type_leaves_no_insert() {
        let mut catalog = catalog();
        catalog.tables[0].columns[4].nullable = false;
        let schema = model::Schema::new(&catalog, features());
        assert!(matches!(
            &schema.public.relations[0].insert,
            Some(model::Insert::Unavailable { reason }) if reason.contains("`search`")
        ));
    }
}
