//! The typed `schema` module, generated from the catalog: per table a module with
//! `Row`, `Insert`, its name and its columns' names; per enum a Rust enum that reads and
//! writes it; views get a `Row`. Tables outside `public` live in a module per schema.
//!
//! The module is written as Rust source text, not built with `quote!`: a long history
//! has hundreds of tables and megabytes of code, and token trees built one token at a
//! time (through the compiler's bridge, or proc-macro2's own `Rc`s) took most of the
//! expansion; a `String` takes a few milliseconds and rustc lexes it once.

mod names;
mod tables;
mod types;

pub use names::literal;
use names::{doc, ident, pascal_case, snake_case};
use pgstrata_analyzer::catalog::{Catalog, Enum};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
pub use types::Features;

/// The Rust names of what has one per schema: the schemas' modules and the enums,
/// each unique where it is declared.
pub struct RustNames {
    /// Module names, beside `public`'s tables and views (which take what is left).
    modules: BTreeMap<String, names::Unique>,
    schema_modules: HashMap<String, String>,
    enums: HashMap<(String, String), String>,
}

impl RustNames {
    fn new(catalog: &Catalog) -> Self {
        let mut modules: BTreeMap<String, names::Unique> = BTreeMap::new();
        let public = modules.entry("public".to_string()).or_default();
        let mut schemas: Vec<&String> = (catalog.enums.iter().map(|e| &e.schema))
            .chain(catalog.tables.iter().map(|t| &t.schema))
            .chain(catalog.views.iter().map(|v| &v.schema))
            .filter(|s| *s != "public")
            .collect();
        // A schema named as its module would be (`audit`) keeps that name before one
        // that only meets it there (`"Audit"`).
        schemas.sort_by_key(|s| (snake_case(s) != **s, *s));
        schemas.dedup();
        let schema_modules = schemas
            .into_iter()
            .map(|s| (s.clone(), public.take(snake_case(s))))
            .collect();
        // Enums share a module's type namespace with the table modules' own types,
        // which `use super::*` would otherwise shadow them with.
        let mut types: HashMap<&str, names::Unique> = HashMap::new();
        let mut enums = HashMap::new();
        for e in &catalog.enums {
            let unique = types.entry(e.schema.as_str()).or_insert_with(|| {
                let mut unique = names::Unique::pascal();
                for taken in ["Row", "Insert", "NoInsert"] {
                    unique.reserve(taken.to_string());
                }
                unique
            });
            let name = unique.take(pascal_case(&e.name));
            enums.insert((e.schema.clone(), e.name.clone()), name);
        }
        RustNames {
            modules,
            schema_modules,
            enums,
        }
    }

    /// The module of a table or view, unique in its schema.
    fn take_module(&mut self, schema: &str, name: &str) -> String {
        self.modules
            .entry(schema.to_string())
            .or_default()
            .take(snake_case(name))
    }

    fn schema_module(&self, schema: &str) -> String {
        match self.schema_modules.get(schema) {
            Some(module) => ident(module),
            None => ident(&snake_case(schema)),
        }
    }

    fn enum_name(&self, schema: &str, name: &str) -> String {
        let rust = self
            .enums
            .get(&(schema.to_string(), name.to_string()))
            .cloned()
            .unwrap_or_else(|| pascal_case(name));
        ident(&rust)
    }

    /// The path of an enum relative to the `schema` module, as Rust source.
    pub fn enum_path(&self, schema: &str, name: &str) -> String {
        let name = self.enum_name(schema, name);
        if schema == "public" {
            name
        } else {
            format!("{}::{name}", self.schema_module(schema))
        }
    }
}

/// `pub mod schema { ... }` for `catalog`, as Rust source.
pub fn generate(catalog: &Catalog, features: Features) -> String {
    let mut names = RustNames::new(catalog);
    // Items by the schema they belong to; `public` at the top of `schema`.
    let mut by_schema: BTreeMap<&str, String> = BTreeMap::new();
    for e in &catalog.enums {
        let name = names.enum_name(&e.schema, &e.name);
        enumeration(by_schema.entry(e.schema.as_str()).or_default(), e, &name);
    }
    for table in &catalog.tables {
        let module = names.take_module(&table.schema, &table.name);
        let depth = if table.schema == "public" { 1 } else { 2 };
        let out = by_schema.entry(table.schema.as_str()).or_default();
        tables::table(out, catalog, &names, table, &module, depth, features);
    }
    for view in &catalog.views {
        let module = names.take_module(&view.schema, &view.name);
        let depth = if view.schema == "public" { 1 } else { 2 };
        let out = by_schema.entry(view.schema.as_str()).or_default();
        tables::view(out, catalog, &names, view, &module, depth, features);
    }
    let public = by_schema.remove("public").unwrap_or_default();
    let mut out = String::with_capacity(public.len() + 1024);
    out.push_str(
        "/// The schema the migrations build, as Rust types: one module per table and\n\
         /// view, one enum per PostgreSQL enum. Generated by `pgstrata::migrations!`.\n\
         #[allow(dead_code, unused_imports, clippy::enum_variant_names, clippy::derive_partial_eq_without_eq)]\n\
         pub mod schema {\n",
    );
    out.push_str(&public);
    for (schema, items) in by_schema {
        let _ = write!(
            out,
            "{}\npub mod {} {{\n{items}}}\n",
            doc(&format!("The objects of the `{schema}` schema.")),
            names.schema_module(schema)
        );
    }
    out.push_str("}\n");
    out
}

fn enumeration(out: &mut String, e: &Enum, name: &str) {
    let mut unique = names::Unique::pascal();
    let variants: Vec<String> = e
        .labels
        .iter()
        .map(|l| ident(&unique.take(pascal_case(l))))
        .collect();
    let labels: Vec<String> = e.labels.iter().map(|l| literal(l)).collect();
    let (sql_name, sql_schema) = (literal(&e.name), literal(&e.schema));
    let enum_doc = match &e.comment {
        Some(comment) => format!("PostgreSQL enum `{}.{}`: {comment}", e.schema, e.name),
        None => format!(
            "PostgreSQL enum `{}.{}`, its labels in their sort order.",
            e.schema, e.name
        ),
    };
    let _ = write!(
        out,
        "{}\n#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\npub enum {name} {{\n",
        doc(&enum_doc)
    );
    for (label, variant) in e.labels.iter().zip(&variants) {
        let _ = writeln!(out, "    {} {variant},", doc(&format!("`'{label}'`")));
    }
    let all: Vec<String> = variants.iter().map(|v| format!("Self::{v}")).collect();
    let _ = write!(
        out,
        "}}\n\nimpl {name} {{\n    /// Every label, in PostgreSQL's sort order.\n    \
         pub const ALL: &'static [Self] = &[{}];\n\n    \
         /// The label as PostgreSQL spells it.\n    \
         pub const fn as_str(self) -> &'static str {{\n        match self {{\n",
        all.join(", ")
    );
    for (variant, label) in variants.iter().zip(&labels) {
        let _ = writeln!(out, "            Self::{variant} => {label},");
    }
    let _ = write!(
        out,
        "        }}\n    }}\n\n    /// The variant for a label.\n    \
         pub fn from_label(label: &str) -> ::core::option::Option<Self> {{\n        \
         Self::ALL.iter().copied().find(|v| v.as_str() == label)\n    }}\n}}\n\n\
         impl ::core::fmt::Display for {name} {{\n    \
         fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {{\n        \
         f.pad(self.as_str())\n    }}\n}}\n\n\
         impl ::pgstrata::__private::postgres_types::ToSql for {name} {{\n    \
         fn to_sql(&self, _: &::pgstrata::__private::postgres_types::Type, out: &mut ::pgstrata::__private::bytes::BytesMut) \
         -> ::core::result::Result<::pgstrata::__private::postgres_types::IsNull, ::std::boxed::Box<dyn ::std::error::Error + Sync + Send>> {{\n        \
         ::pgstrata::__private::enum_to_sql(self.as_str(), out)\n    }}\n    \
         fn accepts(ty: &::pgstrata::__private::postgres_types::Type) -> bool {{\n        \
         ::pgstrata::__private::enum_accepts(ty, {sql_schema}, {sql_name})\n    }}\n    \
         ::pgstrata::__private::postgres_types::to_sql_checked!();\n}}\n\n\
         impl<'a> ::pgstrata::__private::postgres_types::FromSql<'a> for {name} {{\n    \
         fn from_sql(_: &::pgstrata::__private::postgres_types::Type, raw: &'a [u8]) \
         -> ::core::result::Result<Self, ::std::boxed::Box<dyn ::std::error::Error + Sync + Send>> {{\n        \
         ::pgstrata::__private::enum_from_sql(raw, Self::ALL, Self::as_str, {sql_name})\n    }}\n    \
         fn accepts(ty: &::pgstrata::__private::postgres_types::Type) -> bool {{\n        \
         ::pgstrata::__private::enum_accepts(ty, {sql_schema}, {sql_name})\n    }}\n}}\n"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgstrata_analyzer::catalog::{Column, QualifiedName, Table, TableKind};

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
            uuid: true,
            chrono: true,
            time: false,
            serde_json: true,
            rust_decimal: true,
        }
    }

    #[test]
    fn generates_valid_rust_for_tables_and_enums() {
        let text = generate(&catalog(), features());
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
            ..features()
        };
        let text = generate(&catalog(), offline);
        assert!(!text.contains("postgres::Row"), "{text}");
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
        let text = generate(&catalog(), no_time);
        assert!(text.contains("`createdAt` is left out: `timestamptz` needs pgstrata's `chrono` or `time` feature."), "{text}");
    }
}
