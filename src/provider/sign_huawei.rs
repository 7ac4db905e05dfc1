//! Huawei Cloud AK/SK signing (`SDK-HMAC-SHA256`), as the official SDKs compute it. Pure.
//!
//! Used by the Huawei client to sign and by the simulator to verify. Checked against the
//! official worked example and the Go SDK's unit vectors (cloud-apis.md B.2).

use super::sign_common::{
    canonical_headers, canonical_query, constant_time_eq, hmac_sha256_hex, percent_encode, sha256_hex,
};

pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// The value of `X-Sdk-Content-Sha256` that tells the server the body is not signed (multipart).
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Everything the signature covers.
#[derive(Debug, Clone, Copy)]
pub struct HuaweiRequest<'a> {
    pub method: &'a str,
    /// The request path, unencoded; a trailing `/` is added for signing only.
    pub path: &'a str,
    pub query: &'a [(&'a str, &'a str)],
    /// The headers to sign; `x-sdk-date` must be among them.
    pub signed_headers: &'a [(&'a str, &'a str)],
    /// Hex SHA-256 of the body, or [`UNSIGNED_PAYLOAD`].
    pub hashed_payload: &'a str,
    /// The `X-Sdk-Date` value (`20191115T033655Z`).
    pub sdk_date: &'a str,
}

/// The parsed `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HuaweiAuthorization {
    pub access_key: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Each segment percent-encoded, and always ending in `/` (the signer's rule, not the URL's).
pub fn canonical_uri(path: &str) -> String {
    let mut uri = path.split('/').map(percent_encode).collect::<Vec<_>>().join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The canonical request text, and the `;`-joined list of signed header names.
pub fn canonical_request(req: &HuaweiRequest<'_>) -> (String, String) {
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

pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{sdk_date}\n{}", sha256_hex(canonical_request.as_bytes()))
}

pub fn signature(secret_key: &[u8], req: &HuaweiRequest<'_>) -> String {
    let (canonical, _) = canonical_request(req);
    hmac_sha256_hex(secret_key, string_to_sign(req.sdk_date, &canonical).as_bytes())
}

/// The full `Authorization` header value.
pub fn authorization(access_key: &str, secret_key: &[u8], req: &HuaweiRequest<'_>) -> String {
    let (canonical, signed_names) = canonical_request(req);
    let sig = hmac_sha256_hex(secret_key, string_to_sign(req.sdk_date, &canonical).as_bytes());
    format!("{ALGORITHM} Access={access_key}, SignedHeaders={signed_names}, Signature={sig}")
}

/// Parses `SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`.
pub fn parse_authorization(value: &str) -> Option<HuaweiAuthorization> {
    let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let mut access_key = None;
    let mut signed_headers = None;
    let mut sig = None;
    for part in rest.split(',') {
        let (key, val) = part.trim().split_once('=')?;
        match key {
            "Access" => access_key = Some(val.to_owned()),
            "SignedHeaders" => signed_headers = Some(val.split(';').map(str::to_owned).collect()),
            "Signature" => sig = Some(val.to_owned()),
            _ => return None,
        }
    }
    Some(HuaweiAuthorization { access_key: access_key?, signed_headers: signed_headers?, signature: sig? })
}

pub fn verify(secret_key: &[u8], req: &HuaweiRequest<'_>, claimed_signature: &str) -> bool {
    constant_time_eq(&signature(secret_key, req), claimed_signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::sign_common::EMPTY_SHA256;

    const DOC_AK: &str = "QTWAOYTTINDUT2QVKYUC";
    const DOC_SK: &[u8] = b"MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc";

    /// The official worked example (api-sign-algorithm-003/-004), byte for byte.
    #[test]
    fn official_worked_example() {
        let headers = [
            ("Content-Type", "application/json"),
            ("Host", "service.region.example.com"),
            ("X-Sdk-Date", "20191115T033655Z"),
        ];
        let query = [("limit", "2"), ("marker", "13551d6b-755d-4757-b956-536f674975c0")];
        let req = HuaweiRequest {
            method: "GET",
            path: "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs",
            query: &query,
            signed_headers: &headers,
            hashed_payload: EMPTY_SHA256,
            sdk_date: "20191115T033655Z",
        };
        let (canonical, _) = canonical_request(&req);
        assert_eq!(
            canonical,
            "GET\n/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\nlimit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n\
             content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n\n\
             content-type;host;x-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
        );
        assert_eq!(
            string_to_sign("20191115T033655Z", &canonical),
            "SDK-HMAC-SHA256\n20191115T033655Z\nb25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
        );
        assert_eq!(
            authorization(DOC_AK, DOC_SK, &req),
            "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, \
             Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
        );
    }

    /// Go SDK `signer_test.go`: GET with only `x-sdk-date` signed.
    #[test]
    fn go_sdk_get_vector() {
        let headers = [("X-Sdk-Date", "20060102T150405Z")];
        let req = HuaweiRequest {
            method: "GET",
            path: "/path",
            query: &[("limit", "1")],
            signed_headers: &headers,
            hashed_payload: EMPTY_SHA256,
            sdk_date: "20060102T150405Z",
        };
        assert_eq!(
            authorization("AccessKey", b"SecretKey", &req),
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, \
             Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"
        );
    }

    /// Go SDK `signer_test.go`: POST with a JSON body that ends in the encoder's newline.
    #[test]
    fn go_sdk_post_vector() {
        let headers = [("X-Sdk-Date", "20060102T150405Z")];
        let with_newline = sha256_hex(b"{\"Name\":\"test\",\"Id\":1}\n");
        let req = HuaweiRequest {
            method: "POST",
            path: "/path",
            query: &[("key", "value")],
            signed_headers: &headers,
            hashed_payload: &with_newline,
            sdk_date: "20060102T150405Z",
        };
        assert_eq!(signature(b"SecretKey", &req), "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59");
        let without = sha256_hex(b"{\"Name\":\"test\",\"Id\":1}");
        let req = HuaweiRequest { hashed_payload: &without, ..req };
        assert!(signature(b"SecretKey", &req).starts_with("83599e52"));
    }

    /// The derived ShowAsyncTaskResult vector of cloud-apis.md B.2.
    #[test]
    fn show_async_task_result_vector() {
        let headers = [
            ("host", "apig.cn-north-4.myhuaweicloud.com"),
            ("x-project-id", "0123456789abcdef0123456789abcdef"),
            ("x-sdk-date", "20240101T000000Z"),
        ];
        let req = HuaweiRequest {
            method: "GET",
            path: "/v2/0123456789abcdef0123456789abcdef/apigw/instances/eddc4d25480b4cd6b512f270a1b8b341/async-tasks/d9ce8c9eede54b3f841ec324fe0bfdc2",
            query: &[],
            signed_headers: &headers,
            hashed_payload: EMPTY_SHA256,
            sdk_date: "20240101T000000Z",
        };
        let (canonical, _) = canonical_request(&req);
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "07a126f8e47629b8a492aeb9d63296f9ea73f4905c5602ef21af70923a722fde"
        );
        assert_eq!(signature(DOC_SK, &req), "31bb9ee112d55be80b834ed94a08ad5d2686a2fa50475cb0a3efff3f4abc9371");
        let header = authorization(DOC_AK, DOC_SK, &req);
        let parsed = parse_authorization(&header).unwrap();
        assert_eq!(parsed.signed_headers, ["host", "x-project-id", "x-sdk-date"]);
        assert!(verify(DOC_SK, &req, &parsed.signature));
        assert!(!verify(b"wrong", &req, &parsed.signature));
    }
}
