//! Malformed requests get a clear 4xx, never a 5xx or a panic.

use crate::support::TestApp;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use proptest::prelude::*;

crate::on_both! {
    malformed_requests_get_clear_errors => malformed;
}

async fn malformed(app: TestApp) {
    let admin = app.admin().await;
    let auth = format!("Bearer {admin}");
    type Case<'a> = (Method, &'a str, Option<&'a str>, Vec<u8>, StatusCode);
    let cases: Vec<Case> = vec![
        (
            Method::POST,
            "/api/v1/organisations",
            Some("application/json"),
            b"{not json".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (Method::POST, "/api/v1/organisations", Some("text/plain"), b"{}".to_vec(), StatusCode::BAD_REQUEST),
        (
            Method::POST,
            "/api/v1/organisations",
            Some("application/json"),
            b"{\"name\": 5}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            Some("application/json"),
            b"{\"name\":\"x\",\"kind\":\"donor\",\"evil\":1}".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            Some("application/json"),
            vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'],
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            Some("application/json"),
            b"{\"name\":\"a\\u0000b\",\"kind\":\"donor\"}".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            Some("application/json"),
            format!("{{\"name\":\"{}\",\"kind\":\"donor\"}}", "x".repeat(5000)).into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            Some("application/json"),
            format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            Some("application/json"),
            vec![b' '; 400 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (Method::GET, "/api/v1/organisations/not-a-uuid", None, vec![], StatusCode::NOT_FOUND),
        (Method::GET, "/api/v1/users?org_id=zzz", None, vec![], StatusCode::BAD_REQUEST),
        (Method::GET, "/api/v1/audit/events?limit=%FF%FE", None, vec![], StatusCode::BAD_REQUEST),
        (Method::GET, "/api/v1/nothing/here", None, vec![], StatusCode::NOT_FOUND),
        (Method::DELETE, "/api/v1/organisations", None, vec![], StatusCode::METHOD_NOT_ALLOWED),
        (
            Method::PATCH,
            "/api/v1/organisations/00000000-0000-0000-0000-000000000000",
            Some("application/json"),
            b"{\"version\":1}".to_vec(),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (method, path, ct, body, want) in cases {
        let mut b = Request::builder().method(method.clone()).uri(path).header(header::AUTHORIZATION, &auth);
        if let Some(ct) = ct {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        let r = app.send(b.body(Body::from(body)).unwrap()).await;
        assert_eq!(r.status, want, "{method} {path}: {}", r.text());
        if r.status != StatusCode::METHOD_NOT_ALLOWED {
            assert!(r.json()["errors"][0]["detail"].is_string(), "{method} {path}: JSON error body, got {}", r.text());
        }
    }
    // Forms on the pages: bad encoding and invalid UTF-8 are 400 pages, not crashes.
    let r = app.post_form("/login", None, "email=%FF%FE&password=x").await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let r = app
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(vec![0xc3, 0x28, b'=', 0xa0]))
                .unwrap(),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    // Wrong or odd credentials.
    for auth in ["Bearer", "Bearer dtz_", "Basic YTpi", "Bearer dtz_zzzz", &format!("Bearer dtz_{}", "a".repeat(5000))]
    {
        let r =
            app.send(Request::get("/api/v1/me").header(header::AUTHORIZATION, auth).body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{auth}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bodies_never_cause_a_server_error(
        body in prop::collection::vec(any::<u8>(), 0..300),
        path in prop::sample::select(vec!["/api/v1/organisations", "/api/v1/users", "/api/v1/tokens", "/login", "/account/tokens"]),
        json in any::<bool>(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let status = rt.block_on(async {
            let app = TestApp::new(dtz_testkit::Backend::Sqlite).await.unwrap();
            let admin = app.admin().await;
            let ct = if json { "application/json" } else { "application/x-www-form-urlencoded" };
            let req = Request::post(path).header(header::CONTENT_TYPE, ct).header(header::AUTHORIZATION, format!("Bearer {admin}")).body(Body::from(body.clone())).unwrap();
            app.send(req).await.status
        });
        prop_assert!(!status.is_server_error(), "{} on {path}", status);
    }
}
