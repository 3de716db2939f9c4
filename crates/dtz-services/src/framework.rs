//! Changing a programme's results framework, one way for every way in: the programme
//! file (`dtz programme load`, the "edit as file" page) and the page edits both end in
//! [`Services::save_framework`], which validates with `Programme::check`, keeps the rules
//! towards recorded data (`dtz_domain::results::edit`), checks the caller's version and
//! writes through `dtz_store::programmes::update` with one audit event.
//!
//! Versions: an edit names the programme version it was made on. When the programme
//! moved on since, the edit still goes through if none of what it changes was changed
//! meanwhile (two people editing two indicators do not block each other); otherwise it is
//! a 409 naming what changed. A whole file touches everything that differs from the
//! stored framework, so it conflicts with any change it would undo.

use crate::programmes::Loaded;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::access::Role;
use dtz_domain::change::Change;
use dtz_domain::results::edit::{Recorded, check_recorded};
use dtz_domain::results::{FrameworkEdit, Programme, ResultNode};
use dtz_domain::validate::{Invalid, Violations};
use dtz_store::audit::NewEvent;
use dtz_store::programmes;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// The programme as the audit and the 409 answer compare it: one field per programme
/// attribute, per node (`node:G1.O1`) and per indicator (`indicator:G1.O1.1`), so the
/// audit names exactly what an edit changed (names only; the values stay in memory).
pub(crate) fn audit_view(p: &Programme) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |k: String, v: Value| {
        m.insert(k, v);
    };
    put("name".into(), json!(p.name));
    put("description".into(), json!(p.description));
    put("start".into(), json!(p.start.to_string()));
    put("end".into(), json!(p.end.to_string()));
    put("periods".into(), json!(p.periods.as_str()));
    put("currency".into(), json!(p.currency));
    put("iati_identifier".into(), json!(p.iati_identifier));
    put("donor".into(), json!(p.donor));
    put("lead".into(), json!(p.lead));
    put("countries".into(), json!(p.countries));
    put("disaggregations".into(), json!(p.disaggregations));
    put("iati".into(), json!(p.iati));
    fn walk(n: &ResultNode, parent: Option<&str>, index: usize, put: &mut dyn FnMut(String, Value)) {
        put(
            format!("node:{}", n.code),
            json!({"level": n.level, "parent": parent, "index": index, "title": n.title, "description": n.description}),
        );
        for (i, ind) in n.indicators.iter().enumerate() {
            put(format!("indicator:{}", ind.code), json!({"node": n.code, "index": i, "indicator": ind}));
        }
        for (ci, c) in n.children.iter().enumerate() {
            walk(c, Some(&n.code), ci, put);
        }
    }
    for (gi, g) in p.goals.iter().enumerate() {
        walk(g, None, gi, &mut put);
    }
    m
}

impl Services {
    /// Whether the caller changes results frameworks: system administrators and the
    /// alliance M&E lead.
    pub fn may_edit_frameworks(caller: &Caller) -> bool {
        match caller {
            Caller::System => true,
            Caller::User(a) => a.is_system_admin() || a.has_role(Role::AllianceManager),
        }
    }

    /// One change to a programme's framework made on version `base`: applied to the
    /// framework as stored now, then saved like a file.
    pub async fn edit_framework(&self, caller: &Caller, code: &str, base: i64, edit: FrameworkEdit) -> Result<Loaded> {
        if !Self::may_edit_frameworks(caller) {
            return Err(ServiceError::Forbidden);
        }
        let (_, mut p) = self.programme(code).await?;
        edit.apply(&mut p).map_err(|_| ServiceError::NotFound)?;
        self.save_framework(caller, &p, Some(base)).await
    }

    /// Load a programme file's text. Every problem — of the file, of `Programme::check`,
    /// of the rules towards recorded data — names its line in its field (`line 12:
    /// goals[0].title`). `expect` refuses a file for another programme; `base` is the
    /// version the file was read at (none: replace whatever is stored).
    pub async fn load_programme_file(
        &self,
        caller: &Caller,
        text: &str,
        expect: Option<&str>,
        base: Option<i64>,
    ) -> Result<Loaded> {
        if !Self::may_edit_frameworks(caller) {
            return Err(ServiceError::Forbidden);
        }
        let (p, lines) = dtz_formats::programme::parse_located(text).map_err(|e| {
            ServiceError::Invalid(Violations(
                e.0.into_iter().map(|p| Invalid::new(format!("line {}: {}", p.line, p.field), p.reason)).collect(),
            ))
        })?;
        let at = |field: &str| match lines.line(field) {
            0 => field.to_owned(),
            n => format!("line {n}: {field}"),
        };
        if let Some(code) = expect
            && p.code != code
        {
            return Err(Invalid::new(
                at("programme.code"),
                format!("This file is for the programme “{}”; here you edit “{code}”.", p.code),
            )
            .into());
        }
        self.save_framework(caller, &p, base).await.map_err(|e| match e {
            ServiceError::Invalid(v) => ServiceError::Invalid(Violations(
                v.0.into_iter().map(|i| Invalid { field: at(&i.field), message: i.message }).collect(),
            )),
            other => other,
        })
    }

    /// Create or replace a programme and its framework; see the module comment.
    pub async fn save_framework(&self, caller: &Caller, p: &Programme, base: Option<i64>) -> Result<Loaded> {
        self.refuse_reference_edit(caller).await?;
        if !Self::may_edit_frameworks(caller) {
            return Err(ServiceError::Forbidden);
        }
        let problems = p.check();
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(Violations(problems)));
        }
        let now = self.clock.now();
        let Some(row) = programmes::by_code(&self.db, &p.code).await? else {
            if base.is_some() {
                return Err(ServiceError::NotFound);
            }
            let id = Uuid::new_v4();
            let mut tx = self.db.begin().await?;
            programmes::insert(&mut tx, id, p, now).await?;
            let change = Change::create("programme", id, &audit_view(p));
            self.finish(tx, &[caller.event("programme.create", &change, None)]).await?;
            let unresolved = self.unresolved_refs(p).await?;
            return Ok(Loaded { id, created: true, unresolved, version: 1, changed: change.field_names() });
        };
        if row.imported() {
            return Err(crate::iati::imported_read_only().into());
        }
        let before = programmes::programme(&self.db, &row).await?;
        let change = Change::update("programme", row.id, row.version, &audit_view(&before), &audit_view(p));
        if let Some(b) = base
            && b != row.version
        {
            let since = dtz_store::audit::fields_changed_since(&self.db, row.id, b).await?;
            let mine = change.field_names();
            if b > row.version || since.is_empty() || since.iter().any(|f| mine.contains(f)) {
                return Err(ServiceError::Stale { base: b, current: row.version, changed: since });
            }
        }
        let unresolved = self.unresolved_refs(p).await?;
        if change.is_empty() {
            return Ok(Loaded { id: row.id, created: false, unresolved, version: row.version, changed: Vec::new() });
        }
        let mut tx = self.db.begin().await?;
        let codes = programmes::indicators(&self.db, row.id).await?;
        let recorded: Vec<Recorded> = programmes::recorded(&mut tx, row.id)
            .await?
            .into_iter()
            .filter_map(|r| {
                let code = codes.iter().find(|i| i.id == r.indicator_id)?.code.clone();
                Some(Recorded { indicator: code, part: r.part, max_value: r.max_value })
            })
            .collect();
        let problems = check_recorded(&before, p, &recorded);
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(Violations(problems)));
        }
        let version = self.written(programmes::update(&mut tx, row.id, row.version, p, now).await, row.id).await?;
        let ev = NewEvent { entity_version: Some(version), ..caller.event("programme.update", &change, None) };
        self.finish(tx, &[ev]).await?;
        Ok(Loaded { id: row.id, created: false, unresolved, version, changed: change.field_names() })
    }
}

impl Services {
    /// Codes of the indicators that have values, baselines or targets: their code, measure
    /// and recorded breakdowns are fixed (see `dtz_domain::results::edit`).
    pub async fn recorded_indicators(&self, code: &str) -> Result<std::collections::BTreeSet<String>> {
        let (row, _) = self.programme(code).await?;
        let codes = programmes::indicators(&self.db, row.id).await?;
        Ok(programmes::recorded_now(&self.db, row.id)
            .await?
            .into_iter()
            .filter_map(|r| codes.iter().find(|i| i.id == r.indicator_id).map(|i| i.code.clone()))
            .collect())
    }
}
