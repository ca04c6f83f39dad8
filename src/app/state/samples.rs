//! `samples/index.json`, written by `scripts/setup.sh` from `../shared/faces`: the sample photos' paths
//! under `samples/`, grouped by their folder in the picker.

use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct SampleIndex {
    pub samples: Vec<String>,
}

impl SampleIndex {
    /// The paths grouped by their first folder, in the index's order.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for path in &self.samples {
            let group = path.split_once('/').map_or("", |(g, _)| g).to_string();
            match groups.iter_mut().find(|(g, _)| *g == group) {
                Some((_, items)) => items.push(path.clone()),
                None => groups.push((group, vec![path.clone()])),
            }
        }
        groups
    }
}
