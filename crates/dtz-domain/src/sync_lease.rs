//! Field nodes (issue 9): what a node may still do once its offline lease ran out without
//! a sync. It opens no case key and takes no new write; only reading what needs no key,
//! signing in and its own sync bookkeeping go on, so the user can still reach the hub and
//! renew the lease.

/// Whether an audited action may happen on a node whose lease has run out.
pub fn lease_admits(action: &str) -> bool {
    const BOOKKEEPING: [&str; 4] = ["session.", "totp.", "node.", "notification."];
    BOOKKEEPING.iter().any(|p| action.starts_with(p))
        || action.ends_with(".read")
        || action.ends_with(".list")
        || action.contains(".read_alert")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_lease_only_reads_sign_in_and_sync_bookkeeping_pass() {
        for ok in ["session.login", "node.wipe", "case.list", "referral.read", "case.read_alert"] {
            assert!(lease_admits(ok), "{ok}");
        }
        for refused in ["case.create", "case.update", "activity.update", "report.submit", "setting.update"] {
            assert!(!lease_admits(refused), "{refused}");
        }
    }
}
