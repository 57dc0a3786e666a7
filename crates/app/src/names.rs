//! Names of registry records for the pages, by id (an agreement's is its title, an
//! orderer's its person's), kept while the registry is unchanged: a list page names the
//! same people and systems again and again.

use crate::{App, Result};
use std::collections::HashMap;
use uuid::Uuid;

/// The most names kept before the kept names are read afresh.
const NAMES_KEPT: usize = 100_000;

impl App {
    /// Names of records for display, by id (an agreement's is its title).
    /// A record without a name of its own (an orderer) is named by its person.
    pub async fn names(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, String>> {
        // A list page names the same people and systems again and again: names are kept
        // while the registry is unchanged, at most as long as the choices.
        let now = self.now();
        let generation = self.registry_generation.load(std::sync::atomic::Ordering::Relaxed);
        let mut found = HashMap::new();
        let mut missing: Vec<Uuid> = Vec::new();
        if let Ok(mut kept) = self.name_cache.lock() {
            if kept.1 != generation || (now.0 - kept.0.0).num_seconds() >= crate::choices::CHOICES_MAX_AGE_SECS || kept.2.len() > NAMES_KEPT
            {
                *kept = (now, generation, HashMap::new());
            }
            for id in ids {
                match kept.2.get(id) {
                    Some(n) => {
                        found.insert(*id, n.clone());
                    }
                    None if !missing.contains(id) => missing.push(*id),
                    None => {}
                }
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        let read = self.read_names(&missing).await?;
        if let Ok(mut kept) = self.name_cache.lock()
            && kept.1 == generation
        {
            kept.2.extend(read.iter().map(|(k, v)| (*k, v.clone())));
        }
        found.extend(read);
        Ok(found)
    }

    async fn read_names(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, String>> {
        let text = |b: &serde_json::Value, k: &str| b.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let rows = self.store.get_entries(ids).await?;
        let people: Vec<Uuid> = rows
            .iter()
            .filter(|r| text(&r.body, "name").or_else(|| text(&r.body, "title")).is_none())
            .filter_map(|r| text(&r.body, "person_id").and_then(|p| p.parse().ok()))
            .collect();
        let people: HashMap<Uuid, String> = if people.is_empty() {
            HashMap::new()
        } else {
            self.store.get_entries(&people).await?.into_iter().filter_map(|r| text(&r.body, "name").map(|n| (r.id, n))).collect()
        };
        Ok(rows
            .into_iter()
            .map(|r| {
                let person = || text(&r.body, "person_id").and_then(|p| p.parse::<Uuid>().ok()).and_then(|p| people.get(&p).cloned());
                let name = text(&r.body, "name").or_else(|| text(&r.body, "title")).or_else(person).unwrap_or_default();
                (r.id, name)
            })
            .collect())
    }
}
