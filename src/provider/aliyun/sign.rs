//! Alibaba Cloud signature V3 (`ACS3-HMAC-SHA256`), as the official SDK computes it: the shared
//! [`Scheme`] with ACS3's parameters, and the SDK's choice of signed headers. Also the RPC
//! signature V1 (`HMAC-SHA1`), which the credential SDKs still use for STS `AssumeRole`. Pure.
//!
//! Used by the Alibaba client to sign and by the simulator to verify, so both sides share one
//! canonicalisation. Checked against the official worked example (docs/protocols.md, "Alibaba
//! Cloud: signature V3") and, for V1, against the Python credentials SDK's own signer
//! (docs/credentials.md, "Compared with the SDKs").

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};

use crate::provider::signing::{Scheme, percent_encode};

pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// ACS3: `Credential=…,SignedHeaders=…,Signature=…` with no spaces, and no date in the string to
/// sign (the date is the signed `x-acs-date` header).
pub const ACS3: Scheme = Scheme {
    algorithm: ALGORITHM,
    key_field: "Credential",
    separator: ",",
    canonical_uri,
    date_in_string_to_sign: false,
};

/// Whether the SDK signs a header: `host`, `content-type` and every `x-acs-*`.
pub fn is_signed_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("host")
        || name.eq_ignore_ascii_case("content-type")
        || name.as_bytes().get(..6).is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"x-acs-"))
}

/// Picks the headers the SDK signs out of all headers of a request.
pub fn headers_to_sign<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<(&'a str, &'a str)> {
    headers.into_iter().filter(|(name, _)| is_signed_header(name)).collect()
}

/// The RPC signature V1 of a request: base64 HMAC-SHA1, keyed with `secret&`, of
/// `METHOD&%2F&` + the percent-encoded, sorted `key=value` pairs of every parameter (query and
/// form body together), the way credentials-go signs `AssumeRole`.
pub fn rpc_v1_signature(method: &str, params: &[(&str, &str)], secret: &[u8]) -> String {
    let mut pairs: Vec<(String, String)> = params.iter().map(|(k, v)| (percent_encode(k), percent_encode(v))).collect();
    pairs.sort();
    let canonical = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let string_to_sign = format!("{method}&%2F&{}", percent_encode(&canonical));
    let mut key = secret.to_vec();
    key.push(b'&');
    // HMAC takes keys of any length; an empty signature would only be refused by the server.
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(&key) else { return String::new() };
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Each path segment percent-encoded, slashes kept.
fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    path.split('/').map(percent_encode).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computed with the Python credentials SDK's `parameter_helper.compose_string_to_sign` and
    /// `sign_string` (alibabacloud_credentials 1.0.12) over the same parameters.
    #[test]
    fn rpc_v1_matches_the_python_credentials_sdk() {
        let params = [
            ("Action", "AssumeRole"),
            ("Format", "JSON"),
            ("Version", "2015-04-01"),
            ("Timestamp", "2024-01-02T03:04:05Z"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", "3f0b2c1e-aaaa-4bbb-8ccc-0123456789ab"),
            ("AccessKeyId", "LTAI5tExampleKeyId0001"),
            ("RoleArn", "acs:ram::1234567890123456:role/oaswatch-reader"),
            ("RoleSessionName", "oaswatch-1704164645"),
            ("DurationSeconds", "3600"),
        ];
        assert_eq!(rpc_v1_signature("POST", &params, b"ExampleSecretNotReal0001"), "WuTaHec+rM+h78gj0NlSQMC5JuE=");
    }
    use crate::provider::signing::{EMPTY_SHA256, SignedRequest, sha256_hex};

    const QUERY: &[(&str, &str)] =
        &[("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"), ("RegionId", "cn-shanghai")];

    fn official_headers<'a>(date: &'a str, nonce: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", date),
            ("x-acs-signature-nonce", nonce),
            ("x-acs-content-sha256", EMPTY_SHA256),
        ]
    }

    /// The fixed-parameter example of the official V3 signature page, byte for byte.
    #[test]
    fn official_worked_example() {
        let headers = official_headers("2023-10-26T10:22:32Z", "3156853299f313e23d1673dc12e1703d");
        let req = SignedRequest {
            method: "POST",
            path: "/",
            query: QUERY,
            signed_headers: &headers,
            hashed_payload: EMPTY_SHA256,
            date: "",
        };
        let (canonical, signed) = ACS3.canonical_request(&req);
        assert_eq!(
            canonical,
            "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n\
             host:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\n\
             x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-acs-date:2023-10-26T10:22:32Z\nx-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n\
             x-acs-version:2014-05-26\n\n\
             host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            ACS3.string_to_sign("", &canonical),
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(signed, "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version");
        assert_eq!(
            ACS3.authorization("YourAccessKeyId", b"YourAccessKeySecret", &req),
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;\
             x-acs-date;x-acs-signature-nonce;x-acs-version,\
             Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    /// The second official value pair (printed on the Model Studio signature page).
    #[test]
    fn second_official_vector() {
        let headers = official_headers("2023-10-26T09:01:01Z", "d410180a5abf7fe235dd9b74aca91fc0");
        let req = SignedRequest {
            method: "POST",
            path: "/",
            query: QUERY,
            signed_headers: &headers,
            hashed_payload: EMPTY_SHA256,
            date: "",
        };
        assert_eq!(
            ACS3.signature(b"YourAccessKeySecret", &req),
            "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804"
        );
    }

    /// The derived DescribeImportOASTask vector (docs/protocols.md, "Signature V3 (ACS3-HMAC-SHA256)").
    #[test]
    fn describe_import_oas_task_vector() {
        let headers = [
            ("host", "apigateway.cn-hangzhou.aliyuncs.com"),
            ("x-acs-action", "DescribeImportOASTask"),
            ("x-acs-version", "2016-07-14"),
            ("x-acs-date", "2024-01-01T00:00:00Z"),
            ("x-acs-signature-nonce", "00000000000000000000000000000001"),
            ("x-acs-content-sha256", EMPTY_SHA256),
        ];
        let query = [("OperationId", "4c53ccf1d40c489686d1adf5c2644a7f")];
        let req = SignedRequest {
            method: "POST",
            path: "/",
            query: &query,
            signed_headers: &headers,
            hashed_payload: EMPTY_SHA256,
            date: "",
        };
        let (canonical, _) = ACS3.canonical_request(&req);
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "88d4bc965249be7073e50d7f8a73c14fe585b16da06fcbf0b242dec4966c666c"
        );
        assert_eq!(
            ACS3.signature(b"YourAccessKeySecret", &req),
            "cafeb649075fd09162e8f11972f9d35b89f02d59028b11b3229a2db5598f3197"
        );
    }

    #[test]
    fn authorization_round_trips_through_the_parser_and_verifier() {
        let headers = official_headers("2023-10-26T10:22:32Z", "3156853299f313e23d1673dc12e1703d");
        let req = SignedRequest {
            method: "POST",
            path: "/",
            query: QUERY,
            signed_headers: &headers,
            hashed_payload: EMPTY_SHA256,
            date: "",
        };
        let header = ACS3.authorization("YourAccessKeyId", b"YourAccessKeySecret", &req);
        let parsed = ACS3.parse_authorization(&header).unwrap();
        assert_eq!(parsed.key_id, "YourAccessKeyId");
        assert_eq!(parsed.signed_headers.len(), 6);
        assert!(ACS3.verify(b"YourAccessKeySecret", &req, &parsed.signature));
        assert!(!ACS3.verify(b"WrongSecret", &req, &parsed.signature));
        assert_eq!(ACS3.parse_authorization("Bearer x"), None);
    }

    #[test]
    fn sdk_header_selection() {
        let all = [
            ("Host", "h"),
            ("x-acs-date", "d"),
            ("accept", "application/json"),
            ("user-agent", "u"),
            ("Content-Type", "c"),
        ];
        let picked: Vec<_> = headers_to_sign(all.iter().copied()).into_iter().map(|(n, _)| n).collect();
        assert_eq!(picked, ["Host", "x-acs-date", "Content-Type"]);
    }
}
