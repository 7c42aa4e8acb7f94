//! The SQL that creates, drops or alters each kind of catalog object, written from
//! the analyzer's [`Catalog`]. Every statement ends with `;` and names its objects
//! schema-qualified, so it runs under any search path.
//!
//! Functions, triggers, indexes, sequences and views are written from the statement
//! the catalog kept (deparsed), parsed again here to put in the object's current name
//! and schema: a later `RENAME` or `SET SCHEMA` is followed.

use pg_query::protobuf::{Node, RangeVar, String as PgString};
use pg_query::NodeEnum;
use pgstrata_analyzer::catalog::{
    quote_ident, Catalog, Check, Column, CompositeType, Domain, Enum, Extension, ForeignKey,
    Function, Index, Key, QualifiedName, Sequence, Table, TableKind, Trigger, View,
};

/// `schema.name`, each part quoted where it must be.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

fn qualified_name(name: &QualifiedName) -> String {
    qualified(&name.schema, &name.name)
}

/// A string literal (`E''` is never needed: standard strings are on since 9.1).
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn column_list(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| quote_ident(c))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn create_schema(name: &str) -> String {
    format!("CREATE SCHEMA {};", quote_ident(name))
}

pub fn drop_schema(name: &str) -> String {
    format!("DROP SCHEMA {};", quote_ident(name))
}

pub fn create_extension(extension: &Extension) -> String {
    format!(
        "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {};",
        quote_ident(&extension.name),
        quote_ident(&extension.schema)
    )
}

pub fn drop_extension(name: &str) -> String {
    format!("DROP EXTENSION {};", quote_ident(name))
}

pub fn create_enum(e: &Enum) -> String {
    let labels: Vec<String> = e.labels.iter().map(|l| literal(l)).collect();
    format!(
        "CREATE TYPE {} AS ENUM ({});",
        qualified(&e.schema, &e.name),
        labels.join(", ")
    )
}

/// `ALTER TYPE ... ADD VALUE` for a label the database lacks, placed before the
/// label that follows it in `e` (after the last one when it is the last).
pub fn add_enum_label(e: &Enum, label: &str) -> String {
    let name = qualified(&e.schema, &e.name);
    let position = e.labels.iter().position(|l| l == label);
    let placement = match position.and_then(|i| e.labels.get(i + 1)) {
        Some(next) => format!(" BEFORE {}", literal(next)),
        None => match position
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| e.labels.get(i))
        {
            Some(previous) => format!(" AFTER {}", literal(previous)),
            None => String::new(),
        },
    };
    format!(
        "ALTER TYPE {name} ADD VALUE IF NOT EXISTS {}{placement};",
        literal(label)
    )
}

pub fn create_domain(d: &Domain) -> String {
    let mut sql = format!(
        "CREATE DOMAIN {} AS {}",
        qualified(&d.schema, &d.name),
        d.type_name
    );
    if let Some(default) = &d.default {
        sql.push_str(&format!(" DEFAULT {default}"));
    }
    if d.not_null {
        sql.push_str(" NOT NULL");
    }
    for check in &d.checks {
        sql.push_str(&format!(
            " CONSTRAINT {} CHECK ({})",
            quote_ident(&check.name),
            check.expression
        ));
    }
    sql.push(';');
    sql
}

pub fn create_composite_type(t: &CompositeType) -> String {
    let attributes: Vec<String> = t
        .attributes
        .iter()
        .map(|a| format!("{} {}", quote_ident(&a.name), a.type_name))
        .collect();
    format!(
        "CREATE TYPE {} AS ({});",
        qualified(&t.schema, &t.name),
        attributes.join(", ")
    )
}

/// `DROP TYPE` for an enum, a composite type or a domain (`DROP DOMAIN` is the same).
pub fn drop_type(schema: &str, name: &str) -> String {
    format!("DROP TYPE {};", qualified(schema, name))
}

/// The column a sequence belongs to when it is an identity column's (created with
/// the column, never on its own).
fn identity_owner<'a>(catalog: &'a Catalog, sequence: &Sequence) -> Option<&'a Column> {
    let owner = sequence.owned_by.as_deref()?;
    owning_column(catalog, owner).filter(|c| c.identity.is_some())
}

/// The column `schema.table.column` names.
fn owning_column<'a>(catalog: &'a Catalog, owner: &str) -> Option<&'a Column> {
    catalog.tables.iter().find_map(|t| {
        let rest = owner.strip_prefix(&format!("{}.{}.", t.schema, t.name))?;
        t.columns.iter().find(|c| c.name == rest)
    })
}

/// Whether the sequence is made by its identity column's `CREATE TABLE`/`ADD COLUMN`.
pub fn is_identity_sequence(catalog: &Catalog, sequence: &Sequence) -> bool {
    identity_owner(catalog, sequence).is_some()
}

/// `CREATE SEQUENCE`, as the migration wrote it, or for a serial column's sequence
/// with the serial's type; `OWNED BY` comes after the table ([`sequence_owned_by`]).
pub fn create_sequence(catalog: &Catalog, sequence: &Sequence) -> String {
    let name = qualified(&sequence.schema, &sequence.name);
    if let Some(NodeEnum::CreateSeqStmt(mut stmt)) =
        sequence.definition.as_deref().and_then(reparse)
    {
        rename_relation(&mut stmt.sequence, &sequence.schema, &sequence.name);
        if let Some(text) = deparse(NodeEnum::CreateSeqStmt(stmt)) {
            return format!("{text};");
        }
    }
    let serial = sequence
        .owned_by
        .as_deref()
        .and_then(|owner| owning_column(catalog, owner))
        .and_then(|c| c.serial.as_deref());
    let data_type = match serial {
        Some("smallserial") => " AS smallint",
        Some("serial") => " AS integer",
        _ => "",
    };
    format!("CREATE SEQUENCE {name}{data_type};")
}

/// `ALTER SEQUENCE ... OWNED BY` for a sequence a column owns.
pub fn sequence_owned_by(sequence: &Sequence) -> Option<String> {
    let owner = sequence.owned_by.as_deref()?;
    let (table, column) = owner.rsplit_once('.')?;
    let (schema, table) = table.split_once('.')?;
    Some(format!(
        "ALTER SEQUENCE {} OWNED BY {}.{};",
        qualified(&sequence.schema, &sequence.name),
        qualified(schema, table),
        quote_ident(column)
    ))
}

pub fn drop_sequence(schema: &str, name: &str) -> String {
    format!("DROP SEQUENCE {};", qualified(schema, name))
}

/// A column as `CREATE TABLE` and `ADD COLUMN` write it: name, type, default,
/// generated expression, identity and `NOT NULL`.
pub fn column_definition(catalog: &Catalog, table: &Table, column: &Column) -> String {
    let mut sql = format!("{} {}", quote_ident(&column.name), column.type_name);
    if let Some(generated) = &column.generated {
        sql.push_str(&format!(" GENERATED ALWAYS AS ({generated}) STORED"));
    } else if let Some(default) = &column.default {
        sql.push_str(&format!(" DEFAULT {default}"));
    }
    if let Some(identity) = &column.identity {
        let owner = format!("{}.{}.{}", table.schema, table.name, column.name);
        let sequence = catalog
            .sequences
            .iter()
            .find(|s| s.owned_by.as_deref() == Some(owner.as_str()));
        let options = sequence
            .map(|s| format!(" (SEQUENCE NAME {})", qualified(&s.schema, &s.name)))
            .unwrap_or_default();
        sql.push_str(&format!(
            " GENERATED {} AS IDENTITY{options}",
            identity.to_uppercase()
        ));
    }
    if !column.nullable {
        sql.push_str(" NOT NULL");
    }
    sql
}

/// `CREATE TABLE` with its columns; keys, checks, foreign keys and indexes are added
/// after ([`table_keys`], [`create_index`]) so that tables referring to each
/// other can all be created first. `Err` with a comment for what the catalog does
/// not keep enough of (a partition's bounds, a partitioned table's key, a foreign
/// table's server).
pub fn create_table(catalog: &Catalog, table: &Table) -> Result<String, String> {
    let name = qualified(&table.schema, &table.name);
    if let Some(parent) = &table.partition_of {
        return Err(format!(
            "-- {name} is a partition of {}: its bounds are not known to the catalog; create it by hand.",
            qualified_name(parent)
        ));
    }
    let kind = match table.kind {
        TableKind::Table => "TABLE",
        TableKind::Unlogged => "UNLOGGED TABLE",
        TableKind::Partitioned => {
            return Err(format!(
                "-- {name} is partitioned: its partition key is not known to the catalog; create it by hand."
            ))
        }
        TableKind::Foreign => {
            return Err(format!(
                "-- {name} is a foreign table: its server is not known to the catalog; create it by hand."
            ))
        }
    };
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("    {}", column_definition(catalog, table, c)))
        .collect();
    let mut sql = format!("CREATE {kind} {name} (\n{}\n)", columns.join(",\n"));
    if !table.inherits.is_empty() {
        let parents: Vec<String> = table.inherits.iter().map(qualified_name).collect();
        sql.push_str(&format!(" INHERITS ({})", parents.join(", ")));
    }
    sql.push(';');
    Ok(sql)
}

pub fn drop_table(schema: &str, name: &str) -> String {
    format!("DROP TABLE {};", qualified(schema, name))
}

pub fn add_column(catalog: &Catalog, table: &Table, column: &Column) -> String {
    format!(
        "ALTER TABLE {} ADD COLUMN {};",
        qualified(&table.schema, &table.name),
        column_definition(catalog, table, column)
    )
}

pub fn drop_column(schema: &str, table: &str, column: &str) -> String {
    format!(
        "ALTER TABLE {} DROP COLUMN {};",
        qualified(schema, table),
        quote_ident(column)
    )
}

/// The statements that make an existing column what `column` says, one per property
/// that can differ: type, nullability, default, identity.
pub fn alter_column(table: &Table, column: &Column, property: &str) -> Vec<String> {
    let prefix = format!(
        "ALTER TABLE {} ALTER COLUMN {}",
        qualified(&table.schema, &table.name),
        quote_ident(&column.name)
    );
    match property {
        "type" => vec![format!(
            "{prefix} TYPE {} USING {}::{};",
            column.type_name,
            quote_ident(&column.name),
            column.type_name
        )],
        "nullable" | "not_null" | "null" => vec![if column.nullable {
            format!("{prefix} DROP NOT NULL;")
        } else {
            format!("{prefix} SET NOT NULL;")
        }],
        "default" => vec![match &column.default {
            Some(default) => format!("{prefix} SET DEFAULT {default};"),
            None => format!("{prefix} DROP DEFAULT;"),
        }],
        "identity" => vec![
            format!("{prefix} DROP IDENTITY IF EXISTS;"),
            match &column.identity {
                Some(identity) => format!(
                    "{prefix} ADD GENERATED {} AS IDENTITY;",
                    identity.to_uppercase()
                ),
                None => return vec![format!("{prefix} DROP IDENTITY IF EXISTS;")],
            },
        ],
        _ => Vec::new(),
    }
}

pub fn add_primary_key(table: &Table, key: &Key) -> String {
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({});",
        qualified(&table.schema, &table.name),
        quote_ident(&key.name),
        column_list(&key.columns)
    )
}

pub fn add_unique(table: &Table, key: &Key) -> String {
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({});",
        qualified(&table.schema, &table.name),
        quote_ident(&key.name),
        column_list(&key.columns)
    )
}

pub fn add_check(table: &Table, check: &Check) -> String {
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({}){};",
        qualified(&table.schema, &table.name),
        quote_ident(&check.name),
        check.expression,
        if check.not_valid { " NOT VALID" } else { "" }
    )
}

pub fn add_foreign_key(table: &Table, key: &ForeignKey) -> String {
    let mut sql = format!(
        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}",
        qualified(&table.schema, &table.name),
        quote_ident(&key.name),
        column_list(&key.columns),
        qualified_name(&key.references)
    );
    if !key.referenced_columns.is_empty() {
        sql.push_str(&format!(" ({})", column_list(&key.referenced_columns)));
    }
    for (event, action) in [("UPDATE", &key.on_update), ("DELETE", &key.on_delete)] {
        if action != "no action" {
            sql.push_str(&format!(" ON {event} {}", action.to_uppercase()));
        }
    }
    if key.deferrable {
        sql.push_str(" DEFERRABLE");
        if key.initially_deferred {
            sql.push_str(" INITIALLY DEFERRED");
        }
    }
    if key.not_valid {
        sql.push_str(" NOT VALID");
    }
    sql.push(';');
    sql
}

/// Every constraint of a table: primary key, unique, checks, then foreign keys (which
/// need the other tables' keys: [`draft`](crate::draft) writes them last).
pub fn table_keys(table: &Table) -> Vec<String> {
    let mut statements: Vec<String> = table
        .primary_key
        .iter()
        .map(|k| add_primary_key(table, k))
        .collect();
    statements.extend(table.unique.iter().map(|k| add_unique(table, k)));
    statements.extend(table.checks.iter().map(|c| add_check(table, c)));
    statements
}

pub fn drop_constraint(schema: &str, table: &str, name: &str) -> String {
    format!(
        "ALTER TABLE {} DROP CONSTRAINT {};",
        qualified(schema, table),
        quote_ident(name)
    )
}

/// Whether the index is a key's (created by its constraint, never on its own).
pub fn is_key_index(table: &Table, index: &Index) -> bool {
    table
        .primary_key
        .iter()
        .chain(&table.unique)
        .any(|k| k.name == index.name)
}

/// `CREATE INDEX` on `relation`, as the migration wrote it (name and table as they
/// are now; a column renamed since is followed), else from the catalog's columns.
/// `Err` with a comment for an exclusion constraint, whose operators the catalog
/// does not keep.
pub fn create_index(relation: &QualifiedName, index: &Index) -> Result<String, String> {
    if let Some(NodeEnum::IndexStmt(mut stmt)) = index.definition.as_deref().and_then(reparse) {
        stmt.idxname = index.name.clone();
        rename_relation(&mut stmt.relation, &relation.schema, &relation.name);
        let plain_columns = stmt.index_params.iter_mut().zip(&index.columns);
        for (param, column) in plain_columns {
            if let Some(NodeEnum::IndexElem(element)) = &mut param.node {
                if !element.name.is_empty() {
                    element.name = column.clone();
                }
            }
        }
        if let Some(text) = deparse(NodeEnum::IndexStmt(stmt)) {
            return Ok(format!("{text};"));
        }
    }
    if index.definition.is_none() && !index.unique {
        return Err(format!(
            "-- {} on {}: an exclusion constraint, whose operators the catalog does not keep; create it by hand.",
            quote_ident(&index.name),
            qualified_name(relation)
        ));
    }
    let mut sql = format!(
        "CREATE {}INDEX {} ON {} USING {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        quote_ident(&index.name),
        qualified_name(relation),
        index.method,
        index.columns.join(", ")
    );
    if let Some(predicate) = &index.predicate {
        sql.push_str(&format!(" WHERE {predicate}"));
    }
    sql.push(';');
    Ok(sql)
}

pub fn drop_index(schema: &str, name: &str) -> String {
    format!("DROP INDEX {};", qualified(schema, name))
}

/// `CREATE VIEW` or `CREATE MATERIALIZED VIEW` as the migration wrote it, under the
/// view's current name; `Err` with a comment when the catalog could not keep it.
pub fn create_view(view: &View) -> Result<String, String> {
    let name = qualified(&view.schema, &view.name);
    let text = match view.definition.as_deref().and_then(reparse) {
        Some(NodeEnum::ViewStmt(mut stmt)) => {
            rename_relation(&mut stmt.view, &view.schema, &view.name);
            stmt.replace = false;
            deparse(NodeEnum::ViewStmt(stmt))
        }
        Some(NodeEnum::CreateTableAsStmt(mut stmt)) => {
            if let Some(into) = stmt.into.as_deref_mut() {
                rename_relation(&mut into.rel, &view.schema, &view.name);
            }
            stmt.if_not_exists = false;
            deparse(NodeEnum::CreateTableAsStmt(stmt))
        }
        _ => None,
    };
    // Its query's names are looked up as they were when the migration created it.
    let path: Vec<String> = view.search_path.iter().map(|s| quote_ident(s)).collect();
    let text = text.map(|text| match path.as_slice() {
        [] => text,
        _ => format!(
            "SET search_path = {};\n{text};\nRESET search_path",
            path.join(", ")
        ),
    });
    text.map(|text| format!("{text};")).ok_or_else(|| {
        format!("-- {name}: the catalog could not keep the view's definition; create it by hand.")
    })
}

pub fn drop_view(schema: &str, name: &str, materialized: bool) -> String {
    format!(
        "DROP {}VIEW {};",
        if materialized { "MATERIALIZED " } else { "" },
        qualified(schema, name)
    )
}

/// `CREATE OR REPLACE FUNCTION` (or `PROCEDURE`) as the migration wrote it, under
/// its current name; `Err` with a comment when the catalog could not keep it.
pub fn create_function(function: &Function) -> Result<String, String> {
    if let Some(NodeEnum::CreateFunctionStmt(mut stmt)) =
        function.definition.as_deref().and_then(reparse)
    {
        stmt.funcname = name_list(&function.schema, &function.name);
        stmt.replace = true;
        if let Some(text) = deparse(NodeEnum::CreateFunctionStmt(stmt)) {
            return Ok(format!("{text};"));
        }
    }
    Err(format!(
        "-- {}: the catalog could not keep the function's definition; create it by hand.",
        function_signature(function)
    ))
}

/// `schema.name(argument types)`, as `DROP FUNCTION` and `COMMENT ON FUNCTION` name it.
pub fn function_signature(function: &Function) -> String {
    format!(
        "{}({})",
        qualified(&function.schema, &function.name),
        function.arguments.join(", ")
    )
}

pub fn drop_function(function: &Function) -> String {
    format!(
        "DROP {} {};",
        if function.procedure {
            "PROCEDURE"
        } else {
            "FUNCTION"
        },
        function_signature(function)
    )
}

/// `CREATE TRIGGER` as the migration wrote it, on the table as it is named now.
pub fn create_trigger(trigger: &Trigger) -> Result<String, String> {
    if let Some(NodeEnum::CreateTrigStmt(mut stmt)) =
        trigger.definition.as_deref().and_then(reparse)
    {
        stmt.trigname = trigger.name.clone();
        rename_relation(
            &mut stmt.relation,
            &trigger.table.schema,
            &trigger.table.name,
        );
        stmt.replace = false;
        if !trigger.function.name.is_empty() {
            stmt.funcname = name_list(&trigger.function.schema, &trigger.function.name);
        }
        if let Some(text) = deparse(NodeEnum::CreateTrigStmt(stmt)) {
            return Ok(format!("{text};"));
        }
    }
    Err(format!(
        "-- trigger {} on {}: the catalog could not keep its definition; create it by hand.",
        quote_ident(&trigger.name),
        qualified_name(&trigger.table)
    ))
}

pub fn drop_trigger(name: &str, table: &QualifiedName) -> String {
    format!(
        "DROP TRIGGER {} ON {};",
        quote_ident(name),
        qualified_name(table)
    )
}

/// `COMMENT ON <what> <name> IS ...`, `IS NULL` to remove one.
pub fn comment(what: &str, name: &str, text: Option<&str>) -> String {
    format!(
        "COMMENT ON {what} {name} IS {};",
        text.map_or_else(|| "NULL".to_string(), literal)
    )
}

/// Every comment on a table: its own, its columns' and its foreign keys'.
pub fn table_comments(table: &Table) -> Vec<String> {
    let name = qualified(&table.schema, &table.name);
    let mut statements = Vec::new();
    if let Some(text) = &table.comment {
        statements.push(comment("TABLE", &name, Some(text)));
    }
    for column in &table.columns {
        if let Some(text) = &column.comment {
            let column_name = format!("{name}.{}", quote_ident(&column.name));
            statements.push(comment("COLUMN", &column_name, Some(text)));
        }
    }
    for key in &table.foreign_keys {
        if let Some(text) = &key.comment {
            let target = format!("{} ON {name}", quote_ident(&key.name));
            statements.push(comment("CONSTRAINT", &target, Some(text)));
        }
    }
    statements
}

/// Every comment on a view: its own and its columns'.
pub fn view_comments(view: &View) -> Vec<String> {
    let name = qualified(&view.schema, &view.name);
    let what = if view.materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    };
    let mut statements = Vec::new();
    if let Some(text) = &view.comment {
        statements.push(comment(what, &name, Some(text)));
    }
    for column in &view.columns {
        if let Some(text) = &column.comment {
            let column_name = format!("{name}.{}", quote_ident(&column.name));
            statements.push(comment("COLUMN", &column_name, Some(text)));
        }
    }
    statements
}

/// One statement's text parsed back into its node.
fn reparse(sql: &str) -> Option<NodeEnum> {
    let parsed = pg_query::parse(sql, 0).ok()?;
    parsed.protobuf.stmts.into_iter().next()?.stmt?.node
}

/// A node back to text; the deparser panics on what it does not know, and the
/// drift check must not.
fn deparse(node: NodeEnum) -> Option<String> {
    std::panic::catch_unwind(|| node.deparse(pg_query::DeparseOptions::default()))
        .ok()?
        .ok()
}

/// Points a statement's relation at `schema.name`, keeping its other settings
/// (`ONLY`, persistence).
fn rename_relation(relation: &mut Option<RangeVar>, schema: &str, name: &str) {
    let relation = relation.get_or_insert_with(|| RangeVar {
        inh: true,
        relpersistence: "p".to_string(),
        ..RangeVar::default()
    });
    relation.schemaname = schema.to_string();
    relation.relname = name.to_string();
}

fn name_list(schema: &str, name: &str) -> Vec<Node> {
    [schema, name]
        .iter()
        .map(|part| Node {
            node: Some(NodeEnum::String(PgString {
                sval: part.to_string(),
            })),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mood(labels: &[&str]) -> Enum {
        Enum {
            schema: "public".to_string(),
            name: "mood".to_string(),
            labels: labels.iter().map(|l| l.to_string()).collect(),
            comment: None,
        }
    }

    #[test]
    fn names_are_quoted_where_they_must_be() {
        assert_eq!(qualified("public", "users"), "public.users");
        assert_eq!(qualified("Auth", "user"), "\"Auth\".\"user\"");
        assert_eq!(literal("it's"), "'it''s'");
    }

    #[test]
    fn a_label_goes_where_the_migrations_put_it() {
        let e = mood(&["happy", "meh", "sad"]);
        assert_eq!(
            add_enum_label(&e, "meh"),
            "ALTER TYPE public.mood ADD VALUE IF NOT EXISTS 'meh' BEFORE 'sad';"
        );
        assert_eq!(
            add_enum_label(&e, "sad"),
            "ALTER TYPE public.mood ADD VALUE IF NOT EXISTS 'sad' AFTER 'meh';"
        );
    }

    #[test]
    fn a_kept_trigger_is_written_under_its_current_names() {
        let trigger = Trigger {
            name: "touch_renamed".to_string(),
            table: QualifiedName::new("app", "people"),
            function: QualifiedName::new("public", "touch"),
            definition: Some(
                "CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()"
                    .to_string(),
            ),
        };
        assert_eq!(
            create_trigger(&trigger).as_deref(),
            Ok("CREATE TRIGGER touch_renamed BEFORE UPDATE ON app.people FOR EACH ROW EXECUTE FUNCTION public.touch();")
        );
    }
}
