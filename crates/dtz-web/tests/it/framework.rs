//! The results framework edited in the pages and as a file, and baselines and targets per
//! part, through the pages and the API: the same rules as `dtz programme load`.

use crate::support::{PASSWORD, TestApp, csrf_of, urlenc};
use axum::http::StatusCode;
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_domain::results::Entry;
use dtz_services::values::{ReportKey, ValueInput};
use dtz_services::{Caller, Services};

crate::on_both! {
    the_alliance_lead_edits_the_framework_in_the_pages_and_the_file_shows_it => edits;
    recorded_values_fix_an_indicators_code_measure_and_breakdowns => recorded;
    a_coordinator_reads_the_framework_but_cannot_change_it => coordinator;
    a_stale_edit_is_a_409_naming_what_changed_while_edits_of_other_items_pass => stale;
    edit_as_file_names_the_line_of_each_problem_and_changes_nothing_until_it_is_right => as_file;
}

pub(crate) struct World {
    pub lead: String,
    pub lead_token: String,
    pub coordinator: String,
    pub coordinator_token: String,
    pub partner: OrgId,
}

fn ra(role: Role, org: Option<OrgId>, country: Option<&str>) -> Option<RoleAssignment> {
    Some(RoleAssignment { role, org, country: country.map(|c| CountryCode::parse("c", c).unwrap()), team: None })
}

pub(crate) async fn world(app: &TestApp) -> World {
    let p = Services::parse_programme(dtz_services::demo::PROGRAMME).unwrap();
    app.services.load_programme(&Caller::System, &p).await.unwrap();
    let tdh = app.org("TdH", "alliance_member").await;
    let icco = app.org("ICCO", "alliance_member").await;
    let partner = app.org("Sample partner Bolivia (sample data)", "local_partner").await;
    let lead_token = app.user("lead@tdh.example.org", tdh, ra(Role::AllianceManager, None, None)).await.1;
    let coordinator_token =
        app.user("coord@bo.example.org", icco, ra(Role::CountryCoordinator, Some(icco), Some("BO"))).await.1;
    World {
        lead: app.login("lead@tdh.example.org", PASSWORD).await.unwrap(),
        lead_token,
        coordinator: app.login("coord@bo.example.org", PASSWORD).await.unwrap(),
        coordinator_token,
        partner,
    }
}

/// The programme file as `dtz programme dump DTZ` writes it.
async fn dump(app: &TestApp) -> String {
    let (_, p) = app.services.programme("DTZ").await.unwrap();
    dtz_formats::programme::write(&p)
}

/// The value of a form field in a page.
pub(crate) fn value_of(html: &str, name: &str) -> String {
    html.split(&format!("name=\"{name}\""))
        .skip(1)
        .find_map(|s| {
            s.split('>').next().and_then(|tag| tag.split(" value=\"").nth(1)).and_then(|v| v.split('"').next())
        })
        .unwrap_or_default()
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A form body from pairs.
pub(crate) fn body(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", urlenc(k), urlenc(v))).collect::<Vec<_>>().join("&")
}

/// The fields of the indicator form as the page shows them, with some changed.
fn indicator_form(html: &str, changes: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = [
        "csrf",
        "version",
        "node",
        "code",
        "title",
        "aggregation",
        "counts",
        "direction",
        "scale_max",
        "references",
        "source",
        "computation",
        "measure",
    ]
    .iter()
    .map(|k| (k.to_string(), value_of(html, k)))
    .collect();
    for (k, v) in changes {
        pairs.retain(|(x, _)| x != k);
        pairs.push((k.to_string(), v.to_string()));
    }
    let selected = |name: &str| {
        html.split(&format!("<select id=\"{name}\"")).nth(1).and_then(|s| s.split("</select>").next()).and_then(|s| {
            s.split("<option value=\"").skip(1).find(|o| o.contains("\" selected")).and_then(|o| o.split('"').next())
        })
    };
    for k in ["measure", "aggregation", "counts", "direction", "source"] {
        if !changes.iter().any(|(c, _)| *c == k)
            && let Some(v) = selected(k)
        {
            pairs.retain(|(x, _)| x != k);
            pairs.push((k.to_owned(), v.to_owned()));
        }
    }
    let textarea = |name: &str| {
        html.split(&format!("name=\"{name}\""))
            .nth(1)
            .and_then(|s| s.split_once('>'))
            .and_then(|(_, s)| s.split("</textarea>").next())
    };
    for k in ["definition", "verification"] {
        if !changes.iter().any(|(c, _)| *c == k) {
            pairs.push((k.to_owned(), textarea(k).unwrap_or_default().replace("&#39;", "'").replace("&#34;", "\"")));
        }
    }
    for set in ["sex", "age"] {
        let name = format!("dis_{set}");
        let checked = html
            .split(&format!("name=\"{name}\""))
            .nth(1)
            .is_some_and(|s| s.split('>').next().is_some_and(|tag| tag.contains("checked")));
        let changed = changes.iter().find(|(c, _)| *c == name);
        if changed.map_or(checked, |(_, v)| !v.is_empty()) {
            pairs.retain(|(x, _)| *x != name);
            pairs.push((name, "on".into()));
        } else {
            pairs.retain(|(x, _)| *x != name);
        }
    }
    if html.contains("name=\"cumulative\" type=\"checkbox\" value=\"on\" checked") {
        pairs.push(("cumulative".into(), "on".into()));
    }
    pairs.iter().map(|(k, v)| format!("{}={}", urlenc(k), urlenc(v))).collect::<Vec<_>>().join("&")
}

async fn edits(app: TestApp) {
    let w = world(&app).await;
    let list = app.page("/results/DTZ/framework", Some(&w.lead)).await;
    assert_eq!(list.status, StatusCode::OK);
    let html = list.text();
    assert!(
        html.contains("<code>G1.O1.1</code>") && html.contains("href=\"/results/DTZ/framework/indicators/G1.O1.1\"")
    );
    assert!(html.contains("/framework/new-node?parent=G1\"") && html.contains("/framework/file\""), "{html}");
    assert!(app.page("/results/DTZ", Some(&w.lead)).await.text().contains("href=\"/results/DTZ/framework\""));

    // Edit an indicator's title: the file shows it, and the audit names the indicator.
    let form = app.page("/results/DTZ/framework/indicators/G1.O1.1", Some(&w.lead)).await.text();
    assert!(form.contains("name=\"dis_age\" type=\"checkbox\" value=\"on\" checked"), "{form}");
    let before = dump(&app).await;
    let r = app
        .post_form(
            "/results/DTZ/framework/indicators/G1.O1.1",
            Some(&w.lead),
            &indicator_form(&form, &[("title", "Children who can name signs of exploitation and how to report it")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let after = dump(&app).await;
    assert!(after.contains("title = \"Children who can name signs of exploitation and how to report it\""));
    assert_eq!(before.lines().count(), after.lines().count(), "only the title changed");
    let events = app
        .services
        .audit_events(&Caller::System, &dtz_store::audit::EventFilter { limit: 50, ..Default::default() })
        .await
        .unwrap();
    let update = events.iter().find(|e| e.action == "programme.update").expect("audited");
    assert_eq!(update.fields, "[\"indicator:G1.O1.1\"]");

    // Bad input: an error beside the field, nothing changed.
    let form = app.page("/results/DTZ/framework/indicators/G1.O1.1", Some(&w.lead)).await.text();
    let r = app
        .post_form(
            "/results/DTZ/framework/indicators/G1.O1.1",
            Some(&w.lead),
            &indicator_form(&form, &[("title", "  "), ("aggregation", "ratio_of_sums")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text();
    assert!(
        page.contains("Give the indicator a title.") && page.contains("A count adds up as sum, latest or none."),
        "{page}"
    );
    assert!(page.contains("<a href=\"#aggregation\">"), "the summary links to the field");
    assert_eq!(dump(&app).await, after);
    let r = app
        .post_form(
            "/results/DTZ/framework/indicators/G1.O1.1",
            Some(&w.lead),
            &indicator_form(&form, &[("scale_max", "x"), ("measure", "ordinal"), ("aggregation", "none")]),
        )
        .await;
    assert!(r.text().contains("Enter only a number."), "{}", r.text());
    assert_eq!(dump(&app).await, after);

    // Add an outcome under G2 and an indicator under it, edit the outcome, then remove both.
    let new = app.page("/results/DTZ/framework/new-node?parent=G2", Some(&w.lead)).await.text();
    assert_eq!(value_of(&new, "code"), "G2.O4", "the next free code is suggested");
    let csrf = csrf_of(&new);
    let version = value_of(&new, "version");
    let r = app
        .post_form(
            "/results/DTZ/framework/new-node",
            Some(&w.lead),
            &body(&[
                ("csrf", &csrf),
                ("version", &version),
                ("parent", "G2"),
                ("code", "G2.O4"),
                ("title", "Online safety"),
                ("description", ""),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let new = app.page("/results/DTZ/framework/new-indicator?node=G2.O4", Some(&w.lead)).await.text();
    assert_eq!(value_of(&new, "code"), "G2.O4.1");
    let r = app
        .post_form(
            "/results/DTZ/framework/new-indicator",
            Some(&w.lead),
            &indicator_form(
                &new,
                &[("title", "Platforms that act on reports"), ("definition", "Number of platforms."), ("dis_sex", "")],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let file = dump(&app).await;
    assert!(file.contains("code = \"G2.O4\"") && file.contains("title = \"Platforms that act on reports\""), "{file}");
    let dup = app
        .post_form(
            "/results/DTZ/framework/new-node",
            Some(&w.lead),
            &body(&[
                ("csrf", &csrf),
                ("version", &version),
                ("parent", "G2"),
                ("code", "G2.O4.1"),
                ("title", "Twice"),
                ("description", ""),
            ]),
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.text().contains("The code “G2.O4.1” is used twice."), "{}", dup.text());
    let edit = app.page("/results/DTZ/framework/nodes/G2.O4", Some(&w.lead)).await.text();
    let r = app
        .post_form(
            "/results/DTZ/framework/nodes/G2.O4",
            Some(&w.lead),
            &body(&[
                ("csrf", &csrf),
                ("version", &value_of(&edit, "version")),
                ("title", "Safety online"),
                ("description", "Platforms and apps."),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(dump(&app).await.contains("description = \"Platforms and apps.\""));
    let confirm = app.page("/results/DTZ/framework/nodes/G2.O4/remove", Some(&w.lead)).await.text();
    assert!(confirm.contains("Remove G2.O4 with everything below it?"), "{confirm}");
    let r = app
        .post_form(
            "/results/DTZ/framework/nodes/G2.O4/remove",
            Some(&w.lead),
            &body(&[("csrf", &csrf), ("version", &value_of(&confirm, "version"))]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(dump(&app).await, after, "back to the file before");
    assert_eq!(app.page("/results/DTZ/framework/indicators/NOPE", Some(&w.lead)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.page("/results/DTZ/framework/nodes/NOPE/remove", Some(&w.lead)).await.status, StatusCode::NOT_FOUND);
    // Spanish for the messages the framework pages can show.
    let es = dtz_web::i18n::Tr::new("es");
    for m in [
        "“G1.O1.1” has values or targets: its measure cannot change.",
        "“G1.O1.1” has values or targets: it cannot be removed and its code cannot change.",
        "Values or targets of “G1.O1.1” are broken down by “sex=female”: keep that breakdown.",
        "“G1” has values up to level 4: keep a scale of at least 4.",
        "A count adds up as sum, latest or none.",
        "Give every goal, outcome and output a title.",
        "Use letters, digits, dots, hyphens and underscores (1–40), such as G1.O2.3.",
        "This file is for the programme “X”; here you edit “DTZ”.",
        "Give the baseline's year.",
    ] {
        assert_ne!(es.message(m), m, "Spanish for {m}");
    }
}

pub(crate) async fn put_values(app: &TestApp, org: OrgId, input: Vec<ValueInput>) {
    let key = ReportKey { programme: "DTZ".into(), org, country: "BO".into(), period: "2016".into() };
    app.services.save_values(&Caller::System, &key, &input).await.unwrap();
}

pub(crate) fn value(indicator: &str, part: &str, v: i64) -> ValueInput {
    ValueInput { indicator: indicator.into(), part: part.into(), entry: Entry { value: Some(v), ..Entry::default() } }
}

async fn recorded(app: TestApp) {
    let w = world(&app).await;
    put_values(
        &app,
        w.partner,
        vec![value("G1.O1.1", "", 10), value("G1.O1.1", "sex=female", 6), value("G1.O1.1", "sex=unknown", 4)],
    )
    .await;
    let before = dump(&app).await;
    let form = app.page("/results/DTZ/framework/indicators/G1.O1.1", Some(&w.lead)).await.text();
    assert!(form.contains("id=\"code\" name=\"code\" value=\"G1.O1.1\" readonly"), "the code shows as fixed");
    let path = "/results/DTZ/framework/indicators/G1.O1.1";
    let r = app
        .post_form(
            path,
            Some(&w.lead),
            &indicator_form(&form, &[("measure", "percentage"), ("aggregation", "ratio_of_sums")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("“G1.O1.1” has values or targets: its measure cannot change."), "{}", r.text());
    let r = app.post_form(path, Some(&w.lead), &indicator_form(&form, &[("dis_sex", "")])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("are broken down by “sex=female”: keep that breakdown."), "{}", r.text());
    let r = app.post_form(path, Some(&w.lead), &indicator_form(&form, &[("code", "G1.O1.9")])).await;
    assert!(r.text().contains("it cannot be removed and its code cannot change"), "{}", r.text());
    assert_eq!(dump(&app).await, before, "nothing changed");
    // Removing it, or the goal above it, is refused; the confirmation page says why.
    let confirm = app.page("/results/DTZ/framework/nodes/G1/remove", Some(&w.lead)).await.text();
    assert!(
        confirm.contains("G1.O1.1 has values, baselines or targets.") && !confirm.contains("class=\"danger\""),
        "{confirm}"
    );
    let r = app
        .post_form(
            "/results/DTZ/framework/indicators/G1.O1.1/remove",
            Some(&w.lead),
            &body(&[("csrf", &csrf_of(&confirm)), ("version", &value_of(&form, "version"))]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dump(&app).await, before);
    // Describing it better and adding a breakdown are fine.
    let r = app
        .post_form(
            path,
            Some(&w.lead),
            &indicator_form(&form, &[("title", "Children who can report exploitation"), ("aggregation", "latest")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let form = app.page("/results/DTZ/framework/indicators/G1.O1.2", Some(&w.lead)).await.text();
    let pct = ValueInput {
        indicator: "G1.O1.2".into(),
        part: String::new(),
        entry: Entry { numerator: Some(3), denominator: Some(4), ..Entry::default() },
    };
    put_values(&app, w.partner, vec![pct]).await;
    let r = app
        .post_form(
            "/results/DTZ/framework/indicators/G1.O1.2",
            Some(&w.lead),
            &indicator_form(&form, &[("dis_age", "on")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(
        dump(&app).await.contains("disaggregations = [\n    \"sex\",\n    \"age\",\n]")
            || dump(&app).await.contains("[\"sex\", \"age\"]")
    );
    // The same rules hold for a file loaded with `dtz programme load`.
    let file = dump(&app).await.replacen(
        "measure = \"count\"\naggregation = \"latest\"",
        "measure = \"yes_no\"\naggregation = \"latest\"",
        1,
    );
    let e = app.services.load_programme_file(&Caller::System, &file, None, None).await.unwrap_err();
    assert!(e.to_string().contains("its measure cannot change"), "{e}");
    assert!(e.to_string().contains("line "), "{e}");
}

async fn coordinator(app: TestApp) {
    let w = world(&app).await;
    let list = app.page("/results/DTZ/framework", Some(&w.coordinator)).await;
    assert_eq!(list.status, StatusCode::OK, "others may read the framework");
    assert!(!list.text().contains("/framework/indicators/G1.O1.1\""), "but get no edit links");
    for path in [
        "/results/DTZ/framework/indicators/G1.O1.1",
        "/results/DTZ/framework/new-node?parent=G1",
        "/results/DTZ/framework/file",
        "/results/DTZ/framework/nodes/G1/remove",
    ] {
        assert_eq!(app.page(path, Some(&w.coordinator)).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let before = dump(&app).await;
    let csrf = csrf_of(&list.text());
    let r = app
        .post_form(
            "/results/DTZ/framework/nodes/G1",
            Some(&w.coordinator),
            &body(&[("csrf", &csrf), ("version", "1"), ("title", "Mine now"), ("description", "")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_form(
            "/results/DTZ/framework/file",
            Some(&w.coordinator),
            &body(&[("csrf", &csrf), ("version", "1"), ("text", &before)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(dump(&app).await, before);
    let dl = app.page("/results/DTZ/framework/file.toml", Some(&w.coordinator)).await;
    assert_eq!(dl.status, StatusCode::OK, "everyone may download the file");
    assert_eq!(dl.headers["content-disposition"], "attachment; filename=\"DTZ.toml\"");
    assert_eq!(dl.text(), before);
    assert_eq!(app.page("/results/DTZ/framework", None).await.status, StatusCode::SEE_OTHER, "sign in first");
}

async fn stale(app: TestApp) {
    let w = world(&app).await;
    let one = app.page("/results/DTZ/framework/indicators/G1.O1.1", Some(&w.lead)).await.text();
    let two = app.page("/results/DTZ/framework/indicators/G1.O1.2", Some(&w.lead)).await.text();
    let node = app.page("/results/DTZ/framework/nodes/G3", Some(&w.lead)).await.text();
    // Someone else changes G1.O1.1 meanwhile.
    let (_, p) = app.services.programme("DTZ").await.unwrap();
    let (row, _) = app.services.programme("DTZ").await.unwrap();
    let mut other = p.indicators().into_iter().find(|(_, i)| i.code == "G1.O1.1").unwrap().1.clone();
    other.definition = "Changed by someone else.".into();
    let edit = dtz_domain::results::FrameworkEdit::Indicator { code: "G1.O1.1".into(), indicator: other };
    app.services.edit_framework(&Caller::System, "DTZ", row.version, edit).await.unwrap();
    let r = app
        .post_form(
            "/results/DTZ/framework/indicators/G1.O1.1",
            Some(&w.lead),
            &indicator_form(&one, &[("title", "Mine")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let page = r.text();
    assert!(
        page.contains("indicator:G1.O1.1") && page.contains("Changed by someone else."),
        "the 409 shows what changed: {page}"
    );
    assert!(!dump(&app).await.contains("title = \"Mine\""));
    // An edit of another indicator or node made on the same old version goes through.
    let r = app
        .post_form(
            "/results/DTZ/framework/indicators/G1.O1.2",
            Some(&w.lead),
            &indicator_form(&two, &[("title", "Share who can name a channel")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = app
        .post_form(
            "/results/DTZ/framework/nodes/G3",
            Some(&w.lead),
            &body(&[
                ("csrf", &csrf_of(&node)),
                ("version", &value_of(&node, "version")),
                ("title", "Government"),
                ("description", ""),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let file = dump(&app).await;
    assert!(
        file.contains("Changed by someone else.")
            && file.contains("Share who can name a channel")
            && file.contains("title = \"Government\"")
    );
}

async fn as_file(app: TestApp) {
    let w = world(&app).await;
    let page = app.page("/results/DTZ/framework/file", Some(&w.lead)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<textarea id=\"text\" name=\"text\""), "{html}");
    let (csrf, version) = (csrf_of(&html), value_of(&html, "version"));
    let before = dump(&app).await;
    // A percentage added up as a sum: refused, with the line of its indicator.
    let bad = before.replacen("measure = \"percentage\"", "measure = \"percentage\"\naggregation = \"sum\"", 1);
    let lines: Vec<&str> = bad.lines().collect();
    let at = lines.iter().position(|l| *l == "aggregation = \"sum\"").unwrap();
    let table = (0..at).rev().find(|n| lines[*n].starts_with("[[")).unwrap() + 1;
    let r = app
        .post_form(
            "/results/DTZ/framework/file",
            Some(&w.lead),
            &body(&[("csrf", &csrf), ("version", &version), ("text", &bad)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(
        html.contains(&format!(
            "<strong>Line {table}:</strong> <code>goals[0].outcomes[0].indicators[1].aggregation</code>"
        )),
        "{html}"
    );
    assert!(
        html.contains("aggregation = &#34;sum&#34;") || html.contains("aggregation = &quot;sum&quot;"),
        "the text is kept"
    );
    assert_eq!(dump(&app).await, before, "nothing changed");
    // TOML that does not parse, and a file for another programme.
    let r = app
        .post_form(
            "/results/DTZ/framework/file",
            Some(&w.lead),
            &body(&[("csrf", &csrf), ("version", &version), ("text", "format = \"dtz-programme/1\"\n[programme\n")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("<strong>Line 2:</strong>"), "{}", r.text());
    let other = before.replacen("code = \"DTZ\"", "code = \"DTZ2\"", 1);
    let r = app
        .post_form(
            "/results/DTZ/framework/file",
            Some(&w.lead),
            &body(&[("csrf", &csrf), ("version", &version), ("text", &other)]),
        )
        .await;
    assert!(r.text().contains("This file is for the programme “DTZ2”; here you edit “DTZ”."), "{}", r.text());
    assert_eq!(app.services.programmes().await.unwrap().len(), 1);
    // A good change goes through.
    let good = before.replacen("title = \"Referrals completed\"", "title = \"Referrals completed in time\"", 1);
    let r = app
        .post_form(
            "/results/DTZ/framework/file",
            Some(&w.lead),
            &body(&[("csrf", &csrf), ("version", &version), ("text", &good)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(dump(&app).await, good);
    // The same old text again would undo nothing but is based on an old version that
    // the change above touched: a 409 that keeps the text.
    let undo = good.replacen("title = \"Referrals completed in time\"", "title = \"Referrals done\"", 1);
    let r = app
        .post_form(
            "/results/DTZ/framework/file",
            Some(&w.lead),
            &body(&[("csrf", &csrf), ("version", &version), ("text", &undo)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("indicator:G1.O2.2"), "{}", r.text());
    assert_eq!(dump(&app).await, good);
}
