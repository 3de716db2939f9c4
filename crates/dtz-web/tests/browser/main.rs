//! Browser tests: Debian's Chromium, headless, driven through chromedriver, against a
//! real server on a local port. One test function runs every scenario in order, so the
//! group is serial with one chromedriver. Screenshots land in
//! `target/browser-artifacts/`. Without Chromium the test is skipped with a message,
//! except under `CI=true`, where that is a failure.

#![expect(clippy::expect_used, clippy::panic, reason = "tests")]

mod driver;
mod scenarios;
mod work;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_work_in_a_real_browser() {
    let Some(browser) = driver::Browser::start().await else { return };
    let app = driver::App::start().await;
    let mut result = scenarios::run_all(&browser, &app).await;
    if result.is_ok() {
        result = work::pages(&browser, &app).await;
    }
    browser.stop().await;
    if let Err(e) = result {
        panic!("{e}");
    }
}
