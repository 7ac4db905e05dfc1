use std::path::{Path, PathBuf};

use secrecy::ExposeSecret as _;

use super::*;
use crate::credentials::test_support::{run_chain, write_private_file};

fn run(pairs: &[(&str, &str)], home: Option<&Path>, profile: Option<&str>) -> Result<Chosen, CredentialError> {
    run_chain(discover, pairs, home, profile)
}

/// The default chain with the network sources turned off, so a test never reaches for the real
/// metadata service.
const QUIET: (&str, &str) = (ECS_METADATA_DISABLED_VAR, "true");

fn static_key(chosen: &Chosen) -> &AliyunCredentials {
    match &chosen.recipe {
        Recipe::Static(credentials) => credentials,
        other => panic!("not a static key: {other:?}"),
    }
}

const CLI_CONFIG: &str = r#"{ "current": "default",
  "profiles": [
    {"name":"default","mode":"AK","access_key_id":"AK_DEFAULT","access_key_secret":"SECRET_DEFAULT","region_id":"cn-hangzhou"},
    {"name":"sts","mode":"StsToken","access_key_id":"STS.ID","access_key_secret":"SECRET_STS","sts_token":"TOKEN_STS"},
    {"name":"role","mode":"RamRoleArn","access_key_id":"x","access_key_secret":"y","ram_role_arn":"acs:ram::123:role/x","ram_session_name":"s1","expired_seconds":1800,"sts_region":"cn-shanghai"},
    {"name":"chained","mode":"ChainableRamRoleArn","source_profile":"role","ram_role_arn":"acs:ram::456:role/y"},
    {"name":"loop-a","mode":"ChainableRamRoleArn","source_profile":"loop-b","ram_role_arn":"acs:ram::1:role/a"},
    {"name":"loop-b","mode":"ChainableRamRoleArn","source_profile":"loop-a","ram_role_arn":"acs:ram::1:role/b"},
    {"name":"ecs","mode":"EcsRamRole","ram_role_name":"EcsRole"},
    {"name":"oidc","mode":"OIDC","ram_role_arn":"acs:ram::1:role/o","oidc_provider_arn":"acs:ram::1:oidc-provider/p","oidc_token_file":"/var/token"},
    {"name":"uri","mode":"CredentialsURI","credentials_uri":"http://127.0.0.1:9/creds?token=LEAKME"},
    {"name":"ext","mode":"External","process_command":"/usr/local/bin/vault-aliyun --secret LEAKME"},
    {"name":"sso","mode":"CloudSSO","cloud_sso_sign_in_url":"https://signin"},
    {"name":"short","mode":"RamRoleArn","access_key_id":"x","access_key_secret":"y","ram_role_arn":"acs:ram::1:role/s","expired_seconds":60} ],
  "meta_path": "" }"#;

#[test]
fn env_wins_and_carries_the_sts_token() {
    let dir = tempfile::tempdir().unwrap();
    write_private_file(dir.path(), ".aliyun/config.json", CLI_CONFIG);
    let chosen =
        run(&[(ID_VAR, "ENV_ID"), (SECRET_VAR, "ENV_SECRET"), (TOKEN_VAR, "ENV_TOKEN")], Some(dir.path()), None)
            .unwrap();
    let found = static_key(&chosen);
    assert_eq!(found.access_key_id, "ENV_ID");
    assert_eq!(found.access_key_secret.expose_secret(), "ENV_SECRET");
    assert_eq!(found.security_token.as_ref().unwrap().expose_secret(), "ENV_TOKEN");
    assert_eq!(found.source.to_string(), "env ALIBABA_CLOUD_ACCESS_KEY_ID");
    assert!(chosen.skipped.is_empty());
}

#[test]
fn half_set_env_is_an_error_naming_the_missing_variable() {
    let err = run(&[(ID_VAR, "ENV_ID")], None, None).unwrap_err();
    assert!(err.to_string().contains(SECRET_VAR), "{err}");
}

#[test]
fn oidc_from_the_environment_comes_second_and_a_partial_set_is_skipped_with_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    write_private_file(dir.path(), ".aliyun/config.json", CLI_CONFIG);
    let all = [
        (ROLE_ARN_VAR, "acs:ram::1:role/ci"),
        (OIDC_PROVIDER_ARN_VAR, "acs:ram::1:oidc-provider/gh"),
        (OIDC_TOKEN_FILE_VAR, "/run/token"),
        (ROLE_SESSION_NAME_VAR, "ci-run"),
        (STS_REGION_VAR, "cn-beijing"),
    ];
    let chosen = run(&all, Some(dir.path()), None).unwrap();
    let Recipe::Oidc { spec, sts, source } = &chosen.recipe else { panic!("{:?}", chosen.recipe) };
    assert_eq!(spec.role.role_arn, "acs:ram::1:role/ci");
    assert_eq!(spec.role.session_name, "ci-run");
    assert_eq!(spec.token_file, PathBuf::from("/run/token"));
    assert_eq!(sts.as_str(), "https://sts.cn-beijing.aliyuncs.com/");
    assert_eq!(source.to_string(), "env ALIBABA_CLOUD_OIDC_TOKEN_FILE, OIDC role acs:ram::1:role/ci");
    assert_eq!(chosen.skipped[0].source, "environment");

    let chosen = run(&all[..2], Some(dir.path()), None).unwrap();
    assert!(matches!(chosen.recipe, Recipe::Static(_)), "on to the CLI profile");
    assert_eq!(chosen.skipped[1].source, "OIDC role");
    assert!(chosen.skipped[1].reason.contains(OIDC_TOKEN_FILE_VAR), "{:?}", chosen.skipped);
}

#[test]
fn cli_config_uses_current_then_the_profile_variable() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_private_file(dir.path(), ".aliyun/config.json", CLI_CONFIG);
    let chosen = run(&[], Some(dir.path()), None).unwrap();
    let found = static_key(&chosen);
    assert_eq!(found.access_key_id, "AK_DEFAULT");
    assert!(found.security_token.is_none());
    assert!(chosen.warnings.is_empty());
    assert_eq!(found.source, CredentialSource::File { path, profile: Some("default".into()) });
    let skipped: Vec<&str> = chosen.skipped.iter().map(|s| s.source).collect();
    assert_eq!(skipped, ["environment", "OIDC role"]);

    let chosen = run(&[(PROFILE_VAR, "sts")], Some(dir.path()), None).unwrap();
    let found = static_key(&chosen);
    assert_eq!(found.access_key_id, "STS.ID");
    assert_eq!(found.security_token.as_ref().unwrap().expose_secret(), "TOKEN_STS");
}

#[test]
fn every_cli_mode_becomes_its_recipe() {
    let dir = tempfile::tempdir().unwrap();
    write_private_file(dir.path(), ".aliyun/config.json", CLI_CONFIG);
    let pick = |name: &str| run(&[QUIET], Some(dir.path()), Some(name)).unwrap().recipe;

    let Recipe::AssumeRole { caller, role, sts, source } = pick("role") else { panic!() };
    assert!(matches!(*caller, Recipe::Static(_)));
    assert_eq!(
        (role.role_arn.as_str(), role.session_name.as_str(), role.duration_secs),
        ("acs:ram::123:role/x", "s1", 1800)
    );
    assert_eq!(sts.as_str(), "https://sts.cn-shanghai.aliyuncs.com/");
    assert!(source.to_string().ends_with("(profile role), mode RamRoleArn, role acs:ram::123:role/x"), "{source}");

    let Recipe::AssumeRole { caller, role, .. } = pick("chained") else { panic!() };
    assert_eq!(role.role_arn, "acs:ram::456:role/y");
    let Recipe::AssumeRole { role: inner, .. } = *caller else { panic!("the source profile's own role first") };
    assert_eq!(inner.role_arn, "acs:ram::123:role/x");

    let Recipe::Imds { spec, .. } = pick("ecs") else { panic!() };
    assert_eq!(spec.role.as_deref(), Some("EcsRole"));
    assert_eq!(spec.endpoint.as_str(), "http://100.100.100.200/");

    let Recipe::Oidc { spec, .. } = pick("oidc") else { panic!() };
    assert_eq!(spec.provider_arn, "acs:ram::1:oidc-provider/p");

    let Recipe::Uri { url, source } = pick("uri") else { panic!() };
    assert_eq!(url.port(), Some(9));
    assert!(!source.to_string().contains("LEAKME"), "{source}");

    let Recipe::External { command, source } = pick("ext") else { panic!() };
    assert!(command.starts_with("/usr/local/bin/vault-aliyun"));
    assert!(source.to_string().ends_with("mode External, process `vault-aliyun`"), "{source}");
    assert!(!source.to_string().contains("LEAKME"));
}

#[test]
fn refused_and_broken_modes_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    write_private_file(dir.path(), ".aliyun/config.json", CLI_CONFIG);
    let err = |name: &str| run(&[QUIET], Some(dir.path()), Some(name)).unwrap_err().to_string();
    assert!(err("sso").contains("mode CloudSSO is not supported"), "{}", err("sso"));
    assert!(err("loop-a").contains("loops"), "{}", err("loop-a"));
    assert!(err("short").contains("at least 900 seconds"), "{}", err("short"));
    let missing = err("nobody");
    assert!(
        missing.contains("no profile \"nobody\"") && missing.contains("aliyun configure --profile nobody"),
        "{missing}"
    );
}

#[test]
fn a_named_profile_skips_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    write_private_file(dir.path(), ".aliyun/config.json", CLI_CONFIG);
    let chosen = run(&[(ID_VAR, "ENV_ID"), (SECRET_VAR, "ENV_SECRET")], Some(dir.path()), Some("sts")).unwrap();
    assert_eq!(static_key(&chosen).access_key_id, "STS.ID");
    assert!(chosen.skipped[0].reason.contains("names profile sts"), "{:?}", chosen.skipped);
}

#[test]
fn every_sdk_file_type_becomes_its_recipe() {
    let dir = tempfile::tempdir().unwrap();
    let ini = write_private_file(
        dir.path(),
        "creds.ini",
        "[default]\ntype = access_key\naccess_key_id = INI_ID\naccess_key_secret = INI_SECRET\n\
         [sts]\ntype = sts\naccess_key_id = STS.I\naccess_key_secret = S\nsecurity_token = T\n\
         [role]\ntype = ram_role_arn\naccess_key_id = A\naccess_key_secret = B\nrole_arn = acs:ram::9:role/r\nrole_session_name = rs\npolicy = {}\n\
         [oidc]\ntype = oidc_role_arn\nrole_arn = acs:ram::9:role/o\noidc_provider_arn = acs:ram::9:oidc-provider/p\noidc_token_file_path = /t\n\
         [ecs]\ntype = ecs_ram_role\nrole_name = R\n\
         [uri]\ntype = credentials_uri\ncredentials_uri = http://127.0.0.1:7/c\n\
         [rsa]\ntype = rsa_key_pair\n",
    );
    let env = |profile: &'static str| {
        vec![
            (CONFIG_FILE_VAR, "/nonexistent"),
            (CREDENTIALS_FILE_VAR, ini.to_str().unwrap()),
            (PROFILE_VAR, profile),
            QUIET,
        ]
    };
    let pick = |profile| run(&env(profile), Some(dir.path()), None);
    assert_eq!(static_key(&pick("default").unwrap()).access_key_id, "INI_ID");
    assert!(static_key(&pick("sts").unwrap()).security_token.is_some());
    let Recipe::AssumeRole { role, .. } = pick("role").unwrap().recipe else { panic!() };
    assert_eq!((role.session_name.as_str(), role.policy.as_deref()), ("rs", Some("{}")));
    assert!(matches!(pick("oidc").unwrap().recipe, Recipe::Oidc { .. }));
    assert!(matches!(pick("ecs").unwrap().recipe, Recipe::Imds { .. }));
    assert!(matches!(pick("uri").unwrap().recipe, Recipe::Uri { .. }));
    assert!(pick("rsa").unwrap_err().to_string().contains("rsa_key_pair is not supported"));
    // A reference's profile finds a section too.
    let chosen = run(&[(CREDENTIALS_FILE_VAR, ini.to_str().unwrap())], Some(dir.path()), Some("sts")).unwrap();
    assert_eq!(static_key(&chosen).access_key_id, "STS.I");
}

#[test]
fn the_end_of_the_chain_is_the_metadata_service_then_the_uri_and_both_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let chosen =
        run(&[(CREDENTIALS_URI_VAR, "http://127.0.0.1:7/c"), (ECS_METADATA_VAR, "R")], Some(dir.path()), None).unwrap();
    let Recipe::FirstOf { options, missing } = &chosen.recipe else { panic!("{:?}", chosen.recipe) };
    assert!(matches!(&options[0], Recipe::Imds { spec, .. } if spec.role.as_deref() == Some("R")));
    assert!(matches!(&options[1], Recipe::Uri { .. }));
    assert!(missing.contains(ID_VAR));
    let sources: Vec<&str> = chosen.skipped.iter().map(|s| s.source).collect();
    assert_eq!(sources, ["environment", "OIDC role", "aliyun CLI profile", "SDK credentials file"]);

    let err = run(&[QUIET], Some(dir.path()), None).unwrap_err();
    assert!(matches!(err, CredentialError::Missing { .. }));
    let text = err.to_string();
    for needle in [
        ID_VAR,
        SECRET_VAR,
        TOKEN_VAR,
        "config.json",
        ".alibabacloud/credentials",
        "not found",
        ECS_METADATA_DISABLED_VAR,
    ] {
        assert!(text.contains(needle), "{needle} missing from: {text}");
    }
}

#[test]
fn endpoint_overrides_are_checked_and_used() {
    let dir = tempfile::tempdir().unwrap();
    write_private_file(dir.path(), ".aliyun/config.json", CLI_CONFIG);
    let env = [(STS_ENDPOINT_VAR, "http://127.0.0.1:4000"), (IMDS_ENDPOINT_VAR, "http://127.0.0.1:4001"), QUIET];
    let Recipe::AssumeRole { sts, .. } = run(&env, Some(dir.path()), Some("role")).unwrap().recipe else { panic!() };
    assert_eq!(sts.as_str(), "http://127.0.0.1:4000/");
    let Recipe::Imds { spec, .. } = run(&env, Some(dir.path()), Some("ecs")).unwrap().recipe else { panic!() };
    assert_eq!(spec.endpoint.as_str(), "http://127.0.0.1:4001/");
    let err = run(&[(STS_ENDPOINT_VAR, "http://sts.example.com")], Some(dir.path()), None).unwrap_err();
    assert!(err.to_string().contains(STS_ENDPOINT_VAR), "{err}");
}

#[test]
fn debug_output_is_redacted() {
    let creds = AliyunCredentials {
        access_key_id: "LTAIexample".into(),
        access_key_secret: SecretString::from("very-secret-value"),
        security_token: Some(SecretString::from("sts-token-value")),
        source: CredentialSource::Env { variable: "ALIBABA_CLOUD_ACCESS_KEY_ID" },
    };
    let text = format!("{creds:?} {:?}", Recipe::Static(creds.clone()));
    assert!(text.contains("LTAIexample"));
    assert!(!text.contains("very-secret-value"));
    assert!(!text.contains("sts-token-value"));
}

#[test]
fn errors_name_fields_and_lines_but_never_values_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // a secret where a string list is expected, where a mode is, and where `current` is
        r#"{"current": "default", "profiles": [{"name": "default", "mode": "AK", "access_key_id": ["LEAKME-1"]}]}"#,
        r#"{"current": "default", "profiles": [{"name": "default", "mode": "LEAKME-2x9Qw"}]}"#,
        r#"{"current": "LEAKME-3", "profiles": []}"#,
        r#"{"current": "default", "profiles": [{"name": "default", "mode": 7}], "x": "LEAKME-4"}"#,
        r#"{"current": "default" "LEAKME-5"}"#,
        r#"{"current": "default", "profiles": [{"name": "default", "mode": "ChainableRamRoleArn", "ram_role_arn": "r", "source_profile": "LEAKME 6"}]}"#,
        r#"{"current": "default", "profiles": [{"name": "default", "mode": "CredentialsURI", "credentials_uri": "LEAKME-7"}]}"#,
        r#"{"current": "default", "profiles": [{"name": "default", "mode": "External", "process_command": "x 'LEAKME-8"}]}"#,
    ];
    for text in cases {
        write_private_file(dir.path(), ".aliyun/config.json", text);
        let err = run(&[(CREDENTIALS_FILE_VAR, "/nonexistent"), QUIET], Some(dir.path()), None).map(|c| c.recipe);
        let shown = format!("{err:?}");
        assert!(!shown.contains("LEAKME"), "{shown}");
    }
    write_private_file(dir.path(), ".aliyun/config.json", cases[0]);
    let err = run(&[QUIET], Some(dir.path()), None).unwrap_err().to_string();
    assert!(err.contains("field `profiles[0].access_key_id` at line 1"), "{err}");

    let ini = write_private_file(dir.path(), "creds.ini", "[default]\n\ntype = LEAKME-6\n");
    let err = run(
        &[(CONFIG_FILE_VAR, "/nonexistent"), (CREDENTIALS_FILE_VAR, ini.to_str().unwrap())],
        Some(dir.path()),
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(!err.contains("LEAKME") && err.contains("line 3"), "{err}");
}

#[cfg(unix)]
#[test]
fn loose_file_mode_is_warned_about() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = write_private_file(dir.path(), ".aliyun/config.json", CLI_CONFIG);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let chosen = run(&[], Some(dir.path()), None).unwrap();
    assert_eq!(chosen.warnings.len(), 1);
    assert!(chosen.warnings[0].contains("chmod 600"), "{:?}", chosen.warnings);
    assert!(chosen.warnings[0].contains("0644"));
}

#[test]
fn the_python_sdk_file_name_is_read_when_it_is_the_only_one() {
    let dir = tempfile::tempdir().unwrap();
    write_private_file(
        dir.path(),
        ".alibabacloud/credentials.ini",
        "[default]\ntype = access_key\naccess_key_id = PY\naccess_key_secret = S\n",
    );
    assert_eq!(static_key(&run(&[], Some(dir.path()), None).unwrap()).access_key_id, "PY");
}

#[test]
fn the_sdk_names_of_the_providers_nest_like_the_sdks() {
    let dir = tempfile::tempdir().unwrap();
    write_private_file(dir.path(), ".aliyun/config.json", CLI_CONFIG);
    let name = |pairs: &[(&str, &str)], profile: Option<&str>| run(pairs, Some(dir.path()), profile).unwrap().sdk_name;
    assert_eq!(name(&[(ID_VAR, "a"), (SECRET_VAR, "b")], None), "default/env");
    assert_eq!(name(&[], None), "default/cli_profile/static_ak");
    assert_eq!(name(&[], Some("sts")), "cli_profile/static_sts");
    assert_eq!(name(&[QUIET], Some("chained")), "cli_profile/ram_role_arn/ram_role_arn/static_ak");
    assert_eq!(name(&[QUIET], Some("ecs")), "cli_profile/ecs_ram_role");
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(run(&[], Some(empty.path()), None).unwrap().sdk_name, "default/ecs_ram_role");
    let ini = write_private_file(
        empty.path(),
        ".alibabacloud/credentials",
        "[default]\ntype = access_key\naccess_key_id = I\naccess_key_secret = S\n",
    );
    assert!(ini.exists());
    assert_eq!(run(&[], Some(empty.path()), None).unwrap().sdk_name, "default/profile/static_ak");
}
