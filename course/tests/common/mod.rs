//! What the course crate's integration tests share: copies of folders to work on.
//! (Each test binary compiles this module and uses part of it.)
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A fresh copy of the fixture course (`tests/fixture-course`) in the test target's
/// scratch folder, named `name`, for a test that runs the runner on it or edits it.
pub fn fixture_copy(name: &str) -> PathBuf {
    let dest = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dest);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture-course"),
        &dest,
    );
    dest
}

/// Copies the folder `from`, with everything in it, to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
