//! The OpenAPI document describes every route, and every route it names answers.

use crate::support::TestApp;
use axum::http::{Method, StatusCode};

crate::on_both! {
    openapi_document_covers_the_api => covers;
}

async fn covers(app: TestApp) {
    let r = app.send(axum::http::Request::get("/api/v1/openapi.json").body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.")), Some(true));
    let paths = doc["paths"].as_object().unwrap();
    let mut n = 0;
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let m: Method = method.to_uppercase().parse().unwrap();
            let concrete = path
                .replace("{id}", &uuid::Uuid::nil().to_string())
                .replace("{role_id}", &uuid::Uuid::nil().to_string());
            let r = app.api(m.clone(), &concrete, None, None).await;
            if item[method]["security"] == serde_json::json!([{}]) {
                // Documented as taking no token (a node's enrolment: the code is the credential).
                assert!(r.status != StatusCode::NOT_FOUND && r.status != StatusCode::UNAUTHORIZED, "{method} {path}");
            } else {
                assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path} exists and wants a token");
            }
            n += 1;
        }
    }
    assert!(n >= 15, "{n} operations documented");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
