//! The names PostgreSQL chooses for what a migration leaves unnamed: `t_pkey`,
//! `t_a_b_key`, `t_col_fkey`, `t_col_check`, `t_col_idx`, `t_id_seq`, with their
//! truncation to 63 bytes and a number appended on a clash (`makeObjectName`,
//! `ChooseRelationName`, `ChooseConstraintName` and `ChooseIndexName` in
//! PostgreSQL's `indexcmds.c` and `pg_constraint.c`).

use super::identifiers::{clip, MAX_IDENTIFIER_BYTES};

/// `makeObjectName(name1, name2, label)`: `name1_name2_label`, truncating the longer
/// of the two names first so the whole fits in 63 bytes.
pub fn object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let overhead = name2.map_or(0, |_| 1) + if label.is_empty() { 0 } else { label.len() + 1 };
    let available = MAX_IDENTIFIER_BYTES.saturating_sub(overhead);
    let mut chars1 = name1.len();
    let mut chars2 = name2.map_or(0, str::len);
    while chars1 + chars2 > available {
        if chars1 > chars2 {
            chars1 -= 1;
        } else {
            chars2 -= 1;
        }
    }
    // Sized once: growing it as it is built cost a reallocation per part.
    let mut name = String::with_capacity(chars1 + chars2 + overhead);
    name.push_str(clip(name1, chars1));
    if let Some(name2) = name2 {
        name.push('_');
        name.push_str(clip(name2, chars2));
    }
    if !label.is_empty() {
        name.push('_');
        name.push_str(label);
    }
    name
}

/// The first of `name1_name2_label`, `name1_name2_label1`, `..._label2`, ... that
/// `taken` does not hold.
pub fn choose(
    name1: &str,
    name2: Option<&str>,
    label: &str,
    taken: impl Fn(&str) -> bool,
) -> String {
    let mut pass = 0u32;
    let mut modified = label.to_string();
    loop {
        let name = object_name(name1, name2, &modified);
        if !taken(&name) {
            return name;
        }
        pass += 1;
        modified = format!("{label}{pass}");
    }
}

/// `ChooseIndexNameAddition` / `ChooseForeignKeyConstraintNameAddition`: the column
/// names joined with `_`, stopping once 63 bytes are reached.
pub fn columns_addition<S: AsRef<str>>(columns: &[S]) -> String {
    let mut buffer = String::new();
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            buffer.push('_');
        }
        buffer.push_str(clip(column.as_ref(), MAX_IDENTIFIER_BYTES));
        if buffer.len() >= MAX_IDENTIFIER_BYTES {
            break;
        }
    }
    buffer
}

/// `ChooseIndexColumnNames`: the names an index gives its columns (a column's name,
/// an expression's `FigureColname`, else `expr`), made distinct with a number.
pub fn index_column_names(origins: &[String]) -> Vec<String> {
    let mut result: Vec<String> = Vec::with_capacity(origins.len());
    for origin in origins {
        let mut current = origin.clone();
        let mut i = 1u32;
        while result.contains(&current) {
            let suffix = i.to_string();
            current = format!(
                "{}{suffix}",
                clip(origin, MAX_IDENTIFIER_BYTES.saturating_sub(suffix.len()))
            );
            i += 1;
        }
        result.push(current);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_built_and_truncated_like_postgres() {
        assert_eq!(object_name("users", None, "pkey"), "users_pkey");
        assert_eq!(
            object_name("users", Some("email"), "key"),
            "users_email_key"
        );
        let long = "a".repeat(60);
        let name = object_name(&long, Some("email"), "key");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_email_key"));
        let both = object_name(&"t".repeat(40), Some(&"c".repeat(40)), "fkey");
        assert_eq!(both.len(), 63);
        assert_eq!(both, format!("{}_{}_fkey", "t".repeat(29), "c".repeat(28)));
    }

    #[test]
    fn a_clash_appends_a_number_to_the_label() {
        let taken = ["t_a_key", "t_a_key1"];
        assert_eq!(
            choose("t", Some("a"), "key", |n| taken.contains(&n)),
            "t_a_key2"
        );
    }

    #[test]
    fn index_columns_are_made_distinct() {
        let names = index_column_names(&["lower".into(), "lower".into(), "a".into()]);
        assert_eq!(names, ["lower", "lower1", "a"]);
        assert_eq!(columns_addition(&["a", "b"]), "a_b");
    }
}
