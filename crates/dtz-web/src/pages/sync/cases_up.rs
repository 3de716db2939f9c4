//! Case work from nodes on the hub's conflicts page (issue 9, point 4): the hub's values
//! of a case header in conflict (sealed fields are named, never shown here: the case page
//! shows them, audited), and the case work the hub refused.

use crate::pages::Page;
use crate::state::AppState;
use dtz_services::Caller;
use serde_json::{Map, Value};
use uuid::Uuid;

/// A refusal as the page shows it.
pub(super) struct RefusalView {
    pub entity: String,
    pub record: String,
    pub received: String,
    pub detail: String,
}

/// The hub's values of a case's plaintext header fields, for a conflict.
pub(super) async fn case_values(state: &AppState, caller: &Caller, id: Uuid) -> Option<Map<String, Value>> {
    let c = state.services.case_summary(caller, id).await.ok()?;
    let mut m = Map::new();
    let text = |v: Option<String>| v.map_or(Value::Null, Value::String);
    m.insert("risk".into(), text(c.risk.map(|r| r.as_str().to_owned())));
    m.insert("team_id".into(), text(c.team.map(|t| t.0.to_string())));
    m.insert("caseworker_id".into(), text(c.caseworker.map(|w| w.0.to_string())));
    Some(m)
}

/// A field shown for a case conflict: a sealed one is named, never shown.
pub(super) fn sealed_field(page: &Page, field: &str) -> Option<String> {
    field.starts_with("profile.").then(|| page.tr.t("sync-cases-sealed"))
}

/// The case work the hub refused, that the caller sees.
pub(super) async fn refusals(state: &AppState, caller: &Caller, page: &Page) -> Vec<RefusalView> {
    state
        .services
        .case_work_refusals(caller)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| RefusalView {
            entity: r.entity,
            record: r.record.to_string(),
            received: page.tr.datetime(r.received_at),
            detail: r.detail,
        })
        .collect()
}
