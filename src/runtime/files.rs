//! Writing a report or an exported document: a new file, private, never over an existing one.
//!
//! Owns creating `dir` if needed (0700), finding a free name (`name`, `stem (1).ext`,
//! `stem (2).ext`…), creating the file exclusively with mode 0600 (no window in which another
//! process could open it or a symlink could redirect it), and removing a half-written file.
//! May not choose names beyond the ` (n)` suffix: the app makes them safe.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

/// Enough for any real directory; a bound so a pathological one cannot spin for long.
const MAX_SUFFIX: u32 = 9_999;

/// Writes `contents` to a new file `name` in `dir` and returns its (absolute) path.
pub fn write_new(dir: &Path, name: &str, contents: &[u8]) -> io::Result<PathBuf> {
    let mut parts = Path::new(name).components();
    if !matches!((parts.next(), parts.next()), (Some(Component::Normal(_)), None)) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{name:?} is not a plain file name")));
    }
    DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, format!(".{ext}")),
        _ => (name, String::new()),
    };
    for n in 0..=MAX_SUFFIX {
        let candidate = if n == 0 { name.to_owned() } else { format!("{stem} ({n}){ext}") };
        let path = dir.join(candidate);
        match OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path) {
            Ok(mut file) => {
                if let Err(e) = file.write_all(contents).and_then(|()| file.sync_all()) {
                    let _ = fs::remove_file(&path);
                    return Err(e);
                }
                return Ok(std::path::absolute(&path).unwrap_or(path));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(io::ErrorKind::AlreadyExists, format!("{name} and {MAX_SUFFIX} numbered variants exist")))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_taken_name_gets_a_number_and_nothing_is_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let first = write_new(dir.path(), "spec.json", b"one").unwrap();
        let second = write_new(dir.path(), "spec.json", b"two").unwrap();
        let third = write_new(dir.path(), "spec.json", b"three").unwrap();
        assert_eq!(first, dir.path().join("spec.json"));
        assert_eq!(second, dir.path().join("spec (1).json"));
        assert_eq!(third, dir.path().join("spec (2).json"));
        assert_eq!(fs::read(&first).unwrap(), b"one");
        assert_eq!(fs::read(&third).unwrap(), b"three");
        let plain = write_new(dir.path(), "README", b"x").unwrap();
        let again = write_new(dir.path(), "README", b"y").unwrap();
        assert_eq!(again.file_name().unwrap(), "README (1)");
        assert_eq!(fs::read(plain).unwrap(), b"x");
    }

    #[test]
    fn files_are_private_and_the_directory_is_created() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("reports/today");
        let path = write_new(&dir, "r.md", b"# report").unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::metadata(&dir).unwrap().permissions().mode() & 0o077, 0, "no access for others");
        assert!(path.is_absolute());
    }

    #[test]
    fn names_cannot_leave_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["../x", "a/b", "/etc/passwd", "..", ".", ""] {
            assert!(write_new(dir.path(), bad, b"x").is_err(), "{bad:?}");
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_symlink_in_the_way_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::os::unix::fs::symlink(&target, dir.path().join("r.md")).unwrap();
        let path = write_new(dir.path(), "r.md", b"x").unwrap();
        assert_eq!(path.file_name().unwrap(), "r (1).md");
        assert!(!target.exists(), "the link's target was not created");
    }
}
