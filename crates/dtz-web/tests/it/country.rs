//! The country page and the filters of the results pages: the same figures as the rollup
//! API, narrowed in the query, and downloads that hold exactly the table on the screen.

use crate::support::{PASSWORD, TestApp};
use axum::http::{Method, StatusCode};
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::ids::OrgId;
use dtz_domain::org::{CountryCode, OrgFields};
use dtz_domain::results::{Entry, ReportAction};
use dtz_services::goals::GoalInput;
use dtz_services::values::{ReportKey, ValueInput};
use dtz_services::{Caller, Services};
use serde_json::Value;

crate::on_both! {
    the_country_page_shows_the_rollup_figures_targets_progress_and_reports_of_the_country => country;
    filters_narrow_the_results_tables_and_their_downloads_alike => filters;
}

struct World {
    icco: OrgId,
    partner: OrgId,
    lead: String,
    lead_token: String,
}

fn ra(role: Role, org: Option<OrgId>, country: Option<&str>) -> Option<RoleAssignment> {
    Some(RoleAssignment { role, org, country: country.map(|c| CountryCode::parse("c", c).unwrap()), team: None })
}

fn count(v: i64) -> Entry {
    Entry { value: Some(v), ..Entry::default() }
}

/// Reports as the system: (org, country, period, [(indicator, value)], how far approved).
async fn report(app: &TestApp, org: OrgId, country: &str, period: &str, vals: &[(&str, i64)], steps: usize) {
    let key = ReportKey { programme: "DTZ".into(), org, country: country.into(), period: period.into() };
    let input: Vec<ValueInput> = vals
        .iter()
        .map(|(i, v)| ValueInput { indicator: (*i).into(), part: String::new(), entry: count(*v) })
        .collect();
    let r = app.services.save_values(&Caller::System, &key, &input).await.unwrap();
    let mut version = r.version;
    for a in [ReportAction::Submit, ReportAction::ApproveCountry, ReportAction::ApproveAlliance].into_iter().take(steps)
    {
        version = app.services.act_on_report(&Caller::System, r.id, version, a, None).await.unwrap().version;
    }
}

async fn world(app: &TestApp) -> World {
    let p = Services::parse_programme(dtz_services::demo::PROGRAMME).unwrap();
    app.services.load_programme(&Caller::System, &p).await.unwrap();
    let f = OrgFields::parse("ICCO Cooperation", "alliance_member", Some("NL-KVK-56484038"), Some("NL"), true).unwrap();
    let icco = OrgId(app.services.create_org(&Caller::System, OrgId::new(), f).await.unwrap().id);
    let partner = app.org("Sample partner Bolivia (sample data)", "local_partner").await;
    let tdh = app.org("TdH", "alliance_member").await;
    // Bolivia: ICCO approved in 2016 and 2017, the partner approved in 2016, only
    // submitted in 2017; Peru: ICCO approved in 2016.
    report(app, icco, "BO", "2016", &[("G1.O1.1", 1200), ("G1.O2.1", 100), ("G2.O1.1", 40)], 3).await;
    report(app, partner, "BO", "2016", &[("G1.O1.1", 800), ("G1.O2.1", 50)], 3).await;
    report(app, icco, "BO", "2017", &[("G1.O1.1", 1500), ("G1.O2.1", 180)], 3).await;
    report(app, partner, "BO", "2017", &[("G1.O1.1", 300)], 1).await;
    report(app, icco, "PE", "2016", &[("G1.O1.1", 500)], 3).await;
    let goal = |indicator: &str, org: Option<OrgId>, period: &str, v: i64| GoalInput {
        indicator: indicator.into(),
        country: "BO".into(),
        org,
        period: period.into(),
        part: String::new(),
        entry: count(v),
        base_version: None,
    };
    let baselines = [goal("G1.O1.1", None, "2015", 1000)];
    let targets = [
        goal("G1.O1.1", None, "2016", 4000),
        goal("G1.O1.1", None, "2017", 4000),
        goal("G1.O1.1", Some(icco), "2016", 2500),
    ];
    app.services.save_goals(&Caller::System, "DTZ", &baselines, &targets).await.unwrap();
    let (_, lead_token) = app.user("lead@tdh.example.org", tdh, ra(Role::AllianceManager, None, None)).await;
    World { icco, partner, lead: app.login("lead@tdh.example.org", PASSWORD).await.unwrap(), lead_token }
}

/// The rows of the table in the section with `id` (or of the first table when `id` is
/// empty): label and cells, as shown.
fn table_rows(html: &str, id: &str) -> Vec<(String, Vec<String>)> {
    let from = if id.is_empty() { html } else { html.split(&format!("id=\"{id}\"")).nth(1).unwrap_or_default() };
    let body = from.split("<tbody>").nth(1).unwrap_or_default().split("</tbody>").next().unwrap_or_default();
    body.split("<tr")
        .skip(1)
        .map(|tr| {
            let label =
                tr.split("<th scope=\"row\">").nth(1).unwrap_or_default().split("</th>").next().unwrap_or_default();
            let cells = tr
                .split("<td")
                .skip(1)
                .map(|td| {
                    let inner = td.split_once('>').map(|x| x.1).unwrap_or_default();
                    let inner = inner.split("</td>").next().unwrap_or_default();
                    strip_tags(inner).trim().to_owned()
                })
                .collect();
            (strip_tags(label).trim().to_owned(), cells)
        })
        .collect()
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut tag = false;
    for c in s.chars() {
        match c {
            '<' => tag = true,
            '>' => tag = false,
            c if !tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The figures of the overview's row for `code`.
fn overview_row(html: &str, code: &str) -> Vec<String> {
    let tr = html
        .split("<tr")
        .find(|tr| tr.contains(&format!("<code>{code}</code>")))
        .unwrap_or_else(|| panic!("no {code}"));
    tr.split("<td class=\"num\">").skip(1).map(|td| strip_tags(td.split("</td>").next().unwrap_or_default())).collect()
}

fn row<'a>(rows: &'a [(String, Vec<String>)], label: &str) -> &'a [String] {
    rows.iter()
        .find(|(l, _)| l == label)
        .map(|(_, c)| c.as_slice())
        .unwrap_or_else(|| panic!("no row {label}: {rows:?}"))
}

fn en(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

async fn rollups(app: &TestApp, w: &World, query: &str) -> Vec<Value> {
    let r = app.api(Method::GET, &format!("/programmes/DTZ/rollups?{query}"), Some(&w.lead_token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json().as_array().unwrap().clone()
}

async fn country(app: TestApp) {
    let w = world(&app).await;
    let r = app.page("/results/DTZ/countries/BO", Some(&w.lead)).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert!(html.contains("<h1>Bolivia (Plurinational State of)</h1>"), "{html}");
    let periods = ["2016", "2017", "2018", "2019", "2020"];

    // The country's figures and each organisation's are the rollup API's, cell by cell.
    let rows = table_rows(&html, "G1.O1.1");
    let total = rollups(&app, &w, "group=period&country=BO&indicator=G1.O1.1").await;
    let by_org = rollups(&app, &w, "group=org,period&country=BO&indicator=G1.O1.1").await;
    let api_at = |cells: &[Value], org: Option<OrgId>, p: &str| {
        cells
            .iter()
            .find(|c| c["period"] == p && org.is_none_or(|o| c["org_id"] == o.to_string()))
            .map(|c| en(c["value"].as_i64().unwrap()))
            .unwrap_or_default()
    };
    let expect = |org: Option<OrgId>, cells: &[Value]| periods.map(|p| api_at(cells, org, p)).to_vec();
    assert_eq!(row(&rows, "Achieved"), expect(None, &total), "{rows:?}");
    assert_eq!(row(&rows, "Achieved")[..2], ["2,000", "1,500"], "approved only: the partner's 2017 report is pending");
    assert_eq!(row(&rows, "ICCO Cooperation"), expect(Some(w.icco), &by_org));
    assert_eq!(row(&rows, "Sample partner Bolivia (sample data)"), expect(Some(w.partner), &by_org));
    assert_eq!(row(&rows, "Target")[..2], ["4,000", "4,000"]);
    assert_eq!(row(&rows, "ICCO Cooperation: target")[0], "2,500");
    // Progress from the baseline (1,000) to the target (4,000): 2,000 is a third of the way.
    let progress = row(&rows, "Progress from the baseline to the target");
    assert!(progress[0].ends_with("33 %") && progress[1].ends_with("17 %"), "{progress:?}");
    let g1o21 = html.split("id=\"G1.O2.1\"").nth(1).unwrap().split("</section>").next().unwrap();
    assert!(!g1o21.contains("Progress") && !g1o21.contains(">Target<"), "no target, no target or progress rows");
    assert!(html.contains("<progress max=\"100\" value=\"33\">"));
    assert!(html.contains("Baseline (2015): 1,000"));
    // A cumulative indicator carries each organisation's running total forward.
    let cumulative = table_rows(&html, "G1.O2.1");
    let api = rollups(&app, &w, "group=period&country=BO&indicator=G1.O2.1").await;
    assert_eq!(row(&cumulative, "Achieved"), expect(None, &api));
    assert_eq!(row(&cumulative, "Achieved")[..3], ["150", "230", "230"]);
    assert!(
        html.contains("href=\"/results/DTZ/indicators/G1.O1.1?country=BO\""),
        "links to the filtered indicator page"
    );

    // The country's reports, for staff.
    let reports = table_rows(html.split("id=\"reports\"").nth(1).unwrap(), "");
    let partner = row(&reports, "Sample partner Bolivia (sample data)");
    assert!(
        partner[0].contains("approved (frozen)")
            && partner[1].contains("submitted")
            && partner[2].contains("not started")
    );
    assert_eq!(row(&reports, "Expected reports submitted or approved")[..3], ["2 of 2 in", "2 of 2 in", "0 of 2 in"]);

    // Staff may include pending values, marked.
    let pending = app.page("/results/DTZ/countries/BO?pending=on", Some(&w.lead)).await.text();
    assert_eq!(row(&table_rows(&pending, "G1.O1.1"), "Achieved")[1], "1,800 *");

    // The indicator page filtered to the country: rows by organisation, the country total.
    let ind = app.page("/results/DTZ/indicators/G1.O1.1?country=BO", Some(&w.lead)).await.text();
    let rows = table_rows(&ind, "");
    assert_eq!(row(&rows, "ICCO Cooperation")[..2], ["1,200", "1,500"]);
    assert_eq!(row(&rows, "Total of this selection")[..2], ["2,000", "1,500"]);
    assert!(!rows.iter().any(|(l, _)| l == "Peru"), "{rows:?}");

    // Scope: another country's coordinator gets a 404, like a country that is not there;
    // a donor sees approved figures but not the reports.
    let lead_org = app.org("Lead", "alliance_member").await;
    app.user("coord@pe.example.org", lead_org, ra(Role::CountryCoordinator, Some(lead_org), Some("PE"))).await;
    let peru = app.login("coord@pe.example.org", PASSWORD).await.unwrap();
    assert_eq!(app.page("/results/DTZ/countries/BO", Some(&peru)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.page("/results/DTZ/countries/PE", Some(&peru)).await.status, StatusCode::OK);
    for missing in ["XX", "NL", "bolivia"] {
        let r = app.page(&format!("/results/DTZ/countries/{missing}"), Some(&w.lead)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{missing}");
    }
    app.user("donor@example.org", lead_org, ra(Role::Donor, None, None)).await;
    let donor = app.login("donor@example.org", PASSWORD).await.unwrap();
    let d = app.page("/results/DTZ/countries/BO?pending=on", Some(&donor)).await.text();
    assert_eq!(row(&table_rows(&d, "G1.O1.1"), "Achieved")[1], "1,500");
    assert!(!d.contains("id=\"reports\""), "no reports for donors");
    let programme = app.page("/results/DTZ", Some(&w.lead)).await.text();
    assert!(programme.contains("href=\"/results/DTZ/countries/BO\""), "the overview links to the country");
}

/// The CSV row whose first field is `first`, numbers as written.
fn csv_row(csv: &str, first: &str) -> Vec<String> {
    let line = csv.split("\r\n").find(|l| l.trim_start_matches('\u{feff}').starts_with(&format!("{first},")));
    line.unwrap_or_else(|| panic!("no {first} in {csv}")).split(',').map(str::to_owned).collect()
}

/// The page's figures as the CSV writes them.
fn plain(cells: &[String]) -> Vec<String> {
    cells.iter().map(|c| c.trim_end_matches(" *").replace(',', "")).collect()
}

async fn filters(app: TestApp) {
    let w = world(&app).await;
    let get = |q: String| {
        let (app, lead) = (&app, w.lead.clone());
        async move { app.page(&q, Some(&lead)).await }
    };
    // Unfiltered: every goal, every period, the alliance.
    let all = get("/results/DTZ".into()).await.text();
    assert_eq!(overview_row(&all, "G1.O1.1")[..2], ["2,500", "1,500"]);

    // A goal: only its rows, in the page and in its download.
    let g2 = get("/results/DTZ?goal=G2".into()).await.text();
    assert!(g2.contains("<code>G2.O1.1</code>") && !g2.contains("<code>G1.O1.1</code>"), "{g2}");
    assert!(g2.contains("href=\"/results/DTZ/download.csv?goal=G2\""), "the download carries the filter");
    let csv = get("/results/DTZ/download.csv?goal=G2".into()).await.text();
    assert!(!csv.contains("\r\nG1") && csv_row(&csv, "G2.O1.1")[3] == "40", "{csv}");

    // Organisation, country and period: narrowed in the query, the same in the download.
    let query = format!("?country=BO&org={}&period=2017&pending=on", w.partner);
    let page = get(format!("/results/DTZ{query}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = page.text();
    let escaped = query.replace('&', "&#38;");
    assert!(
        page.contains(&format!("href=\"/results/DTZ/download.xlsx{escaped}\"")),
        "the download carries every filter"
    );
    let shown = overview_row(&page, "G1.O1.1");
    assert_eq!(shown, ["300 *"], "one period column");
    let csv = get(format!("/results/DTZ/download.csv{query}")).await.text();
    assert!(csv.starts_with("\u{feff}Code,Title,Kind,2017,"), "{csv}");
    assert_eq!(csv_row(&csv, "G1.O1.1")[3..4], plain(&shown)[..]);
    let peru = get("/results/DTZ/download.csv?country=PE".into()).await.text();
    assert_eq!(csv_row(&peru, "G1.O1.1")[3..5], ["500", ""]);

    // The indicator page and its download, filtered alike, line by line.
    for q in [
        String::new(),
        "?country=BO".to_owned(),
        format!("?org={}", w.icco),
        "?period=2016&pending=on".to_owned(),
        format!("?country=BO&org={}&pending=on", w.partner),
    ] {
        let page = get(format!("/results/DTZ/indicators/G1.O1.1{q}")).await;
        assert_eq!(page.status, StatusCode::OK, "{q}");
        let rows = table_rows(&page.text(), "");
        let csv = get(format!("/results/DTZ/indicators/G1.O1.1/download.csv{q}")).await.text();
        let lines = csv.split("\r\n").filter(|l| !l.is_empty()).count();
        assert_eq!(lines, rows.len() + 1, "{q}: the same lines as the page: {rows:?} {csv}");
        for (label, cells) in &rows {
            let in_csv = csv_row(&csv, label);
            assert_eq!(in_csv[1..=cells.len()], plain(cells)[..], "{q}: {label}");
        }
    }
    let by_org = table_rows(&get(format!("/results/DTZ/indicators/G1.O1.1?org={}", w.icco)).await.text(), "");
    assert_eq!(row(&by_org, "Peru")[0], "500");
    assert_eq!(row(&by_org, "Total of this selection")[..2], ["1,700", "1,500"]);
    let later = table_rows(&get("/results/DTZ/indicators/G1.O2.1?period=2019".into()).await.text(), "");
    assert_eq!(row(&later, "Alliance total"), ["230"], "a running total is taken at the end of the period asked for");

    // What cannot be a filter of this programme is said so, for the page and the file.
    for bad in ["goal=NOPE", "period=1999", "period=2016-Q1", "org=someone", "country=XX", "country=NL"] {
        for path in ["/results/DTZ", "/results/DTZ/download.csv", "/results/DTZ/indicators/G1.O1.1"] {
            let r = get(format!("{path}?{bad}")).await;
            assert!(r.status == StatusCode::UNPROCESSABLE_ENTITY, "{path}?{bad}: {}", r.status);
        }
    }
    let r = app.api(Method::GET, "/programmes/DTZ/rollups?group=period&country=NL", Some(&w.lead_token), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The rollup API takes the same filters.
    let api =
        rollups(&app, &w, &format!("group=period&org={}&period=2017&pending=true&indicator=G1.O1.1", w.partner)).await;
    assert_eq!((api.len(), api[0]["value"].as_i64(), api[0]["includes_pending"].as_bool()), (1, Some(300), Some(true)));
    assert!(rollups(&app, &w, "goal=G2").await.iter().all(|c| c["indicator"].as_str().unwrap().starts_with("G2.")));
}
