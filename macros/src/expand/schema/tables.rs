//! One module per table or view: its names, `Row` (read by column name from a
//! `postgres::Row`) and, for tables, `Insert` (required columns as values, defaulted or
//! nullable ones as `Option`).

use super::names::{constant_case, ident, snake_case, Unique};
use super::types::{map, Features, Mapped};
use pgstrata_analyzer::catalog::{Catalog, Column, QualifiedName, Table, View};
use proc_macro2::TokenStream;
use quote::quote;

/// A column as the generated code sees it.
struct Field {
    sql: String,
    rust: proc_macro2::Ident,
    ty: Option<TokenStream>,
    why_unmapped: Option<String>,
    nullable: bool,
    doc: String,
}

fn fields(
    catalog: &Catalog,
    columns: impl Iterator<Item = (String, Option<QualifiedName>, u32, bool, Option<String>)>,
    features: Features,
) -> Vec<Field> {
    let mut unique = Unique::default();
    columns
        .map(|(sql, base, dims, nullable, comment)| {
            let mapped = match &base {
                Some(base) => map(catalog, base, dims, features),
                None => Mapped::Unmapped("its type could not be derived".into()),
            };
            let (ty, why_unmapped) = match mapped {
                Mapped::Type(t) => (Some(t), None),
                Mapped::Unmapped(why) => (None, Some(why)),
            };
            let doc = match comment {
                Some(c) => format!("`{sql}`: {c}"),
                None => format!("`{sql}`"),
            };
            Field {
                rust: ident(&unique.take(snake_case(&sql))),
                sql,
                ty,
                why_unmapped,
                nullable,
                doc,
            }
        })
        .collect()
}

fn column_fields(catalog: &Catalog, columns: &[Column], features: Features) -> Vec<Field> {
    fields(
        catalog,
        columns.iter().map(|c| {
            (
                c.name.clone(),
                Some(c.base_type.clone()),
                c.array_dimensions,
                c.nullable,
                c.comment.clone(),
            )
        }),
        features,
    )
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `use super::*` as many times as the module is deep, so enums resolve by name.
fn imports(depth: usize) -> TokenStream {
    let supers = (0..depth).map(|_| quote!(super));
    let mut tokens = quote!(#[allow(unused_imports)] use #(#supers)::*::*;);
    if depth == 2 {
        tokens.extend(quote!(
            #[allow(unused_imports)]
            use super::*;
        ));
    }
    tokens
}

/// The names shared by tables and views, and `Row`.
fn names_and_row(
    schema: &str,
    name: &str,
    fields: &[Field],
    kind: &str,
    postgres: bool,
) -> TokenStream {
    let qualified = format!("{}.{}", quoted(schema), quoted(name));
    let column_consts = fields.iter().map(|f| {
        let constant = ident(&constant_case(&f.sql));
        let sql = &f.sql;
        quote!(pub const #constant: &str = #sql;)
    });
    let all_columns = fields.iter().map(|f| &f.sql);
    let mapped: Vec<&Field> = fields.iter().filter(|f| f.ty.is_some()).collect();
    let row_fields = mapped.iter().map(|f| {
        let (rust, doc) = (&f.rust, &f.doc);
        let ty = f.ty.as_ref().map(|t| {
            if f.nullable {
                quote!(::core::option::Option<#t>)
            } else {
                t.clone()
            }
        });
        quote!(#[doc = #doc] pub #rust: #ty,)
    });
    let reads = mapped.iter().map(|f| {
        let (rust, sql) = (&f.rust, &f.sql);
        quote!(#rust: row.try_get(#sql)?,)
    });
    let select = mapped
        .iter()
        .map(|f| quoted(&f.sql))
        .collect::<Vec<_>>()
        .join(", ");
    // A select list cannot be empty; `NULL` reads nothing into an empty `Row`.
    let select = if select.is_empty() {
        "NULL".to_string()
    } else {
        select
    };
    let left_out: Vec<String> = fields
        .iter()
        .filter_map(|f| {
            f.why_unmapped
                .as_ref()
                .map(|why| format!("`{}` is left out: {why}.", f.sql))
        })
        .collect();
    let row_doc = if left_out.is_empty() {
        format!("A row of `{schema}.{name}`, read by column name.")
    } else {
        format!(
            "A row of `{schema}.{name}`, read by column name. {}",
            left_out.join(" ")
        )
    };
    let p = quote!(::pgstrata::__private);
    // Reading needs the `postgres` client, behind pgstrata's `postgres` feature.
    let reading = if postgres {
        quote! {
            impl Row {
                /// Reads the columns by name from a row that has them.
                pub fn from_row(row: &#p::postgres::Row) -> ::core::result::Result<Self, #p::postgres::Error> {
                    ::core::result::Result::Ok(Self { #(#reads)* })
                }
            }

            impl ::core::convert::TryFrom<&#p::postgres::Row> for Row {
                type Error = #p::postgres::Error;

                fn try_from(row: &#p::postgres::Row) -> ::core::result::Result<Self, Self::Error> {
                    Self::from_row(row)
                }
            }
        }
    } else {
        TokenStream::new()
    };
    let what = format!("The {kind}'s schema.");
    quote! {
        #[doc = #what]
        pub const SCHEMA: &str = #schema;
        /// Its name.
        pub const NAME: &str = #name;
        /// Its schema-qualified, quoted name, for SQL.
        pub const QUALIFIED: &str = #qualified;
        /// Every column, in order.
        pub const COLUMNS: &[&str] = &[#(#all_columns),*];

        /// The columns' names.
        pub mod columns {
            #(#column_consts)*
        }

        #[doc = #row_doc]
        #[derive(Debug, Clone, PartialEq)]
        pub struct Row {
            #(#row_fields)*
        }

        impl Row {
            /// The columns `Row` reads, quoted, for a `SELECT` list.
            pub const SELECT: &'static str = #select;
        }

        #reading
    }
}

pub fn table(
    catalog: &Catalog,
    table: &Table,
    module: &str,
    depth: usize,
    features: Features,
) -> TokenStream {
    let module = ident(module);
    let fields = column_fields(catalog, &table.columns, features);
    let names_and_row = names_and_row(
        &table.schema,
        &table.name,
        &fields,
        "table",
        features.postgres,
    );
    let insert = insert(table, &fields, features.postgres);
    let imports = imports(depth);
    let doc = match &table.comment {
        Some(c) => format!("Table `{}.{}`: {c}", table.schema, table.name),
        None => format!("Table `{}.{}`.", table.schema, table.name),
    };
    quote! {
        #[doc = #doc]
        pub mod #module {
            #imports
            #names_and_row
            #insert
        }
    }
}

pub fn view(
    catalog: &Catalog,
    view: &View,
    module: &str,
    depth: usize,
    features: Features,
) -> TokenStream {
    let module = ident(module);
    let fields = fields(
        catalog,
        view.columns.iter().map(|c| {
            (
                c.name.clone(),
                c.base_type.clone(),
                c.array_dimensions,
                true,
                None,
            )
        }),
        features,
    );
    let kind = if view.materialized {
        "materialized view"
    } else {
        "view"
    };
    let names_and_row = names_and_row(&view.schema, &view.name, &fields, kind, features.postgres);
    let imports = imports(depth);
    let doc = match &view.comment {
        Some(c) => format!("The {kind} `{}.{}`: {c}", view.schema, view.name),
        None => format!(
            "The {kind} `{}.{}` (a view's columns may be NULL: they are `Option`).",
            view.schema, view.name
        ),
    };
    quote! {
        #[doc = #doc]
        pub mod #module {
            #imports
            #names_and_row
        }
    }
}

/// `Insert`: what a new row needs. Columns the server fills (identity `ALWAYS`,
/// generated) are not in it; columns with a default or NULL allowed are `Option`
/// (`None` leaves them to the server).
fn insert(table: &Table, fields: &[Field], postgres: bool) -> TokenStream {
    let mut required = Vec::new();
    let mut optional = Vec::new();
    for (column, field) in table.columns.iter().zip(fields) {
        if column.generated.is_some() || column.identity.as_deref() == Some("always") {
            continue;
        }
        let server_fills =
            column.default.is_some() || column.identity.is_some() || column.serial.is_some();
        let Some(ty) = &field.ty else {
            if !column.nullable && !server_fills {
                let doc = format!(
                    "No `Insert`: the required column `{}` has no Rust type ({}).",
                    column.name,
                    field.why_unmapped.as_deref().unwrap_or("unmapped")
                );
                return quote!(#[doc = #doc] pub enum NoInsert {});
            }
            continue;
        };
        if column.nullable || server_fills {
            optional.push((field, ty));
        } else {
            required.push((field, ty));
        }
    }
    let p = quote!(::pgstrata::__private);
    let qualified = format!("{}.{}", quoted(&table.schema), quoted(&table.name));
    let required_fields = required.iter().map(|(f, ty)| {
        let (rust, doc) = (&f.rust, &f.doc);
        quote!(#[doc = #doc] pub #rust: #ty,)
    });
    let optional_fields = optional.iter().map(|(f, ty)| {
        let rust = &f.rust;
        let doc = format!("{} (`None`: the column's default, or NULL)", f.doc);
        quote!(#[doc = #doc] pub #rust: ::core::option::Option<#ty>,)
    });
    let push_required = required.iter().map(|(f, _)| {
        let (rust, sql) = (&f.rust, quoted(&f.sql));
        quote!(columns.push(#sql); values.push(&self.#rust);)
    });
    let push_optional = optional.iter().map(|(f, _)| {
        let (rust, sql) = (&f.rust, quoted(&f.sql));
        quote!(if let ::core::option::Option::Some(value) = &self.#rust { columns.push(#sql); values.push(value); })
    });
    // Copying a stored row: each column the row has goes in as it is (a NULL stays
    // NULL only where the column has no default: `None` means "the default").
    let copy_required = required.iter().map(|(f, _)| {
        let rust = &f.rust;
        quote!(#rust: row.#rust.clone(),)
    });
    let copy_optional = optional.iter().map(|(f, _)| {
        let rust = &f.rust;
        if f.nullable {
            quote!(#rust: row.#rust.clone(),)
        } else {
            quote!(#rust: ::core::option::Option::Some(row.#rust.clone()),)
        }
    });
    // Writing needs the `postgres` client, behind pgstrata's `postgres` feature.
    let writing = if postgres {
        quote! {
            impl Insert {
                /// Inserts the row; returns the number of rows inserted.
                pub fn execute(&self, client: &mut impl #p::postgres::GenericClient) -> ::core::result::Result<u64, #p::postgres::Error> {
                    let (sql, values) = self.to_sql();
                    client.execute(sql.as_str(), &values)
                }

                /// Inserts the row and reads it back as the server stored it (defaults filled in).
                pub fn returning(&self, client: &mut impl #p::postgres::GenericClient) -> ::core::result::Result<Row, #p::postgres::Error> {
                    let (sql, values) = self.to_sql();
                    let sql = ::std::format!("{} RETURNING {}", sql, Row::SELECT);
                    let row = client.query_one(sql.as_str(), &values)?;
                    Row::from_row(&row)
                }
            }
        }
    } else {
        TokenStream::new()
    };
    quote! {
        impl ::core::convert::From<&Row> for Insert {
            /// The insert that stores this row again (in another database, say).
            fn from(row: &Row) -> Self {
                Self {
                    #(#copy_required)*
                    #(#copy_optional)*
                }
            }
        }

        /// A new row: required columns as values, the rest as `Option`.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Insert {
            #(#required_fields)*
            #(#optional_fields)*
        }

        impl Insert {
            /// The statement and its parameters: the required columns and the optional
            /// ones that are `Some`.
            pub fn to_sql(&self) -> (::std::string::String, ::std::vec::Vec<&(dyn #p::postgres_types::ToSql + Sync)>) {
                let mut columns: ::std::vec::Vec<&str> = ::std::vec::Vec::new();
                let mut values: ::std::vec::Vec<&(dyn #p::postgres_types::ToSql + Sync)> = ::std::vec::Vec::new();
                #(#push_required)*
                #(#push_optional)*
                let sql = if columns.is_empty() {
                    ::std::format!("INSERT INTO {} DEFAULT VALUES", #qualified)
                } else {
                    let placeholders: ::std::vec::Vec<::std::string::String> =
                        (1..=columns.len()).map(|i| ::std::format!("${}", i)).collect();
                    ::std::format!("INSERT INTO {} ({}) VALUES ({})", #qualified, columns.join(", "), placeholders.join(", "))
                };
                (sql, values)
            }

        }

        #writing
    }
}
