//! The choices of a select list or a list's filter — the suppliers, the systems, the
//! departments — as (id, name) of the records in use. Read once and kept while the
//! registry is unchanged (at most [`CHOICES_MAX_AGE_SECS`]) per reach: one list for
//! those who may read every record of the kind, one per supplier for its people, one
//! per department for its head; a reach narrower still is read each time.

use crate::{App, ListFilter, Result};
use domain::authz::{Action, Actor, Scope};
use domain::paging::{MAX_PAGE_SIZE, PageRequest};
use domain::registry::{Orderer, Record, Supplier};
use domain::time::Timestamp;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use uuid::Uuid;

/// How long kept choices are used, at most (another instance may change the registry).
pub const CHOICES_MAX_AGE_SECS: i64 = 30;

/// Kept choices by kind and reach (`None`: everything; a supplier's or department's id):
/// when read, the registry's generation then, the choices.
pub(crate) type ChoiceCache = std::collections::HashMap<(&'static str, Option<Uuid>), (Timestamp, u64, Arc<Vec<(Uuid, String)>>)>;

/// Whose choices an actor's reach of a kind is: `Some(None)` everything, `Some(Some(id))`
/// their supplier's or department's, `None` narrower (not kept).
fn reach(scope: Result<Scope>, actor: &Actor) -> Option<Option<Uuid>> {
    match scope {
        Ok(Scope::All) => Some(None),
        Ok(Scope::OwnSupplier) => actor.supplier().map(Some),
        Ok(Scope::OwnDepartment) => actor.department.map(Some),
        _ => None,
    }
}

impl App {
    /// Records a change of the registry: kept choices are read again.
    pub(crate) fn registry_changed(&self) {
        self.registry_generation.fetch_add(1, Ordering::Relaxed);
    }

    /// The records of kind `R` in use that the actor may see, as (id, name) by name.
    pub async fn choices<R: Record>(&self, actor: &Actor) -> Result<Arc<Vec<(Uuid, String)>>> {
        let reach = reach(self.allow(actor, Action::Read, R::KIND), actor);
        self.kept(R::KIND.as_str(), reach, || async {
            Ok(self.all_of::<R>(actor).await?.into_iter().map(|e| (e.id, e.data.display_name())).collect())
        })
        .await
    }

    /// X-8: the persons on the suppliers' lists of orderers, as (person id, "name –
    /// supplier") — the people a new user of Portvagt is usually made for.
    pub async fn orderer_persons(&self, actor: &Actor) -> Result<Arc<Vec<(Uuid, String)>>> {
        let reach = reach(self.allow(actor, Action::Read, Orderer::KIND), actor);
        self.kept("orderer_persons", reach, || async {
            let suppliers = self.choices::<Supplier>(actor).await?;
            let name_of = |id: Uuid| suppliers.iter().find(|(s, _)| *s == id).map(|(_, n)| n.clone()).unwrap_or_default();
            let mut out: Vec<(Uuid, String)> = Vec::new();
            for o in self.all_of::<Orderer>(actor).await? {
                if !out.iter().any(|(p, _)| *p == o.data.person_id) {
                    out.push((o.data.person_id, format!("{} – {}", o.data.person_name, name_of(o.data.supplier_id))));
                }
            }
            Ok(out)
        })
        .await
    }

    /// Every record of a kind in use that the actor may see.
    async fn all_of<R: Record>(&self, actor: &Actor) -> Result<Vec<domain::registry::Entry<R>>> {
        let mut out = Vec::new();
        let filter = ListFilter { active: Some(true), ..Default::default() };
        let mut page = 1;
        loop {
            let p = self.list::<R>(actor, &filter, PageRequest { page, page_size: MAX_PAGE_SIZE }).await?;
            out.extend(p.items);
            if u64::from(page) >= p.total_pages {
                break;
            }
            page += 1;
        }
        Ok(out)
    }

    /// A list kept under `key` and `reach` while the registry is unchanged; read by
    /// `load` when not kept, and each time for a reach that is not kept (`None`).
    async fn kept<F, Fut>(&self, key: &'static str, reach: Option<Option<Uuid>>, load: F) -> Result<Arc<Vec<(Uuid, String)>>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<(Uuid, String)>>>,
    {
        let now = self.now();
        let generation = self.registry_generation.load(Ordering::Relaxed);
        if let Some(r) = reach
            && let Ok(cache) = self.choice_cache.lock()
            && let Some((at, g, list)) = cache.get(&(key, r))
            && *g == generation
            && (now.0 - at.0).num_seconds() < CHOICES_MAX_AGE_SECS
        {
            return Ok(list.clone());
        }
        let out = Arc::new(load().await?);
        if let Some(r) = reach
            && let Ok(mut cache) = self.choice_cache.lock()
        {
            // Lists of an older registry go (one per supplier would otherwise pile up).
            cache.retain(|_, (at, g, _)| *g == generation && (now.0 - at.0).num_seconds() < CHOICES_MAX_AGE_SECS);
            cache.insert((key, r), (now, generation, out.clone()));
        }
        Ok(out)
    }
}
