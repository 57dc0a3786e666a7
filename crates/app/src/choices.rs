//! The choices of a select list or a list's filter — the suppliers, the systems, the
//! departments — as (id, name) of the records in use. Read once and kept while the
//! registry is unchanged (at most [`CHOICES_MAX_AGE_SECS`]) for those who may read every
//! record of the kind; anyone narrower gets their own reach, read each time.

use crate::{App, ListFilter, Result};
use domain::authz::{Action, Actor, Scope};
use domain::paging::{MAX_PAGE_SIZE, PageRequest};
use domain::registry::Record;
use domain::time::Timestamp;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use uuid::Uuid;

/// How long kept choices are used, at most (another instance may change the registry).
pub const CHOICES_MAX_AGE_SECS: i64 = 30;

/// Kept choices by kind: when read, the registry's generation then, the choices.
pub(crate) type ChoiceCache = std::collections::HashMap<&'static str, (Timestamp, u64, Arc<Vec<(Uuid, String)>>)>;

impl App {
    /// Records a change of the registry: kept choices are read again.
    pub(crate) fn registry_changed(&self) {
        self.registry_generation.fetch_add(1, Ordering::Relaxed);
    }

    /// The records of kind `R` in use that the actor may see, as (id, name) by name.
    pub async fn choices<R: Record>(&self, actor: &Actor) -> Result<Arc<Vec<(Uuid, String)>>> {
        let everything = matches!(self.allow(actor, Action::Read, R::KIND), Ok(Scope::All));
        let kind = R::KIND.as_str();
        let now = self.now();
        let generation = self.registry_generation.load(Ordering::Relaxed);
        if everything
            && let Ok(cache) = self.choice_cache.lock()
            && let Some((at, g, list)) = cache.get(kind)
            && *g == generation
            && (now.0 - at.0).num_seconds() < CHOICES_MAX_AGE_SECS
        {
            return Ok(list.clone());
        }
        let mut out = Vec::new();
        let filter = ListFilter { active: Some(true), ..Default::default() };
        let mut page = 1;
        loop {
            let p = self.list::<R>(actor, &filter, PageRequest { page, page_size: MAX_PAGE_SIZE }).await?;
            out.extend(p.items.into_iter().map(|e| (e.id, e.data.display_name())));
            if u64::from(page) >= p.total_pages {
                break;
            }
            page += 1;
        }
        let out = Arc::new(out);
        if everything && let Ok(mut cache) = self.choice_cache.lock() {
            cache.insert(kind, (now, generation, out.clone()));
        }
        Ok(out)
    }
}
