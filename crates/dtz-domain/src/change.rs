//! Writes as typed, field-level changes (DESIGN §3).
//!
//! One shape serves the 409 answer (which fields moved since the caller's version), the
//! audit event (entity, id and field *names*, never values) and, later, the sync outbox.

use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

/// What a change does to its record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new record, version 1.
    Create,
    /// New values for some fields.
    Update,
    /// A tombstone: the record stays, marked deleted, so sync can tell nodes.
    Delete,
}

/// One field's old and new value. Values live only in memory and in the outbox; the audit
/// log keeps the name alone.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    /// Field name as in the wire format.
    pub field: String,
    /// Value before (null on create).
    pub before: Value,
    /// Value after (null on delete).
    pub after: Value,
}

/// A change to one record, based on the version the writer saw.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// Entity name, e.g. `organisation`.
    pub entity: &'static str,
    /// Record id.
    pub id: Uuid,
    /// Create, update or delete.
    pub kind: ChangeKind,
    /// The version the writer based the change on (0 for a create).
    pub base_version: i64,
    /// Changed fields, sorted by name, each at most once.
    pub fields: Vec<FieldChange>,
}

fn as_map<T: Serialize>(v: &T) -> Map<String, Value> {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

impl Change {
    /// A new record: every non-null field.
    pub fn create<T: Serialize>(entity: &'static str, id: Uuid, after: &T) -> Self {
        Self::between_maps(entity, id, ChangeKind::Create, 0, &Map::new(), &as_map(after))
    }

    /// An update from `before` to `after`; fields with equal values are left out.
    pub fn update<T: Serialize>(entity: &'static str, id: Uuid, base_version: i64, before: &T, after: &T) -> Self {
        Self::between_maps(entity, id, ChangeKind::Update, base_version, &as_map(before), &as_map(after))
    }

    /// A tombstone.
    pub fn delete(entity: &'static str, id: Uuid, base_version: i64) -> Self {
        Self { entity, id, kind: ChangeKind::Delete, base_version, fields: Vec::new() }
    }

    /// The difference between two field maps.
    pub fn between_maps(
        entity: &'static str,
        id: Uuid,
        kind: ChangeKind,
        base_version: i64,
        before: &Map<String, Value>,
        after: &Map<String, Value>,
    ) -> Self {
        let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
        names.sort();
        names.dedup();
        let fields = names
            .into_iter()
            .filter_map(|name| {
                let b = before.get(name).cloned().unwrap_or(Value::Null);
                let a = after.get(name).cloned().unwrap_or(Value::Null);
                (a != b).then(|| FieldChange { field: name.clone(), before: b, after: a })
            })
            .collect();
        Self { entity, id, kind, base_version, fields }
    }

    /// Nothing to write.
    pub fn is_empty(&self) -> bool {
        self.kind == ChangeKind::Update && self.fields.is_empty()
    }

    /// The names of the changed fields: all the audit log keeps.
    pub fn field_names(&self) -> Vec<String> {
        self.fields.iter().map(|f| f.field.clone()).collect()
    }

    /// Apply to a field map (used by sync and by tests to check the representation).
    pub fn apply(&self, record: &mut Map<String, Value>) {
        for f in &self.fields {
            if f.after.is_null() {
                record.remove(&f.field);
            } else {
                record.insert(f.field.clone(), f.after.clone());
            }
        }
    }

    /// The version the record has after this change.
    pub fn new_version(&self) -> i64 {
        self.base_version + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn map_strategy() -> impl Strategy<Value = Map<String, Value>> {
        prop::collection::btree_map(
            "[a-e]",
            prop_oneof![
                Just(Value::Null),
                any::<i64>().prop_map(Value::from),
                "[a-z]{0,3}".prop_map(Value::from),
                any::<bool>().prop_map(Value::from),
            ],
            0..5,
        )
        .prop_map(|m| m.into_iter().collect())
    }

    fn without_nulls(m: &Map<String, Value>) -> Map<String, Value> {
        m.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    proptest! {
        #[test]
        fn applying_a_change_turns_before_into_after(before in map_strategy(), after in map_strategy()) {
            let c = Change::between_maps("t", Uuid::nil(), ChangeKind::Update, 3, &before, &after);
            let mut m = without_nulls(&before);
            c.apply(&mut m);
            prop_assert_eq!(m, without_nulls(&after));
        }

        #[test]
        fn a_change_names_each_changed_field_once_in_order(before in map_strategy(), after in map_strategy()) {
            let c = Change::between_maps("t", Uuid::nil(), ChangeKind::Update, 0, &before, &after);
            let names = c.field_names();
            let mut sorted = names.clone();
            sorted.sort();
            sorted.dedup();
            prop_assert_eq!(&names, &sorted);
            for f in &c.fields {
                prop_assert_ne!(&f.before, &f.after);
            }
            let unchanged = before.iter().filter(|(k, v)| after.get(*k).unwrap_or(&Value::Null) == *v).count();
            prop_assert!(names.len() + unchanged >= before.len());
        }

        #[test]
        fn a_change_between_equal_records_is_empty(m in map_strategy()) {
            let c = Change::between_maps("t", Uuid::nil(), ChangeKind::Update, 1, &m, &m);
            prop_assert!(c.is_empty());
        }
    }
}
