//! Every action and outcome Portvagt writes into the audit log has a name in Danish,
//! Swedish and English: the log is read in human terms (LOG-6, X-2).

use domain::audit_action::{AuditAction, OUTCOMES, label_key};
use i18n::{Catalog, Lang};

// REQ: LOG-6, X-2
#[test]
fn every_audit_action_and_outcome_has_a_name_in_every_language() {
    let catalog = Catalog::new();
    let mut missing = Vec::new();
    for lang in &Lang::ALL {
        for a in AuditAction::ALL {
            if !catalog.has(*lang, &a.label_key()) {
                missing.push(format!("{} {}", lang.code(), a.code()));
            }
        }
        for o in OUTCOMES {
            if !catalog.has(*lang, &format!("outcome-{o}")) {
                missing.push(format!("{} outcome {o}", lang.code()));
            }
        }
    }
    assert!(missing.is_empty(), "without a name: {missing:?}");
    // Names differ between actions: a reader can tell them apart.
    for lang in &Lang::ALL {
        let mut names: Vec<String> = AuditAction::ALL.iter().map(|a| catalog.text(*lang, &a.label_key(), &[])).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "two actions share a name in {}", lang.code());
    }
    assert_eq!(label_key("audit.extract.approve_names"), "audit-audit-extract-approve-names");
}

// REQ: LOG-6
#[test]
fn every_kind_of_object_the_log_names_has_a_name_in_every_language() {
    let catalog = Catalog::new();
    let kinds = [
        "municipality",
        "department",
        "supplier",
        "orderer",
        "person",
        "agreement",
        "system",
        "role",
        "profile",
        "job_profile",
        "api_token",
        "request",
        "account",
        "audit_log",
        "audit_extract",
        "audit_hold",
        "audit_day",
        "user",
        "outbox",
        "lifecycle",
        "security_report",
        "log_control",
        "mail",
    ];
    let missing: Vec<String> = Lang::ALL
        .iter()
        .flat_map(|lang| kinds.iter().map(move |k| (lang, k)))
        .filter(|(lang, k)| !catalog.has(**lang, &format!("object-{k}")))
        .map(|(lang, k)| format!("{} {k}", lang.code()))
        .collect();
    assert!(missing.is_empty(), "objects without a name: {missing:?}");
}

// REQ: NOT-1
#[test]
fn every_notice_kind_and_mail_text_has_words_in_every_language() {
    let catalog = i18n::Catalog::new();
    let mut keys: Vec<String> = domain::notice::NoticeKind::ALL.iter().map(|k| format!("notice-{}", k.code())).collect();
    keys.extend(
        [
            "mail-digest-subject",
            "mail-digest-intro",
            "mail-digest-notices",
            "mail-notice-subject",
            "mail-notice-intro",
            "mail-due",
            "mail-open",
            "mail-footer",
        ]
        .map(String::from),
    );
    let missing: Vec<String> = Lang::ALL
        .iter()
        .flat_map(|lang| keys.iter().filter(|k| !catalog.has(*lang, k)).map(move |k| format!("{} {k}", lang.code())))
        .collect();
    assert!(missing.is_empty(), "without words: {missing:?}");
}
