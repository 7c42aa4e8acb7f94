//! Types and their kin: `CREATE TYPE` (base, enum, composite, range), `CREATE DOMAIN`,
//! what `DefineStmt` also spells (aggregates, collations, operators, text search),
//! casts, conversions, and the `ALTER`s of enums, domains and text search
//! configurations.

use super::dropped::{kind_of, Dropped};
use super::{last_name, Problem, ANY_ERROR, DUPLICATE_FUNCTION, DUPLICATE_OBJECT, UNDEFINED};
use pg_query::protobuf::{
    AlterDomainStmt, AlterEnumStmt, AlterTsConfigType, AlterTsConfigurationStmt, CompositeTypeStmt,
    CreateConversionStmt, CreateDomainStmt, CreateEnumStmt, CreateRangeStmt, DefineStmt,
    ObjectType,
};
use pg_query::NodeEnum;

/// `CREATE TYPE`, `AGGREGATE`, `COLLATION`, `OPERATOR` and `TEXT SEARCH ...`.
pub(super) fn define(s: &DefineStmt, dropped: &Dropped) -> Option<Problem> {
    if s.if_not_exists || s.replace {
        return None;
    }
    let object = ObjectType::try_from(s.kind).ok();
    let kind = object.and_then(kind_of).unwrap_or("type");
    if dropped.has(kind, &last_name(&s.defnames), None) {
        return None;
    }
    Some(match object {
        Some(ObjectType::ObjectAggregate) => Problem::needs_clause(
            "CREATE AGGREGATE",
            "OR REPLACE",
            "CREATE OR REPLACE AGGREGATE",
            DUPLICATE_FUNCTION,
        ),
        Some(ObjectType::ObjectCollation) => Problem::needs_clause(
            "CREATE COLLATION",
            "IF NOT EXISTS",
            "CREATE COLLATION IF NOT EXISTS",
            DUPLICATE_OBJECT,
        ),
        Some(ObjectType::ObjectOperator) => Problem::needs_guard(
            "CREATE OPERATOR",
            "DROP OPERATOR IF EXISTS ...",
            DUPLICATE_FUNCTION,
        ),
        Some(ObjectType::ObjectTsconfiguration) => Problem::needs_guard(
            "CREATE TEXT SEARCH CONFIGURATION",
            "DROP TEXT SEARCH CONFIGURATION IF EXISTS ...",
            DUPLICATE_OBJECT,
        ),
        Some(ObjectType::ObjectTsdictionary) => Problem::needs_guard(
            "CREATE TEXT SEARCH DICTIONARY",
            "DROP TEXT SEARCH DICTIONARY IF EXISTS ...",
            DUPLICATE_OBJECT,
        ),
        Some(ObjectType::ObjectTsparser | ObjectType::ObjectTstemplate) => Problem::needs_guard(
            "CREATE TEXT SEARCH PARSER/TEMPLATE",
            "DROP TEXT SEARCH ... IF EXISTS ...",
            DUPLICATE_OBJECT,
        ),
        _ => Problem::needs_guard("CREATE TYPE", "DROP TYPE IF EXISTS ...", DUPLICATE_OBJECT),
    })
}

pub(super) fn create_domain(s: &CreateDomainStmt, dropped: &Dropped) -> Option<Problem> {
    (!dropped.has("domain", &last_name(&s.domainname), None)).then(|| {
        Problem::needs_guard(
            "CREATE DOMAIN",
            "DROP DOMAIN IF EXISTS ...",
            DUPLICATE_OBJECT,
        )
    })
}

pub(super) fn create_enum(s: &CreateEnumStmt, dropped: &Dropped) -> Option<Problem> {
    (!dropped.has("type", &last_name(&s.type_name), None)).then(|| {
        Problem::needs_guard(
            "CREATE TYPE ... AS ENUM",
            "DROP TYPE IF EXISTS ...",
            DUPLICATE_OBJECT,
        )
    })
}

pub(super) fn create_composite(s: &CompositeTypeStmt, dropped: &Dropped) -> Option<Problem> {
    let name = s.typevar.as_ref().map_or("", |r| r.relname.as_str());
    (!dropped.has("type", name, None)).then(|| {
        Problem::needs_guard(
            "CREATE TYPE ... AS",
            "DROP TYPE IF EXISTS ...",
            DUPLICATE_OBJECT,
        )
    })
}

pub(super) fn create_range(s: &CreateRangeStmt, dropped: &Dropped) -> Option<Problem> {
    (!dropped.has("type", &last_name(&s.type_name), None)).then(|| {
        Problem::needs_guard(
            "CREATE TYPE ... AS RANGE",
            "DROP TYPE IF EXISTS ...",
            DUPLICATE_OBJECT,
        )
    })
}

/// A cast is named by its types, which `Dropped` does not track: only a `DO` block
/// makes it re-runnable.
pub(super) fn create_cast() -> Option<Problem> {
    Some(Problem::needs_guard(
        "CREATE CAST",
        "DROP CAST IF EXISTS (... AS ...)",
        DUPLICATE_OBJECT,
    ))
}

pub(super) fn create_conversion(s: &CreateConversionStmt, dropped: &Dropped) -> Option<Problem> {
    (!dropped.has("conversion", &last_name(&s.conversion_name), None)).then(|| {
        Problem::needs_guard(
            "CREATE CONVERSION",
            "DROP CONVERSION IF EXISTS ...",
            DUPLICATE_OBJECT,
        )
    })
}

/// `ALTER TYPE ... ADD VALUE` and `RENAME VALUE`.
pub(super) fn alter_enum(s: &AlterEnumStmt) -> Option<Problem> {
    if !s.old_val.is_empty() {
        Some(Problem::fails(
            "ALTER TYPE ... RENAME VALUE",
            "the old label is gone",
            ANY_ERROR,
        ))
    } else {
        (!s.skip_if_new_val_exists).then(|| {
            Problem::needs_clause(
                "ALTER TYPE ... ADD VALUE",
                "IF NOT EXISTS",
                "ALTER TYPE ... ADD VALUE IF NOT EXISTS",
                DUPLICATE_OBJECT,
            )
        })
    }
}

/// `ALTER DOMAIN ... ADD CONSTRAINT` and `DROP CONSTRAINT`.
pub(super) fn alter_domain(s: &AlterDomainStmt, dropped: &Dropped) -> Option<Problem> {
    match s.subtype.as_str() {
        "C" => {
            let name = match s.def.as_deref().and_then(|d| d.node.as_ref()) {
                Some(NodeEnum::Constraint(c)) => c.conname.clone(),
                _ => String::new(),
            };
            let domain = last_name(&s.type_name);
            (name.is_empty() || !dropped.has("constraint", &name, Some(&domain))).then(|| {
                Problem::needs_guard(
                    "ALTER DOMAIN ... ADD CONSTRAINT",
                    "ALTER DOMAIN ... DROP CONSTRAINT IF EXISTS ...",
                    DUPLICATE_OBJECT,
                )
            })
        }
        "X" if !s.missing_ok => Some(Problem::needs_clause(
            "ALTER DOMAIN ... DROP CONSTRAINT",
            "IF EXISTS",
            "ALTER DOMAIN ... DROP CONSTRAINT IF EXISTS",
            UNDEFINED,
        )),
        _ => None,
    }
}

/// `ALTER TEXT SEARCH CONFIGURATION ... ADD/DROP MAPPING`.
pub(super) fn alter_text_search_configuration(s: &AlterTsConfigurationStmt) -> Option<Problem> {
    match AlterTsConfigType::try_from(s.kind) {
        Ok(AlterTsConfigType::AlterTsconfigAddMapping) => Some(Problem::fails(
            "ALTER TEXT SEARCH CONFIGURATION ... ADD MAPPING",
            "the mapping exists",
            DUPLICATE_OBJECT,
        )),
        Ok(AlterTsConfigType::AlterTsconfigDropMapping) if !s.missing_ok => {
            Some(Problem::needs_clause(
                "ALTER TEXT SEARCH CONFIGURATION ... DROP MAPPING",
                "IF EXISTS",
                "ALTER TEXT SEARCH CONFIGURATION ... DROP MAPPING IF EXISTS",
                UNDEFINED,
            ))
        }
        _ => None,
    }
}
