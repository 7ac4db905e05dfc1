//! Alibaba Cloud signature V3 (`ACS3-HMAC-SHA256`), as the official SDK computes it. Pure.
//!
//! Used by the Alibaba client to sign and by the simulator to verify, so both sides share one
//! canonicalisation. Checked against the official worked example (cloud-apis.md A.3).

use super::sign_common::{
    canonical_headers, canonical_query, constant_time_eq, hmac_sha256_hex, percent_encode, sha256_hex,
};

pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Everything the signature covers.
#[derive(Debug, Clone, Copy)]
pub struct Acs3Request<'a> {
    pub method: &'a str,
    /// The request path, unencoded (`/` for RPC-style APIs).
    pub path: &'a str,
    /// Query parameters, unencoded.
    pub query: &'a [(&'a str, &'a str)],
    /// The headers to sign (names in any case); [`headers_to_sign`] picks them as the SDK does.
    pub signed_headers: &'a [(&'a str, &'a str)],
    /// Hex SHA-256 of the body, the value of `x-acs-content-sha256`.
    pub hashed_payload: &'a str,
}

/// The parsed `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acs3Authorization {
    pub access_key_id: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Whether the SDK signs a header: `host`, `content-type` and every `x-acs-*`.
pub fn is_signed_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "host" || name == "content-type" || name.starts_with("x-acs-")
}

/// Picks the headers the SDK signs out of all headers of a request.
pub fn headers_to_sign<'a>(headers: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    headers.iter().copied().filter(|(name, _)| is_signed_header(name)).collect()
}

/// Each path segment percent-encoded, slashes kept.
fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    path.split('/').map(percent_encode).collect::<Vec<_>>().join("/")
}

/// The canonical request text, and the `;`-joined list of signed header names.
pub fn canonical_request(req: &Acs3Request<'_>) -> (String, String) {
    let (header_lines, signed_names) = canonical_headers(req.signed_headers);
    let text = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method.to_ascii_uppercase(),
        canonical_uri(req.path),
        canonical_query(req.query),
        header_lines,
        signed_names,
        req.hashed_payload
    );
    (text, signed_names)
}

pub fn string_to_sign(canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{}", sha256_hex(canonical_request.as_bytes()))
}

/// The lowercase hex signature of a request.
pub fn signature(secret: &[u8], req: &Acs3Request<'_>) -> String {
    let (canonical, _) = canonical_request(req);
    hmac_sha256_hex(secret, string_to_sign(&canonical).as_bytes())
}

/// The full `Authorization` header value (no spaces after the commas, as the service expects).
pub fn authorization(access_key_id: &str, secret: &[u8], req: &Acs3Request<'_>) -> String {
    let (canonical, signed_names) = canonical_request(req);
    let sig = hmac_sha256_hex(secret, string_to_sign(&canonical).as_bytes());
    format!("{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_names},Signature={sig}")
}

/// Parses `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`.
pub fn parse_authorization(value: &str) -> Option<Acs3Authorization> {
    let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let mut access_key_id = None;
    let mut signed_headers = None;
    let mut sig = None;
    for part in rest.split(',') {
        let (key, val) = part.trim().split_once('=')?;
        match key {
            "Credential" => access_key_id = Some(val.to_owned()),
            "SignedHeaders" => signed_headers = Some(val.split(';').map(str::to_owned).collect()),
            "Signature" => sig = Some(val.to_owned()),
            _ => return None,
        }
    }
    Some(Acs3Authorization { access_key_id: access_key_id?, signed_headers: signed_headers?, signature: sig? })
}

/// Recomputes the signature of a received request and compares in constant time.
pub fn verify(secret: &[u8], req: &Acs3Request<'_>, claimed_signature: &str) -> bool {
    constant_time_eq(&signature(secret, req), claimed_signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::sign_common::EMPTY_SHA256;

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
        let req = Acs3Request {
            method: "POST",
            path: "/",
            query: QUERY,
            signed_headers: &headers,
            hashed_payload: EMPTY_SHA256,
        };
        let (canonical, signed) = canonical_request(&req);
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
            string_to_sign(&canonical),
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(signed, "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version");
        assert_eq!(
            authorization("YourAccessKeyId", b"YourAccessKeySecret", &req),
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;\
             x-acs-date;x-acs-signature-nonce;x-acs-version,\
             Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    /// The second official value pair (printed on the Model Studio signature page).
    #[test]
    fn second_official_vector() {
        let headers = official_headers("2023-10-26T09:01:01Z", "d410180a5abf7fe235dd9b74aca91fc0");
        let req = Acs3Request {
            method: "POST",
            path: "/",
            query: QUERY,
            signed_headers: &headers,
            hashed_payload: EMPTY_SHA256,
        };
        assert_eq!(
            signature(b"YourAccessKeySecret", &req),
            "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804"
        );
    }

    /// The derived DescribeImportOASTask vector of cloud-apis.md A.3.
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
        let req = Acs3Request {
            method: "POST",
            path: "/",
            query: &query,
            signed_headers: &headers,
            hashed_payload: EMPTY_SHA256,
        };
        let (canonical, _) = canonical_request(&req);
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "88d4bc965249be7073e50d7f8a73c14fe585b16da06fcbf0b242dec4966c666c"
        );
        assert_eq!(
            signature(b"YourAccessKeySecret", &req),
            "cafeb649075fd09162e8f11972f9d35b89f02d59028b11b3229a2db5598f3197"
        );
    }

    #[test]
    fn authorization_round_trips_through_the_parser_and_verifier() {
        let headers = official_headers("2023-10-26T10:22:32Z", "3156853299f313e23d1673dc12e1703d");
        let req = Acs3Request {
            method: "POST",
            path: "/",
            query: QUERY,
            signed_headers: &headers,
            hashed_payload: EMPTY_SHA256,
        };
        let header = authorization("YourAccessKeyId", b"YourAccessKeySecret", &req);
        let parsed = parse_authorization(&header).unwrap();
        assert_eq!(parsed.access_key_id, "YourAccessKeyId");
        assert_eq!(parsed.signed_headers.len(), 6);
        assert!(verify(b"YourAccessKeySecret", &req, &parsed.signature));
        assert!(!verify(b"WrongSecret", &req, &parsed.signature));
        assert_eq!(parse_authorization("Bearer x"), None);
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
        let picked: Vec<_> = headers_to_sign(&all).into_iter().map(|(n, _)| n).collect();
        assert_eq!(picked, ["Host", "x-acs-date", "Content-Type"]);
    }
}
