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
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use tinyjson::JsonValue;

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

#[derive(Debug, Default)]
struct Entry {
    /// The files' fingerprint at the latest check.
    fingerprint: String,
    /// Whether that check passed.
    solved: bool,
    /// The fingerprint of the files the last time the tests passed, if they ever did.
    passed: Option<String>,
}

impl Entry {
    /// An entry as stored; `None` if it is damaged (then it is as if never checked).
    fn from_json(value: &JsonValue) -> Option<Entry> {
        let fields: &HashMap<String, JsonValue> = value.get()?;
        let text = |key: &str| fields.get(key)?.get::<String>().cloned();
        Some(Entry {
            fingerprint: text("fingerprint")?,
            solved: *fields.get("solved")?.get::<bool>()?,
            passed: text("passed"),
        })
    }

    fn to_json(&self) -> JsonValue {
        let mut fields = HashMap::new();
        fields.insert("fingerprint".into(), self.fingerprint.clone().into());
        fields.insert("solved".into(), self.solved.into());
        let passed = self.passed.clone().map_or(JsonValue::Null, JsonValue::from);
        fields.insert("passed".into(), passed);
        fields.into()
    }
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
        let stored: HashMap<String, JsonValue> = fs::read_to_string(&path)
            .ok()
            .and_then(|text| text.parse::<JsonValue>().ok())
            .and_then(|value| match value {
                JsonValue::Object(entries) => Some(entries),
                _ => None,
            })
            .unwrap_or_default();
        let mut entries: BTreeMap<String, Entry> = stored
            .iter()
            .filter_map(|(id, value)| Some((id.clone(), Entry::from_json(value)?)))
            .collect();
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
        let entries: HashMap<String, JsonValue> = self
            .entries
            .iter()
            .map(|(id, entry)| (id.clone(), entry.to_json()))
            .collect();
        let text = JsonValue::from(entries)
            .format()
            .map_err(std::io::Error::other)?;
        // Write then rename, so an interrupted save never leaves half a file.
        let tmp = self.path.with_extension("json.tmp");
        fs::write(&tmp, text)?;
        fs::rename(tmp, &self.path)
    }
}

/// A hash of everything an exercise's result depends on that a learner might change.
///
/// It only has to notice a change, not resist an attacker, so it is 64-bit FNV-1a
/// (a few lines here) rather than a cryptographic hash crate in the runner's first
/// build. Fingerprints from before it (SHA-256, 64 hex digits) never match one of
/// these, so such an exercise shows as changed until it is checked once more.
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
    let mut hash = Fnv1a::default();
    hash.update(exercise.id.as_bytes());
    for file in files {
        hash.update(file.to_string_lossy().as_bytes());
        hash.update(&[0]);
        hash.update(&fs::read(root.join(&file)).unwrap_or_default());
        hash.update(&[0]);
    }
    format!("{:016x}", hash.0)
}

/// 64-bit FNV-1a (Fowler, Noll, Vo): its offset basis and prime are fixed by its
/// definition, so a fingerprint means the same on every system and Rust version.
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Fnv1a {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Entry, Fnv1a};
    use tinyjson::JsonValue;

    #[test]
    fn an_entry_reads_back_as_it_was_written() {
        for passed in [None, Some("0123456789abcdef".to_string())] {
            let entry = Entry {
                fingerprint: "fedcba9876543210".to_string(),
                solved: passed.is_some(),
                passed,
            };
            let text = entry.to_json().format().unwrap();
            let back = Entry::from_json(&text.parse::<JsonValue>().unwrap()).unwrap();
            assert_eq!(
                (back.fingerprint, back.solved, back.passed),
                (entry.fingerprint, entry.solved, entry.passed),
                "{text}"
            );
        }
    }

    #[test]
    fn a_damaged_entry_is_none() {
        for text in [
            r#"{"solved":true}"#,
            r#"{"fingerprint":"ab","solved":"yes"}"#,
            "[1]",
            "7",
        ] {
            let value = text.parse::<JsonValue>().unwrap();
            assert!(Entry::from_json(&value).is_none(), "{text}");
        }
    }

    #[test]
    fn fnv1a_matches_its_published_test_vectors() {
        let hash = |text: &str| {
            let mut h = Fnv1a::default();
            h.update(text.as_bytes());
            h.0
        };
        assert_eq!(hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(hash("foobar"), 0x8594_4171_f739_67e8);
    }
}
