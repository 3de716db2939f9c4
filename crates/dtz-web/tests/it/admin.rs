//! Administration pages: scoped to what the administrator administers, lost updates
//! refused, destructive actions confirmed.

use crate::support::{PASSWORD, TestApp, csrf_of, urlenc};
use axum::http::StatusCode;
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::ids::OrgId;

crate::on_both! {
    system_administrator_creates_and_edits_organisations => orgs;
    organisation_administrator_manages_only_its_own_users => org_admin;
    only_administrators_reach_the_administration => non_admin;
    disabling_a_user_is_confirmed_and_ends_their_sessions => disable;
    country_settings_and_vocabularies_are_edited_by_system_administrators => config;
}

fn admin_role(org: Option<OrgId>) -> Option<RoleAssignment> {
    Some(RoleAssignment { role: Role::Administrator, org, country: None, team: None })
}

async fn orgs(app: TestApp) {
    let home = app.org("Home", "alliance_member").await;
    app.user("root@example.org", home, admin_role(None)).await;
    let c = app.login("root@example.org", PASSWORD).await.unwrap();
    let list = app.page("/admin/organisations", Some(&c)).await;
    assert_eq!(list.status, StatusCode::OK);
    let csrf = csrf_of(&list.text());
    let bad = app
        .post_form(
            "/admin/organisations",
            Some(&c),
            &format!("csrf={csrf}&name=&kind=local_partner&iati_id=bad&country=ZZ"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text();
    assert!(
        html.contains("There is a problem") && html.contains("href=\"#iati_id\"") && html.contains("value=\"bad\""),
        "{html}"
    );
    let ok = app
        .post_form(
            "/admin/organisations",
            Some(&c),
            &format!("csrf={csrf}&name=Partner+Peru&kind=local_partner&iati_id=&country=PE&publishable=on"),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let path = ok.headers["location"].to_str().unwrap().to_owned();
    let edit = app.page(&path, Some(&c)).await.text();
    assert!(edit.contains("value=\"Partner Peru\""));
    let first = app
        .post_form(&path, Some(&c), &format!("csrf={csrf}&version=1&name=Partner+Lima&kind=local_partner&country=PE"))
        .await;
    assert_eq!(first.status, StatusCode::OK);
    let stale = app
        .post_form(&path, Some(&c), &format!("csrf={csrf}&version=1&name=Partner+Cusco&kind=local_partner&country=PE"))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.text().contains("Someone else saved changes") && stale.text().contains("value=\"Partner Lima\""));
}

async fn org_admin(app: TestApp) {
    let a = app.org("Org A", "local_partner").await;
    let b = app.org("Org B", "local_partner").await;
    app.user("admin@a.example.org", a, admin_role(Some(a))).await;
    let (b_user, _) = app.user("user@b.example.org", b, None).await;
    let c = app.login("admin@a.example.org", PASSWORD).await.unwrap();
    let list = app.page("/admin/users", Some(&c)).await.text();
    assert!(list.contains("admin@a.example.org") && !list.contains("user@b.example.org"));
    assert_eq!(app.page(&format!("/admin/users/{b_user}"), Some(&c)).await.status, StatusCode::NOT_FOUND);
    let csrf = csrf_of(&list);
    let created = app
        .post_form(
            "/admin/users",
            Some(&c),
            &format!("csrf={csrf}&email=new%40a.example.org&name=New&org={a}&language=es"),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let html = created.text();
    let password = html.split("<code class=\"secret\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert!(app.login("new@a.example.org", &password).await.is_some(), "the shown password works");
    let in_b = app
        .post_form("/admin/users", Some(&c), &format!("csrf={csrf}&email=x%40b.example.org&name=X&org={b}&language=en"))
        .await;
    assert_eq!(in_b.status, StatusCode::FORBIDDEN);
    let new_id = html.split("action=\"/admin/users/").nth(1).unwrap().split(['"', '/']).next().unwrap().to_owned();
    let beyond = app
        .post_form(
            &format!("/admin/users/{new_id}/roles"),
            Some(&c),
            &format!("csrf={csrf}&role=alliance_manager&org="),
        )
        .await;
    assert_eq!(beyond.status, StatusCode::FORBIDDEN);
    let within = app
        .post_form(
            &format!("/admin/users/{new_id}/roles"),
            Some(&c),
            &format!("csrf={csrf}&role=me_officer&org={a}&country=BO&team="),
        )
        .await;
    assert_eq!(within.status, StatusCode::OK, "{}", within.text());
    assert!(within.text().contains("M&#38;E officer · BO"), "{}", within.text());
}

async fn non_admin(app: TestApp) {
    let org = app.org("Org", "local_partner").await;
    app.user(
        "ana@example.org",
        org,
        Some(RoleAssignment { role: Role::MeOfficer, org: Some(org), country: None, team: None }),
    )
    .await;
    let c = app.login("ana@example.org", PASSWORD).await.unwrap();
    for path in ["/admin", "/admin/users", "/admin/organisations", "/admin/teams"] {
        assert_eq!(app.page(path, Some(&c)).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert!(!app.page("/", Some(&c)).await.text().contains("href=\"/admin\""));
}

async fn disable(app: TestApp) {
    let org = app.org("Org", "local_partner").await;
    app.user("admin@example.org", org, admin_role(Some(org))).await;
    let (u, _) = app.user("ana@example.org", org, None).await;
    let ana = app.login("ana@example.org", PASSWORD).await.unwrap();
    let c = app.login("admin@example.org", PASSWORD).await.unwrap();
    let confirm = app.page(&format!("/admin/users/{u}/confirm/disable"), Some(&c)).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.text().contains("Disable ana@example.org?"));
    let csrf = csrf_of(&confirm.text());
    let done = app.post_form(&format!("/admin/users/{u}/disable"), Some(&c), &format!("csrf={}", urlenc(&csrf))).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.text().contains("The user is disabled"));
    assert_eq!(app.page("/", Some(&ana)).await.status, StatusCode::SEE_OTHER);
}

async fn config(app: TestApp) {
    let home = app.org("Home", "alliance_member").await;
    app.user("root@example.org", home, admin_role(None)).await;
    app.user("orgadmin@example.org", home, admin_role(Some(home))).await;
    let org_admin = app.login("orgadmin@example.org", PASSWORD).await.unwrap();
    assert_eq!(app.page("/admin/countries", Some(&org_admin)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.page("/admin/vocabularies", Some(&org_admin)).await.status, StatusCode::NOT_FOUND);

    let c = app.login("root@example.org", PASSWORD).await.unwrap();
    let go = app.page("/admin/countries/go?code=bo", Some(&c)).await;
    assert_eq!(go.headers["location"], "/admin/countries/BO");
    let form = app.page("/admin/countries/BO", Some(&c)).await.text();
    assert!(form.contains("Bolivia"));
    let csrf = csrf_of(&form);
    let bad = app
        .post_form("/admin/countries/BO", Some(&c), &format!("csrf={csrf}&version=0&helpline=call+me&police=110"))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("Use digits, spaces, + and - only") && bad.text().contains("value=\"call me\""));
    let ok = app
        .post_form(
            "/admin/countries/BO",
            Some(&c),
            &format!("csrf={csrf}&version=0&helpline=156&police=110&answer_within_hours=48&lead_org={home}"),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let list = app.page("/admin/countries", Some(&c)).await.text();
    assert!(list.contains("156") && list.contains("Home"));
    let stale = app.post_form("/admin/countries/BO", Some(&c), &format!("csrf={csrf}&version=0&helpline=157")).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "a second create from version 0 is a lost update");

    let v = app.page("/admin/vocabularies/service_type", Some(&c)).await;
    assert_eq!(v.status, StatusCode::OK);
    assert!(v.text().contains("Legal aid"), "service types come with every installation");
    let no_en = app
        .post_form(
            "/admin/vocabularies/service_type",
            Some(&c),
            &format!("csrf={csrf}&code=interpretation&label_en=&label_es=Interpretaci%C3%B3n"),
        )
        .await;
    assert_eq!(no_en.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_en.text().contains("Give at least the English label."));
    let dup = app
        .post_form(
            "/admin/vocabularies/service_type",
            Some(&c),
            &format!("csrf={csrf}&code=legal_aid&label_en=Legal+aid&sort_order=10"),
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY, "a code is used once");
    let added = app
        .post_form(
            "/admin/vocabularies/service_type",
            Some(&c),
            &format!(
                "csrf={csrf}&code=interpretation&label_en=Interpretation&label_es=Interpretaci%C3%B3n&sort_order=100"
            ),
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let find =
        |terms: Vec<dtz_services::config::Term>| terms.into_iter().find(|t| t.row.code == "interpretation").unwrap();
    let t = find(app.services.terms("service_type").await.unwrap());
    assert_eq!(t.label("es"), "Interpretación");
    let id = t.row.id;
    let edited = app
        .post_form(
            "/admin/vocabularies/service_type",
            Some(&c),
            &format!(
                "csrf={csrf}&term_id={id}&version=1&label_en=Interpretation&label_es=Int%C3%A9rprete&sort_order=5"
            ),
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER);
    let t = find(app.services.terms("service_type").await.unwrap());
    assert_eq!((t.label("es"), t.row.active, t.row.sort_order), ("Intérprete", false, 5));
    assert_eq!(app.page("/admin/vocabularies/nonsense", Some(&c)).await.status, StatusCode::NOT_FOUND);
}
