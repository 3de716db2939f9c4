//! Importing activities from a file (CSV or XLSX, read by `dtz_formats::activities_file`):
//! every activity checked as in the form, then all written in one transaction with the
//! computed figures of the reports they count in, or none. Problems come back as
//! `line N: column`.
//!
//! An activity's id is its `activity` cell when that is an id, else it is derived from
//! the programme, the organisation and the cell, so importing the same file again
//! changes nothing instead of recording everything twice; a row of an activity that
//! exists is a change to it.

use super::{Activity, fields_of};
use crate::sync::outbox;
use crate::values::ComputeContext;
use crate::{Caller, Result, ServiceError, Services};
use dtz_domain::activity::{ActivityFields, ActivityInput, ReachInput, reach_field};
use dtz_domain::change::Change;
use dtz_domain::ids::OrgId;
use dtz_domain::validate::{Invalid, Violations};
use dtz_formats::activities_file::{ActivityRow, COLUMNS};
use dtz_store::activities::{self as store, NewActivity};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// The columns of an activities file, in order (for pages that explain them).
pub fn import_columns() -> &'static [&'static str] {
    &COLUMNS
}

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActivitiesImported {
    /// Activities not recorded before.
    pub new: usize,
    /// Activities recorded before and different now.
    pub changed: usize,
    /// Activities as recorded already.
    pub unchanged: usize,
    /// Rows in the file.
    pub rows: usize,
    /// Nothing was written.
    pub dry_run: bool,
}

/// Columns of the activity's own fields (the rest describe one reach cell).
const ACTIVITY_COLUMNS: [&str; 13] = [
    "programme",
    "organisation",
    "country",
    "goal",
    "type",
    "title",
    "start",
    "end",
    "area",
    "description",
    "links",
    "basis",
    "activity",
];
const REACH_COLUMNS: [&str; 5] = ["group", "sex", "age", "first_time", "repeat"];

fn at(line: usize, column: &str, message: impl Into<String>) -> Invalid {
    Invalid::new(format!("line {line}: {column}"), message)
}

/// The column a field of `ActivityFields::parse` is read from.
fn column_of(field: &str) -> &str {
    match field {
        "activity_type" => "type",
        f if f.starts_with("reach[") => f.rsplit_once('.').map_or("group", |(_, w)| w),
        f => f,
    }
}

/// One activity of the file: its rows, its id and what it becomes.
struct Planned {
    id: Uuid,
    org: OrgId,
    fields: ActivityFields,
    period: String,
    before: Option<Activity>,
}

impl Services {
    /// Import activities into a programme from file rows: all or none. Every problem is
    /// listed as `line N: column`; a dry run checks everything and writes nothing.
    pub async fn import_activities(
        &self,
        caller: &Caller,
        code: &str,
        rows: &[ActivityRow],
        dry_run: bool,
    ) -> Result<ActivitiesImported> {
        let opts = self.activity_options(code).await?;
        let orgs = self.orgs(caller).await?;
        let mut problems = Vec::new();
        let mut groups: Vec<(String, Vec<&ActivityRow>)> = Vec::new();
        for r in rows {
            let key = r.get("activity").trim();
            if key.is_empty() {
                problems.push(at(r.line, "activity", "Give every row the activity it belongs to (its id or any key)."));
                continue;
            }
            match groups.iter_mut().find(|(k, _)| k == key) {
                Some((_, g)) => g.push(r),
                None => groups.push((key.to_owned(), vec![r])),
            }
        }
        let mut planned = Vec::new();
        for (key, g) in &groups {
            if let Some(p) = self.plan(caller, code, &opts, &orgs, key, g, &mut problems) {
                planned.push(p);
            }
        }
        let ids: Vec<Uuid> = planned.iter().map(|p| p.id).collect();
        let existing = store::existing(&self.db, &ids).await?;
        let reach = store::reach(&self.db, &ids).await?;
        let mut seen = BTreeSet::new();
        for (p, (_, g)) in planned.iter_mut().zip(&groups) {
            let line = g.first().map_or(0, |r| r.line);
            if !seen.insert(p.id) {
                problems.push(at(line, "activity", "This activity is also on an earlier row with another key."));
            }
            if let Some(row) = existing.iter().find(|e| e.id == p.id) {
                let visible = super::may_record(caller, p.org, &row.country);
                if row.programme_id != opts.programme.id || row.org_id != p.org.0 || !visible {
                    problems.push(at(
                        line,
                        "activity",
                        "This id belongs to another organisation's or programme's activity.",
                    ));
                    continue;
                }
                p.before = Some(Activity { fields: fields_of(row, &reach)?, row: row.clone() });
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|i| {
                let (line, column) = crate::values::line_and_column(&i.field);
                (line, COLUMNS.iter().position(|c| *c == column).unwrap_or(COLUMNS.len()))
            });
            return Err(ServiceError::Invalid(Violations(problems)));
        }
        let mut done = ActivitiesImported { rows: rows.len(), dry_run, ..Default::default() };
        for p in &planned {
            match &p.before {
                None => done.new += 1,
                Some(b) if b.fields == p.fields => done.unchanged += 1,
                Some(_) => done.changed += 1,
            }
        }
        if dry_run || done.new + done.changed == 0 {
            return Ok(done);
        }
        self.write_planned(caller, &opts, &planned).await?;
        Ok(done)
    }

    /// Check one activity's rows; `None` (with problems pushed) when it cannot be made.
    #[expect(clippy::too_many_arguments, reason = "the import's context and one activity")]
    fn plan(
        &self,
        caller: &Caller,
        code: &str,
        opts: &super::ActivityOptions,
        orgs: &[dtz_store::orgs::OrgRow],
        key: &str,
        g: &[&ActivityRow],
        problems: &mut Vec<Invalid>,
    ) -> Option<Planned> {
        let head = g.first()?;
        let before = problems.len();
        for r in &g[1..] {
            for c in ACTIVITY_COLUMNS {
                let v = r.get(c).trim();
                if !v.is_empty() && v != head.get(c).trim() {
                    problems.push(at(
                        r.line,
                        c,
                        format!("This differs from line {}, the activity's first row.", head.line),
                    ));
                }
            }
        }
        let programme = head.get("programme").trim();
        if !programme.is_empty() && !programme.eq_ignore_ascii_case(code) {
            problems.push(at(
                head.line,
                "programme",
                format!("This row is for the programme “{programme}”, not “{code}”."),
            ));
        }
        let name = head.get("organisation").trim();
        let Some(org) =
            orgs.iter().find(|o| o.name == name || o.iati_id.as_deref() == Some(name) || o.id.to_string() == name)
        else {
            problems.push(at(head.line, "organisation", format!("There is no organisation “{name}”.")));
            return None;
        };
        let mut lines: BTreeMap<String, usize> = BTreeMap::new();
        let mut reach = Vec::new();
        for r in g {
            if REACH_COLUMNS.iter().all(|c| r.get(c).trim().is_empty()) {
                continue;
            }
            let cell = ReachInput {
                group: r.get("group").into(),
                sex: r.get("sex").into(),
                age: r.get("age").into(),
                first_time: r.get("first_time").into(),
                repeat: r.get("repeat").into(),
            };
            lines.insert(reach_field(cell.group.trim(), cell.sex.trim(), cell.age.trim(), ""), r.line);
            reach.push(cell);
        }
        let input = ActivityInput {
            goal: head.get("goal").into(),
            country: head.get("country").into(),
            activity_type: head.get("type").into(),
            title: head.get("title").into(),
            start: head.get("start").into(),
            end: head.get("end").into(),
            area: head.get("area").into(),
            description: head.get("description").into(),
            links: head.get("links").split_whitespace().map(str::to_owned).collect(),
            basis: head.get("basis").into(),
            reach,
        };
        let fields = match ActivityFields::parse(&input, &opts.allowed()) {
            Ok(f) => f,
            Err(v) => {
                for i in v.0 {
                    let line = i
                        .field
                        .rsplit_once('.')
                        .filter(|_| i.field.starts_with("reach["))
                        .and_then(|(cell, _)| lines.get(&format!("{cell}.")))
                        .copied()
                        .unwrap_or(head.line);
                    problems.push(at(line, column_of(&i.field), i.message));
                }
                return None;
            }
        };
        let org = OrgId(org.id);
        if let Err(e) = self.may_write(caller, org, &fields) {
            let m = match e {
                ServiceError::NotFound | ServiceError::Forbidden => {
                    format!("You may not record activities for “{name}” in “{}”.", fields.country)
                }
                other => other.to_string(),
            };
            problems.push(at(head.line, "organisation", m));
            return None;
        }
        let id = key.parse::<Uuid>().unwrap_or_else(|_| {
            let h = Sha256::digest(format!("dtz-activity|{code}|{}|{key}", org.0).as_bytes());
            let mut b = [0u8; 16];
            b.copy_from_slice(&h[..16]);
            uuid::Builder::from_random_bytes(b).into_uuid()
        });
        let period = fields.period(opts.framework.periods).to_string();
        (problems.len() == before).then_some(Planned { id, org, fields, period, before: None })
    }

    /// Write every new or changed activity and refresh the reports they count in, in one
    /// transaction.
    async fn write_planned(&self, caller: &Caller, opts: &super::ActivityOptions, planned: &[Planned]) -> Result<()> {
        let indicators = dtz_store::programmes::indicators(&self.db, opts.programme.id).await?;
        let ctx = ComputeContext::new(opts.programme.id, opts.framework.clone(), &indicators);
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let mut events = Vec::new();
        let mut ops = Vec::new();
        let mut places: BTreeSet<(OrgId, String, String)> = BTreeSet::new();
        for p in planned {
            match &p.before {
                None => {
                    let new = NewActivity {
                        id: p.id,
                        programme: opts.programme.id,
                        org: p.org,
                        period: &p.period,
                        fields: &p.fields,
                        by: caller.user(),
                    };
                    store::insert(&mut tx, &new, now).await?;
                    ops.push(outbox::activity_created(&opts.programme.code, p.org.0, p.id, &p.fields));
                    events.push(caller.event(
                        "activity.create",
                        &Change::create(store::ENTITY, p.id, &p.fields),
                        Some(p.org),
                    ));
                }
                Some(b) if b.fields == p.fields => continue,
                Some(b) => {
                    let v = b.row.version;
                    let r = store::update(&mut tx, p.id, v, &p.period, &p.fields, caller.user(), now).await;
                    self.written(r, p.id).await?;
                    let change = Change::update(store::ENTITY, p.id, v, &b.fields, &p.fields);
                    ops.push(outbox::activity_updated(p.id, v, &b.fields, &p.fields));
                    events.push(caller.event("activity.update", &change, Some(p.org)));
                    places.insert((p.org, b.row.country.clone(), b.row.period.clone()));
                }
            }
            places.insert((p.org, p.fields.country.as_str().to_owned(), p.period.clone()));
        }
        for (org, country, period) in &places {
            events.extend(self.refresh_computed(&mut tx, caller, &ctx, *org, country, period).await?);
        }
        self.queue_ops(&mut tx, &ops).await?;
        self.finish(tx, &events).await?;
        Ok(())
    }
}
