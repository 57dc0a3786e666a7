//! Rendering a record's form and facts.

use super::*;

/// A record of another kind to choose, as (id, name): scoped like every list, and
/// narrowed by what the form already says (an orderer's persons are the supplier's
/// staff; a profile's roles belong to its system).
pub(super) async fn choices(s: &AppState, actor: &Actor, kind: ResourceKind, values: &Values) -> Vec<(String, String)> {
    let narrow = |name: &str| Uuid::parse_str(first(values, name)).ok();
    match kind {
        ResourceKind::Supplier => options::<Supplier>(s, actor, active_only()).await,
        ResourceKind::Department => options::<Department>(s, actor, active_only()).await,
        ResourceKind::System => options::<System>(s, actor, active_only()).await,
        ResourceKind::Profile => options::<Profile>(s, actor, active_only()).await,
        ResourceKind::Role => {
            let f = ListFilter { active: Some(true), refers_to: narrow("system_id"), ..Default::default() };
            options::<Role>(s, actor, f).await
        }
        ResourceKind::Person => {
            let f = ListFilter { active: Some(true), supplier_id: narrow("supplier_id").or(actor.supplier()), ..Default::default() };
            options::<Person>(s, actor, f).await
        }
        _ => Vec::new(),
    }
}

/// The choices plus what the stored record refers to now, even if that is no longer
/// active: a form must never change a reference the user did not touch. (Only the
/// stored record's references: a posted id is never named back.)
pub(super) async fn with_current(s: &AppState, mut options: Vec<(String, String)>, stored: Option<&Vec<String>>) -> Vec<(String, String)> {
    let missing: Vec<Uuid> =
        stored.into_iter().flatten().filter(|v| !options.iter().any(|(o, _)| o == *v)).filter_map(|v| Uuid::parse_str(v).ok()).collect();
    if !missing.is_empty() {
        let names = s.app.names(&missing).await.unwrap_or_default();
        options.extend(missing.iter().filter_map(|id| names.get(id).map(|n| (id.to_string(), n.clone()))));
    }
    options
}

/// The form's fields with `values` (stored or posted); `stored` is the record as stored,
/// when it exists.
pub(super) async fn form_fields(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    fields: &[Field],
    values: &Values,
    stored: Option<&Values>,
    creating: bool,
) -> Vec<FieldSpec> {
    let tr = &ctx.tr;
    let mut out = Vec::new();
    for f in fields.iter().filter(|f| creating || f.when == When::Always) {
        let vals = values.get(f.path).cloned().unwrap_or_default();
        let one = vals.first().cloned().unwrap_or_default();
        let mut spec = FieldSpec::new(tr, f.path, "text").value(&one);
        spec.label = tr.t(&label_key(f.path));
        spec.required = f.required;
        match f.input {
            Input::Text | Input::Codes => {}
            Input::Secret => {
                spec.kind = "password";
                spec.value = String::new();
                spec.hint = Some(tr.t(if creating { "ui-secret-hint-new" } else { "ui-secret-hint" }));
            }
            Input::Area => spec.kind = "textarea",
            Input::Date => spec.kind = "date",
            Input::Number => spec.kind = "number",
            Input::Bool => {
                spec.kind = "checkboxes";
                spec.options = vec![("true".into(), tr.t("ui-yes"), one == "true")];
            }
            Input::Choice(codes) => {
                spec.kind = "select";
                let name = f.path.rsplit('.').next().unwrap_or(f.path);
                let opts = codes.iter().map(|c| (c.to_string(), tr.t(&format!("opt-{name}-{c}")))).collect();
                spec = spec.options(opts, &vals);
            }
            Input::Preset => {
                spec.kind = "select";
                // OPS-3: only the administrator changes the preset; others see the stored
                // one, whatever was posted. Stored ids may differ in case from the presets'.
                let stored_preset = stored.and_then(|v| v.get(f.path)).filter(|v| !v.is_empty());
                let may_change = s.app.can(actor, domain::authz::Permission::ChangePolicy) || stored_preset.is_none();
                let chosen: Vec<String> = if may_change { vals.clone() } else { stored_preset.cloned().unwrap_or_default() }
                    .iter()
                    .map(|v| v.to_lowercase())
                    .collect();
                let opts = s
                    .app
                    .presets()
                    .iter()
                    .filter(|p| may_change || chosen.contains(&p.id))
                    .map(|p| (p.id.clone(), p.name.clone()))
                    .collect();
                spec = spec.options(opts, &chosen);
                if !may_change {
                    spec.hint = Some(tr.t("ui-preset-admin-only"));
                }
            }
            Input::Ref(kind) => {
                spec.kind = "select";
                spec =
                    spec.options(with_current(s, choices(s, actor, kind, values).await, stored.and_then(|v| v.get(f.path))).await, &vals);
            }
            Input::Refs(kind) => {
                spec.kind = "checkboxes";
                spec =
                    spec.options(with_current(s, choices(s, actor, kind, values).await, stored.and_then(|v| v.get(f.path))).await, &vals);
                if spec.options.is_empty() {
                    spec.hint = Some(tr.t("ui-none"));
                }
            }
        }
        if f.input == Input::Codes {
            spec.hint = Some(tr.t("ui-codes-hint"));
        }
        out.push(spec);
    }
    out
}

/// The record as facts (label, value) for those who may only read it.
pub(super) async fn facts(s: &AppState, ctx: &Ctx, fields: &[Field], json: &Value) -> Vec<(String, String)> {
    let tr = &ctx.tr;
    let values = values_from_record(fields, json);
    let ids: Vec<Uuid> = fields
        .iter()
        .filter(|f| matches!(f.input, Input::Ref(_) | Input::Refs(_)))
        .flat_map(|f| values.get(f.path).into_iter().flatten().filter_map(|v| Uuid::parse_str(v).ok()))
        .collect();
    let names = s.app.names(&ids).await.unwrap_or_default();
    let mut out = Vec::new();
    for f in fields.iter().filter(|f| f.input != Input::Secret) {
        let vals = values.get(f.path).cloned().unwrap_or_default();
        let text = match f.input {
            Input::Bool => tr.t(if vals.is_empty() { "ui-no" } else { "ui-yes" }),
            Input::Ref(_) | Input::Refs(_) => vals
                .iter()
                .map(|v| Uuid::parse_str(v).ok().and_then(|id| names.get(&id).cloned()).unwrap_or_else(|| v.clone()))
                .collect::<Vec<_>>()
                .join(", "),
            Input::Choice(_) => {
                let name = f.path.rsplit('.').next().unwrap_or(f.path);
                vals.iter().map(|c| tr.t(&format!("opt-{name}-{c}"))).collect::<Vec<_>>().join(", ")
            }
            Input::Date => vals.iter().filter_map(|d| Date::parse(d).ok()).map(|d| tr.date(&d)).collect::<Vec<_>>().join(", "),
            _ => vals.join(", "),
        };
        out.push((tr.t(&label_key(f.path)), if text.is_empty() { "–".into() } else { text }));
    }
    out
}

/// Puts a refusal on the field it names (or its first part) and returns the page text.
pub(super) fn attach(form: &mut FormSpec, e: FormError) -> String {
    if let Some(field) = &e.field {
        let key = label_key(field);
        let head = field.split(['[', '.']).next().unwrap_or("");
        let at = form
            .fields
            .iter()
            .position(|x| label_key(&x.name) == key)
            .or_else(|| form.fields.iter().position(|x| x.name.split(['[', '.']).next() == Some(head)));
        if let Some(fld) = at.and_then(|i| form.fields.get_mut(i)) {
            fld.error = Some(e.message.clone());
        }
    }
    e.message
}

pub(in crate::ui::pages) fn kind_of(kind: &str) -> Option<ResourceKind> {
    serde_json::from_value(Value::String(kind.to_string())).ok().filter(|_| KINDS.contains(&kind))
}
