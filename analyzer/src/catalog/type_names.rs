//! Type names as PostgreSQL prints them. pg_query gives `TypeName`s such as
//! `pg_catalog.int4`, `varchar` with a typmod list, array bounds; `format_type`
//! (PostgreSQL's `format_type(oid, typmod)`) turns them into `integer`,
//! `character varying(255)`, `timestamp with time zone`, `numeric(10,2)`, `text[]`.

use super::identifiers::PG_CATALOG;
use super::model::QualifiedName;
use pg_query::protobuf::TypeName;
use pg_query::NodeEnum;

/// A column's type, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnType {
    /// `format_type` text.
    pub format: String,
    pub base: QualifiedName,
    pub array_dimensions: u32,
    /// `serial`, `bigserial`, `smallserial` when the column was declared so.
    pub serial: Option<&'static str>,
}

/// What a type name written in a migration refers to, before it is looked up in the
/// catalog: a built-in type (resolved here), a serial pseudo-type, or a name to find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WrittenType {
    Builtin(ColumnType),
    /// A user or extension type: look it up; `array_dimensions` and `typmods` apply.
    Named {
        schema: Option<String>,
        name: String,
        array_dimensions: u32,
    },
    /// `%TYPE` and other forms the catalog does not resolve.
    Unresolvable,
}

/// Reads a `TypeName` node. `in_column` allows the serial pseudo-types.
pub fn written(type_name: &TypeName, in_column: bool) -> WrittenType {
    if type_name.pct_type || type_name.setof {
        return WrittenType::Unresolvable;
    }
    // The last two names (`[catalog.]schema.name`), without collecting them.
    let (mut schema, mut name) = (None, None);
    for part in &type_name.names {
        if let Some(NodeEnum::String(s)) = &part.node {
            schema = name;
            name = Some(s.sval.as_str());
        }
    }
    let Some(name) = name else {
        return WrittenType::Unresolvable;
    };
    let array_dimensions = u32::try_from(type_name.array_bounds.len()).unwrap_or(u32::MAX);
    let typmods = typmods(type_name);
    if in_column && schema.is_none() && array_dimensions == 0 {
        if let Some((serial, base)) = serial(name) {
            return WrittenType::Builtin(ColumnType {
                format: builtin_display(base, &[]).unwrap_or_default(),
                base: QualifiedName::new(PG_CATALOG, base),
                array_dimensions: 0,
                serial: Some(serial),
            });
        }
    }
    let builtin = match schema {
        None | Some(PG_CATALOG) => builtin_display(name, &typmods),
        Some(_) => None,
    };
    match builtin {
        Some(display) => WrittenType::Builtin(ColumnType {
            format: with_array(display, array_dimensions),
            base: QualifiedName::new(PG_CATALOG, name),
            array_dimensions,
            serial: None,
        }),
        None if schema == Some(PG_CATALOG) => WrittenType::Named {
            schema: Some(PG_CATALOG.to_string()),
            name: name.to_string(),
            array_dimensions,
        },
        None => WrittenType::Named {
            schema: schema.map(str::to_string),
            name: name.to_string(),
            array_dimensions,
        },
    }
}

/// The `format_type` text of a user type found at `base`.
pub fn user_type(base: &QualifiedName, array_dimensions: u32) -> ColumnType {
    ColumnType {
        format: with_array(base.display_unqualified_in_public(), array_dimensions),
        base: base.clone(),
        array_dimensions,
        serial: None,
    }
}

/// `format_type` of a built-in type, by its `pg_catalog` name (`int4`), without
/// modifiers.
pub fn builtin(name: &str) -> Option<ColumnType> {
    let display = builtin_display(name, &[])?;
    Some(ColumnType {
        format: display,
        base: QualifiedName::new(PG_CATALOG, name),
        array_dimensions: 0,
        serial: None,
    })
}

/// The same type as an array of it (`integer` → `integer[]`).
pub fn array_of(element: &ColumnType) -> ColumnType {
    ColumnType {
        format: with_array(element.format.clone(), 1),
        base: element.base.clone(),
        array_dimensions: element.array_dimensions.max(1),
        serial: None,
    }
}

/// `format_type` prints one `[]` whatever the number of dimensions.
fn with_array(mut display: String, array_dimensions: u32) -> String {
    if array_dimensions > 0 {
        display.push_str("[]");
    }
    display
}

fn serial(name: &str) -> Option<(&'static str, &'static str)> {
    match name {
        "serial" | "serial4" => Some(("serial", "int4")),
        "bigserial" | "serial8" => Some(("bigserial", "int8")),
        "smallserial" | "serial2" => Some(("smallserial", "int2")),
        _ => None,
    }
}

/// Integer typmods (`varchar(255)` → `[255]`); a non-constant typmod reads as none.
fn typmods(type_name: &TypeName) -> Vec<i64> {
    type_name
        .typmods
        .iter()
        .filter_map(|m| match &m.node {
            Some(NodeEnum::AConst(c)) => match &c.val {
                Some(pg_query::protobuf::a_const::Val::Ival(i)) => Some(i64::from(i.ival)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// `format_type(oid, typmod)` for a type of `pg_catalog`, `None` when `name` is not
/// one. Modifiers follow each type's `typmodout`.
fn builtin_display(name: &str, typmods: &[i64]) -> Option<String> {
    let plain = match name {
        "bpchar" => {
            return Some(match typmods.first() {
                Some(n) => format!("character({n})"),
                None => "bpchar".to_string(),
            })
        }
        "varchar" => return Some(length("character varying", typmods)),
        "bit" => return Some(length("bit", typmods)),
        "varbit" => return Some(length("bit varying", typmods)),
        "numeric" => {
            return Some(match typmods {
                [] => "numeric".to_string(),
                [precision] => format!("numeric({precision},0)"),
                [precision, scale, ..] => format!("numeric({precision},{scale})"),
            })
        }
        "time" => return Some(precision("time", typmods, " without time zone")),
        "timetz" => return Some(precision("time", typmods, " with time zone")),
        "timestamp" => return Some(precision("timestamp", typmods, " without time zone")),
        "timestamptz" => return Some(precision("timestamp", typmods, " with time zone")),
        "interval" => return Some(interval(typmods)),
        "char" => "\"char\"",
        "bool" => "boolean",
        "float4" => "real",
        "float8" => "double precision",
        "int2" => "smallint",
        "int4" => "integer",
        "int8" => "bigint",
        other => {
            if BUILTIN_TYPES.binary_search(&other).is_ok() {
                other
            } else {
                return None;
            }
        }
    };
    Some(plain.to_string())
}

fn length(display: &str, typmods: &[i64]) -> String {
    match typmods.first() {
        Some(n) => format!("{display}({n})"),
        None => display.to_string(),
    }
}

fn precision(display: &str, typmods: &[i64], zone: &str) -> String {
    match typmods.first() {
        Some(p) => format!("{display}({p}){zone}"),
        // Most columns have no precision: no formatting machinery for them.
        None => [display, zone].concat(),
    }
}

/// `interval` with its fields (`interval day to second(3)`) and precision.
fn interval(typmods: &[i64]) -> String {
    const MONTH: i64 = 1 << 1;
    const YEAR: i64 = 1 << 2;
    const DAY: i64 = 1 << 3;
    const HOUR: i64 = 1 << 10;
    const MINUTE: i64 = 1 << 11;
    const SECOND: i64 = 1 << 12;
    const FULL_RANGE: i64 = 0x7FFF;
    let Some(&fields) = typmods.first() else {
        return "interval".to_string();
    };
    let text = match fields {
        YEAR => " year",
        MONTH => " month",
        DAY => " day",
        HOUR => " hour",
        MINUTE => " minute",
        SECOND => " second",
        f if f == YEAR | MONTH => " year to month",
        f if f == DAY | HOUR => " day to hour",
        f if f == DAY | HOUR | MINUTE => " day to minute",
        f if f == DAY | HOUR | MINUTE | SECOND => " day to second",
        f if f == HOUR | MINUTE => " hour to minute",
        f if f == HOUR | MINUTE | SECOND => " hour to second",
        f if f == MINUTE | SECOND => " minute to second",
        FULL_RANGE => "",
        _ => "",
    };
    match typmods.get(1) {
        Some(p) => format!("interval{text}({p})"),
        None => format!("interval{text}"),
    }
}

/// The types of `pg_catalog` that print as their own name (sorted).
const BUILTIN_TYPES: &[&str] = &[
    "aclitem",
    "any",
    "anyarray",
    "anycompatible",
    "anycompatiblearray",
    "anycompatiblemultirange",
    "anycompatiblenonarray",
    "anycompatiblerange",
    "anyelement",
    "anyenum",
    "anymultirange",
    "anynonarray",
    "anyrange",
    "box",
    "bytea",
    "cid",
    "cidr",
    "circle",
    "cstring",
    "date",
    "datemultirange",
    "daterange",
    "event_trigger",
    "fdw_handler",
    "gtsvector",
    "index_am_handler",
    "inet",
    "int2vector",
    "int4multirange",
    "int4range",
    "int8multirange",
    "int8range",
    "internal",
    "json",
    "jsonb",
    "jsonpath",
    "language_handler",
    "line",
    "lseg",
    "macaddr",
    "macaddr8",
    "money",
    "name",
    "nummultirange",
    "numrange",
    "oid",
    "oidvector",
    "path",
    "pg_brin_bloom_summary",
    "pg_brin_minmax_multi_summary",
    "pg_ddl_command",
    "pg_dependencies",
    "pg_lsn",
    "pg_mcv_list",
    "pg_ndistinct",
    "pg_node_tree",
    "pg_snapshot",
    "point",
    "polygon",
    "record",
    "refcursor",
    "regclass",
    "regcollation",
    "regconfig",
    "regdictionary",
    "regnamespace",
    "regoper",
    "regoperator",
    "regproc",
    "regprocedure",
    "regrole",
    "regtype",
    "table_am_handler",
    "text",
    "tid",
    "trigger",
    "tsm_handler",
    "tsmultirange",
    "tsquery",
    "tsrange",
    "tstzmultirange",
    "tstzrange",
    "tsvector",
    "txid_snapshot",
    "unknown",
    "uuid",
    "void",
    "xid",
    "xid8",
    "xml",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn column_type(sql_type: &str) -> String {
        let sql = format!("CREATE TABLE t (c {sql_type})");
        let tree = pg_query::parse(&sql, 0).unwrap();
        let Some(NodeEnum::CreateStmt(create)) = tree.protobuf.stmts[0]
            .stmt
            .as_ref()
            .and_then(|s| s.node.clone())
        else {
            panic!("not a CREATE TABLE")
        };
        let Some(NodeEnum::ColumnDef(column)) = &create.table_elts[0].node else {
            panic!("no column")
        };
        match written(column.type_name.as_ref().unwrap(), true) {
            WrittenType::Builtin(t) => t.format,
            WrittenType::Named { schema, name, .. } => format!("named {schema:?} {name}"),
            WrittenType::Unresolvable => "unresolvable".into(),
        }
    }

    #[test]
    fn builtin_types_list_is_sorted() {
        assert!(BUILTIN_TYPES.windows(2).all(|w| w[0] < w[1]));
    }

    /// Each expectation is what `format_type(atttypid, atttypmod)` printed on
    /// PostgreSQL 15 for a column declared with the type on the left.
    #[test]
    fn format_type_matches_the_server() {
        for (declared, printed) in [
            ("int", "integer"),
            ("integer", "integer"),
            ("int4", "integer"),
            ("bigint", "bigint"),
            ("int8", "bigint"),
            ("smallint", "smallint"),
            ("serial", "integer"),
            ("bigserial", "bigint"),
            ("boolean", "boolean"),
            ("bool", "boolean"),
            ("text", "text"),
            ("varchar(255)", "character varying(255)"),
            ("character varying", "character varying"),
            ("char", "character(1)"),
            ("char(3)", "character(3)"),
            ("bpchar", "bpchar"),
            ("\"char\"", "\"char\""),
            ("bit", "bit(1)"),
            ("bit varying", "bit varying"),
            ("timestamp", "timestamp without time zone"),
            ("timestamp(3)", "timestamp(3) without time zone"),
            ("timestamptz", "timestamp with time zone"),
            ("timestamp with time zone", "timestamp with time zone"),
            ("timestamptz(0)", "timestamp(0) with time zone"),
            ("time(0) with time zone", "time(0) with time zone"),
            ("time", "time without time zone"),
            ("interval", "interval"),
            ("interval day", "interval day"),
            ("interval hour to second(2)", "interval hour to second(2)"),
            ("interval(3)", "interval(3)"),
            ("float(10)", "real"),
            ("float", "double precision"),
            ("double precision", "double precision"),
            ("real", "real"),
            ("numeric", "numeric"),
            ("numeric(10)", "numeric(10,0)"),
            ("decimal(5,2)", "numeric(5,2)"),
            ("varchar[]", "character varying[]"),
            ("character varying(5)[][]", "character varying(5)[]"),
            ("int[3]", "integer[]"),
            ("text[]", "text[]"),
            ("uuid", "uuid"),
            ("jsonb", "jsonb"),
            ("bytea", "bytea"),
            ("inet", "inet"),
            ("pg_catalog.text", "text"),
        ] {
            assert_eq!(column_type(declared), printed, "{declared}");
        }
    }

    #[test]
    fn user_types_are_named() {
        assert_eq!(column_type("mood"), "named None mood");
        assert_eq!(column_type("auth.\"Role\""), "named Some(\"auth\") Role");
        let role = user_type(&QualifiedName::new("auth", "Role"), 1);
        assert_eq!(role.format, "auth.\"Role\"[]");
        assert_eq!(
            user_type(&QualifiedName::new("public", "mood"), 0).format,
            "mood"
        );
    }
}
