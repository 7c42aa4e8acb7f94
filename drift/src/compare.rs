//! The two lists of objects compared: what is missing, extra, or different, with what
//! is left out (the ignored relations, what the catalog could not follow) and what
//! another difference already stands for.

use crate::difference::{Change, Difference, ObjectKind};
use crate::facts::{Object, Objects};
use crate::query::Literal;
use pgstrata_analyzer::catalog::Uncertain;
use std::collections::{BTreeMap, BTreeSet};

/// What the catalog could not follow, as the check skips it.
#[derive(Debug, Default)]
pub(crate) struct Skipped {
    everything: bool,
    schemas: BTreeSet<String>,
    objects: BTreeSet<String>,
    /// Qualified relations the caller ignores (the runner's history table).
    ignored: BTreeSet<String>,
    /// Their schemas, which the database may have only for them.
    ignored_schemas: BTreeSet<String>,
}

impl Skipped {
    pub fn new(uncertain: &[Uncertain], ignore: &[String]) -> Skipped {
        let mut skipped = Skipped::default();
        for u in uncertain {
            if u.name == "*" {
                skipped.everything = true;
            } else if let Some(schema) = u.name.strip_suffix(".*") {
                skipped.schemas.insert(schema.to_string());
            } else {
                skipped.objects.insert(u.name.clone());
            }
        }
        for relation in ignore {
            let qualified = if relation.contains('.') {
                relation.clone()
            } else {
                format!("public.{relation}")
            };
            if let Some((schema, _)) = qualified.split_once('.') {
                skipped.ignored_schemas.insert(schema.to_string());
            }
            skipped.ignored.insert(qualified);
        }
        skipped
    }

    /// Whether the catalog may be wrong about the object.
    fn uncertain(&self, object: &Object) -> bool {
        if matches!(object.kind, ObjectKind::Schema | ObjectKind::Extension) {
            return self.everything;
        }
        self.everything
            || object
                .schema
                .as_ref()
                .is_some_and(|s| self.schemas.contains(s))
            || self.objects.contains(&object.qualified)
            || object
                .owner
                .as_ref()
                .is_some_and(|o| self.objects.contains(o))
    }

    fn ignored(&self, object: &Object) -> bool {
        self.ignored.contains(&object.qualified)
            || object
                .owner
                .as_ref()
                .is_some_and(|o| self.ignored.contains(o))
    }

    fn compared(&self, object: &Object) -> bool {
        !self.uncertain(object) && !self.ignored(object)
    }
}

/// A default that differs only as text, both sides literals of the same type: the
/// server says whether they are the same value.
#[derive(Debug, Clone)]
pub(crate) struct LiteralPair {
    pub difference: Difference,
    pub expected: Literal,
    pub actual: Literal,
}

/// The comparison before the literal pairs are settled.
#[derive(Debug, Default)]
pub(crate) struct Comparison {
    /// How many objects the migrations build were compared, by kind.
    pub compared: BTreeMap<ObjectKind, usize>,
    pub differences: Vec<Difference>,
    pub literal_pairs: Vec<LiteralPair>,
}

fn difference(object: &Object, change: Change) -> Difference {
    Difference {
        kind: object.kind,
        object: object.name.clone(),
        table: object.table.clone(),
        change,
    }
}

/// Compares what the migrations build with what the database has.
pub(crate) fn compare(expected: &Objects, actual: &Objects, skipped: &Skipped) -> Comparison {
    let mut comparison = Comparison::default();
    let expected: Vec<&Object> = expected.values().filter(|o| skipped.compared(o)).collect();
    for o in &expected {
        *comparison.compared.entry(o.kind).or_default() += 1;
    }
    let actual: Vec<&Object> = actual.values().filter(|o| skipped.compared(o)).collect();
    let actual_by_key: BTreeMap<_, &Object> = actual.iter().map(|o| (o.key(), *o)).collect();
    let expected_keys: BTreeSet<_> = expected.iter().map(|o| o.key()).collect();
    // Relations one side lacks: everything on them goes with them.
    let relation = |o: &&&Object| {
        matches!(
            o.kind,
            ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView
        )
    };
    let mut gone: BTreeSet<String> = BTreeSet::new();
    for o in expected.iter().filter(relation) {
        if !actual_by_key.contains_key(&o.key()) {
            gone.insert(o.name.clone());
        }
    }
    for o in actual.iter().filter(relation) {
        if !expected_keys.contains(&o.key()) {
            gone.insert(o.name.clone());
        }
    }
    let stands_for = |o: &Object| o.owner.as_ref().is_some_and(|owner| gone.contains(owner));
    for e in &expected {
        if stands_for(e) {
            continue;
        }
        let Some(a) = actual_by_key.get(&e.key()) else {
            comparison.differences.push(difference(e, Change::Missing));
            continue;
        };
        for (property, expected_value) in &e.properties {
            let Some(actual_value) = a.properties.get(property) else {
                continue;
            };
            if expected_value.compared == actual_value.compared {
                continue;
            }
            let different = difference(
                e,
                Change::Different {
                    property: property.to_string(),
                    expected: expected_value.shown.clone(),
                    actual: actual_value.shown.clone(),
                },
            );
            // Two literals of one type may be one value written twice (`'f'`, `false`).
            let same_type = e.properties.get("type") == a.properties.get("type");
            let literals = (*property == "default" && same_type).then(|| {
                (
                    expected_value.literal(),
                    actual_value.literal(),
                    &a.literal_cast,
                )
            });
            match literals {
                Some((Some(expected_literal), Some(actual_literal), Some(cast))) => {
                    comparison.literal_pairs.push(LiteralPair {
                        difference: different,
                        expected: Literal {
                            value: expected_literal,
                            cast: cast.clone(),
                        },
                        actual: Literal {
                            value: actual_literal,
                            cast: cast.clone(),
                        },
                    })
                }
                _ => comparison.differences.push(different),
            }
        }
    }
    for a in &actual {
        // The schema the migrations do not build may be the ignored relations' own.
        let ignored_schema =
            a.kind == ObjectKind::Schema && skipped.ignored_schemas.contains(&a.name);
        if !stands_for(a) && !ignored_schema && !expected_keys.contains(&a.key()) {
            comparison.differences.push(difference(a, Change::Extra));
        }
    }
    comparison
}

/// The names the check leaves out because the catalog could not follow them.
pub(crate) fn not_compared(uncertain: &[Uncertain]) -> Vec<String> {
    let names: BTreeSet<String> = uncertain.iter().map(|u| u.name.clone()).collect();
    names.into_iter().collect()
}
