//! What the catalog could not follow. A statement it cannot see into (dynamic SQL,
//! an extension it does not know, a function that may create tables) makes the
//! objects it may have touched uncertain, and the catalog rule never reports a
//! problem about an uncertain name: no false errors.

use super::model::{QualifiedName, Uncertain};
use std::collections::HashSet;

/// The three reaches of uncertainty: everything, a whole schema, one object.
#[derive(Debug, Default, Clone)]
pub struct Uncertainty {
    everything: bool,
    /// Schemas where any relation or type may have appeared, changed or gone.
    schemas: HashSet<String>,
    /// Relations and types whose shape (columns, constraints, indexes, labels) is
    /// unknown, and which may or may not exist.
    objects: HashSet<QualifiedName>,
    /// The record for `Catalog::uncertain`, in order.
    record: Vec<Uncertain>,
}

/// What a problem is about, to decide whether uncertainty covers it.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// A schema's existence.
    Schema(&'a str),
    /// An object at a known place.
    Object(&'a str, &'a str),
    /// An unqualified name, looked up along these schemas.
    Searched(&'a str, &'a [String]),
}

impl Uncertainty {
    /// Anything, anywhere, may have changed.
    pub fn everything(&mut self, reason: String) {
        self.everything = true;
        self.note("*", "*", reason);
    }

    /// Any relation or type in `schema` may have changed.
    pub fn schema(&mut self, schema: &str, reason: String) {
        self.schemas.insert(schema.to_string());
        self.note("schema", &format!("{schema}.*"), reason);
    }

    /// `name` may exist or not, with any shape.
    pub fn object(&mut self, kind: &str, name: &QualifiedName, reason: String) {
        self.objects.insert(name.clone());
        self.note(kind, &format!("{}.{}", name.schema, name.name), reason);
    }

    fn note(&mut self, kind: &str, name: &str, reason: String) {
        if self.record.iter().any(|u| u.kind == kind && u.name == name) {
            return;
        }
        self.record.push(Uncertain {
            kind: kind.to_string(),
            name: name.to_string(),
            reason,
        });
    }

    /// Whether a problem about `subject` might be false.
    pub fn covers(&self, subject: Subject<'_>) -> bool {
        if self.everything {
            return true;
        }
        match subject {
            // A schema named in the record exists for sure; others may not.
            Subject::Schema(schema) => self.schemas.contains(schema),
            Subject::Object(schema, name) => {
                self.schemas.contains(schema)
                    || self
                        .objects
                        .iter()
                        .any(|o| o.name == name && o.schema == schema)
            }
            Subject::Searched(name, path) => path.iter().any(|schema| {
                self.schemas.contains(schema.as_str())
                    || self
                        .objects
                        .iter()
                        .any(|o| o.schema == *schema && o.name == name)
            }),
        }
    }

    /// Whether `name`'s shape is known (it is not uncertain, nor its schema).
    pub fn shape_known(&self, name: &QualifiedName) -> bool {
        !self.covers(Subject::Object(&name.schema, &name.name))
    }

    /// The record, for the catalog.
    pub fn record(&self) -> &[Uncertain] {
        &self.record
    }

    /// Renames an uncertain object, so uncertainty follows it.
    pub fn renamed(&mut self, from: &QualifiedName, to: &QualifiedName) {
        if self.objects.remove(from) {
            self.objects.insert(to.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reach_covers_what_it_should() {
        let mut u = Uncertainty::default();
        let path = vec!["public".to_string()];
        assert!(!u.covers(Subject::Searched("t", &path)));
        u.object("table", &QualifiedName::new("public", "t"), "x".into());
        assert!(u.covers(Subject::Object("public", "t")));
        assert!(u.covers(Subject::Searched("t", &path)));
        assert!(!u.covers(Subject::Object("public", "u")));
        u.schema("auth", "y".into());
        assert!(u.covers(Subject::Object("auth", "anything")));
        assert!(!u.covers(Subject::Schema("other")));
        u.everything("z".into());
        assert!(u.covers(Subject::Schema("nowhere")));
        assert_eq!(u.record().len(), 3);
    }
}
