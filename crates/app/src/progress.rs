//! What is still to be done in the target systems for accounts (ACC-6, PRV-2): a page
//! says "closed in Portvagt · CPR-opslag: waiting for IT operations" from this, and never
//! "closed everywhere" while an action is outstanding.

use crate::provisioning::PROVISION;
use crate::{App, Result};
use domain::time::Timestamp;
use std::collections::HashMap;
use store::AccountRow;
use uuid::Uuid;

/// Who carries an outstanding action out.
#[derive(Debug, Clone, PartialEq)]
pub enum OutstandingBy {
    /// The IT operator, by hand: a task on their list (`None` while the worker has not
    /// yet put it there).
    ItOperator { task: Option<(Uuid, Timestamp)> },
    /// A connector; `failing` holds the last error while it waits to try again.
    Connector { attempts: i64, failing: Option<String>, next_attempt: Timestamp },
}

/// One action not yet carried out in an account's target system.
#[derive(Debug, Clone, PartialEq)]
pub struct Outstanding {
    /// create, enable, disable, set_groups, set_expiry
    pub action: String,
    pub by: OutstandingBy,
}

impl App {
    /// The actions not yet carried out for these accounts, per account. The accounts are
    /// ones the caller has read through a use-case that checked its right to them.
    pub async fn outstanding(&self, accounts: &[AccountRow]) -> Result<HashMap<Uuid, Vec<Outstanding>>> {
        let ids: Vec<Uuid> = accounts.iter().map(|a| a.id).collect();
        let mut out: HashMap<Uuid, Vec<Outstanding>> = HashMap::new();
        let (tasks, messages) = self.store.open_work_of(&ids, PROVISION).await?;
        for t in tasks {
            out.entry(t.account_id)
                .or_default()
                .push(Outstanding { action: t.action, by: OutstandingBy::ItOperator { task: Some((t.id, t.created_at)) } });
        }
        let mut automatic: HashMap<Uuid, bool> = HashMap::new();
        for m in messages {
            let Some(account) = m.payload.get("account_id").and_then(|v| v.as_str()).and_then(|s| Uuid::parse_str(s).ok()) else {
                continue;
            };
            if !ids.contains(&account) {
                continue;
            }
            let action = m.payload.get("action").and_then(|v| v.as_str()).unwrap_or("unknown").to_string();
            let system = m.payload.get("system_id").and_then(|v| v.as_str()).and_then(|s| Uuid::parse_str(s).ok()).unwrap_or_default();
            let connected = match automatic.get(&system) {
                Some(c) => *c,
                None => {
                    let body = self.store.get_entry(system).await?.map(|e| e.body);
                    let c = self.connector_for(body.as_ref()).is_some();
                    automatic.insert(system, c);
                    c
                }
            };
            let by = if connected {
                let failing = Some(m.last_error).filter(|e| !e.is_empty());
                OutstandingBy::Connector { attempts: m.attempts, failing, next_attempt: m.next_attempt_at }
            } else {
                OutstandingBy::ItOperator { task: None }
            };
            out.entry(account).or_default().push(Outstanding { action, by });
        }
        Ok(out)
    }
}
