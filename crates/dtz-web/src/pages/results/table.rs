//! The table of one indicator, built once for the page and its download: a line per
//! country (or, filtered to a country, per organisation), the total of what is shown,
//! then the targets and baselines of the countries shown.

use crate::pages::Page;
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::results::rollup::Cell;
use dtz_services::results::{Figures, ResultsFilter};
use dtz_store::values::GoalRow;

/// One figure of a line.
pub enum Fig {
    /// A rolled-up figure.
    Cell(Cell),
    /// A target or baseline.
    Goal(GoalRow),
    /// Nothing.
    Empty,
}

/// A line: its label and one figure per period.
pub struct Line {
    /// What the line is.
    pub label: String,
    /// Per period of the figures.
    pub figs: Vec<Fig>,
}

/// The table.
pub struct IndicatorTable {
    /// Heading of the first column (country or organisation).
    pub first: String,
    /// The lines.
    pub lines: Vec<Line>,
}

fn cells_of(f: &Figures, code: &str) -> Vec<Cell> {
    f.indicators.iter().filter(|x| x.indicator.code == code).flat_map(|x| x.cells.iter().cloned()).collect()
}

fn line(f: &Figures, label: String, cells: &[Cell], pick: &dyn Fn(&Cell) -> bool) -> Line {
    let figs = f
        .periods
        .iter()
        .map(|p| cells.iter().find(|c| c.period == Some(*p) && pick(c)).cloned().map_or(Fig::Empty, Fig::Cell))
        .collect();
    Line { label, figs }
}

/// Build the table of indicator `code` from figures grouped by country (or, with a
/// country filter, by organisation) and period (`rows`) and by period only (`totals`).
pub fn indicator_table(
    page: &Page,
    (rows, totals): (&Figures, &Figures),
    code: &str,
    filter: &ResultsFilter,
    (baselines, targets): (&[GoalRow], &[GoalRow]),
    org_names: &[(OrgId, String)],
) -> IndicatorTable {
    let cells = cells_of(rows, code);
    let mut lines = Vec::new();
    let first = if filter.country.is_some() {
        let mut orgs: Vec<(String, OrgId)> = cells
            .iter()
            .filter_map(|c| c.org)
            .map(|o| (org_names.iter().find(|(id, _)| *id == o).map(|(_, n)| n.clone()).unwrap_or_default(), o))
            .collect();
        orgs.sort();
        orgs.dedup();
        for (name, org) in orgs {
            lines.push(line(rows, name, &cells, &|c: &Cell| c.org == Some(org)));
        }
        page.tr.t("field-organisation")
    } else {
        for pc in &rows.framework.countries {
            let l = line(rows, pc.country.name().to_owned(), &cells, &|c: &Cell| c.country == Some(pc.country));
            if l.figs.iter().any(|f| !matches!(f, Fig::Empty)) {
                lines.push(l);
            }
        }
        page.tr.t("org-country")
    };
    let label = if filter.country.is_none() && filter.org.is_none() {
        page.tr.t("results-alliance-total")
    } else {
        page.tr.t("results-selection-total")
    };
    lines.push(line(totals, label, &cells_of(totals, code), &|_: &Cell| true));
    let id = rows.indicators.iter().find(|x| x.indicator.code == code).map(|x| x.indicator.id);
    let shown: Vec<CountryCode> = match filter.country {
        Some(c) => vec![c],
        None => rows.framework.countries.iter().map(|pc| pc.country).collect(),
    };
    for country in shown {
        let mine = |g: &&GoalRow| Some(g.indicator_id) == id && g.country == country.as_str() && g.part.is_empty();
        let figs: Vec<Fig> = rows
            .periods
            .iter()
            .map(|per| {
                targets
                    .iter()
                    .filter(mine)
                    .find(|t| t.period == per.to_string() && t.org_id == filter.org.map(|o| o.0))
                    .cloned()
                    .map_or(Fig::Empty, Fig::Goal)
            })
            .collect();
        if figs.iter().any(|f| !matches!(f, Fig::Empty)) {
            lines.push(Line { label: page.tr.t1("results-target-of", "country", country.name()), figs });
        }
        lines.extend(part_targets(page, rows, code, country, id, filter, targets));
        if filter.org.is_none()
            && let Some(b) = baselines.iter().find(mine)
        {
            let label = page
                .tr
                .targs("results-baseline-of", &[("country", country.name().to_owned()), ("year", b.period.clone())]);
            let mut figs: Vec<Fig> = rows.periods.iter().map(|_| Fig::Empty).collect();
            if let Some(f) = figs.first_mut() {
                *f = Fig::Goal(b.clone());
            }
            lines.push(Line { label, figs });
        }
    }
    IndicatorTable { first, lines }
}

/// The targets of each part (option of a category set, "unknown" included) of indicator
/// `code` in `country`, one line per part that has any.
fn part_targets(
    page: &Page,
    rows: &Figures,
    code: &str,
    country: CountryCode,
    id: Option<uuid::Uuid>,
    filter: &ResultsFilter,
    targets: &[GoalRow],
) -> Vec<Line> {
    let p = &rows.framework;
    let Some((_, i)) = super::find(p, code) else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    for set in i.disaggregations.iter().filter_map(|d| p.disaggregations.iter().find(|s| &s.code == d)) {
        let options = set.options.iter().map(|o| (o.code.as_str(), o.label.clone()));
        for (option, label) in
            options.chain(std::iter::once((dtz_domain::results::UNKNOWN, page.tr.t("entry-unknown"))))
        {
            let part = format!("{}={option}", set.code);
            let mine: Vec<&GoalRow> = targets
                .iter()
                .filter(|t| {
                    Some(t.indicator_id) == id
                        && t.country == country.as_str()
                        && t.org_id == filter.org.map(|o| o.0)
                        && t.part == part
                })
                .collect();
            if mine.is_empty() {
                continue;
            }
            let figs = rows
                .periods
                .iter()
                .map(|per| {
                    mine.iter().find(|t| t.period == per.to_string()).map_or(Fig::Empty, |t| Fig::Goal((*t).clone()))
                })
                .collect();
            let what = format!("{}: {label}", set.title);
            lines.push(Line {
                label: page
                    .tr
                    .targs("results-target-part-of", &[("country", country.name().to_owned()), ("part", what)]),
                figs,
            });
        }
    }
    lines
}

/// A target or baseline as people read it.
pub fn show_goal(page: &Page, g: &GoalRow) -> String {
    match (g.value, g.numerator, g.denominator) {
        (Some(v), _, _) => page.tr.number(v),
        (None, Some(n), Some(d)) => format!("{n}/{d}"),
        _ => String::new(),
    }
}
