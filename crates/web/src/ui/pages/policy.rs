//! The rules in force, read-only (OPS-3, X-6): every setting of the policy preset with
//! its value and where it comes from (law, contract, municipal rule, standard, guidance),
//! and where the rules deviate from current guidance. Changing the preset in force is
//! the administrator's, on the municipality's registry page, and asks first.

use super::*;
use serde_json::Value;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/policy", get(policy))
}

/// The policy's sections in the order people read them.
pub(super) const SECTIONS: &[&str] = &[
    "lead_times",
    "accounts",
    "emergency",
    "login",
    "password",
    "target_password",
    "audit",
    "incidents",
    "reviews",
    "log_control",
    "notifications",
    "engagement",
];

async fn policy(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn) -> Response {
    if actor.supplier().is_some() || actor.role == UserRole::TargetSystem {
        return app_error_page(&ctx, AppError::NotFound);
    }
    let tr = &ctx.tr;
    let preset = match s.app.active_preset().await {
        Ok(p) => p,
        Err(e) => return app_error_page(&ctx, e),
    };
    let json = serde_json::to_value(&preset.policy).unwrap_or_default();
    let mut sections = Vec::new();
    let deviations = preset.deviations_from_guidance();
    if !deviations.is_empty() {
        sections.push(Section {
            heading: tr.t("ui-policy-deviations"),
            text: Some(deviations.iter().map(|(_, code)| tr.t(code)).collect::<Vec<_>>().join(" ")),
            ..Default::default()
        });
    }
    for section in SECTIONS {
        let Some(settings) = json.get(*section).and_then(Value::as_object) else { continue };
        let rows = settings
            .iter()
            .map(|(name, setting)| {
                let label = setting_label(tr, section, name);
                let kind = setting.pointer("/source/kind").and_then(Value::as_str).unwrap_or_default();
                let reference = setting.pointer("/source/reference").and_then(Value::as_str).unwrap_or_default();
                vec![
                    cell(label),
                    cell(value_text(tr, setting.get("value").unwrap_or(&Value::Null))),
                    cell(format!("{}: {reference}", tr.t(&format!("source-{kind}")))),
                ]
            })
            .collect();
        let heading = tr.t(&format!("policy-{section}"));
        sections.push(Section {
            table: Some(TableSpec {
                caption: heading.clone(),
                headers: vec![tr.t("ui-policy-rule"), tr.t("ui-policy-value"), tr.t("ui-policy-source")],
                rows,
                empty: String::new(),
                more: String::new(),
            }),
            heading,
            ..Default::default()
        });
    }
    let mut p = page(&ctx, "nav-policy", sections);
    p.crumbs = vec![("/registry".into(), tr.t("nav-registry"))];
    p.intro = Some(tr.text("ui-policy-intro", &[("arg", preset.name.as_str())]));
    render(&p)
}

/// A setting's name as people read it.
pub(super) fn setting_label(tr: &Tr, section: &str, name: &str) -> String {
    let key = format!("policy-{section}-{name}");
    if tr.catalog.has(tr.lang, &key) { tr.t(&key) } else { name.replace('_', " ") }
}

/// A setting's value as people read it: yes/no, numbers, lists, text.
pub(super) fn value_text(tr: &Tr, v: &Value) -> String {
    match v {
        Value::Bool(b) => tr.t(if *b { "ui-yes" } else { "ui-no" }),
        Value::Number(n) => n.as_u64().map(|n| tr.num(&n)).unwrap_or_else(|| n.to_string()),
        Value::String(s) if s.is_empty() => "–".into(),
        // A code the catalogues name (an evidence or attestation kind), else the text.
        Value::String(s) => ["evidence-", "opt-attestation-", "notice-"]
            .iter()
            .map(|prefix| format!("{prefix}{s}"))
            .find(|k| tr.catalog.has(tr.lang, k))
            .map(|k| tr.t(&k))
            .unwrap_or_else(|| s.clone()),
        Value::Array(items) if items.is_empty() => "–".into(),
        Value::Array(items) => items.iter().map(|i| value_text(tr, i)).collect::<Vec<_>>().join(", "),
        Value::Null => "–".into(),
        other => other.to_string(),
    }
}
