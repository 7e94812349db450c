//! What the learner has solved, derived from running the tests and nothing else.
//!
//! A result is stored with a fingerprint of the files it depends on (the learner's file,
//! its tests, the chapter's crate root and manifest). A result whose fingerprint no longer
//! matches is ignored, so editing, adding, renaming or reordering exercises can never
//! show a stale status: at worst an exercise shows as "not checked" until it is run.

use crate::check::exercise_file;
use crate::manifest::{Exercise, Manifest};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Where results are kept, relative to the course root (ignored by git).
pub const PROGRESS_FILE: &str = ".course/progress.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Its tests passed, for the files as they are now.
    Solved,
    /// Its tests ran and failed (or did not compile), for the files as they are now.
    Failing,
    /// The stub is untouched: it still holds its `todo!()`.
    NotStarted,
    /// Edited since it was last checked.
    NotChecked,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    solved: bool,
}

#[derive(Debug, Default)]
pub struct Progress {
    path: PathBuf,
    entries: BTreeMap<String, Entry>,
}

impl Progress {
    /// Reads the stored results. A missing or damaged file is an empty cache, not an
    /// error: every result can be recomputed by running the tests.
    pub fn load(root: &Path) -> Progress {
        let path = root.join(PROGRESS_FILE);
        let entries = fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        Progress { path, entries }
    }

    pub fn status(&self, root: &Path, manifest: &Manifest, exercise: &Exercise) -> Status {
        let fingerprint = fingerprint(root, manifest, exercise);
        match self.entries.get(&exercise.id) {
            Some(entry) if entry.fingerprint == fingerprint => {
                if entry.solved {
                    Status::Solved
                } else {
                    Status::Failing
                }
            }
            _ => {
                let file = root.join(exercise_file(manifest.chapter_of(exercise), exercise));
                let untouched = fs::read_to_string(file).is_ok_and(|text| text.contains("todo!("));
                if untouched {
                    Status::NotStarted
                } else {
                    Status::NotChecked
                }
            }
        }
    }

    /// Stores a result for the files as they are now, and saves. Saving is best effort:
    /// a read-only checkout still works, it just forgets.
    pub fn record(&mut self, root: &Path, manifest: &Manifest, exercise: &Exercise, solved: bool) {
        let fingerprint = fingerprint(root, manifest, exercise);
        self.entries.insert(
            exercise.id.clone(),
            Entry {
                fingerprint,
                solved,
            },
        );
        let _ = self.save();
    }

    fn save(&self) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(&self.entries).map_err(std::io::Error::other)?;
        // Write then rename, so an interrupted save never leaves half a file.
        let tmp = self.path.with_extension("json.tmp");
        fs::write(&tmp, text)?;
        fs::rename(tmp, &self.path)
    }
}

/// A hash of everything an exercise's result depends on that a learner might change.
pub fn fingerprint(root: &Path, manifest: &Manifest, exercise: &Exercise) -> String {
    let chapter = manifest.chapter_of(exercise);
    let crate_dir = Path::new("exercises").join(&chapter.dir);
    let files = [
        exercise_file(chapter, exercise),
        crate_dir
            .join("tests")
            .join(format!("{}.rs", exercise.module())),
        crate_dir.join("src/lib.rs"),
        crate_dir.join("Cargo.toml"),
    ];
    let mut hash = Sha256::new();
    hash.update(exercise.id.as_bytes());
    for file in files {
        hash.update(file.to_string_lossy().as_bytes());
        hash.update([0]);
        hash.update(fs::read(root.join(&file)).unwrap_or_default());
        hash.update([0]);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
