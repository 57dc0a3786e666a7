//! How an account stands, in words a person checks: its state in Portvagt, and in its
//! target system with what is still outstanding there and who does it. Confirmations
//! are built from these, so none says "closed in all systems" while a system waits.

use super::*;
use app::{Outstanding, OutstandingBy};
use domain::account::{AccountStatus, shown_status};
use store::AccountRow;

fn text(tr: &Tr, key: &str, args: &[(&str, &str)]) -> String {
    tr.text(key, args)
}

/// The account's state in Portvagt: "Aktiv", or "Oprettet – aktiv fra 20.12.2026" while
/// its first day is ahead, or "Oprettes" while its creation in the target system is
/// outstanding (nothing is active that cannot yet be used).
pub(super) fn status_text(tr: &Tr, a: &AccountRow, today: Date, outstanding: &[Outstanding]) -> String {
    if a.status.is_live() && outstanding.iter().any(|o| o.action == "create") {
        return tr.t("status-provisioning");
    }
    // Closed in Portvagt, still to be closed in its system.
    if !a.status.is_live() && outstanding.iter().any(|o| o.action == "disable") {
        return tr.t1("status-closing", &tr.t(&format!("status-{}", a.status.as_str())));
    }
    match shown_status(a.status, a.valid_from, today) {
        (key, Some(from)) => tr.t1(&format!("status-{key}"), &tr.date(&from)),
        (key, None) => tr.t(&format!("status-{key}")),
    }
}

/// How the account stands in its target system: each action still outstanding there and
/// who carries it out, or, when nothing is, the state the system was last brought to.
pub(super) fn target_text(tr: &Tr, system: &str, a: &AccountRow, outstanding: &[Outstanding]) -> String {
    if !outstanding.is_empty() {
        return outstanding
            .iter()
            .map(|o| {
                let action = tr.t(&format!("action-{}", o.action));
                match &o.by {
                    OutstandingBy::ItOperator { task: Some((_, since)) } => {
                        text(tr, "ui-target-operator", &[("system", system), ("action", &action), ("since", &tr.time(since))])
                    }
                    OutstandingBy::ItOperator { task: None } => {
                        text(tr, "ui-target-operator-queued", &[("system", system), ("action", &action)])
                    }
                    OutstandingBy::Connector { failing: Some(error), next_attempt, .. } => text(
                        tr,
                        "ui-target-failing",
                        &[("system", system), ("action", &action), ("error", error), ("next", &tr.time(next_attempt))],
                    ),
                    OutstandingBy::Connector { failing: None, .. } => {
                        text(tr, "ui-target-sending", &[("system", system), ("action", &action)])
                    }
                }
            })
            .collect::<Vec<_>>()
            .join(" · ");
    }
    let key = match a.status {
        AccountStatus::Active => "ui-target-active",
        AccountStatus::AwaitingActivation => "ui-target-created",
        AccountStatus::Locked | AccountStatus::Disabled => "ui-target-disabled",
        AccountStatus::Terminated => "ui-target-closed",
        AccountStatus::PendingApproval | AccountStatus::Provisioning => "ui-target-not-yet",
    };
    text(tr, key, &[("system", system)])
}

/// Whether nothing is outstanding for the account in its target system.
pub(super) fn settled(outstanding: &HashMap<Uuid, Vec<Outstanding>>, account: Uuid) -> bool {
    outstanding.get(&account).is_none_or(|o| o.is_empty())
}
