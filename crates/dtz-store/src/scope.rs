//! Compiling a caller's [`Scope`] into SQL. Every store function that reads scoped data
//! takes the scope and calls [`filter`], so a caller cannot forget it.

use crate::sql::Sql;
use dtz_domain::access::{Grant, Scope};

/// Which columns of a table carry the attributes grants look at; `None` where the table
/// has no such column (grants on that attribute then admit nothing in it).
#[derive(Clone, Copy, Debug, Default)]
pub struct ScopeColumns {
    /// Owning organisation.
    pub org: Option<&'static str>,
    /// Country.
    pub country: Option<&'static str>,
    /// Team.
    pub team: Option<&'static str>,
    /// Owning or acting user.
    pub owner: Option<&'static str>,
    /// Provider organisation.
    pub provider: Option<&'static str>,
    /// Case id.
    pub case: Option<&'static str>,
}

impl ScopeColumns {
    /// A table (or counted rows) placed by organisation and country only: teams,
    /// caseworkers and providers do not narrow it.
    pub const fn place(org: &'static str, country: &'static str) -> Self {
        Self { org: Some(org), country: Some(country), team: None, owner: None, provider: None, case: None }
    }
}

/// A parenthesised boolean SQL expression true exactly for the rows `scope` admits.
pub fn filter(scope: &Scope, cols: &ScopeColumns) -> Sql {
    let mut parts: Vec<Sql> = Vec::new();
    for g in scope.grants() {
        let mut s = Sql::default();
        let ok = match g {
            Grant::All => {
                s.push("1 = 1");
                true
            }
            Grant::Org { org, country } => match (cols.org, country, cols.country) {
                (Some(o), None, _) => {
                    s.push(o).push(" = ").bind(*org);
                    true
                }
                (Some(o), Some(c), Some(cc)) => {
                    s.push("(").push(o).push(" = ").bind(*org).push(" AND ").push(cc).push(" = ").bind(c.as_str());
                    s.push(")");
                    true
                }
                _ => false,
            },
            Grant::Country(c) => eq(&mut s, cols.country, c.as_str()),
            Grant::Team(t) => eq(&mut s, cols.team, *t),
            Grant::Own(u) => eq(&mut s, cols.owner, *u),
            Grant::ProviderReferrals(p) | Grant::ProviderCare(p) => eq(&mut s, cols.provider, *p),
            Grant::CheckedOut(c) => eq(&mut s, cols.case, *c),
        };
        if ok {
            parts.push(s);
        }
    }
    let mut out = Sql::new("(");
    if parts.is_empty() {
        out.push("1 = 0");
    }
    for (i, p) in parts.into_iter().enumerate() {
        if i > 0 {
            out.push(" OR ");
        }
        out.append(p);
    }
    out.push(")");
    out
}

fn eq(s: &mut Sql, col: Option<&'static str>, v: impl Into<crate::sql::Arg>) -> bool {
    match col {
        Some(c) => {
            s.push(c).push(" = ").bind(v);
            true
        }
        None => false,
    }
}
