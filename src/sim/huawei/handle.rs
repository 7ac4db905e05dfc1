//! What the simulator's handle and `oaswatch sim`'s banner say about the simulated Huawei
//! cloud: its region and project, the scenario's keys and tokens, an import target, and the
//! lines that point a client at it.

use std::io;

use secrecy::{ExposeSecret as _, SecretString};

use super::scenario::HuaweiSetup;
use super::setup;
use crate::domain::Target;
use crate::sim::SimHandle;
use crate::sim::cloud::ClientAndBanner;
use crate::sim::creds::{HUAWEI_ID_TOKEN, HUAWEI_IDP};

/// A Huawei AK/SK of the scenario (secrets redacted in `Debug`).
#[derive(Clone, Debug)]
pub struct HuaweiCredentials {
    pub access_key: String,
    pub secret_key: SecretString,
    /// Set for a temporary key: send it as `X-Security-Token`.
    pub security_token: Option<SecretString>,
}

impl SimHandle {
    fn huawei_setup(&self) -> &HuaweiSetup {
        setup(&self.shared.scenario)
    }

    pub fn huawei_region(&self) -> &str {
        &self.huawei_setup().region
    }

    pub fn huawei_project_id(&self) -> &str {
        &self.huawei_setup().project_id
    }

    fn huawei_key(&self, temporary: bool) -> Option<HuaweiCredentials> {
        let key = self.huawei_setup().credentials.iter().find(|k| k.security_token.is_some() == temporary)?;
        Some(HuaweiCredentials {
            access_key: key.access_key.clone(),
            secret_key: SecretString::from(key.secret_key.clone()),
            security_token: key.security_token.clone().map(SecretString::from),
        })
    }

    /// The scenario's first permanent Huawei AK/SK.
    pub fn huawei_credentials(&self) -> Option<HuaweiCredentials> {
        self.huawei_key(false)
    }

    /// The scenario's first temporary Huawei AK/SK, with its security token.
    pub fn huawei_temporary_credentials(&self) -> Option<HuaweiCredentials> {
        self.huawei_key(true)
    }

    /// The scenario's first IAM token that does not expire (else the first one).
    pub fn huawei_token(&self) -> Option<SecretString> {
        let tokens = &self.huawei_setup().tokens;
        let token = tokens.iter().find(|t| t.expires_in_secs.is_none()).or_else(|| tokens.first())?;
        Some(SecretString::from(token.token.clone()))
    }

    /// The scenario's first IAM token that expires `after_secs` wall-clock seconds after start
    /// (`0`: one that was never valid).
    pub fn huawei_token_expiring_after(&self, after_secs: f64) -> Option<SecretString> {
        let tokens = &self.huawei_setup().tokens;
        let token = tokens.iter().find(|t| t.expires_in_secs == Some(after_secs))?;
        Some(SecretString::from(token.token.clone()))
    }

    /// An import/export target on Huawei: the scenario's first instance.
    pub fn huawei_target(&self) -> Option<Target> {
        let instance = self.huawei_setup().instances.first()?;
        Some(Target::Huawei {
            profile: None,
            region: self.huawei_region().to_owned(),
            project_id: self.huawei_project_id().to_owned(),
            instance_id: instance.id.clone(),
        })
    }
}

/// What the handle and the banner say about this cloud, as its registration holds it.
pub(super) const CLIENT_AND_BANNER: ClientAndBanner = ClientAndBanner {
    client_key_env,
    banner_keys,
    credential_endpoint_env: &["HUAWEICLOUD_SDK_IAM_ENDPOINT", "OASWATCH_HUAWEI_METADATA_ENDPOINT"],
    banner_credentials,
    banner_targets,
};

/// `HUAWEICLOUD_SDK_AK`/`_SK` of the scenario's first permanent key.
fn client_key_env(handle: &SimHandle) -> Vec<(&'static str, String)> {
    handle.huawei_credentials().map_or_else(Vec::new, |key| {
        vec![("HUAWEICLOUD_SDK_AK", key.access_key), ("HUAWEICLOUD_SDK_SK", key.secret_key.expose_secret().to_owned())]
    })
}

fn banner_keys(handle: &SimHandle, out: &mut dyn io::Write) -> io::Result<()> {
    if let Some(key) = handle.huawei_credentials() {
        writeln!(
            out,
            "export HUAWEICLOUD_SDK_AK={} HUAWEICLOUD_SDK_SK={} HUAWEICLOUD_SDK_PROJECT_ID={}",
            key.access_key,
            key.secret_key.expose_secret(),
            handle.huawei_project_id()
        )?;
    }
    if let Some(token) = handle.huawei_token() {
        writeln!(out, "# or, for Huawei token auth: export OASWATCH_HUAWEI_TOKEN={}", token.expose_secret())?;
    }
    Ok(())
}

fn banner_credentials(_url: &str, out: &mut dyn io::Write) -> io::Result<()> {
    writeln!(out, "#   Huawei identity provider {HUAWEI_IDP}, ID token: {HUAWEI_ID_TOKEN}")
}

fn banner_targets(handle: &SimHandle, out: &mut dyn io::Write) -> io::Result<()> {
    for instance in &handle.huawei_setup().instances {
        let target = format!("huawei://{}/{}/{}", handle.huawei_region(), handle.huawei_project_id(), instance.id);
        let groups: Vec<String> = instance.groups.iter().map(|g| format!("--group {} ({})", g.id, g.name)).collect();
        if groups.is_empty() {
            writeln!(out, "  {target}")?;
        } else {
            writeln!(out, "  {target}  {}", groups.join(", "))?;
        }
    }
    Ok(())
}
