//! Nothing lost (DESIGN §5): a report acknowledged with a receipt survives `kill -9` of
//! `dtz serve` right after the answer, on SQLite and on PostgreSQL; dtz refuses a
//! PostgreSQL session whose commits are not durable.

use crate::support::Env;

on_both_backends!(an_acknowledged_report_survives_kill_9_right_after_the_answer);

/// The CSRF token of a form.
fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default().to_owned()
}

/// The receipt shown on the receipt page, as `XXXX-XXXX-XXXX-XXXX`.
fn receipt_of(html: &str) -> String {
    let part = html.split("class=\"receipt\">").nth(1).unwrap_or_default();
    let part = part.split("</p>").next().unwrap_or_default();
    part.split("class=\"group\">").skip(1).filter_map(|g| g.split('<').next()).collect::<Vec<_>>().join("-")
}

async fn an_acknowledged_report_survives_kill_9_right_after_the_answer(env: Env) {
    let server = env.serve(&["--demo"]);
    let (status, form) = server.get("/report/bo?lang=en", None);
    assert_eq!(status, 200, "{form}");
    let body =
        format!("csrf={}&lang=en&country=BO&what=A+man+offers+children+money+at+the+bus+station", csrf_of(&form));
    let (status, answer) = server.post_form("/report", &body);
    assert_eq!(status, 200, "{answer}");
    let receipt = receipt_of(&answer);
    assert_eq!(receipt.len(), 19, "a receipt in four groups: {answer}");
    // The answer is in; the server dies at once, without any chance to flush.
    server.kill9();

    let again = env.serve(&[]);
    let (status, form) = again.get("/report/status?country=bo&lang=en", None);
    assert_eq!(status, 200, "{form}");
    let body = format!("csrf={}&lang=en&country=BO&receipt={receipt}", csrf_of(&form));
    let (status, page) = again.post_form("/report/status", &body);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("We have received your report. Nobody has read it yet."), "{page}");
    let (_, wrong) = again.post_form("/report/status", &format!("csrf={}&lang=en&country=BO&receipt=", csrf_of(&form)));
    assert!(!wrong.contains("We have received your report"), "the check is real: {wrong}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn postgres_without_synchronous_commit_is_refused() {
    let Some(env) = Env::postgres().await else { return };
    let url = env.url();
    let off = format!("{url}{}options=-c%20synchronous_commit%3Doff", if url.contains('?') { '&' } else { '?' });
    env.run(&["migrate", "--database-url", &off]).rejected("synchronous_commit");
    env.run(&["migrate", "--database-url", &url]).success();
}
