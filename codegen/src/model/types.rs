//! The type mapping of design.md: which Rust type reads and writes a PostgreSQL type,
//! given the facade's enabled type-crate features ([`Features`]). A type without a
//! mapping is left out of the generated structs (and the docs say so), never mistyped.

use super::RustNames;
use crate::Features;
use pgstrata_analyzer::catalog::{Catalog, QualifiedName};

/// Where the generated code finds the type crates: each table module imports
/// `::pgstrata::__private` as `__p`.
const PRIVATE: &str = "__p";

/// The Rust type for a column (as source) and whether it is `Copy`, or why there is
/// none.
pub enum Mapped {
    Type { rust: String, copy: bool },
    Unmapped(String),
}

/// What a domain (and the domains under it) means for the generated code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainFacts {
    /// The type an `Insert` casts its parameter to (`"pg_catalog"."text"`): the server
    /// gives a parameter the column's domain type, which the `postgres` crate's
    /// conversions refuse, while a domain's values arrive as its base type.
    pub parameter_cast: String,
    /// A domain `NOT NULL`: the column takes no NULL though `attnotnull` is false.
    pub not_null: bool,
    /// A domain `DEFAULT`: the server fills the column when an insert leaves it out.
    pub has_default: bool,
}

/// Maps `base` (with `array_dimensions`), resolving enums and domains in `catalog`;
/// `names` names the enums. With it, what the domains a scalar column's type names
/// add, mapped or not (a domain NOT NULL is required in an `Insert` either way).
pub fn map(
    catalog: &Catalog,
    names: &RustNames,
    base: &QualifiedName,
    array_dimensions: u32,
    features: Features,
) -> (Mapped, Option<DomainFacts>) {
    let (base, domain) = match without_domains(catalog, base) {
        Ok(resolved) => resolved,
        Err(why) => return (Mapped::Unmapped(why), None),
    };
    if domain.is_some() && array_dimensions > 0 {
        // The server sends such an array as the domain's array type, whose elements
        // the `postgres` crate will not read as the base type. (The elements are of
        // the domain, not the column: no facts.)
        let why = "arrays of a domain have no Rust mapping".to_string();
        return (Mapped::Unmapped(why), None);
    }
    let mapped = match scalar(catalog, names, base, features) {
        Ok(element) => with_dimensions(element, array_dimensions),
        Err(why) => Mapped::Unmapped(why),
    };
    (mapped, domain)
}

/// The mapping of an element type `(rust, copy)` at `array_dimensions`.
fn with_dimensions(element: (String, bool), array_dimensions: u32) -> Mapped {
    match array_dimensions {
        0 => Mapped::Type {
            rust: element.0,
            copy: element.1,
        },
        1 => Mapped::Type {
            rust: format!("::std::vec::Vec<{}>", element.0),
            copy: false,
        },
        _ => Mapped::Unmapped("multi-dimensional arrays have no Rust mapping".into()),
    }
}

/// The type under any domains `base` names, and what those domains add. A domain over
/// an array, or domains nested deeper than makes sense, has no mapping.
fn without_domains<'a>(
    catalog: &'a Catalog,
    base: &'a QualifiedName,
) -> Result<(&'a QualifiedName, Option<DomainFacts>), String> {
    let mut resolved = base;
    let mut facts: Option<DomainFacts> = None;
    for _ in 0..8 {
        let Some(domain) = catalog
            .domains
            .iter()
            .find(|d| d.schema == resolved.schema && d.name == resolved.name)
        else {
            if let Some(facts) = facts.as_mut() {
                facts.parameter_cast = sql_type(resolved);
            }
            return Ok((resolved, facts));
        };
        if domain.array_dimensions > 0 {
            return Err(format!(
                "domain `{}` over an array has no Rust mapping",
                domain.name
            ));
        }
        let facts = facts.get_or_insert_with(|| DomainFacts {
            parameter_cast: String::new(),
            not_null: false,
            has_default: false,
        });
        facts.not_null |= domain.not_null;
        facts.has_default |= domain.default.is_some();
        resolved = &domain.base_type;
    }
    Err(format!("domain `{}` nests too deep to map", base.name))
}

/// `name` as SQL, schema-qualified and quoted: `"pg_catalog"."text"`.
fn sql_type(name: &QualifiedName) -> String {
    let quote = |part: &str| format!("\"{}\"", part.replace('"', "\"\""));
    format!("{}.{}", quote(&name.schema), quote(&name.name))
}

/// A type that is not a domain.
fn scalar(
    catalog: &Catalog,
    names: &RustNames,
    base: &QualifiedName,
    features: Features,
) -> Result<(String, bool), String> {
    if let Some(e) = catalog
        .enums
        .iter()
        .find(|e| e.schema == base.schema && e.name == base.name)
    {
        let path = names.enum_path(&e.schema, &e.name);
        // Generated enums derive `Copy`.
        return Ok((path, true));
    }
    let needs = |enabled: bool, feature: &str, rust: &str, copy: bool| {
        if enabled {
            Ok((rust.to_string(), copy))
        } else {
            Err(format!(
                "`{}` needs pgstrata's `{feature}` feature",
                base.name
            ))
        }
    };
    // `chrono` is a default feature: `time`, turned on, is a choice.
    let chrono_or_time = |chrono: &str, time: &str| {
        if features.time {
            Ok((format!("{PRIVATE}::time::{time}"), true))
        } else if features.chrono {
            Ok((format!("{PRIVATE}::chrono::{chrono}"), true))
        } else {
            Err(format!(
                "`{}` needs pgstrata's `chrono` or `time` feature",
                base.name
            ))
        }
    };
    let plain = |rust: &str, copy: bool| Ok((rust.to_string(), copy));
    match base.name.as_str() {
        "bool" => plain("bool", true),
        "int2" => plain("i16", true),
        "int4" => plain("i32", true),
        "int8" => plain("i64", true),
        "float4" => plain("f32", true),
        "float8" => plain("f64", true),
        "oid" => plain("u32", true),
        "text" | "varchar" | "bpchar" | "name" | "citext" => plain("::std::string::String", false),
        "bytea" => plain("::std::vec::Vec<u8>", false),
        "inet" => plain("::std::net::IpAddr", true),
        "uuid" => needs(features.uuid, "uuid", "__p::uuid::Uuid", true),
        "json" | "jsonb" => needs(
            features.serde_json,
            "serde_json",
            "__p::serde_json::Value",
            false,
        ),
        "numeric" => needs(
            features.rust_decimal,
            "rust_decimal",
            "__p::rust_decimal::Decimal",
            true,
        ),
        "timestamptz" => chrono_or_time("DateTime<__p::chrono::Utc>", "OffsetDateTime"),
        "timestamp" => chrono_or_time("NaiveDateTime", "PrimitiveDateTime"),
        "date" => chrono_or_time("NaiveDate", "Date"),
        "time" => chrono_or_time("NaiveTime", "Time"),
        other => Err(format!("`{other}` has no Rust mapping")),
    }
}
