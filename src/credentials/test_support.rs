//! What every cloud's credential-chain tests share (`provider/<cloud>/credentials/tests.rs`): a
//! fake environment, running a chain with it, and writing the files a chain reads. Test builds
//! only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::ChainInput;

/// A fake environment for discovery tests.
pub fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    move |name: &str| map.get(name).cloned()
}

/// Runs a cloud's chain (its `discover`) with the variables `pairs`, the home folder `home` and
/// the profile a task reference named.
pub fn run_chain<T>(
    discover: impl Fn(&ChainInput<'_>) -> T,
    pairs: &[(&str, &str)],
    home: Option<&Path>,
    profile: Option<&str>,
) -> T {
    let env = env_of(pairs);
    discover(&ChainInput { env: &env, home, profile })
}

/// Writes `text` to `rel` under `dir` (folders created), readable by its owner only as the SDKs'
/// credentials files are; the file's path.
pub fn write_private_file(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}
