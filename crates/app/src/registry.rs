//! Registry use-cases, one generic code path for every record type: create, read, list,
//! update and deactivate, with tenant isolation and reference checks.

use crate::{App, AppError, Result};
use domain::audit_action::AuditAction;
use domain::authz::{Action, Actor, ResourceKind, Scope};
use domain::codes;
use domain::error::FieldError;
use domain::paging::PageRequest;
use domain::registry::{Entry, Orderer, Page, Profile, Record, RefView};
use serde_json::json;
use std::collections::HashMap;
use store::{AuditRecord, EntryRow, ListQuery, NewEntry, Tx};
use uuid::Uuid;

/// Filters for listing records.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub active: Option<bool>,
    pub q: Option<String>,
    pub supplier_id: Option<Uuid>,
    /// Records referring to this one (the roles of a system, the agreements covering it).
    pub refers_to: Option<Uuid>,
    /// Persons with exactly this national identity number (canonical form).
    pub national_id: Option<String>,
    /// This record only (a person found by national identity number).
    pub id: Option<Uuid>,
    /// Only these records (`Some(empty)` finds none).
    pub only: Option<Vec<Uuid>>,
    /// ACC-4: persons with a live account lacking evidence the policy requires.
    pub missing_evidence: bool,
    /// By name, descending.
    pub desc: bool,
    /// Count matches only up to this many (one more means "more than"), where a page
    /// shows the count and an exact one would cost more than the page.
    pub count_cap: Option<u64>,
}

fn to_entry<R: Record>(row: EntryRow) -> Result<Entry<R>> {
    let data: R =
        serde_json::from_value(row.body).map_err(|e| AppError::Internal(format!("stored {} does not parse: {e}", R::KIND.as_str())))?;
    Ok(Entry { id: row.id, active: row.active, version: row.version, created_at: row.created_at, updated_at: row.updated_at, data })
}

/// Top-level fields whose values differ, for the audit trail (names only, no values).
fn changed_fields(old: &serde_json::Value, new: &serde_json::Value) -> Vec<String> {
    match (old.as_object(), new.as_object()) {
        (Some(o), Some(n)) => {
            let mut keys: Vec<String> = o.keys().chain(n.keys()).filter(|k| o.get(*k) != n.get(*k)).cloned().collect();
            keys.sort();
            keys.dedup();
            keys
        }
        _ => Vec::new(),
    }
}

impl App {
    /// Loads a record of type `R` that the actor may see.
    async fn load<R: Record>(&self, actor: &Actor, scope: Scope, id: Uuid) -> Result<EntryRow> {
        let row = self.store.get_entry(id).await?.filter(|r| r.kind == R::KIND.as_str()).ok_or(AppError::NotFound)?;
        if !self.reach(actor, scope).await?.owns(&row.owners) {
            return Err(self.refuse(actor, "registry.read", R::KIND.as_str(), Some(id)).await);
        }
        Ok(row)
    }

    /// Runs the record's rules: its own fields, tenancy, references and cross-record rules.
    async fn prepare<R: Record>(&self, actor: &Actor, scope: Scope, id: Uuid, rec: &mut R, old: Option<(&R, &EntryRow)>) -> Result<()> {
        rec.validate()?;
        rec.carry_over(old.map(|(o, _)| o));
        if let (Scope::OwnSupplier, Some(own)) = (scope, actor.supplier()) {
            match old {
                Some((o, _)) => R::supplier_may_change(o, rec, id, own)?,
                None if !rec.owners(id).contains(&own) => {
                    return Err(FieldError::new(
                        if R::KIND == ResourceKind::Person { "affiliations" } else { "supplier_id" },
                        codes::NOT_AFFILIATED,
                    )
                    .into());
                }
                None => {}
            }
        }
        let refs = rec.references();
        let ids: Vec<Uuid> = refs.iter().map(|r| r.id).collect();
        let rows: HashMap<Uuid, EntryRow> = self.store.get_entries(&ids).await?.into_iter().map(|r| (r.id, r)).collect();
        let old_refs: Vec<Uuid> = old.map(|(o, _)| o.references().into_iter().map(|r| r.id).collect()).unwrap_or_default();
        let mut view = RefView::default();
        let reach = self.reach(actor, scope).await?;
        for r in &refs {
            let row = rows.get(&r.id).filter(|row| row.kind == r.kind.as_str());
            // A supplier's actor cannot refer to (or learn of) another supplier's records.
            let row = row.filter(|row| !r.kind.is_supplier_owned() || reach.owns(&row.owners));
            let row = row.ok_or_else(|| FieldError::new(r.field.clone(), codes::UNKNOWN_REFERENCE))?;
            if !row.active && !old_refs.contains(&r.id) {
                return Err(FieldError::new(r.field.clone(), codes::INACTIVE_REFERENCE).into());
            }
            view.insert(r.id, row.body.clone());
        }
        rec.check_references(&view)?;
        Ok(())
    }

    pub(crate) fn new_entry<R: Record>(id: Uuid, rec: &mut R) -> Result<NewEntry> {
        let national_id = rec.take_national_id().map(|n| n.canonical());
        Ok(NewEntry {
            id,
            kind: R::KIND.as_str(),
            name: rec.display_name(),
            unique_key: rec.unique_key(),
            body: serde_json::to_value(&*rec).map_err(|e| AppError::Internal(e.to_string()))?,
            national_id,
            owners: rec.owners(id),
            references: rec.references().into_iter().map(|r| r.id).collect(),
        })
    }

    /// Creates a record.
    pub async fn create<R: Record>(&self, actor: &Actor, rec: R) -> Result<Entry<R>> {
        self.create_with_id(actor, Uuid::now_v7(), rec).await
    }

    pub(crate) async fn create_with_id<R: Record>(&self, actor: &Actor, id: Uuid, mut rec: R) -> Result<Entry<R>> {
        let scope = self.allow(actor, Action::Create, R::KIND)?;
        self.prepare(actor, scope, id, &mut rec, None).await?;
        let now = self.now();
        let new = Self::new_entry(id, &mut rec)?;
        let mut tx = self.store.begin().await?;
        tx.insert_entry(&new, now).await?;
        tx.commit(
            AuditRecord::new(actor, AuditAction::RegistryCreate, R::KIND.as_str(), Some(id), now).details(json!({ "name": new.name })),
        )
        .await?;
        self.registry_changed();
        Ok(Entry { id, active: true, version: 1, created_at: now, updated_at: now, data: rec })
    }

    /// Creates many records in one transaction (the demo loader and bulk imports); all or
    /// nothing. Records may refer to records earlier in the same batch only if those were
    /// committed before: the batch is checked against stored state.
    pub async fn create_many<R: Record>(&self, actor: &Actor, recs: Vec<R>) -> Result<Vec<Uuid>> {
        let scope = self.allow(actor, Action::Create, R::KIND)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut ids = Vec::with_capacity(recs.len());
        for mut rec in recs {
            let id = Uuid::now_v7();
            self.prepare(actor, scope, id, &mut rec, None).await?;
            let new = Self::new_entry(id, &mut rec)?;
            tx.insert_entry(&new, now).await?;
            ids.push(id);
        }
        tx.commit(AuditRecord::new(actor, AuditAction::RegistryImport, R::KIND.as_str(), None, now).details(json!({ "count": ids.len() })))
            .await?;
        self.registry_changed();
        Ok(ids)
    }

    /// Reads one record.
    pub async fn get<R: Record>(&self, actor: &Actor, id: Uuid) -> Result<Entry<R>> {
        let scope = self.allow(actor, Action::Read, R::KIND)?;
        to_entry(self.load::<R>(actor, scope, id).await?)
    }

    /// Lists records, one page at a time. A page past the last is an error naming the
    /// last page.
    pub async fn list<R: Record>(&self, actor: &Actor, filter: &ListFilter, page: PageRequest) -> Result<Page<Entry<R>>> {
        let scope = self.allow(actor, Action::Read, R::KIND)?;
        let reach = self.reach(actor, scope).await?;
        let owned_by = match (reach.owned_by(), filter.supplier_id) {
            // Asking for another supplier's rows finds none of them.
            (Some(own), Some(asked)) if !own.contains(&asked) => None,
            (Some(_), Some(asked)) => Some(vec![asked]),
            (Some([]), None) => None,
            (Some(own), None) => Some(own.to_vec()),
            (None, asked) => Some(asked.into_iter().collect()),
        };
        let missing_evidence: Vec<String> = if filter.missing_evidence { self.required_evidence().await? } else { Vec::new() };
        let (rows, total) = match owned_by {
            None => (Vec::new(), 0),
            Some(owned_by) => {
                let q = ListQuery {
                    kind: R::KIND.as_str(),
                    owned_by,
                    referring_to: filter.refers_to,
                    active: filter.active,
                    name_contains: filter.q.clone().filter(|s| !s.trim().is_empty()),
                    national_id: filter.national_id.clone(),
                    id: filter.id,
                    // Evidence missing when the policy asks for none: nobody.
                    only: if filter.missing_evidence && missing_evidence.is_empty() { Some(Vec::new()) } else { filter.only.clone() },
                    missing_evidence,
                    desc: filter.desc,
                    count_cap: filter.count_cap,
                    offset: page.offset(),
                    limit: page.page_size,
                };
                self.store.list_entries(&q).await?
            }
        };
        page.check_within(total)?;
        // F-18, LOG-1: a look-up by national identity number is recorded, with the
        // number as its blind index only.
        if let Some(n) = &filter.national_id {
            let details = json!({ "subject_key": self.store.subject_keys(n).first(), "results": total });
            self.store
                .record_audit(&AuditRecord::new(actor, AuditAction::PersonLookup, R::KIND.as_str(), None, self.now()).details(details))
                .await?;
        }
        Ok(Page {
            items: rows.into_iter().map(to_entry).collect::<Result<_>>()?,
            page: page.page,
            page_size: page.page_size,
            total,
            total_pages: page.total_pages(total),
        })
    }

    /// Replaces a record's content. `if_match` is the version the caller last saw.
    pub async fn update<R: Record>(&self, actor: &Actor, id: Uuid, mut rec: R, if_match: Option<i64>) -> Result<Entry<R>> {
        let scope = self.allow(actor, Action::Update, R::KIND)?;
        let row = self.load::<R>(actor, scope, id).await?;
        if if_match.is_some_and(|v| v != row.version) {
            return Err(AppError::Conflict(FieldError::with("version", codes::STALE_VERSION, row.version)));
        }
        let old: R = to_entry::<R>(row.clone())?.data;
        self.prepare(actor, scope, id, &mut rec, Some((&old, &row))).await?;
        let now = self.now();
        let new = Self::new_entry(id, &mut rec)?;
        let changed = changed_fields(&row.body, &new.body);
        let mut tx = self.store.begin().await?;
        let version = tx.update_entry(&new, row.version, now).await?;
        self.refresh_dependents(&mut tx, id, now).await?;
        let mut details = json!({ "changed": changed });
        if new.national_id.is_some() {
            details["national_id"] = json!("replaced");
        }
        // OPS-3: a change of the policy preset is recorded from what to what.
        if R::KIND == ResourceKind::Municipality && changed.iter().any(|c| c == "policy_preset") {
            details["policy_preset"] = json!({ "from": row.body.get("policy_preset"), "to": new.body.get("policy_preset") });
        }
        tx.commit(AuditRecord::new(actor, AuditAction::RegistryUpdate, R::KIND.as_str(), Some(id), now).details(details)).await?;
        self.registry_changed();
        Ok(Entry { id, active: row.active, version, created_at: row.created_at, updated_at: now, data: rec })
    }

    /// Marks a record inactive. It stays for history; inactive records cannot be newly
    /// referred to. Deactivating an inactive record changes nothing.
    pub async fn deactivate<R: Record>(&self, actor: &Actor, id: Uuid) -> Result<Entry<R>> {
        let scope = self.allow(actor, Action::Deactivate, R::KIND)?;
        let row = self.load::<R>(actor, scope, id).await?;
        if let (Scope::OwnSupplier, Some(own)) = (scope, actor.supplier())
            && row.owners != vec![own]
        {
            // Shared with another supplier: end the own affiliation instead.
            return Err(AppError::Invalid(FieldError::new("id", codes::OTHER_SUPPLIER)));
        }
        if !row.active {
            return to_entry(row);
        }
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let version = tx.set_entry_active(id, false, row.version, now).await?;
        tx.commit(AuditRecord::new(actor, AuditAction::RegistryDeactivate, R::KIND.as_str(), Some(id), now)).await?;
        self.registry_changed();
        to_entry(EntryRow { active: false, version, updated_at: now, ..row })
    }

    /// Re-derives the derived fields of records that refer to a changed one: a profile's
    /// flags from its roles, an orderer's name from the person.
    async fn refresh_dependents(&self, tx: &mut Tx, changed: Uuid, now: domain::time::Timestamp) -> Result<()> {
        self.refresh::<Profile>(tx, changed, now).await?;
        self.refresh::<Orderer>(tx, changed, now).await
    }

    async fn refresh<R: Record>(&self, tx: &mut Tx, changed: Uuid, now: domain::time::Timestamp) -> Result<()> {
        for id in self.store.referring(R::KIND.as_str(), changed).await? {
            let Some(row) = self.store.get_entry(id).await? else { continue };
            let mut rec: R = to_entry::<R>(row.clone())?.data;
            let refs = rec.references();
            let ids: Vec<Uuid> = refs.iter().map(|r| r.id).collect();
            let mut view = RefView::default();
            for r in tx.entries(&ids).await? {
                view.insert(r.id, r.body);
            }
            // A dependent that no longer satisfies its rules keeps its stored values; the
            // change that broke it is visible in the audit trail.
            if rec.check_references(&view).is_ok() {
                let new = Self::new_entry(id, &mut rec)?;
                if new.body != row.body {
                    tx.update_entry(&new, row.version, now).await?;
                }
            }
        }
        Ok(())
    }
}

impl App {
    /// Bulk-loads accounts with their role assignments in one audited transaction (the
    /// demo loader; the request flow creates accounts one by one).
    pub async fn import_accounts(&self, actor: &Actor, accounts: &[store::NewAccount]) -> Result<()> {
        self.allow(actor, Action::Create, ResourceKind::Person)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        tx.insert_accounts(accounts, now).await?;
        let roles: usize = accounts.iter().map(|a| a.roles.len()).sum();
        tx.commit(
            AuditRecord::new(actor, AuditAction::AccountImport, "account", None, now)
                .details(json!({ "accounts": accounts.len(), "role_assignments": roles })),
        )
        .await?;
        Ok(())
    }
}
