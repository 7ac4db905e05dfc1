use std::path::Path;

use secrecy::ExposeSecret as _;

use super::*;
use crate::credentials::test_support::{run_chain, write_private_file};

fn run(pairs: &[(&str, &str)], home: Option<&Path>, profile: Option<&str>) -> Result<Chosen, CredentialError> {
    run_chain(discover, pairs, home, profile)
}

const QUIET: (&str, &str) = (METADATA_DISABLED_VAR, "true");

fn key(chosen: &Chosen) -> &HuaweiCredentials {
    match &chosen.recipe {
        Recipe::Static(credentials) => credentials,
        other => panic!("not a static key: {other:?}"),
    }
}

fn secret_of(c: &HuaweiCredentials) -> String {
    match c {
        HuaweiCredentials::AkSk { secret_key, .. } => secret_key.expose_secret().to_owned(),
        HuaweiCredentials::Token { token, .. } => token.expose_secret().to_owned(),
    }
}

#[test]
fn debug_output_is_redacted() {
    let token = HuaweiCredentials::Token {
        token: SecretString::from("MIIT-token-value"),
        source: CredentialSource::Env { variable: "OASWATCH_HUAWEI_TOKEN" },
    };
    assert!(!format!("{token:?}").contains("MIIT-token-value"));
    let keys = HuaweiCredentials::AkSk {
        access_key: "AK".into(),
        secret_key: SecretString::from("sk-value-123"),
        security_token: Some(SecretString::from("tok-value-456")),
        source: CredentialSource::File { path: "/h/.huaweicloud/credentials".into(), profile: Some("basic".into()) },
    };
    let text = format!("{keys:?} {:?}", Recipe::Static(keys.clone()));
    assert!(!text.contains("sk-value-123") && !text.contains("tok-value-456"));
    assert_eq!(keys.source().to_string(), "/h/.huaweicloud/credentials (profile basic)");
}

#[test]
fn env_aksk_wins_over_token_and_file() {
    let env = [(AK_VAR, "AK"), (SK_VAR, "SK"), (TOKEN_VAR, "STS"), (AUTH_TOKEN_VAR, "TOKEN")];
    let chosen = run(&env, None, None).unwrap();
    let found = key(&chosen);
    let HuaweiCredentials::AkSk { access_key, security_token, .. } = found else { panic!("{found:?}") };
    assert_eq!(access_key, "AK");
    assert_eq!(security_token.as_ref().unwrap().expose_secret(), "STS");
    assert_eq!(secret_of(found), "SK");
}

#[test]
fn an_identity_provider_in_the_environment_wins_over_an_aksk_as_in_the_sdk() {
    let env = [
        (IDP_ID_VAR, "github-ci"),
        (ID_TOKEN_FILE_VAR, "/run/id-token"),
        (AK_VAR, "AK"),
        (SK_VAR, "SK"),
        (IAM_ENDPOINT_VAR, "http://127.0.0.1:5000"),
    ];
    let chosen = run(&env, None, None).unwrap();
    let Recipe::Federation { idp_id, token_file, iam, source } = &chosen.recipe else { panic!("{:?}", chosen.recipe) };
    assert_eq!((idp_id.as_str(), token_file.as_path()), ("github-ci", Path::new("/run/id-token")));
    assert_eq!(iam.as_str(), "http://127.0.0.1:5000/");
    assert_eq!(
        source.to_string(),
        "env HUAWEICLOUD_SDK_ID_TOKEN_FILE, OIDC federation with identity provider github-ci"
    );
    let err = run(&[(IDP_ID_VAR, "x")], None, None).unwrap_err();
    assert!(err.to_string().contains(ID_TOKEN_FILE_VAR), "{err}");
}

#[test]
fn token_env_is_after_the_keys() {
    let chosen = run(&[(AUTH_TOKEN_VAR, "MIIT")], None, None).unwrap();
    let found = key(&chosen);
    assert!(matches!(found, HuaweiCredentials::Token { .. }));
    assert_eq!(secret_of(found), "MIIT");
    assert_eq!(found.source().to_string(), "env OASWATCH_HUAWEI_TOKEN");
}

#[test]
fn half_set_env_names_the_missing_variable() {
    let err = run(&[(SK_VAR, "SK")], None, None).unwrap_err();
    assert!(err.to_string().contains(AK_VAR), "{err}");
}

#[test]
fn credentials_file_basic_section_and_named_sections() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_private_file(
        dir.path(),
        ".huaweicloud/credentials",
        "[global]\nak = G\nsk = GS\n[basic]\nak = FILE_AK\nsk = FILE_SK\nproject_id = p\n\
         [prod]\nidp_id = corp-idp\nid_token_file = /t\niam_endpoint = http://127.0.0.1:5001\n",
    );
    let chosen = run(&[QUIET], Some(dir.path()), None).unwrap();
    assert_eq!(secret_of(key(&chosen)), "FILE_SK");
    assert_eq!(key(&chosen).source(), &CredentialSource::File { path: path.clone(), profile: Some("basic".into()) });
    let chosen = run(&[QUIET], Some(dir.path()), Some("prod")).unwrap();
    let Recipe::Federation { iam, .. } = &chosen.recipe else { panic!("{:?}", chosen.recipe) };
    assert_eq!(iam.as_str(), "http://127.0.0.1:5001/");

    let other = write_private_file(dir.path(), "elsewhere", "[basic]\nak = X\n");
    let err = run(&[(FILE_VAR, other.to_str().unwrap())], Some(dir.path()), None).unwrap_err();
    assert!(err.to_string().contains("needs both `ak` and `sk`"), "{err}");
}

const KOOCLI: &str = r#"{"current":"dev","profiles":[
  {"name":"dev","mode":"AKSK","accessKeyId":"DEVAK","secretAccessKey":"DEVSK","region":"cn-north-4"},
  {"name":"tmp","mode":"AKSK","accessKeyId":"TMPAK","secretAccessKey":"TMPSK","securityToken":"TMPTOKEN"},
  {"name":"ecs","mode":"ecsAgency"},
  {"name":"sso","mode":"SSO"}]}"#;

#[test]
fn koocli_profiles_follow_current_and_names() {
    let dir = tempfile::tempdir().unwrap();
    write_private_file(dir.path(), ".hcloud/config.json", KOOCLI);
    let chosen = run(&[QUIET], Some(dir.path()), None).unwrap();
    assert_eq!(secret_of(key(&chosen)), "DEVSK");
    let sources: Vec<&str> = chosen.skipped.iter().map(|s| s.source).collect();
    assert_eq!(sources, ["environment", "profile file"]);
    let chosen = run(&[QUIET], Some(dir.path()), Some("tmp")).unwrap();
    let HuaweiCredentials::AkSk { security_token, .. } = key(&chosen) else { panic!() };
    assert!(security_token.is_some());
    assert!(matches!(run(&[QUIET], Some(dir.path()), Some("ecs")).unwrap().recipe, Recipe::Metadata { .. }));
    assert!(
        run(&[QUIET], Some(dir.path()), Some("sso")).unwrap_err().to_string().contains("mode SSO is not supported")
    );
    let missing = run(&[QUIET], Some(dir.path()), Some("nobody")).unwrap_err().to_string();
    assert!(missing.contains("no profile \"nobody\""), "{missing}");

    write_private_file(
        dir.path(),
        ".hcloud/config.json",
        &KOOCLI.replace(r#"{"current":"dev","#, r#"{"current":"dev","authEncrypt":"true","#),
    );
    let err = run(&[QUIET], Some(dir.path()), None).unwrap_err().to_string();
    assert!(err.contains("encrypted") && !err.contains("DEVSK"), "{err}");
}

#[test]
fn the_end_of_the_chain_is_the_metadata_service_unless_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let chosen = run(&[(METADATA_ENDPOINT_VAR, "http://127.0.0.1:5002")], Some(dir.path()), None).unwrap();
    let Recipe::Metadata { endpoint, missing, .. } = &chosen.recipe else { panic!("{:?}", chosen.recipe) };
    assert_eq!(endpoint.as_str(), "http://127.0.0.1:5002/");
    assert!(missing.as_ref().unwrap().contains(AK_VAR));
    let text = run(&[QUIET], Some(dir.path()), None).unwrap_err().to_string();
    for needle in
        [AK_VAR, SK_VAR, AUTH_TOKEN_VAR, IDP_ID_VAR, ".huaweicloud/credentials", "not found", METADATA_DISABLED_VAR]
    {
        assert!(text.contains(needle), "{needle} missing from {text}");
    }
}

#[test]
fn errors_never_quote_values_from_the_files() {
    let dir = tempfile::tempdir().unwrap();
    for text in [
        r#"{"current":"LEAKME-1","profiles":[]}"#,
        r#"{"current":"a","profiles":[{"name":"a","mode":"LEAKME-2"}]}"#,
        r#"{"current":"a","profiles":[{"name":"a","accessKeyId":["LEAKME-3"]}]}"#,
        r#"{"current":"a" "LEAKME-4"}"#,
    ] {
        write_private_file(dir.path(), ".hcloud/config.json", text);
        let shown = format!("{:?}", run(&[QUIET], Some(dir.path()), None).map(|c| c.recipe));
        assert!(!shown.contains("LEAKME"), "{shown}");
    }
}
