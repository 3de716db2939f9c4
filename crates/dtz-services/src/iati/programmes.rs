//! The programmes an import makes (DESIGN §6): one per parent activity, its code the
//! activity's `iati-identifier`, its framework built by `dtz_formats::iati::framework`
//! from the activity's results. Made (or, on a later import of the same parent, replaced)
//! in the import's transaction, marked `origin = 'iati'` (migration 0021) so nothing here
//! edits it: frameworks, reports, baselines and targets of an imported programme are
//! refused with [`imported_read_only`]; its figures stay in the imported activities, as
//! reported. A child whose parent is not in the file joins the programme already imported
//! under its parent's identifier, or, when there is none yet, makes it from itself until
//! the parent's file comes.

use crate::framework::audit_view;
use crate::{Caller, Result};
use dtz_domain::change::Change;
use dtz_domain::results::Programme;
use dtz_domain::validate::Invalid;
use dtz_formats::iati::framework;
use dtz_formats::iati::read::Read;
use dtz_store::audit::NewEvent;
use dtz_store::programmes::{self, ORIGIN_IATI, ProgrammeRow};
use dtz_store::{Db, Tx};
use uuid::Uuid;

/// The refusal of any change to an imported programme except by importing again.
pub fn imported_read_only() -> Invalid {
    Invalid::new(
        "programme",
        "This programme was imported from IATI: its framework and figures are kept as the publisher reported them. Import a newer file to change it.",
    )
}

/// A programme an import makes or replaces.
pub(super) struct Made {
    /// The programme as built from its activity.
    pub programme: Programme,
    /// The stored one it replaces.
    pub stored: Option<ProgrammeRow>,
}

/// The programmes of a file's activities, checked: every problem names the line of the
/// activity it comes from. Read in the import's transaction.
pub(super) async fn plan(tx: &mut Tx, reads: &[Read], today: time::Date) -> Result<(Vec<Made>, Vec<Invalid>)> {
    let mut made = Vec::new();
    let mut problems = Vec::new();
    let mut codes: Vec<&str> = Vec::new();
    for r in reads {
        if !codes.contains(&r.programme.as_str()) {
            codes.push(&r.programme);
        }
    }
    for code in codes {
        let members: Vec<&Read> = reads.iter().filter(|r| r.programme == code).collect();
        let parent = members.iter().find(|r| r.activity.identifier == code);
        let line = parent.or(members.first()).map_or(0, |r| r.line);
        let at = |field: &str| format!("line {line}: {code} {field}");
        if !framework::usable_code(code) {
            problems.push(Invalid::new(
                at("iati-identifier"),
                "This identifier cannot be a programme code here: use at most 100 letters, digits, dots, hyphens and underscores.",
            ));
            continue;
        }
        let stored = programmes::by_code_in(tx, code).await?;
        if stored.as_ref().is_some_and(|s| !s.imported()) {
            problems.push(Invalid::new(
                at("iati-identifier"),
                "A programme with this code was entered here; an import does not replace it.",
            ));
            continue;
        }
        let Some(from) = parent.or_else(|| if stored.is_none() { members.first() } else { None }) else {
            continue;
        };
        let children: Vec<_> =
            members.iter().filter(|r| r.activity.identifier != from.activity.identifier).map(|r| &r.activity).collect();
        let p = framework::programme(code, &from.activity, &children, today);
        let mut found = p.check();
        found.extend(dtz_formats::iati::check_codes(&p));
        for i in found {
            problems.push(Invalid::new(at(&i.field), i.message));
        }
        made.push(Made { programme: p, stored });
    }
    Ok((made, problems))
}

/// Write the planned programmes; their audit events.
pub(super) async fn write(
    db: &Db,
    tx: &mut Tx,
    caller: &Caller,
    made: &[Made],
    now: time::OffsetDateTime,
) -> Result<Vec<NewEvent>> {
    let mut events = Vec::new();
    for m in made {
        let p = &m.programme;
        match &m.stored {
            None => {
                let id = Uuid::new_v4();
                programmes::insert(tx, id, p, now).await?;
                programmes::set_origin(tx, id, ORIGIN_IATI).await?;
                let change = Change::create("programme", id, &audit_view(p));
                events.push(caller.event("programme.create", &change, None));
            }
            Some(row) => {
                let before = programmes::programme(db, row).await?;
                let change = Change::update("programme", row.id, row.version, &audit_view(&before), &audit_view(p));
                if change.is_empty() {
                    continue;
                }
                let version = programmes::update(tx, row.id, row.version, p, now).await?;
                let ev = NewEvent { entity_version: Some(version), ..caller.event("programme.update", &change, None) };
                events.push(ev);
            }
        }
    }
    Ok(events)
}
