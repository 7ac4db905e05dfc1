//! What the simulator's handle and `oaswatch sim`'s banner say about the simulated Alibaba
//! cloud: its region, the scenario's keys, an import target, and the lines that point a client
//! at it.

use std::io;

use secrecy::{ExposeSecret as _, SecretString};

use super::scenario::AliyunSetup;
use super::setup;
use crate::domain::Target;
use crate::sim::SimHandle;
use crate::sim::cloud::ClientAndBanner;
use crate::sim::creds::{ALIYUN_OIDC_TOKEN, CREDENTIALS_URI_PATH, CREDENTIALS_URI_TOKEN, ECS_ROLE};

/// An Alibaba AccessKey of the scenario (secrets redacted in `Debug`).
#[derive(Clone, Debug)]
pub struct AliyunCredentials {
    pub access_key_id: String,
    pub access_key_secret: SecretString,
    /// Set for an STS key: send it as `x-acs-security-token`.
    pub security_token: Option<SecretString>,
}

impl SimHandle {
    fn aliyun_setup(&self) -> &AliyunSetup {
        setup(&self.shared.scenario)
    }

    pub fn aliyun_region(&self) -> &str {
        &self.aliyun_setup().region
    }

    fn aliyun_key(&self, sts: bool) -> Option<AliyunCredentials> {
        let key = self.aliyun_setup().credentials.iter().find(|k| k.security_token.is_some() == sts)?;
        Some(AliyunCredentials {
            access_key_id: key.access_key_id.clone(),
            access_key_secret: SecretString::from(key.access_key_secret.clone()),
            security_token: key.security_token.clone().map(SecretString::from),
        })
    }

    /// The scenario's first long-term Alibaba AccessKey.
    pub fn aliyun_credentials(&self) -> Option<AliyunCredentials> {
        self.aliyun_key(false)
    }

    /// The scenario's first Alibaba STS key, with its token.
    pub fn aliyun_sts_credentials(&self) -> Option<AliyunCredentials> {
        self.aliyun_key(true)
    }

    /// An import target on Alibaba: the scenario's first group.
    pub fn aliyun_target(&self) -> Option<Target> {
        let group = self.aliyun_setup().groups.first()?;
        Some(Target::Aliyun { profile: None, region: self.aliyun_region().to_owned(), group_id: group.id.clone() })
    }
}

/// What the handle and the banner say about this cloud, as its registration holds it.
pub(super) const CLIENT_AND_BANNER: ClientAndBanner = ClientAndBanner {
    client_key_env,
    banner_keys,
    credential_endpoint_env: &["OASWATCH_ALIYUN_STS_ENDPOINT", "OASWATCH_ALIYUN_IMDS_ENDPOINT"],
    banner_credentials,
    banner_targets,
};

/// `ALIBABA_CLOUD_ACCESS_KEY_ID`/`…_SECRET` of the scenario's first long-term key.
fn client_key_env(handle: &SimHandle) -> Vec<(&'static str, String)> {
    handle.aliyun_credentials().map_or_else(Vec::new, |key| {
        vec![
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", key.access_key_id),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", key.access_key_secret.expose_secret().to_owned()),
        ]
    })
}

fn banner_keys(handle: &SimHandle, out: &mut dyn io::Write) -> io::Result<()> {
    if let Some(key) = handle.aliyun_credentials() {
        writeln!(
            out,
            "export ALIBABA_CLOUD_ACCESS_KEY_ID={} ALIBABA_CLOUD_ACCESS_KEY_SECRET={}",
            key.access_key_id,
            key.access_key_secret.expose_secret()
        )?;
    }
    Ok(())
}

fn banner_credentials(url: &str, out: &mut dyn io::Write) -> io::Result<()> {
    writeln!(out, "#   OIDC token for AssumeRoleWithOIDC: {ALIYUN_OIDC_TOKEN}")?;
    writeln!(
        out,
        "#   ECS RAM role: {ECS_ROLE}; credentials URI: {url}{CREDENTIALS_URI_PATH}?token={CREDENTIALS_URI_TOKEN}"
    )
}

fn banner_targets(handle: &SimHandle, out: &mut dyn io::Write) -> io::Result<()> {
    for group in &handle.aliyun_setup().groups {
        writeln!(out, "  aliyun://{}/{}  (group {})", handle.aliyun_region(), group.id, group.name)?;
    }
    Ok(())
}
