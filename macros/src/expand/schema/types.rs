//! The type mapping of design.md: which Rust type reads and writes a PostgreSQL type,
//! given the facade's enabled type-crate features. A type without a mapping is left
//! out of the generated structs (and the docs say so), never mistyped.

use pgstrata_analyzer::catalog::{Catalog, QualifiedName};
use proc_macro2::TokenStream;
use quote::quote;

/// The type crates the facade was built with (its features, mirrored by this crate's).
#[derive(Debug, Clone, Copy)]
pub struct Features {
    /// `Row::from_row` and `Insert::execute`/`returning` use the `postgres` client.
    pub postgres: bool,
    pub uuid: bool,
    pub chrono: bool,
    pub time: bool,
    pub serde_json: bool,
    pub rust_decimal: bool,
}

impl Features {
    pub fn enabled() -> Self {
        Self {
            postgres: cfg!(feature = "postgres"),
            uuid: cfg!(feature = "uuid"),
            chrono: cfg!(feature = "chrono"),
            time: cfg!(feature = "time"),
            serde_json: cfg!(feature = "serde_json"),
            rust_decimal: cfg!(feature = "rust_decimal"),
        }
    }
}

/// The Rust type for a column, or why there is none.
pub enum Mapped {
    Type(TokenStream),
    Unmapped(String),
}

/// Maps `base` (with `array_dimensions`), resolving enums and domains in `catalog`.
pub fn map(
    catalog: &Catalog,
    base: &QualifiedName,
    array_dimensions: u32,
    features: Features,
) -> Mapped {
    let element = match scalar(catalog, base, features, 0) {
        Ok(tokens) => tokens,
        Err(why) => return Mapped::Unmapped(why),
    };
    match array_dimensions {
        0 => Mapped::Type(element),
        1 => Mapped::Type(quote!(::std::vec::Vec<#element>)),
        _ => Mapped::Unmapped("multi-dimensional arrays have no Rust mapping".into()),
    }
}

fn scalar(
    catalog: &Catalog,
    base: &QualifiedName,
    features: Features,
    depth: u32,
) -> Result<TokenStream, String> {
    let p = quote!(::pgstrata::__private);
    if let Some(e) = catalog
        .enums
        .iter()
        .find(|e| e.schema == base.schema && e.name == base.name)
    {
        let path = super::enum_path(&e.schema, &e.name);
        return Ok(path);
    }
    if let Some(domain) = catalog
        .domains
        .iter()
        .find(|d| d.schema == base.schema && d.name == base.name)
    {
        if depth > 8 || domain.array_dimensions > 0 {
            return Err(format!(
                "domain `{}` over an array has no Rust mapping",
                domain.name
            ));
        }
        return scalar(catalog, &domain.base_type, features, depth + 1);
    }
    let needs = |enabled: bool, feature: &str, tokens: TokenStream| {
        if enabled {
            Ok(tokens)
        } else {
            Err(format!(
                "`{}` needs pgstrata's `{feature}` feature",
                base.name
            ))
        }
    };
    let chrono_or_time = |chrono: TokenStream, time: TokenStream| {
        if features.chrono {
            Ok(chrono)
        } else if features.time {
            Ok(time)
        } else {
            Err(format!(
                "`{}` needs pgstrata's `chrono` or `time` feature",
                base.name
            ))
        }
    };
    match base.name.as_str() {
        "bool" => Ok(quote!(bool)),
        "int2" => Ok(quote!(i16)),
        "int4" => Ok(quote!(i32)),
        "int8" => Ok(quote!(i64)),
        "float4" => Ok(quote!(f32)),
        "float8" => Ok(quote!(f64)),
        "oid" => Ok(quote!(u32)),
        "text" | "varchar" | "bpchar" | "name" | "citext" => Ok(quote!(::std::string::String)),
        "bytea" => Ok(quote!(::std::vec::Vec<u8>)),
        "inet" => Ok(quote!(::std::net::IpAddr)),
        "uuid" => needs(features.uuid, "uuid", quote!(#p::uuid::Uuid)),
        "json" | "jsonb" => needs(
            features.serde_json,
            "serde_json",
            quote!(#p::serde_json::Value),
        ),
        "numeric" => needs(
            features.rust_decimal,
            "rust_decimal",
            quote!(#p::rust_decimal::Decimal),
        ),
        "timestamptz" => chrono_or_time(
            quote!(#p::chrono::DateTime<#p::chrono::Utc>),
            quote!(#p::time::OffsetDateTime),
        ),
        "timestamp" => chrono_or_time(
            quote!(#p::chrono::NaiveDateTime),
            quote!(#p::time::PrimitiveDateTime),
        ),
        "date" => chrono_or_time(quote!(#p::chrono::NaiveDate), quote!(#p::time::Date)),
        "time" => chrono_or_time(quote!(#p::chrono::NaiveTime), quote!(#p::time::Time)),
        other => Err(format!("`{other}` has no Rust mapping")),
    }
}
