//! Helpers for the Publish step scenario: the loopback index servers of the
//! end-to-end tests, and filling in the form.

#[path = "../e2e/upload_servers.rs"]
#[allow(dead_code)]
pub mod upload_servers;

use crate::driver::Studio;
use fantoccini::Locator;

/// Type `text` into the input at `css`.
pub async fn fill(studio: &Studio, css: &str, text: &str) {
    let input = studio.client.find(Locator::Css(css)).await.expect(css);
    input.clear().await.expect("clear");
    input.send_keys(text).await.expect("type");
}

/// Choose the option with `value` in the select at `css`.
pub async fn choose(studio: &Studio, css: &str, value: &str) {
    let select = studio.client.find(Locator::Css(css)).await.expect(css);
    select.select_by_value(value).await.expect("select");
}
