//! The service directory: create, search, edit and remove providers (pages and API),
//! stale edits, who updates availability, who sees addresses, what the audit keeps.

use crate::support::{PASSWORD, TestApp, csrf_of, urlenc};
use axum::http::{Method, StatusCode};
use dtz_domain::access::{Role, RoleAssignment};
use dtz_domain::country::CountryInput;
use dtz_domain::ids::OrgId;
use dtz_domain::org::CountryCode;
use dtz_services::Caller;
use serde_json::{Value, json};

crate::on_both! {
    every_installation_has_the_default_service_types => defaults;
    editors_create_read_update_and_remove_providers_through_the_api => api_crud;
    the_pages_create_edit_and_remove_a_provider_with_the_version_check => page_crud;
    bad_input_is_refused_with_every_problem_and_changes_nothing => bad_input;
    search_filters_by_country_area_service_language_referrals_and_free_places => search;
    provider_staff_set_availability_of_their_own_provider_only => availability;
    donors_and_officers_do_not_see_addresses_which_are_sealed_at_rest => addresses;
    the_audit_names_fields_never_values => audit;
    the_demo_lists_providers_in_several_countries => demo;
}

/// Countries BO and PE, configured (BO with a lead organisation).
async fn countries(app: &TestApp) -> OrgId {
    let lead = app.org("Lead member", "alliance_member").await;
    for (c, lead) in [("BO", Some(lead)), ("PE", None)] {
        let input = CountryInput { country: c.into(), lead_org: lead, helpline: "156".into(), ..Default::default() };
        app.services.save_country(&Caller::System, &input, 0).await.expect("country");
    }
    lead
}

fn role(role: Role, org: Option<OrgId>, country: Option<&str>) -> Option<RoleAssignment> {
    Some(RoleAssignment { role, org, country: country.and_then(|c| CountryCode::parse("c", c).ok()), team: None })
}

fn shelter_json(org: Option<OrgId>) -> Value {
    json!({
        "name": "Casa Segura",
        "country": "BO",
        "org_id": org,
        "phone": "+591 2 123 456",
        "email": "intake@casa.example.org",
        "address": "Calle Secreta 42, La Paz",
        "notes": "Call first.",
        "areas": ["La Paz", "El Alto"],
        "languages": ["es", "qu"],
        "services": [{"service_type": "shelter", "capacity": 10}, {"service_type": "legal_aid"}]
    })
}

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app.api(Method::POST, "/directory/providers", Some(token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

async fn defaults(app: TestApp) {
    let codes: Vec<String> =
        app.services.terms("service_type").await.unwrap().into_iter().map(|t| t.row.code).collect();
    for c in [
        "shelter",
        "medical",
        "psychosocial",
        "legal_aid",
        "education",
        "family_tracing",
        "vocational_training",
        "repatriation",
        "hotline",
    ] {
        assert!(codes.contains(&c.to_owned()), "{c} in {codes:?}");
    }
    let t = app.services.terms("service_type").await.unwrap();
    assert!(t.iter().all(|t| t.labels.contains_key("en") && t.labels.contains_key("es")));
}

async fn api_crud(app: TestApp) {
    countries(&app).await;
    let admin = app.admin().await;
    let shelter = app.org("Casa Segura org", "service_provider").await;
    let a = create(&app, &admin, shelter_json(Some(shelter))).await;
    assert_eq!(a["address"], "Calle Secreta 42, La Paz");
    assert_eq!(a["areas"], json!(["El Alto", "La Paz"]));
    assert_eq!(a["languages"], json!(["es", "qu"]));
    assert_eq!(a["services"].as_array().map(Vec::len), Some(2));
    assert_eq!(a["has_accounts"], false, "the organisation has no users yet");
    let id = a["id"].as_str().unwrap().to_owned();
    let got = app.api(Method::GET, &format!("/directory/providers/{id}"), Some(&admin), None).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json()["name"], "Casa Segura");

    // Update: a new name; the services keep their ids.
    let service_ids: Vec<Value> = a["services"].as_array().unwrap().iter().map(|s| s["id"].clone()).collect();
    let r = app
        .api(
            Method::PATCH,
            &format!("/directory/providers/{id}"),
            Some(&admin),
            Some(json!({"version": 1, "name": "Casa Segura La Paz", "services": [{"service_type": "shelter", "capacity": 12}, {"service_type": "legal_aid"}, {"service_type": "medical"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let b = r.json();
    assert_eq!((b["name"].as_str(), b["version"].as_i64()), (Some("Casa Segura La Paz"), Some(2)));
    assert_eq!(b["address"], "Calle Secreta 42, La Paz", "fields left out stay");
    let now: Vec<Value> = b["services"].as_array().unwrap().iter().map(|s| s["id"].clone()).collect();
    assert!(service_ids.iter().all(|s| now.contains(s)), "service ids are stable: {service_ids:?} {now:?}");
    // A stale edit is refused and names what changed.
    let stale = app
        .api(
            Method::PATCH,
            &format!("/directory/providers/{id}"),
            Some(&admin),
            Some(json!({"version": 1, "phone": "+591 9"})),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.json()["current_version"], 2);
    assert!(stale.json()["changed_fields"].as_array().unwrap().contains(&json!("name")), "{}", stale.text());
    // Remove: a tombstone at the version read.
    let old = app.api(Method::DELETE, &format!("/directory/providers/{id}?version=1"), Some(&admin), None).await;
    assert_eq!(old.status, StatusCode::CONFLICT);
    let gone = app.api(Method::DELETE, &format!("/directory/providers/{id}?version=2"), Some(&admin), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let after = app.api(Method::GET, &format!("/directory/providers/{id}"), Some(&admin), None).await;
    assert_eq!(after.status, StatusCode::NOT_FOUND);
    let sealed: (Option<Vec<u8>>,) = app
        .db
        .db
        .read()
        .fetch_one(&dtz_store::Sql::with_args(
            "SELECT address FROM service_providers WHERE id = $1",
            vec![id.parse::<uuid::Uuid>().unwrap().into()],
        ))
        .await
        .unwrap();
    assert_eq!(sealed.0, None, "a removed provider's address is erased");
    // Only editors write: an officer reads but may not create.
    let partner = app.org("Partner", "local_partner").await;
    let (_, officer) = app.user("officer@example.org", partner, role(Role::MeOfficer, Some(partner), None)).await;
    let r = app.api(Method::POST, "/directory/providers", Some(&officer), Some(shelter_json(None))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.api(Method::GET, "/directory/providers", Some(&officer), None).await;
    assert_eq!(r.status, StatusCode::OK);
    // A coordinator edits its own country only.
    let (_, coord_pe) =
        app.user("coord.pe@example.org", partner, role(Role::CountryCoordinator, None, Some("PE"))).await;
    let r = app.api(Method::POST, "/directory/providers", Some(&coord_pe), Some(shelter_json(None))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a Bolivian provider is not Peru's to add");
    let mut pe = shelter_json(None);
    pe["country"] = json!("PE");
    create(&app, &coord_pe, pe).await;
}

async fn page_crud(app: TestApp) {
    countries(&app).await;
    let home = app.org("Home", "alliance_member").await;
    app.user("root@example.org", home, role(Role::Administrator, None, None)).await;
    let c = app.login("root@example.org", PASSWORD).await.unwrap();
    let home_page = app.page("/", Some(&c)).await.text();
    assert!(home_page.contains("href=\"/directory\""), "the navigation offers the directory");
    let form = app.page("/directory/new", Some(&c)).await;
    assert_eq!(form.status, StatusCode::OK);
    let t = form.text();
    assert!(t.contains("Shelter") && t.contains("Hotline and counselling") && t.contains("Bolivia"), "{t}");
    let csrf = csrf_of(&t);
    let body = format!(
        "csrf={csrf}&version=0&name=Refugio+Norte&country=BO&service_shelter=on&capacity_shelter=8&service_medical=on&areas=Oruro%0ACaracollo&languages=es%2C+ay&takes_referrals=on&phone=%2B591+2+555&address=Calle+Oculta+7&notes=Call+first"
    );
    let created = app.post_form("/directory", Some(&c), &body).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let location = created.headers["location"].to_str().unwrap().to_owned();
    let id = location.trim_start_matches("/directory/").to_owned();
    let show = app.page(&location, Some(&c)).await.text();
    assert!(show.contains("Refugio Norte") && show.contains("Caracollo, Oruro"), "{show}");
    assert!(show.contains("Calle Oculta 7") && show.contains("tel:+5912555") && show.contains("Aymar aru"), "{show}");
    let list = app.page("/directory?country=BO", Some(&c)).await.text();
    assert!(list.contains("Refugio Norte") && list.contains("1 found"), "{list}");
    assert!(list.contains("Shelter: <span>8 places, free places not known"), "{list}");
    assert!(!list.contains("Calle Oculta"), "lists never show addresses");

    // Edit: the form shows what is stored; a save from an old version is a 409.
    let edit = app.page(&format!("/directory/{id}/edit"), Some(&c)).await.text();
    assert!(
        edit.contains("value=\"Refugio Norte\"")
            && edit.contains("Calle Oculta 7")
            && edit.contains("name=\"version\" value=\"1\"")
    );
    let save = |version: i64, name: &str| {
        format!(
            "csrf={csrf}&version={version}&name={}&country=BO&service_shelter=on&capacity_shelter=8&service_medical=on&areas=Oruro&languages=es&takes_referrals=on&address=Calle+Oculta+7",
            urlenc(name)
        )
    };
    let ok = app.post_form(&format!("/directory/{id}/edit"), Some(&c), &save(1, "Refugio Norte Oruro")).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let stale = app.post_form(&format!("/directory/{id}/edit"), Some(&c), &save(1, "Another name")).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let t = stale.text();
    assert!(t.contains("Someone changed this provider meanwhile") && t.contains("name"), "{t}");
    assert!(t.contains("value=\"Refugio Norte Oruro\""), "the page shows the current state");
    // Remove, after a confirmation page.
    let confirm = app.page(&format!("/directory/{id}/delete"), Some(&c)).await.text();
    assert!(
        confirm.contains("Remove Refugio Norte Oruro from the directory?")
            && confirm.contains("name=\"version\" value=\"2\"")
    );
    let stale = app.post_form(&format!("/directory/{id}/delete"), Some(&c), &format!("csrf={csrf}&version=1")).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let bad_csrf = app.post_form(&format!("/directory/{id}/delete"), Some(&c), "csrf=nope&version=2").await;
    assert_eq!(bad_csrf.status, StatusCode::FORBIDDEN);
    let gone = app.post_form(&format!("/directory/{id}/delete"), Some(&c), &format!("csrf={csrf}&version=2")).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert_eq!(app.page(&location, Some(&c)).await.status, StatusCode::NOT_FOUND);
    assert!(app.page("/directory?removed=1", Some(&c)).await.text().contains("0 found"));
}

async fn count_providers(app: &TestApp) -> i64 {
    app.db.db.read().scalar(&dtz_store::Sql::new("SELECT COUNT(*) FROM service_providers")).await.unwrap()
}

async fn bad_input(app: TestApp) {
    countries(&app).await;
    let admin = app.admin().await;
    let mut bad = shelter_json(None);
    bad["languages"] = json!(["Spanish"]);
    bad["services"] = json!([{"service_type": "shelter", "capacity": -1}, {"service_type": "teleportation"}]);
    bad["email"] = json!("nope");
    let r = app.api(Method::POST, "/directory/providers", Some(&admin), Some(bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.json();
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
    assert!(
        fields.contains(&"languages") && fields.contains(&"capacity_shelter") && fields.contains(&"email"),
        "{}",
        r.text()
    );
    let mut unknown = shelter_json(None);
    unknown["services"] = json!([{"service_type": "teleportation"}]);
    let r = app.api(Method::POST, "/directory/providers", Some(&admin), Some(unknown)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("There is no service type “teleportation”."), "{}", r.text());
    let mut not_provider = shelter_json(Some(app.org("A partner", "local_partner").await));
    not_provider["name"] = json!("Linked wrongly");
    let r = app.api(Method::POST, "/directory/providers", Some(&admin), Some(not_provider)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Choose an organisation of kind service provider"));
    let r = app.api(Method::POST, "/directory/providers", Some(&admin), Some(json!({"name": "x"}))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(count_providers(&app).await, 0, "nothing was written");

    // The page keeps what was typed and says what to fix, in the reader's language.
    let c = app.login("root@example.org", PASSWORD).await.unwrap();
    let csrf = csrf_of(&app.page("/directory/new", Some(&c)).await.text());
    let r = app
        .post_form(
            "/directory",
            Some(&c),
            &format!(
                "csrf={csrf}&name=Refugio+Sur&country=BO&languages=castellano&service_shelter=on&capacity_shelter=lots"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let t = r.text();
    assert!(
        t.contains("Use language codes such as es, en or qu") && t.contains("Enter a whole number from 0 to 100000."),
        "{t}"
    );
    assert!(
        t.contains("value=\"Refugio Sur\"") && t.contains("value=\"lots\"") && t.contains("href=\"#capacity_shelter\""),
        "{t}"
    );
    let none = app.post_form("/directory", Some(&c), &format!("csrf={csrf}&name=Refugio+Sur&country=BO")).await;
    assert!(none.text().contains("Choose at least one service."));
    assert_eq!(count_providers(&app).await, 0);
    let bad_filter = app.page("/directory?country=XX", Some(&c)).await;
    assert_eq!(bad_filter.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_filter.text().contains("Use a two-letter ISO country code"));
    let r = app.api(Method::GET, "/directory/providers?language=Spanish", Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Names of the providers an API search finds.
async fn names(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let r = app.api(Method::GET, &format!("/directory/providers?{query}"), Some(token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text());
    let mut n: Vec<String> =
        r.json()["providers"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect();
    n.sort();
    n
}

/// Set places free through the API; returns the status.
async fn set_free(app: &TestApp, token: &str, provider: &Value, service: &str, free: Option<i64>) -> StatusCode {
    let s = provider["services"].as_array().unwrap().iter().find(|s| s["service_type"] == service).unwrap();
    let body = json!({"services": [{"service_id": s["id"], "version": s["version"], "places_free": free}]});
    let id = provider["id"].as_str().unwrap();
    app.api(Method::PUT, &format!("/directory/providers/{id}/availability"), Some(token), Some(body)).await.status
}

async fn search(app: TestApp) {
    countries(&app).await;
    let admin = app.admin().await;
    let a = create(&app, &admin, shelter_json(None)).await;
    let mut b = shelter_json(None);
    b["name"] = json!("Clínica Andina");
    b["areas"] = json!(["Cochabamba"]);
    b["languages"] = json!(["es", "ay"]);
    b["takes_referrals"] = json!(false);
    b["services"] = json!([{"service_type": "medical"}, {"service_type": "shelter", "capacity": 4}]);
    let b = create(&app, &admin, b).await;
    let mut c = shelter_json(None);
    c["name"] = json!("Línea Nacional");
    c["country"] = json!("PE");
    c["areas"] = json!([]);
    c["languages"] = json!(["es"]);
    c["services"] = json!([{"service_type": "hotline"}]);
    create(&app, &admin, c).await;
    assert_eq!(set_free(&app, &admin, &a, "shelter", Some(3)).await, StatusCode::OK);
    assert_eq!(set_free(&app, &admin, &b, "shelter", Some(0)).await, StatusCode::OK);

    let all = ["Casa Segura", "Clínica Andina", "Línea Nacional"];
    assert_eq!(names(&app, &admin, "").await, all);
    assert_eq!(names(&app, &admin, "country=bo").await, ["Casa Segura", "Clínica Andina"]);
    assert_eq!(
        names(&app, &admin, "area=alto").await,
        ["Casa Segura", "Línea Nacional"],
        "nationwide matches every area"
    );
    assert_eq!(names(&app, &admin, "country=BO&area=COCHA").await, ["Clínica Andina"]);
    assert_eq!(names(&app, &admin, "area=50%25").await, ["Línea Nacional"], "% is text, not a wildcard");
    assert_eq!(names(&app, &admin, "service_type=shelter").await, ["Casa Segura", "Clínica Andina"]);
    assert_eq!(names(&app, &admin, "service_type=hotline").await, ["Línea Nacional"]);
    assert_eq!(names(&app, &admin, "language=ay").await, ["Clínica Andina"]);
    assert_eq!(names(&app, &admin, "takes_referrals=false").await, ["Clínica Andina"]);
    assert_eq!(names(&app, &admin, "free_places=true").await, ["Casa Segura"]);
    assert_eq!(names(&app, &admin, "service_type=medical&free_places=true").await, Vec::<String>::new());
    let page = app.api(Method::GET, "/directory/providers?limit=2&offset=2", Some(&admin), None).await.json();
    assert_eq!((page["total"].as_i64(), page["providers"].as_array().map(Vec::len)), (Some(3), Some(1)));

    // The page: filters in the query string, cards with places free and a tel: link.
    let partner = app.org("Partner", "local_partner").await;
    app.user("worker@example.org", partner, role(Role::Caseworker, Some(partner), Some("BO"))).await;
    let cookie = app.login("worker@example.org", PASSWORD).await.unwrap();
    let t = app.page("/directory?country=BO&service=shelter&free=on", Some(&cookie)).await.text();
    assert!(t.contains("Casa Segura") && !t.contains("Clínica Andina") && !t.contains("Línea Nacional"), "{t}");
    assert!(t.contains("3 of 10 places free") && t.contains("tel:+5912123456"), "{t}");
    assert!(t.contains("<option value=\"BO\" selected>"), "the form keeps the search");
    let t = app.page("/directory?language=ay&referrals=on", Some(&cookie)).await.text();
    assert!(t.contains("0 found"), "{t}");
    let t = app.page("/directory?area=la+paz", Some(&cookie)).await.text();
    assert!(t.contains("Casa Segura") && t.contains("Línea Nacional") && t.contains("Whole country"), "{t}");
}

async fn availability(app: TestApp) {
    countries(&app).await;
    let admin = app.admin().await;
    let own = app.org("Casa Segura org", "service_provider").await;
    let other = app.org("Other shelter org", "service_provider").await;
    let mine = create(&app, &admin, shelter_json(Some(own))).await;
    let mut theirs = shelter_json(Some(other));
    theirs["name"] = json!("Otro Refugio");
    theirs["address"] = json!("Avenida Escondida 9");
    let theirs = create(&app, &admin, theirs).await;
    let (_, staff) = app.user("staff@casa.example.org", own, role(Role::ServiceProvider, Some(own), None)).await;

    // The provider's own staff set places free of its own services.
    assert_eq!(set_free(&app, &staff, &mine, "shelter", Some(4)).await, StatusCode::OK);
    let id = mine["id"].as_str().unwrap();
    let now = app.api(Method::GET, &format!("/directory/providers/{id}"), Some(&staff), None).await.json();
    let shelter = now["services"].as_array().unwrap().iter().find(|s| s["service_type"] == "shelter").unwrap().clone();
    assert_eq!(shelter["places_free"], 4);
    assert!(shelter["availability_updated_by"].is_string() && shelter["availability_updated_at"].is_string());
    assert_eq!(now["has_accounts"], true);
    assert_eq!(now["address"], "Calle Secreta 42, La Paz", "its own address");
    // An edit based on the old version is refused; more than the capacity too.
    assert_eq!(set_free(&app, &staff, &mine, "shelter", Some(2)).await, StatusCode::CONFLICT);
    assert_eq!(set_free(&app, &staff, &now, "shelter", Some(11)).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        set_free(&app, &staff, &now, "legal_aid", Some(1)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no places to count"
    );
    // Another provider: readable (without its address), not theirs to change.
    assert_eq!(set_free(&app, &staff, &theirs, "shelter", Some(1)).await, StatusCode::FORBIDDEN);
    let other_id = theirs["id"].as_str().unwrap();
    let seen = app.api(Method::GET, &format!("/directory/providers/{other_id}"), Some(&staff), None).await.json();
    assert_eq!((seen["address"].clone(), seen["address_hidden"].clone()), (Value::Null, json!(true)));
    let r = app
        .api(
            Method::PATCH,
            &format!("/directory/providers/{id}"),
            Some(&staff),
            Some(json!({"version": 1, "name": "Mine"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "staff update availability, not the entry");

    // The same through the page.
    let cookie = app.login("staff@casa.example.org", PASSWORD).await.unwrap();
    let page = app.page(&format!("/directory/{id}"), Some(&cookie)).await.text();
    let sid = shelter["id"].as_str().unwrap();
    assert!(page.contains(&format!("name=\"free_{sid}\"")) && page.contains("Save places free"), "{page}");
    let csrf = csrf_of(&page);
    let v = shelter["version"].as_i64().unwrap();
    let r = app
        .post_form(
            &format!("/directory/{id}/availability"),
            Some(&cookie),
            &format!("csrf={csrf}&free_{sid}=99&version_{sid}={v}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Enter a whole number from 0 to 10.") && r.text().contains("value=\"99\""));
    let r = app
        .post_form(
            &format!("/directory/{id}/availability"),
            Some(&cookie),
            &format!("csrf={csrf}&free_{sid}=0&version_{sid}={v}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = app.page(&format!("/directory/{id}?saved=1"), Some(&cookie)).await.text();
    assert!(page.contains("by Test staff@casa.example.org"), "who set it: {page}");
    let r = app
        .post_form(
            &format!("/directory/{id}/availability"),
            Some(&cookie),
            &format!("csrf={csrf}&free_{sid}=1&version_{sid}={v}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("Someone updated the places free meanwhile"));
    let theirs_page = app.page(&format!("/directory/{other_id}"), Some(&cookie)).await.text();
    assert!(!theirs_page.contains("Save places free") && !theirs_page.contains("Avenida Escondida"));
    let other_sid = theirs["services"][0]["id"].as_str().unwrap();
    let r = app
        .post_form(
            &format!("/directory/{other_id}/availability"),
            Some(&cookie),
            &format!("csrf={csrf}&free_{other_sid}=1&version_{other_sid}=1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.page(&format!("/directory/{other_id}/edit"), Some(&cookie)).await.status, StatusCode::FORBIDDEN);

    // Coordinators of the country may; of another country not. Without any role: 404.
    let partner = app.org("Partner", "local_partner").await;
    let (_, bo) = app.user("coord.bo@example.org", partner, role(Role::CountryCoordinator, None, Some("BO"))).await;
    let (_, pe) = app.user("coord.pe@example.org", partner, role(Role::CountryCoordinator, None, Some("PE"))).await;
    let fresh = app.api(Method::GET, &format!("/directory/providers/{other_id}"), Some(&bo), None).await.json();
    assert_eq!(set_free(&app, &pe, &fresh, "shelter", Some(2)).await, StatusCode::FORBIDDEN);
    assert_eq!(set_free(&app, &bo, &fresh, "shelter", Some(2)).await, StatusCode::OK);
    let (_, nobody) = app.user("nobody@example.org", partner, None).await;
    let r = app.api(Method::GET, &format!("/directory/providers/{other_id}"), Some(&nobody), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(set_free(&app, &nobody, &fresh, "shelter", Some(2)).await, StatusCode::NOT_FOUND);
    let c = app.login_other().await;
    assert_eq!(app.page("/directory", Some(&c)).await.status, StatusCode::NOT_FOUND);
}

async fn addresses(app: TestApp) {
    countries(&app).await;
    let admin = app.admin().await;
    let shelter = app.org("Casa Segura org", "service_provider").await;
    let p = create(&app, &admin, shelter_json(Some(shelter))).await;
    let id = p["id"].as_str().unwrap();
    let mfa = app.org("Ministry", "donor").await;
    let partner = app.org("Partner", "local_partner").await;
    let (_, donor) = app.user("donor@example.org", mfa, role(Role::Donor, None, None)).await;
    let (_, officer) = app.user("officer@example.org", partner, role(Role::MeOfficer, Some(partner), None)).await;
    let (_, worker) = app.user("worker@example.org", partner, role(Role::Caseworker, Some(partner), Some("BO"))).await;
    for (who, token, sees) in [("donor", &donor, false), ("officer", &officer, false), ("caseworker", &worker, true)] {
        let r = app.api(Method::GET, &format!("/directory/providers/{id}"), Some(token), None).await;
        assert_eq!(r.status, StatusCode::OK, "{who}");
        let j = r.json();
        assert_eq!(j["address"].is_string(), sees, "{who}: {j}");
        assert_eq!(j["address_hidden"], !sees, "{who}");
        assert_eq!(j["phone"], "+591 2 123 456", "{who}: contact details are for every staff member");
        let list = app.api(Method::GET, "/directory/providers", Some(token), None).await.text();
        assert!(!list.contains("Calle Secreta"), "{who}: lists never carry addresses");
    }
    let cookie = app.login("donor@example.org", PASSWORD).await.unwrap();
    let page = app.page(&format!("/directory/{id}"), Some(&cookie)).await.text();
    assert!(!page.contains("Calle Secreta") && page.contains("Shown only to case staff"), "{page}");
    assert!(!page.contains("/edit") && !page.contains("Save places free"));
    let cookie = app.login("worker@example.org", PASSWORD).await.unwrap();
    assert!(app.page(&format!("/directory/{id}"), Some(&cookie)).await.text().contains("Calle Secreta 42, La Paz"));
    // At rest the address is ciphertext under its own data key.
    type Sealed = (Option<Vec<u8>>, Option<Vec<u8>>);
    let rows: Vec<Sealed> = app
        .db
        .db
        .read()
        .fetch_all(&dtz_store::Sql::new("SELECT address, data_key FROM service_providers"))
        .await
        .unwrap();
    let (address, key) = rows[0].clone();
    assert!(key.is_some());
    let address = address.unwrap();
    assert!(!address.windows(7).any(|w| w == b"Secreta"), "no plaintext at rest");
}

async fn audit(app: TestApp) {
    countries(&app).await;
    let admin = app.admin().await;
    let p = create(&app, &admin, shelter_json(None)).await;
    let id = p["id"].as_str().unwrap();
    let r = app
        .api(
            Method::PATCH,
            &format!("/directory/providers/{id}"),
            Some(&admin),
            Some(json!({"version": 1, "address": "Pasaje Nuevo 5", "phone": "+591 7"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(set_free(&app, &admin, &r.json(), "shelter", Some(5)).await, StatusCode::OK);
    // Confirming the same number is a write too (when and by whom), and a lower capacity
    // cuts the places free to it.
    let p = app.api(Method::GET, &format!("/directory/providers/{id}"), Some(&admin), None).await.json();
    assert_eq!(set_free(&app, &admin, &p, "shelter", Some(5)).await, StatusCode::OK);
    let services = json!([{"service_type": "shelter", "capacity": 3}, {"service_type": "legal_aid"}]);
    let r = app
        .api(
            Method::PATCH,
            &format!("/directory/providers/{id}"),
            Some(&admin),
            Some(json!({"version": 2, "services": services})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let shelter =
        r.json()["services"].as_array().unwrap().iter().find(|s| s["service_type"] == "shelter").cloned().unwrap();
    assert_eq!((shelter["capacity"].as_i64(), shelter["places_free"].as_i64()), (Some(3), Some(3)));
    let events = app
        .services
        .audit_events(
            &Caller::System,
            &dtz_store::audit::EventFilter {
                action_prefix: Some("directory.".into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"directory.create")
            && actions.contains(&"directory.update")
            && actions.contains(&"directory.availability"),
        "{actions:?}"
    );
    let updates: Vec<&str> =
        events.iter().filter(|e| e.action == "directory.update").map(|e| e.fields.as_str()).collect();
    assert!(
        updates.contains(&r#"["address","phone"]"#) && updates.contains(&r#"["services"]"#),
        "only what changed: {updates:?}"
    );
    let free: Vec<_> = events.iter().filter(|e| e.action == "directory.availability").collect();
    assert_eq!(free.len(), 2, "the confirmation is audited too");
    assert!(free.iter().all(|e| e.fields.contains("places_free")));
    for e in &events {
        for value in ["Calle Secreta", "Pasaje Nuevo", "+591", "Casa Segura", "La Paz"] {
            assert!(!e.fields.contains(value), "no value in the audit: {e:?}");
        }
    }
    let verified = app.services.verify_audit().await.unwrap();
    assert!(verified.events >= 3);
}

async fn demo(app: TestApp) {
    let demo = dtz_services::demo::load(&app.services).await.unwrap();
    let pw = demo.password.unwrap();
    let (found, total) = app.services.providers(&Caller::System, &Default::default(), 100, 0).await.unwrap();
    assert!(total >= 6, "{total}");
    let mut countries: Vec<&str> = found.iter().map(|p| p.row.country.as_str()).collect();
    countries.dedup();
    assert!(countries.len() >= 4, "{countries:?}");
    assert!(found.iter().all(|p| p.row.name.contains("(sample data)")));
    let la_paz = found.iter().find(|p| p.row.name.starts_with("Sample shelter La Paz")).unwrap();
    assert!(la_paz.has_accounts());
    // The shelter's own account updates its places; the donor sees no address.
    let cookie = app.login("provider.bo@demo.example.org", &pw).await.unwrap();
    let page = app.page(&format!("/directory/{}", la_paz.row.id), Some(&cookie)).await.text();
    assert!(page.contains("Save places free") && page.contains("Calle Ejemplo 1"), "{page}");
    let cookie = app.login("donor@demo.example.org", &pw).await.unwrap();
    let page = app.page(&format!("/directory/{}", la_paz.row.id), Some(&cookie)).await.text();
    assert!(!page.contains("Calle Ejemplo 1") && page.contains("3 of 24 places free"), "{page}");
    let list = app.page("/directory?country=BO&free=on", Some(&cookie)).await.text();
    assert!(list.contains("Sample shelter La Paz"), "{list}");
}
