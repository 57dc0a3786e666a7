//! Citizen extracts: every event about one data subject as a letter — the
//! accessing organisation always, the accessing person's name only after a second
//! person approved showing names — and the list of extracts waiting for that approval.
//! Making, reading and approving one is audited.

use crate::audit_log::{mask, subject};
use crate::{App, AppError, Result};
use domain::audit_action::AuditAction;
use domain::authz::{Actor, Permission};
use domain::codes;
use domain::error::FieldError;
use store::AuditRecord;
use store::log::LogQuery;
use uuid::Uuid;

/// One line of a citizen extract.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExtractEntry {
    pub occurred_at: String,
    /// The accessing organisation: the supplier, or the municipality.
    pub organisation: String,
    pub system: Option<String>,
    pub action: String,
    pub outcome: String,
    /// The accessing person's name, once a reviewer approved showing names.
    pub person: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CitizenExtract {
    pub id: Uuid,
    pub subject: String,
    pub created_at: String,
    pub created_by: Uuid,
    /// Who made it, by name.
    pub created_by_name: String,
    pub names_approved: bool,
    /// Who approved showing names, and when.
    pub names_approved_by_name: Option<String>,
    pub names_approved_at: Option<String>,
    /// The municipality the letter is from.
    pub municipality: String,
    pub entries: Vec<ExtractEntry>,
}

/// An extract in the list of extracts.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractSummary {
    pub id: Uuid,
    /// The data subject, masked (`120354-xxxx`).
    pub subject: String,
    pub created_at: String,
    pub created_by_name: String,
    pub names_approved: bool,
    /// The actor made it, so may not approve its names.
    pub own: bool,
}

impl App {
    /// The name of a registry entry, remembered in `cache`.
    async fn entry_name(&self, cache: &mut std::collections::HashMap<String, Option<String>>, id: &str) -> Option<String> {
        if let Some(n) = cache.get(id) {
            return n.clone();
        }
        let n = match Uuid::parse_str(id) {
            Ok(u) => self.store().get_entry(u).await.ok().flatten().and_then(|x| x.body["name"].as_str().map(String::from)),
            Err(_) => None,
        };
        cache.insert(id.to_string(), n.clone());
        n
    }

    /// Starts a citizen extract for a data subject.
    pub async fn create_extract(&self, actor: &Actor, subject_text: &str) -> Result<Uuid> {
        self.permit(actor, Permission::MakeExtract)?;
        if subject_text.trim().is_empty() {
            return Err(FieldError::new("subject", codes::SUBJECT_REQUIRED).into());
        }
        let canonical =
            subject(&serde_json::Value::String(subject_text.to_string())).ok_or(FieldError::new("subject", codes::LINE_SUBJECT))?;
        Ok(self.store().create_extract(&canonical, actor, self.now()).await?)
    }

    /// A second person approves showing the accessing persons' names.
    pub async fn approve_extract_names(&self, actor: &Actor, id: Uuid) -> Result<()> {
        self.permit(actor, Permission::ApproveNames)?;
        let e = self.store().extract(id).await?.ok_or(AppError::NotFound)?;
        if actor.is(e.created_by, Some(e.created_by)) {
            return Err(AppError::Denied(FieldError::new("reviewer", codes::NAMES_NEED_REVIEWER)));
        }
        Ok(self.store().approve_extract_names(id, actor, self.now()).await?)
    }

    /// The extract: every event about the subject, naming the accessing organisation,
    /// and the person only after approval. Producing it is audited.
    pub async fn citizen_extract(&self, actor: &Actor, id: Uuid) -> Result<CitizenExtract> {
        self.permit(actor, Permission::MakeExtract)?;
        let e = self.store().extract(id).await?.ok_or(AppError::NotFound)?;
        let names = e.names_approved_by.is_some();
        let keys = self.store().subject_keys(&e.subject);
        let municipality = self
            .store()
            .list_entries(&store::ListQuery { kind: "municipality", limit: 1, ..Default::default() })
            .await?
            .0
            .first()
            .and_then(|m| m.body["name"].as_str().map(String::from))
            .unwrap_or_else(|| "municipality".into());
        let mut names_of: std::collections::HashMap<String, Option<String>> = std::collections::HashMap::new();
        let mut entries = Vec::new();
        let mut before = None;
        loop {
            let q = LogQuery { key: keys.first().cloned(), alt_keys: keys[1..].to_vec(), before, limit: 1000, ..Default::default() };
            let page = self.store().query_log(&q).await?;
            for entry in page.entries {
                let b = entry.body;
                let organisation = match &b.supplier_id {
                    Some(s) => self.entry_name(&mut names_of, s).await.unwrap_or_else(|| municipality.clone()),
                    None => municipality.clone(),
                };
                let system = if b.source == audit::event::SOURCE_PORTVAGT {
                    Some("Portvagt".to_string())
                } else {
                    self.entry_name(&mut names_of, &b.source).await
                };
                let person = match (names, &b.person_id) {
                    (false, _) => None,
                    (true, Some(p)) => self.entry_name(&mut names_of, p).await.or(b.actor_name.clone()),
                    (true, None) => b.actor_name.clone(),
                };
                entries.push(ExtractEntry { occurred_at: b.at, organisation, system, action: b.action, outcome: b.outcome, person });
            }
            before = page.next;
            if before.is_none() || entries.len() >= 10_000 {
                break;
            }
        }
        let details = serde_json::json!({ "events": entries.len(), "names_shown": names });
        self.store()
            .record_audit(&AuditRecord::new(actor, AuditAction::AuditExtractRead, "audit_extract", Some(id), self.now()).details(details))
            .await?;
        let names_approved_by_name = match e.names_approved_by {
            Some(by) => Some(self.who_name(by).await),
            None => None,
        };
        Ok(CitizenExtract {
            id,
            subject: mask(&e.subject),
            created_at: e.created_at,
            created_by: e.created_by,
            created_by_name: self.who_name(e.created_by).await,
            names_approved: names,
            names_approved_by_name,
            names_approved_at: e.names_approved_at,
            municipality,
            entries,
        })
    }

    /// The name of whoever made or approved something: a user of Portvagt or a person.
    async fn who_name(&self, id: Uuid) -> String {
        if let Ok(Some(u)) = self.store().user(id).await {
            return u.display_name;
        }
        self.store().get_entry(id).await.ok().flatten().and_then(|x| x.body["name"].as_str().map(String::from)).unwrap_or_default()
    }

    /// the newest 200 extracts, newest first — those waiting for a second person's
    /// approval of names, and the finished letters to send.
    pub async fn extract_list(&self, actor: &Actor) -> Result<Vec<ExtractSummary>> {
        self.permit(actor, Permission::MakeExtract)?;
        let mut out = Vec::new();
        for e in self.store().recent_extracts(200).await? {
            out.push(ExtractSummary {
                own: actor.is(e.created_by, Some(e.created_by)),
                created_by_name: self.who_name(e.created_by).await,
                subject: mask(&e.subject),
                names_approved: e.names_approved_by.is_some(),
                id: e.id,
                created_at: e.created_at,
            });
        }
        Ok(out)
    }
}
