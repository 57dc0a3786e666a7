//! OPS-3: changing the policy preset in force swaps every rule at once, so the
//! municipality's form asks first and shows what changes — each rule whose value differs,
//! from what to what — before it saves.

use super::policy::{SECTIONS, setting_label, value_text};
use super::*;
use serde_json::Value;

/// The confirmation to show before the municipality's form is saved, when it changes the
/// preset in force and has not been confirmed: `None` lets the save go ahead.
pub(super) async fn confirmation(s: &AppState, ctx: &Ctx, id: Uuid, current: &str, posted: &Values) -> Option<Response> {
    let wanted = posted.get("policy_preset").and_then(|v| v.first()).map(|v| v.trim().to_lowercase())?;
    let confirmed = posted.get("confirm_preset").and_then(|v| v.first()).is_some_and(|v| v == "yes");
    if confirmed || wanted == current.to_lowercase() {
        return None;
    }
    let from = s.app.presets().iter().find(|p| p.id.eq_ignore_ascii_case(current))?;
    let to = s.app.presets().iter().find(|p| p.id == wanted)?;
    let tr = &ctx.tr;
    let (a, b) = (serde_json::to_value(&from.policy).unwrap_or_default(), serde_json::to_value(&to.policy).unwrap_or_default());
    let mut rows = Vec::new();
    for section in SECTIONS {
        let Some(settings) = b.get(*section).and_then(Value::as_object) else { continue };
        for (name, setting) in settings {
            let new = setting.get("value").cloned().unwrap_or(Value::Null);
            let old = a.pointer(&format!("/{section}/{name}/value")).cloned().unwrap_or(Value::Null);
            if old != new {
                rows.push(vec![
                    cell(format!("{} – {}", tr.t(&format!("policy-{section}")), setting_label(tr, section, name))),
                    cell(value_text(tr, &old)),
                    cell(value_text(tr, &new)),
                ]);
            }
        }
    }
    let hidden: Vec<(String, String)> = posted
        .iter()
        .filter(|(k, _)| k.as_str() != "csrf" && k.as_str() != "confirm_preset")
        .flat_map(|(k, vs)| vs.iter().map(move |v| (k.clone(), v.clone())))
        .chain(std::iter::once(("confirm_preset".to_string(), "yes".to_string())))
        .collect();
    let mut confirm = button(format!("/registry/municipality/{id}"), tr.t1("ui-preset-change", &to.name), true, hidden);
    confirm.inline = false;
    let count = rows.len() as u64;
    let sections = vec![Section {
        text: Some(
            tr.text("ui-preset-change-intro", &[("arg", from.name.as_str()), ("arg2", to.name.as_str()), ("n", tr.num(&count).as_str())]),
        ),
        table: Some(TableSpec {
            caption: tr.t("ui-preset-change-caption"),
            headers: vec![tr.t("ui-policy-rule"), tr.t1("ui-preset-now", &from.name), tr.t1("ui-preset-after", &to.name)],
            rows,
            empty: tr.t("ui-preset-change-none"),
            more: String::new(),
        }),
        forms: vec![confirm],
        ..Default::default()
    }];
    let mut p = page(ctx, "ui-preset-change-title", sections);
    p.actions.push((format!("/registry/municipality/{id}"), tr.t("ui-preset-keep")));
    Some(render(&p))
}
