//! Enrolled people and 1:N identification against them.
//!
//! A [`Gallery`] holds each person's templates (L2-normalised embeddings of a few enrolment frames) for one
//! recognition model: embeddings of different models live in unrelated spaces, so a gallery is bound to
//! the model that made it and refuses to be imported into an app running another. It is also the export
//! file: [`Gallery::to_json`] and [`Gallery::from_json`] read and write a small versioned JSON document,
//! so people enrolled in one browser can be carried to another without any server.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::embed::{EMBEDDING_DIM, EmbedderModel, Embedding};
use crate::error::{Error, Result};

/// The `format` field of an export, so a stray JSON file is recognised as not being one.
pub const GALLERY_FORMAT: &str = "simface-gallery";
/// The newest export version this code reads and the one it writes.
pub const GALLERY_VERSION: u32 = 1;
/// Longest name, in characters after trimming: enough for any real name, short enough for a label over a
/// video.
pub const MAX_NAME_CHARS: usize = 64;
/// Longest thumbnail data URL kept, in bytes: a 112×112 JPEG is a few kilobytes, and the limit keeps an
/// imported file from filling the browser's storage with pictures.
pub const MAX_THUMBNAIL_BYTES: usize = 256 * 1024;
/// Largest export read, in bytes of JSON. One template is ~5.6 KB of JSON (512 numbers) and a thumbnail a few
/// kilobytes, so this holds about a thousand people with five templates each; a larger file is refused before
/// it is parsed (parsing builds a tree several times the text's size, in the page's 4 GB of wasm memory).
pub const MAX_GALLERY_JSON_BYTES: usize = 32 * 1024 * 1024;
/// What every export says first: the file identifies people, and whoever holds it can recognise them.
pub const EXPORT_NOTICE: &str = "This file holds biometric templates: face embeddings that can recognise the \
people named in it in other photos. Keep it private, share it only with their consent, and delete it when it is \
no longer needed.";

/// The last revision handed out: every gallery state of the process gets its own (see [`Gallery::revision`]).
static REVISIONS: AtomicU64 = AtomicU64::new(0);

fn next_revision() -> u64 {
    REVISIONS.fetch_add(1, Ordering::Relaxed) + 1
}

/// One enrolled person.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Person {
    pub id: u64,
    pub name: String,
    /// L2-normalised embeddings, each `embedding_size` long.
    pub templates: Vec<Vec<f32>>,
    /// A `data:image/…;base64,` URL of an aligned crop, set by the app.
    pub thumbnail: Option<String>,
    /// When the person was enrolled, in milliseconds on the app's clock (`Date.now()`).
    pub created_ms: f64,
}

/// One person's result in a 1:N search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonMatch {
    pub id: u64,
    pub name: String,
    /// The best cosine similarity of the probe to any of the person's templates.
    pub score: f32,
}

/// The enrolled people of one recognition model.
#[derive(Debug, Clone)]
pub struct Gallery {
    model: EmbedderModel,
    embedding_size: usize,
    people: Vec<Person>,
    next_id: u64,
    /// Every template of every person, row after row, so a search is one pass over contiguous memory
    /// instead of a pointer chase through each person's `Vec<Vec<f32>>`. Rebuilt on every change: changes
    /// are rare (a click), searches happen several times a second.
    matrix: Vec<f32>,
    /// For each row of `matrix`, the index of its person in `people`.
    owners: Vec<usize>,
    /// Changes with every change of the people; see [`Gallery::revision`].
    revision: u64,
}

impl PartialEq for Gallery {
    fn eq(&self, other: &Self) -> bool {
        self.model == other.model && self.embedding_size == other.embedding_size && self.people == other.people
    }
}

impl Gallery {
    pub fn new(model: EmbedderModel) -> Self {
        Self {
            model,
            embedding_size: EMBEDDING_DIM,
            people: Vec::new(),
            next_id: 1,
            matrix: Vec::new(),
            owners: Vec::new(),
            revision: next_revision(),
        }
    }

    /// A number that changes whenever a person is added, renamed or removed, to one no other gallery of
    /// this process has had: a caller that searches the same probe again and again (the live camera, for
    /// every face on every frame) keeps its result while both the probe and the revision stay the same.
    /// Clones share it, as they share the contents.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The model whose embeddings these are.
    pub fn model(&self) -> EmbedderModel {
        self.model
    }

    pub fn embedding_size(&self) -> usize {
        self.embedding_size
    }

    pub fn people(&self) -> &[Person] {
        &self.people
    }

    pub fn get(&self, id: u64) -> Option<&Person> {
        self.people.iter().find(|p| p.id == id)
    }

    pub fn len(&self) -> usize {
        self.people.len()
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// Enrols a person and returns their new id (ids are never reused within a gallery's life, so the app
    /// cannot confuse a removed person with a new one).
    ///
    /// Refuses a name that is empty or longer than [`MAX_NAME_CHARS`] after trimming, an empty template
    /// list and templates of another size than this gallery's model makes. Templates are normalised again
    /// (zero vectors, which match nothing, are left out). A thumbnail that is not a base64 PNG, JPEG or
    /// WebP data URL under [`MAX_THUMBNAIL_BYTES`] is dropped: the page shows it as an image, and any
    /// other URL would make the page fetch something.
    pub fn add(&mut self, name: &str, templates: &[Embedding], thumbnail: Option<String>, now_ms: f64) -> Result<u64> {
        let name = clean_name(name)?;
        if let Some(t) = templates.iter().find(|t| t.len() != self.embedding_size) {
            return Err(Error::EmbeddingSize(self.embedding_size, t.len()));
        }
        let templates: Vec<Vec<f32>> = templates.iter().filter_map(|t| unit_template(t.as_slice())).collect();
        if templates.is_empty() {
            return Err(Error::NoTemplates);
        }
        let id = self.next_id;
        self.next_id = self.next_id.saturating_add(1);
        self.people.push(Person {
            id,
            name,
            templates,
            thumbnail: clean_thumbnail(thumbnail),
            created_ms: if now_ms.is_finite() { now_ms } else { 0.0 },
        });
        self.rebuild();
        Ok(id)
    }

    /// Renames a person, with the same rules as [`Gallery::add`].
    pub fn rename(&mut self, id: u64, name: &str) -> Result<()> {
        let name = clean_name(name)?;
        let person = self.people.iter_mut().find(|p| p.id == id).ok_or(Error::NoSuchPerson(id))?;
        person.name = name;
        self.revision = next_revision();
        Ok(())
    }

    /// Removes a person; false when there was none with this id.
    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.people.len();
        self.people.retain(|p| p.id != id);
        let removed = self.people.len() != before;
        if removed {
            self.rebuild();
        }
        removed
    }

    /// Adds the people of `other` (an imported export) to this gallery under new ids, and returns how many were
    /// added: importing a file never loses anyone already enrolled. A person already here with the same name and
    /// the same templates (the same export imported twice) is not added again. Refused, with nothing added, when
    /// `other` belongs to another model.
    pub fn merge(&mut self, other: Gallery) -> Result<usize> {
        if other.model != self.model {
            return Err(Error::GalleryModel { found: other.model.name().into(), expected: self.model.name().into() });
        }
        let before = self.people.len();
        for person in other.people {
            if self.people.iter().any(|p| p.name == person.name && p.templates == person.templates) {
                continue;
            }
            let id = self.next_id;
            self.next_id = self.next_id.saturating_add(1);
            self.people.push(Person { id, ..person });
        }
        self.rebuild();
        Ok(self.people.len() - before)
    }

    pub fn clear(&mut self) {
        self.people.clear();
        self.rebuild();
    }

    fn rebuild(&mut self) {
        self.revision = next_revision();
        self.matrix.clear();
        self.owners.clear();
        for (index, person) in self.people.iter().enumerate() {
            for t in &person.templates {
                self.matrix.extend_from_slice(t);
                self.owners.push(index);
            }
        }
    }

    /// Each person's best similarity to `probe`, indexed like `people`; `None` for a probe of another
    /// size, which cannot come from this gallery's model.
    fn person_scores(&self, probe: &Embedding) -> Option<Vec<f32>> {
        if probe.len() != self.embedding_size || self.embedding_size == 0 {
            return None;
        }
        let mut best = vec![f32::NEG_INFINITY; self.people.len()];
        for (row, &owner) in self.matrix.chunks_exact(self.embedding_size).zip(&self.owners) {
            let score = dot(row, probe.as_slice());
            if let Some(b) = best.get_mut(owner)
                && score > *b
            {
                *b = score;
            }
        }
        Some(best)
    }

    /// Every person with their best template's cosine similarity to `probe`, best first (ties by id). A
    /// person's best template rather than their mean: enrolment frames differ in pose and light, and the
    /// probe counts as that person if it resembles any of them. A probe of another size (another model)
    /// matches nobody: the list is empty.
    pub fn identify(&self, probe: &Embedding) -> Vec<PersonMatch> {
        let Some(scores) = self.person_scores(probe) else {
            return Vec::new();
        };
        let mut matches: Vec<PersonMatch> = self
            .people
            .iter()
            .zip(scores)
            .filter(|(_, s)| s.is_finite())
            .map(|(p, s)| PersonMatch { id: p.id, name: p.name.clone(), score: s.clamp(-1.0, 1.0) })
            .collect();
        matches.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        matches
    }

    /// The best match if it reaches `threshold` (normally `matching::calibrated_threshold` of the model);
    /// `None` means "unknown person". Same ranking as [`Gallery::identify`], without sorting everyone.
    pub fn best(&self, probe: &Embedding, threshold: f32) -> Option<PersonMatch> {
        let scores = self.person_scores(probe)?;
        let (person, score) = self
            .people
            .iter()
            .zip(scores)
            .filter(|(_, s)| s.is_finite())
            .max_by(|(pa, a), (pb, b)| a.total_cmp(b).then(pb.id.cmp(&pa.id)))?;
        let score = score.clamp(-1.0, 1.0);
        (score >= threshold).then(|| PersonMatch { id: person.id, name: person.name.clone(), score })
    }

    /// The export file: `{"format": "simface-gallery", "notice": EXPORT_NOTICE, "version": 1, "model": …,
    /// "embedding_size": …, "people": [...]}`, compact (templates make it large enough without indentation).
    pub fn to_json(&self) -> String {
        // Plain structs with string keys and finite numbers (every template and time is checked on the way
        // in) have no way to fail serialisation.
        serde_json::to_string(self).expect("a gallery always serialises to JSON")
    }

    /// Reads an export for an app running `expected`, refusing, each with a sentence the user can act on:
    /// text over [`MAX_GALLERY_JSON_BYTES`] (before parsing), anything that is not a SimFace gallery, a newer
    /// format version, templates of another or an unknown model (their similarities to this model's embeddings
    /// would be meaningless, not merely worse), and damage (wrong template sizes, non-finite values, bad names,
    /// repeated ids). Templates are normalised again so
    /// identification can rely on plain dot products whatever wrote the file.
    pub fn from_json(text: &str, expected: EmbedderModel) -> Result<Gallery> {
        if text.len() > MAX_GALLERY_JSON_BYTES {
            return Err(Error::GalleryTooLarge { bytes: text.len() as u64, limit: MAX_GALLERY_JSON_BYTES });
        }
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| Error::GalleryFormat(format!("it is not JSON: {e}")))?;
        let header = value.as_object().ok_or_else(|| Error::GalleryFormat("it is not a JSON object".into()))?;
        if header.get("format").and_then(|f| f.as_str()) != Some(GALLERY_FORMAT) {
            return Err(Error::GalleryFormat(format!("its \"format\" is not \"{GALLERY_FORMAT}\"")));
        }
        check_version(header.get("version").and_then(|v| v.as_u64()))?;
        let Some(model) = header.get("model").and_then(|m| m.as_str()).filter(|m| !m.is_empty()) else {
            return Err(Error::GalleryCorrupt("it does not say which model made the templates".into()));
        };
        match EmbedderModel::from_name(model) {
            Some(found) if found == expected => {}
            Some(found) => {
                return Err(Error::GalleryModel { found: found.name().into(), expected: expected.name().into() });
            }
            None => return Err(Error::GalleryUnknownModel(shorten(model))),
        }
        // Read from the text again, not from `value`: a JSON object with a key twice keeps the last one in a
        // `Value`, while serde's own reading (the plain deserialiser, `impl Deserialize for Gallery`) refuses it,
        // and both must agree (found by the `gallery_json` fuzz target).
        drop(value);
        let file: GalleryFile = serde_json::from_str(text).map_err(|e| Error::GalleryCorrupt(e.to_string()))?;
        Gallery::from_file(file)
    }

    fn from_file(file: GalleryFile) -> Result<Gallery> {
        if file.format != GALLERY_FORMAT {
            return Err(Error::GalleryFormat(format!("its \"format\" is not \"{GALLERY_FORMAT}\"")));
        }
        check_version(Some(file.version))?;
        let model =
            EmbedderModel::from_name(&file.model).ok_or_else(|| Error::GalleryUnknownModel(shorten(&file.model)))?;
        if file.embedding_size != EMBEDDING_DIM {
            return Err(Error::GalleryCorrupt(format!(
                "it declares {}-value templates; {} makes {EMBEDDING_DIM}",
                file.embedding_size,
                model.name()
            )));
        }
        let mut gallery = Gallery::new(model);
        let mut ids = std::collections::HashSet::new();
        for mut person in file.people {
            let id = person.id;
            let corrupt = |what: String| Error::GalleryCorrupt(format!("person {id}: {what}"));
            if !ids.insert(id) {
                return Err(corrupt("the id is used twice".into()));
            }
            person.name = clean_name(&person.name).map_err(|e| corrupt(e.to_string()))?;
            if person.templates.is_empty() {
                return Err(corrupt("no templates".into()));
            }
            for t in &mut person.templates {
                if t.len() != EMBEDDING_DIM {
                    return Err(corrupt(format!("a template has {} values instead of {EMBEDDING_DIM}", t.len())));
                }
                *t = unit_template(t).ok_or_else(|| corrupt("a template is zero or not finite".into()))?;
            }
            person.thumbnail = clean_thumbnail(person.thumbnail);
            if !person.created_ms.is_finite() {
                person.created_ms = 0.0;
            }
            gallery.next_id =
                gallery.next_id.max(id.checked_add(1).ok_or_else(|| corrupt("the id is too large".into()))?);
            gallery.people.push(person);
        }
        gallery.rebuild();
        Ok(gallery)
    }
}

/// The export document as written.
#[derive(Serialize)]
struct GalleryFileRef<'a> {
    format: &'a str,
    notice: &'a str,
    version: u32,
    model: &'a str,
    embedding_size: usize,
    people: &'a [Person],
}

/// The export document as read, before validation.
#[derive(Deserialize)]
struct GalleryFile {
    format: String,
    version: u64,
    model: String,
    embedding_size: usize,
    people: Vec<Person>,
}

impl Serialize for Gallery {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        GalleryFileRef {
            format: GALLERY_FORMAT,
            notice: EXPORT_NOTICE,
            version: GALLERY_VERSION,
            model: self.model.name(),
            embedding_size: self.embedding_size,
            people: &self.people,
        }
        .serialize(serializer)
    }
}

/// Validates like [`Gallery::from_json`] except for the expected model, which a plain deserialiser does not
/// know: check [`Gallery::model`] afterwards.
impl<'de> Deserialize<'de> for Gallery {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        Gallery::from_file(GalleryFile::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

fn check_version(version: Option<u64>) -> Result<()> {
    match version {
        None => Err(Error::GalleryFormat("it has no format version".into())),
        Some(0) => Err(Error::GalleryFormat("format version 0 does not exist".into())),
        Some(v) if v > u64::from(GALLERY_VERSION) => {
            Err(Error::GalleryVersion { found: v, supported: GALLERY_VERSION })
        }
        Some(_) => Ok(()),
    }
}

/// A name as kept: trimmed, not empty, at most [`MAX_NAME_CHARS`] characters.
pub(crate) fn clean_name(name: &str) -> Result<String> {
    let name = name.trim();
    let len = name.chars().count();
    if len == 0 {
        Err(Error::EmptyName)
    } else if len > MAX_NAME_CHARS {
        Err(Error::NameTooLong { len, max: MAX_NAME_CHARS })
    } else {
        Ok(name.to_string())
    }
}

/// A template scaled to unit length; `None` when it is zero or not finite. A vector already of unit length
/// (within float rounding) is kept bit for bit, so an export read back matches exactly as before.
fn unit_template(values: &[f32]) -> Option<Vec<f32>> {
    if !values.iter().all(|v| v.is_finite()) {
        return None;
    }
    let norm = values.iter().map(|v| f64::from(*v) * f64::from(*v)).sum::<f64>().sqrt();
    if !(norm.is_finite() && norm > 0.0) {
        return None;
    }
    if (norm - 1.0).abs() < 1e-5 {
        return Some(values.to_vec());
    }
    Some(values.iter().map(|v| (f64::from(*v) / norm) as f32).collect())
}

/// Keeps a thumbnail only if it is an inline base64 PNG, JPEG or WebP image of reasonable size.
fn clean_thumbnail(thumbnail: Option<String>) -> Option<String> {
    const PREFIXES: [&str; 3] = ["data:image/png;base64,", "data:image/jpeg;base64,", "data:image/webp;base64,"];
    let t = thumbnail?;
    let prefix = PREFIXES.iter().find(|p| t.starts_with(**p))?;
    let data = &t[prefix.len()..];
    let base64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    (t.len() <= MAX_THUMBNAIL_BYTES && !data.is_empty() && data.bytes().all(base64)).then_some(t)
}

/// At most 64 characters of a name read from a file, for an error message.
fn shorten(s: &str) -> String {
    if s.chars().count() <= 64 { s.to_string() } else { s.chars().take(63).chain(['…']).collect() }
}

/// Dot product with eight independent accumulators, which the compiler vectorises (a single running sum is
/// a serial dependency chain it must not reorder).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    let mut acc = [0.0f32; 8];
    for (x, y) in ca.zip(cb) {
        for ((s, x), y) in acc.iter_mut().zip(x).zip(y) {
            *s += x * y;
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(i: usize) -> Embedding {
        let mut v = vec![0.0; EMBEDDING_DIM];
        v[i] = 1.0;
        Embedding::normalized(v)
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        let mut g = Gallery::new(EmbedderModel::EdgefaceXs);
        assert!(matches!(g.add("  ", &[unit(0)], None, 0.0), Err(Error::EmptyName)));
        let long = "é".repeat(MAX_NAME_CHARS + 1);
        assert!(matches!(g.add(&long, &[unit(0)], None, 0.0), Err(Error::NameTooLong { len: 65, max: 64 })));
        let id = g.add(&format!(" {} ", "é".repeat(MAX_NAME_CHARS)), &[unit(0)], None, 0.0).expect("64 is fine");
        assert_eq!(g.get(id).map(|p| p.name.chars().count()), Some(MAX_NAME_CHARS));
    }

    #[test]
    fn ids_are_never_reused_and_thumbnails_must_be_inline_images() {
        let mut g = Gallery::new(EmbedderModel::EdgefaceXs);
        let a = g.add("A", &[unit(0)], Some("data:image/png;base64,iVBORw0KGgo=".into()), 0.0).expect("added");
        let b = g.add("B", &[unit(1)], Some("https://example.com/x.png".into()), 0.0).expect("added");
        assert!(g.get(a).is_some_and(|p| p.thumbnail.is_some()));
        assert!(g.get(b).is_some_and(|p| p.thumbnail.is_none()));
        assert!(g.remove(b));
        let c = g.add("C", &[unit(2)], Some("data:image/png;base64,\"><script>".into()), 0.0).expect("added");
        assert!(c > b && g.get(c).is_some_and(|p| p.thumbnail.is_none()));
    }

    #[test]
    fn dot_matches_the_plain_sum_for_any_length() {
        for n in [0, 1, 7, 8, 9, 512] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-4, "{n}");
        }
    }
}
