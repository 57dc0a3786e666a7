//! The IT operator's view of a manual task (PRV-1): everything needed to carry it out in
//! the target system by hand — whose account, for which supplier, what to grant, from
//! when to when, the request behind it, and the initial password to set.

use crate::{App, AppError, Result};
use domain::authz::{Actor, Permission};
use domain::registry::{Agreement, Person, Role, Supplier};
use std::collections::HashMap;
use store::{AccountRow, TaskRow};
use uuid::Uuid;

/// A manual task with what it is about, by name.
#[derive(Debug, Clone)]
pub struct TaskView {
    pub task: TaskRow,
    pub account: Option<AccountRow>,
    pub person: String,
    /// The supplier the person works for under the account's agreement (or, for a temp,
    /// their employer), when there is one.
    pub supplier: Option<String>,
    pub system: String,
    /// The profiles whose roles the account gets, by name.
    pub profiles: Vec<String>,
    /// The roles (the target system's groups): (code, name).
    pub roles: Vec<(String, String)>,
}

impl App {
    /// One task as the IT operator carries it out.
    pub async fn task_view(&self, actor: &Actor, id: Uuid) -> Result<TaskView> {
        self.permit(actor, Permission::HandleTasks)?;
        let task = self.store.task(id).await?.ok_or(AppError::NotFound)?;
        self.describe_task(task).await
    }

    /// The open tasks, each described, grouped by person in the order they came.
    pub async fn open_task_views(&self, actor: &Actor) -> Result<Vec<TaskView>> {
        self.permit(actor, Permission::HandleTasks)?;
        let mut views = Vec::new();
        for t in self.store.list_tasks(Some("open"), None).await? {
            views.push(self.describe_task(t).await?);
        }
        let mut first_seen: HashMap<String, usize> = HashMap::new();
        for (i, v) in views.iter().enumerate() {
            first_seen.entry(group_key(v)).or_insert(i);
        }
        views.sort_by_key(|v| first_seen[&group_key(v)]);
        Ok(views)
    }

    async fn describe_task(&self, task: TaskRow) -> Result<TaskView> {
        let account = self.store.account(task.account_id).await?;
        let mut ids = vec![task.system_id];
        if let Some(a) = &account {
            ids.push(a.person_id);
            ids.extend(a.roles.iter().filter_map(|r| r.1));
        }
        let names = self.names(&ids).await?;
        let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
        let mut profiles: Vec<String> = account.iter().flat_map(|a| a.roles.iter().filter_map(|r| r.1)).map(|p| name(&p)).collect();
        profiles.sort();
        profiles.dedup();
        let role_ids: Vec<Uuid> = account.iter().flat_map(|a| a.roles.iter().map(|r| r.0)).collect();
        let mut roles: Vec<(String, String)> = self
            .store
            .get_entries(&role_ids)
            .await?
            .into_iter()
            .filter_map(|e| serde_json::from_value::<Role>(e.body).ok())
            .map(|r| (r.code.to_string(), r.name.to_string()))
            .collect();
        roles.sort();
        roles.dedup();
        let supplier = match &account {
            Some(a) => self.supplier_of(a).await?,
            None => None,
        };
        Ok(TaskView {
            person: account.as_ref().map(|a| name(&a.person_id)).unwrap_or_default(),
            system: name(&task.system_id),
            supplier,
            profiles,
            roles,
            account,
            task,
        })
    }

    /// The supplier behind an account: its agreement's, else the person's employer.
    pub(crate) async fn supplier_id_of(&self, a: &AccountRow) -> Option<Uuid> {
        match a.agreement_id {
            Some(agreement) => self.record::<Agreement>(agreement).await.ok().map(|ag| ag.supplier_id),
            None => self.record::<Person>(a.person_id).await.ok().and_then(|p| p.affiliations.first().map(|f| f.supplier_id)),
        }
    }

    /// The name of the supplier behind an account.
    async fn supplier_of(&self, a: &AccountRow) -> Result<Option<String>> {
        Ok(match self.supplier_id_of(a).await {
            Some(id) => self.record::<Supplier>(id).await.ok().map(|s| s.name.to_string()),
            None => None,
        })
    }
}

/// Tasks of one request, or else of one account's person, belong together.
fn group_key(v: &TaskView) -> String {
    match (v.task.request_id, &v.account) {
        (Some(r), _) => r.to_string(),
        (None, Some(a)) => a.person_id.to_string(),
        (None, None) => v.task.id.to_string(),
    }
}
