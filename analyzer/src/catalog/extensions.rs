//! What `CREATE EXTENSION` brings into its schema: the types and relations of the
//! extensions pgstrata knows (read from PostgreSQL 15's contrib with `CREATE
//! EXTENSION ... SCHEMA ext` and `pg_type`/`pg_class`), so columns of type `citext`,
//! `hstore` or `ltree` resolve. Functions are not listed: the catalog rule never
//! reports an unknown function. An extension not listed here makes its schema's
//! types and relations uncertain.

use rustc_hash::FxHashSet;
use std::sync::OnceLock;

/// One known extension.
#[derive(Debug)]
pub struct KnownExtension {
    pub name: &'static str,
    /// Base, enum and domain types (without their array types).
    pub types: &'static [&'static str],
    /// Relations (views and tables), which are also composite types.
    pub relations: &'static [&'static str],
    /// Stand-alone composite types.
    pub composite_types: &'static [&'static str],
}

const fn types(name: &'static str, types: &'static [&'static str]) -> KnownExtension {
    KnownExtension {
        name,
        types,
        relations: &[],
        composite_types: &[],
    }
}

/// Sorted by name.
static KNOWN: &[KnownExtension] = &[
    types("adminpack", &[]),
    types("amcheck", &[]),
    types("autoinc", &[]),
    types("bloom", &[]),
    types("btree_gin", &[]),
    types(
        "btree_gist",
        &[
            "gbtreekey16",
            "gbtreekey2",
            "gbtreekey32",
            "gbtreekey4",
            "gbtreekey8",
            "gbtreekey_var",
        ],
    ),
    types("citext", &["citext"]),
    types("cube", &["cube"]),
    KnownExtension {
        name: "dblink",
        types: &[],
        relations: &[],
        composite_types: &["dblink_pkey_results"],
    },
    types("dict_int", &[]),
    types("dict_xsyn", &[]),
    types("earthdistance", &["earth"]),
    types("file_fdw", &[]),
    types("fuzzystrmatch", &[]),
    types("hstore", &["ghstore", "hstore"]),
    types("insert_username", &[]),
    types("intagg", &[]),
    types("intarray", &["intbig_gkey", "query_int"]),
    types(
        "isn",
        &[
            "ean13", "isbn", "isbn13", "ismn", "ismn13", "issn", "issn13", "upc",
        ],
    ),
    types("lo", &["lo"]),
    types("ltree", &["lquery", "ltree", "ltree_gist", "ltxtquery"]),
    types("moddatetime", &[]),
    types("old_snapshot", &[]),
    types("pageinspect", &[]),
    KnownExtension {
        name: "pg_buffercache",
        types: &[],
        relations: &["pg_buffercache"],
        composite_types: &[],
    },
    types("pg_freespacemap", &[]),
    types("pg_prewarm", &[]),
    KnownExtension {
        name: "pg_stat_statements",
        types: &[],
        relations: &["pg_stat_statements", "pg_stat_statements_info"],
        composite_types: &[],
    },
    types("pg_surgery", &[]),
    types("pg_trgm", &["gtrgm"]),
    types("pg_visibility", &[]),
    types("pg_walinspect", &[]),
    types("pgcrypto", &[]),
    types("pgrowlocks", &[]),
    types("pgstattuple", &[]),
    types("plpgsql", &[]),
    types("postgres_fdw", &[]),
    types("refint", &[]),
    types("seg", &["seg"]),
    types("sslinfo", &[]),
    KnownExtension {
        name: "tablefunc",
        types: &[],
        relations: &[],
        composite_types: &[
            "tablefunc_crosstab_2",
            "tablefunc_crosstab_3",
            "tablefunc_crosstab_4",
        ],
    },
    types("tcn", &[]),
    types("tsm_system_rows", &[]),
    types("tsm_system_time", &[]),
    types("unaccent", &[]),
    types("uuid-ossp", &[]),
    // pgvector, outside contrib but common; `halfvec` and `sparsevec` since 0.7.
    types("vector", &["halfvec", "sparsevec", "vector"]),
    types("xml2", &[]),
];

/// The extension called `name`, if pgstrata knows what it creates.
pub fn known(name: &str) -> Option<&'static KnownExtension> {
    KNOWN
        .binary_search_by(|e| e.name.cmp(name))
        .ok()
        .and_then(|i| KNOWN.get(i))
}

/// Whether any known extension creates a type or relation called `name`: most names
/// the catalog looks up and misses are no extension's, and this asks one hash set
/// instead of every installed extension's lists.
pub fn may_create(name: &str) -> bool {
    static NAMES: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    NAMES
        .get_or_init(|| {
            KNOWN
                .iter()
                .flat_map(|e| e.types.iter().chain(e.relations).chain(e.composite_types))
                .copied()
                .collect()
        })
        .contains(name)
}

impl KnownExtension {
    /// Whether the extension creates a type called `name` (relations and composite
    /// types are types too).
    pub fn has_type(&self, name: &str) -> bool {
        self.types.contains(&name)
            || self.relations.contains(&name)
            || self.composite_types.contains(&name)
    }

    pub fn has_relation(&self, name: &str) -> bool {
        self.relations.contains(&name) || self.composite_types.contains(&name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn may_create_knows_every_listed_name_and_no_other() {
        for extension in KNOWN {
            for name in extension.types.iter().chain(extension.relations) {
                assert!(may_create(name), "{name}");
            }
        }
        assert!(may_create("citext") && may_create("hstore"));
        assert!(!may_create("users") && !may_create("users_pkey"));
    }

    #[test]
    fn the_list_is_sorted_for_binary_search() {
        assert!(KNOWN.windows(2).all(|w| w[0].name < w[1].name));
    }

    #[test]
    fn the_common_extensions_bring_their_types() {
        for (extension, type_name) in [
            ("citext", "citext"),
            ("hstore", "hstore"),
            ("ltree", "ltree"),
            ("ltree", "lquery"),
            ("pg_trgm", "gtrgm"),
        ] {
            assert!(known(extension).unwrap().has_type(type_name));
        }
        assert!(known("uuid-ossp").unwrap().types.is_empty());
        assert!(known("pgcrypto").unwrap().types.is_empty());
        assert!(known("postgis").is_none());
    }
}
