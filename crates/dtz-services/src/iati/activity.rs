//! The two kinds of activity in an export: the lead's programme activity (hierarchy 1,
//! alliance totals, money to each member) and a member's own activity (hierarchy 2, its
//! reporters' figures, money from the programme activity).

use super::*;

fn country_names(parts: &[CountryCode]) -> String {
    parts.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
}

pub(super) fn programme_activity(i: &Inputs, lead: &Org, publishers: &[Publisher], orgs: &[Org]) -> Activity {
    let p = i.p;
    let id =
        p.iati_identifier.clone().unwrap_or_else(|| format!("{}-{}", lead.iati_id.clone().unwrap_or_default(), p.code));
    let mut a = i.shell(id.clone(), 1, lead, p.name.clone());
    let goals: Vec<String> = p.goals.iter().map(|g| g.title.clone()).collect();
    if !goals.is_empty() {
        a.descriptions.push(("2".into(), goals.join(" ")));
    }
    if let Some(d) = i.donor {
        a.participants.push(participant("1", d, p.iati.donor_activity.as_deref()));
    }
    a.participants.push(participant("2", lead, Some(&id)));
    a.participants.push(participant("3", lead, Some(&id)));
    let mut seen = Vec::new();
    for pb in publishers {
        if !seen.contains(&pb.org.id) {
            seen.push(pb.org.id);
            a.participants.push(participant("4", &pb.org, None));
        }
        for part in pb.activities.iter().flat_map(|x| &x.parts) {
            for o in &part.partners {
                if !seen.contains(&o.id) {
                    seen.push(o.id);
                    a.participants.push(participant("4", o, None));
                }
            }
        }
    }
    let countries: Vec<CountryCode> = {
        let mut c: Vec<CountryCode> = Vec::new();
        for part in publishers.iter().flat_map(|pb| pb.activities.iter().flat_map(|x| &x.parts)) {
            if !c.contains(&part.country) {
                c.push(part.country);
            }
        }
        c
    };
    a.countries = money::shares(&countries, &i.finance);
    a.budgets = money::budgets(&i.finance, i.span());
    let donor = i.donor.map(org_ref);
    for year in i64::from(p.start.year())..=i64::from(p.end.year()) {
        let of_year: Vec<&Record> = i.finance.iter().filter(|r| r.row.year == year).collect();
        let incoming: i64 = of_year.iter().filter_map(|r| r.row.incoming).sum();
        if incoming > 0 {
            let date =
                of_year.iter().filter_map(|r| r.row.incoming_date).min().unwrap_or(money::year_end(year, i.today));
            let mut t = money::transaction("1", date, incoming, format!("Funds for {year} from the donor"));
            t.provider = donor.clone().and_then(|d| money::tx_org(d, p.iati.donor_activity.clone()));
            a.transactions.push(t);
        }
        for pb in publishers {
            for act in &pb.activities {
                let recs: Vec<&&Record> = of_year.iter().filter(|r| covers(act, pb.org.id, r.row)).collect();
                let value: i64 = recs.iter().filter_map(|r| r.row.incoming).sum();
                if value > 0 {
                    let date =
                        recs.iter().filter_map(|r| r.row.incoming_date).min().unwrap_or(money::year_end(year, i.today));
                    let mut t =
                        money::transaction("3", date, value, format!("Funds for {year} passed on to {}", pb.org.name));
                    t.receiver = money::tx_org(org_ref(&pb.org), Some(act.identifier.clone()));
                    a.transactions.push(t);
                }
            }
        }
    }
    a.transactions.sort_by_key(|t| (t.date, t.kind.clone()));
    a.related =
        publishers.iter().flat_map(|pb| pb.activities.iter().map(|x| ("2".to_owned(), x.identifier.clone()))).collect();
    let cells = |id: Uuid| -> Vec<&Cell> { i.alliance.iter().filter(|x| x.id == id).flat_map(|x| &x.cells).collect() };
    let all_countries: Vec<CountryCode> = p.countries.iter().map(|c| c.country).collect();
    let everyone: Vec<(OrgId, CountryCode)> =
        orgs.iter().flat_map(|o| all_countries.iter().map(move |c| (o.id, *c))).collect();
    let keep = targets_for(i.targets, &everyone, &all_countries);
    a.results = i.results(&cells, &|t| keep.contains(&goal_key(t)), &|_| true);
    a
}

/// Whether a finance record belongs to a planned activity of its member.
fn covers(act: &Planned, member: OrgId, r: &FinanceRow) -> bool {
    r.org_id == member.0 && act.parts.iter().any(|p| p.country.as_str() == r.country)
}

pub(super) fn member_activity(i: &Inputs, pb: &Publisher, act: &Planned, orgs: &[Org]) -> Activity {
    let p = i.p;
    let countries: Vec<CountryCode> = act.parts.iter().map(|x| x.country).collect();
    let title = format!("{}: {} in {}", p.name, pb.org.name, country_names(&countries));
    let mut a = i.shell(act.identifier.clone(), 2, &pb.org, title);
    let partners: Vec<&Org> = act.parts.iter().flat_map(|x| &x.partners).collect();
    a.descriptions.push((
        "4".into(),
        format!(
            "Part of the programme {} led by {}; {} works here with {} local partner(s).",
            p.name,
            i.lead.map_or("the alliance lead", |l| l.name.as_str()),
            pb.org.name,
            partners.len()
        ),
    ));
    let programme_id = p.iati_identifier.clone();
    if let Some(d) = i.donor {
        a.participants.push(participant("1", d, p.iati.donor_activity.as_deref()));
    }
    if let Some(l) = i.lead {
        a.participants.push(participant("2", l, programme_id.as_deref()));
    }
    a.participants.push(participant("3", &pb.org, Some(&act.identifier)));
    a.participants.push(participant("4", &pb.org, Some(&act.identifier)));
    for o in &partners {
        a.participants.push(participant("4", o, None));
    }
    let recs: Vec<Record> = i
        .finance
        .iter()
        .filter(|r| covers(act, pb.org.id, r.row))
        .map(|r| Record { row: r.row, paid: r.paid.clone() })
        .collect();
    a.countries = money::shares(&countries, &recs);
    a.budgets = money::budgets(&recs, i.span());
    let lead = i.lead.map(org_ref);
    for r in &recs {
        let (year, country) =
            (r.row.year, CountryCode::parse("country", &r.row.country).map(|c| c.name()).unwrap_or(""));
        if let (Some(v), Some(d)) = (r.row.incoming, r.row.incoming_date) {
            let mut t = money::transaction(
                "1",
                d,
                v,
                format!("Funds for {country} in {year} from the donor, through the programme"),
            );
            t.provider = lead.clone().and_then(|l| money::tx_org(l, programme_id.clone()));
            a.transactions.push(t);
        }
        for (partner, amount) in &r.paid {
            if let Some(o) = orgs.iter().find(|o| o.id.0 == *partner) {
                let mut t = money::transaction(
                    "3",
                    money::year_end(year, i.today),
                    *amount,
                    format!("Disbursement in {country}, {year}"),
                );
                t.receiver = money::tx_org(org_ref(o), None);
                a.transactions.push(t);
            }
        }
        if let Some(v) = r.row.expenditure {
            a.transactions.push(money::transaction(
                "4",
                money::year_end(year, i.today),
                v,
                format!("Expenditure in {country}, {year}"),
            ));
        }
    }
    a.transactions.sort_by_key(|t| (t.date, t.kind.clone()));
    if let Some(id) = programme_id {
        a.related.push(("1".into(), id));
    }
    let mut reporters: Vec<(OrgId, CountryCode)> = Vec::new();
    for part in &act.parts {
        reporters.push((pb.org.id, part.country));
        reporters.extend(part.partners.iter().map(|o| (o.id, part.country)));
    }
    let responsible: Vec<CountryCode> = act.parts.iter().filter(|x| x.responsible).map(|x| x.country).collect();
    let cells = |id: Uuid| -> Vec<&Cell> {
        i.reporters
            .iter()
            .filter(|x| x.id == id)
            .flat_map(|x| &x.cells)
            .filter(|c| matches!((c.org, c.country), (Some(o), Some(cc)) if reporters.contains(&(o, cc))))
            .collect()
    };
    let keep = targets_for(i.targets, &reporters, &responsible);
    let base = |b: &GoalRow| responsible.iter().any(|c| c.as_str() == b.country);
    a.results = i.results(&cells, &|t| keep.contains(&goal_key(t)), &base);
    a
}
