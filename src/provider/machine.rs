//! The HTTP client for services of the machine itself: the instance metadata services of both
//! clouds. Link-local plain HTTP, so never through a proxy (one would send the request, and the
//! key it returns, elsewhere), never following a redirect, with the SDKs' one-second limits: on a
//! cloud instance it answers in milliseconds, anywhere else it does not answer at all.

use std::sync::OnceLock;
use std::time::Duration;

use crate::domain::{FetchError, FetchErrorKind};

const TIMEOUT: Duration = Duration::from_secs(1);

/// The client, built once.
pub fn client() -> Result<&'static reqwest::Client, FetchError> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .no_proxy()
                .connect_timeout(TIMEOUT)
                .read_timeout(TIMEOUT)
                .timeout(TIMEOUT * 3)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(super::http::USER_AGENT)
                .build()
                .map_err(|e| e.without_url().to_string())
        })
        .as_ref()
        .map_err(|e| FetchError::new(FetchErrorKind::Network, "http.client", e.clone()))
}
