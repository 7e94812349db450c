//! What the learner has solved, derived from running the tests and nothing else.
//!
//! A result is stored with a fingerprint of the files it depends on (the learner's file,
//! its tests, the chapter's crate root and manifest), and so is the fingerprint of the
//! last pass. A solved exercise whose files change shows as "changed" until it is checked
//! again; one that never passed shows as "attempted"; one never checked, "not started".
//! Nothing is read from the learner's file itself: a file that still holds `todo!()`
//! somewhere may be half solved, and one without it may not compile.

use crate::check::exercise_file;
use crate::manifest::{Exercise, Manifest};
use crate::ui::{dim, green, red, yellow};
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
    /// Its tests passed once, and its files have changed since: check it again.
    ChangedSinceSolved,
    /// Its tests ran and failed (or did not compile), and it has never passed.
    Attempted,
    /// The runner has never checked it.
    NotStarted,
}

impl Status {
    /// The status as `cargo course list` and watch mode show it, eleven columns wide.
    pub fn mark(self) -> String {
        match self {
            Status::Solved => green("solved     "),
            Status::ChangedSinceSolved => yellow("changed    "),
            Status::Attempted => red("attempted  "),
            Status::NotStarted => dim("not started"),
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Entry {
    /// The files' fingerprint at the latest check.
    fingerprint: String,
    /// Whether that check passed.
    solved: bool,
    /// The fingerprint of the files the last time the tests passed, if they ever did.
    #[serde(default)]
    passed: Option<String>,
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
        let mut entries: BTreeMap<String, Entry> = fs::read_to_string(&path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        // A result stored before `passed` existed: a pass was at its own fingerprint.
        for entry in entries.values_mut() {
            if entry.solved && entry.passed.is_none() {
                entry.passed = Some(entry.fingerprint.clone());
            }
        }
        Progress { path, entries }
    }

    /// What the runner recorded for `exercise`, against its files as they are now. It
    /// never looks inside the learner's file: only at what a check found.
    pub fn status(&self, root: &Path, manifest: &Manifest, exercise: &Exercise) -> Status {
        let Some(entry) = self.entries.get(&exercise.id) else {
            return Status::NotStarted;
        };
        let now = fingerprint(root, manifest, exercise);
        match (entry.fingerprint == now, entry.solved, &entry.passed) {
            (true, true, _) => Status::Solved,
            (_, _, Some(_)) => Status::ChangedSinceSolved,
            _ => Status::Attempted,
        }
    }

    /// Stores a result for the files as they are now, and saves. Saving is best effort:
    /// a read-only checkout still works, it just forgets.
    pub fn record(&mut self, root: &Path, manifest: &Manifest, exercise: &Exercise, solved: bool) {
        let fingerprint = fingerprint(root, manifest, exercise);
        let entry = self.entries.entry(exercise.id.clone()).or_default();
        if solved {
            entry.passed = Some(fingerprint.clone());
        }
        entry.fingerprint = fingerprint;
        entry.solved = solved;
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
