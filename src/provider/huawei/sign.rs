//! Huawei Cloud AK/SK signing (`SDK-HMAC-SHA256`), as the official SDKs compute it: the shared
//! [`Scheme`] with Huawei's parameters. Pure.
//!
//! Used by the Huawei client to sign and by the simulator to verify. Checked against the
//! official worked example and the Go SDK's unit vectors (docs/protocols.md, "Huawei Cloud:
//! SDK-HMAC-SHA256").

use crate::provider::signing::{Scheme, percent_encode_into};

pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// The value of `X-Sdk-Content-Sha256` that tells the server the body is not signed (multipart).
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// SDK-HMAC-SHA256: `Access=…, SignedHeaders=…, Signature=…` with a space after each comma, and
/// the `X-Sdk-Date` value as the second line of the string to sign.
pub const SDK_HMAC: Scheme =
    Scheme { algorithm: ALGORITHM, key_field: "Access", separator: ", ", canonical_uri, date_in_string_to_sign: true };

/// Each segment percent-encoded, and always ending in `/` (the signer's rule, not the URL's).
pub fn canonical_uri(path: &str) -> String {
    let mut uri = String::with_capacity(path.len() + 1);
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            uri.push('/');
        }
        percent_encode_into(&mut uri, segment);
    }
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::signing::{EMPTY_SHA256, SignedRequest, sha256_hex};

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
        let req = SignedRequest {
            method: "GET",
            path: "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs",
            query: &query,
            signed_headers: &headers,
            hashed_payload: EMPTY_SHA256,
            date: "20191115T033655Z",
        };
        let (canonical, _) = SDK_HMAC.canonical_request(&req);
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
            SDK_HMAC.string_to_sign("20191115T033655Z", &canonical),
            "SDK-HMAC-SHA256\n20191115T033655Z\nb25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
        );
        assert_eq!(
            SDK_HMAC.authorization(DOC_AK, DOC_SK, &req),
            "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, \
             Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
        );
    }

    /// Go SDK `signer_test.go`: GET with only `x-sdk-date` signed.
    #[test]
    fn go_sdk_get_vector() {
        let headers = [("X-Sdk-Date", "20060102T150405Z")];
        let req = SignedRequest {
            method: "GET",
            path: "/path",
            query: &[("limit", "1")],
            signed_headers: &headers,
            hashed_payload: EMPTY_SHA256,
            date: "20060102T150405Z",
        };
        assert_eq!(
            SDK_HMAC.authorization("AccessKey", b"SecretKey", &req),
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, \
             Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"
        );
    }

    /// Go SDK `signer_test.go`: POST with a JSON body that ends in the encoder's newline.
    #[test]
    fn go_sdk_post_vector() {
        let headers = [("X-Sdk-Date", "20060102T150405Z")];
        let with_newline = sha256_hex(b"{\"Name\":\"test\",\"Id\":1}\n");
        let req = SignedRequest {
            method: "POST",
            path: "/path",
            query: &[("key", "value")],
            signed_headers: &headers,
            hashed_payload: &with_newline,
            date: "20060102T150405Z",
        };
        assert_eq!(
            SDK_HMAC.signature(b"SecretKey", &req),
            "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59"
        );
        let without = sha256_hex(b"{\"Name\":\"test\",\"Id\":1}");
        let req = SignedRequest { hashed_payload: &without, ..req };
        assert!(SDK_HMAC.signature(b"SecretKey", &req).starts_with("83599e52"));
    }

    /// The derived ShowAsyncTaskResult vector (docs/protocols.md, "SDK-HMAC-SHA256").
    #[test]
    fn show_async_task_result_vector() {
        let headers = [
            ("host", "apig.cn-north-4.myhuaweicloud.com"),
            ("x-project-id", "0123456789abcdef0123456789abcdef"),
            ("x-sdk-date", "20240101T000000Z"),
        ];
        let req = SignedRequest {
            method: "GET",
            path: "/v2/0123456789abcdef0123456789abcdef/apigw/instances/eddc4d25480b4cd6b512f270a1b8b341/async-tasks/d9ce8c9eede54b3f841ec324fe0bfdc2",
            query: &[],
            signed_headers: &headers,
            hashed_payload: EMPTY_SHA256,
            date: "20240101T000000Z",
        };
        let (canonical, _) = SDK_HMAC.canonical_request(&req);
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "07a126f8e47629b8a492aeb9d63296f9ea73f4905c5602ef21af70923a722fde"
        );
        assert_eq!(
            SDK_HMAC.signature(DOC_SK, &req),
            "31bb9ee112d55be80b834ed94a08ad5d2686a2fa50475cb0a3efff3f4abc9371"
        );
        let header = SDK_HMAC.authorization(DOC_AK, DOC_SK, &req);
        let parsed = SDK_HMAC.parse_authorization(&header).unwrap();
        assert_eq!(parsed.signed_headers, ["host", "x-project-id", "x-sdk-date"]);
        assert!(SDK_HMAC.verify(DOC_SK, &req, &parsed.signature));
        assert!(!SDK_HMAC.verify(b"wrong", &req, &parsed.signature));
    }
}
