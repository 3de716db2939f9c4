//! `dtz retention run [--dry-run]` through the binary: it prints every record type, a
//! dry run changes nothing, a real run erases what is due and the audit stays intact.

use crate::support::Env;
use dtz_store::Sql;

on_both_backends!(retention_run_prints_each_record_type_and_erases_what_is_due);

fn line<'a>(out: &'a str, code: &str) -> &'a str {
    out.lines().find(|l| l.starts_with(code)).unwrap_or_else(|| panic!("{code} missing in {out}"))
}

async fn retention_run_prints_each_record_type_and_erases_what_is_due(env: Env) {
    env.ok(&["demo"]);
    let out = env.ok(&["retention", "run", "--dry-run"]);
    for code in ["reporter_contact", "closed_signals", "closed_cases", "sessions", "public_form_tokens", "read_alerts"]
    {
        assert!(line(&out, code).contains("dry run"), "{out}");
    }
    assert!(line(&out, "reporter_contact").contains("kept   180 days: 0 due"), "{out}");
    // The demo's Bolivia keeps closed cases for 120 months and signals for 24: own lines.
    assert!(line(&out, "closed_cases BO").contains("kept  3650 days"), "{out}");
    assert!(line(&out, "closed_signals BO").contains("kept   730 days"), "{out}");
    // Keep reporter contacts for 0 days: every demo report with a contact is due.
    let changed = env
        .tamper(&[Sql::new(
            "INSERT INTO settings (key, value, version, updated_at) \
             VALUES ('retention.reporter_contact_days', '0', 1, CURRENT_TIMESTAMP)",
        )])
        .await;
    assert_eq!(changed, [1]);
    let dry = env.ok(&["retention", "run", "--dry-run"]);
    let due: u64 = line(&dry, "reporter_contact")
        .split("days: ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(due > 0, "{dry}");
    let run = env.ok(&["retention", "run"]);
    assert!(line(&run, "reporter_contact").contains(&format!("{due} due, {due} erased")), "{run}");
    let again = env.ok(&["retention", "run"]);
    assert!(line(&again, "reporter_contact").contains("0 due, 0 erased"), "{again}");
    assert!(env.ok(&["audit", "verify"]).contains("intact"));
}
