//! Progress against a target.

/// The share of the way from the baseline (0 when there is none) to the target that
/// `actual` has come, in the indicator's direction (for a descending indicator, lower
/// is better): 0 at or behind the baseline, 1 at the target, above 1 beyond it. `None`
/// when there is no way to go: the target equals the baseline or lies on the wrong
/// side of it (such as a descending indicator without a baseline), or a number is not
/// finite.
pub fn progress(baseline: Option<f64>, target: f64, actual: f64, ascending: bool) -> Option<f64> {
    let base = baseline.unwrap_or(0.0);
    let sign = if ascending { 1.0 } else { -1.0 };
    let needed = sign * (target - base);
    let made = sign * (actual - base);
    if !needed.is_finite() || !made.is_finite() || needed <= 0.0 {
        return None;
    }
    Some((made / needed).max(0.0))
}
