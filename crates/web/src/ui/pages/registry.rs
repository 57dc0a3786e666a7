//! Registry management in the pages (ORG-1..4, AGR-1..5, SYS-1..3, OPS-3): one generic
//! form per record kind, declared below as a list of fields. Posted values become the
//! record's JSON (over the stored record, so fields the form does not show are kept) and
//! go through the same parsing and use-cases as the API: every refusal names its field,
//! and nothing is written when one is refused.

use super::*;
use crate::extract::json_error;
use axum::extract::RawQuery;
use domain::authz::{Action, ResourceKind};
use domain::registry::{AttestationKind, MUNICIPALITY_ID, Municipality, Orderer, Role};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/registry/{kind}/new", get(new_form).post(create))
        .route("/registry/{kind}/{id}", get(detail).post(update))
        .route("/registry/{kind}/{id}/deactivate", post(deactivate))
        .route("/registry/agreement/{id}/attest", post(attest))
        .route("/registry/agreement/{id}/accept", post(accept))
}

/// How a field is entered.
#[derive(Clone, Copy, PartialEq)]
enum Input {
    Text,
    Area,
    Date,
    Number,
    /// A checkbox: present is `true`.
    Bool,
    /// One of fixed codes; labels are `opt-<field>-<code>`.
    Choice(&'static [&'static str]),
    /// One of the installed policy presets.
    Preset,
    /// Another record, by id.
    Ref(ResourceKind),
    /// Several records, by id.
    Refs(ResourceKind),
    /// Codes separated by commas.
    Codes,
    /// Write-only (a national identity number): left empty, the stored value stays.
    Secret,
}

#[derive(Clone, Copy, PartialEq)]
enum When {
    Always,
    /// Only when the record is created (a person's first affiliation).
    Create,
}

struct Field {
    /// Where the value goes in the record's JSON: `contact.name`, `scope.systems`,
    /// `affiliations[0].from`.
    path: &'static str,
    input: Input,
    required: bool,
    when: When,
}

const fn opt(path: &'static str, input: Input) -> Field {
    Field { path, input, required: false, when: When::Always }
}

const fn req(path: &'static str, input: Input) -> Field {
    Field { path, input, required: true, when: When::Always }
}

const fn at_creation(mut f: Field) -> Field {
    f.when = When::Create;
    f
}

const SERVICE_TYPES: &[&str] = &["personal_care", "practical_help", "meal_service", "nursing_home", "consultancy", "it_services", "other"];
const CONNECTORS: &[&str] = &["manual", "ldap", "scim"];

const MUNICIPALITY: &[Field] = &[
    req("name", Input::Text),
    req("org_number", Input::Text),
    req("policy_preset", Input::Preset),
    req("dpo.name", Input::Text),
    opt("dpo.email", Input::Text),
    opt("dpo.phone", Input::Text),
    opt("secretariat.name", Input::Text),
    opt("secretariat.email", Input::Text),
    opt("secretariat.phone", Input::Text),
    opt("service_desk.name", Input::Text),
    opt("service_desk.email", Input::Text),
    opt("service_desk.phone", Input::Text),
];
const DEPARTMENT: &[Field] = &[
    req("name", Input::Text),
    req("code", Input::Text),
    opt("head.name", Input::Text),
    opt("head.email", Input::Text),
    opt("head.phone", Input::Text),
    opt("substitute.name", Input::Text),
    opt("substitute.email", Input::Text),
    opt("substitute.phone", Input::Text),
];
const SUPPLIER: &[Field] = &[
    req("name", Input::Text),
    req("org_number", Input::Text),
    opt("address", Input::Area),
    opt("contact.name", Input::Text),
    opt("contact.email", Input::Text),
    opt("contact.phone", Input::Text),
];
const ORDERER: &[Field] = &[
    req("supplier_id", Input::Ref(ResourceKind::Supplier)),
    req("person_id", Input::Ref(ResourceKind::Person)),
    req("valid_from", Input::Date),
    opt("valid_to", Input::Date),
];
const PERSON: &[Field] = &[
    req("name", Input::Text),
    opt("email", Input::Text),
    opt("national_id", Input::Secret),
    at_creation(req("affiliations[0].supplier_id", Input::Ref(ResourceKind::Supplier))),
    at_creation(req("affiliations[0].from", Input::Date)),
    at_creation(opt("affiliations[0].employee_ref", Input::Text)),
];
const AGREEMENT: &[Field] = &[
    req("supplier_id", Input::Ref(ResourceKind::Supplier)),
    opt("department_id", Input::Ref(ResourceKind::Department)),
    req("title", Input::Text),
    req("service_type", Input::Choice(SERVICE_TYPES)),
    opt("consultant_engagement", Input::Bool),
    req("valid_from", Input::Date),
    req("valid_to", Input::Date),
    req("scope.systems", Input::Refs(ResourceKind::System)),
    req("scope.profiles", Input::Refs(ResourceKind::Profile)),
    req("scope.user_cap", Input::Number),
    opt("data_processing.dpa_in_place", Input::Bool),
    opt("data_processing.dpa_reference", Input::Text),
    opt("data_processing.allows_export", Input::Bool),
];
const SYSTEM: &[Field] = &[
    req("name", Input::Text),
    req("code", Input::Text),
    req("owner_department_id", Input::Ref(ResourceKind::Department)),
    req("connector", Input::Choice(CONNECTORS)),
    opt("logs_transactions", Input::Bool),
    opt("username_pattern", Input::Text),
    opt("description", Input::Area),
];
const ROLE: &[Field] = &[
    req("system_id", Input::Ref(ResourceKind::System)),
    req("code", Input::Text),
    req("name", Input::Text),
    opt("flags.read_only", Input::Bool),
    opt("flags.allows_export", Input::Bool),
    opt("flags.privileged", Input::Bool),
    opt("flags.sensitive", Input::Bool),
    opt("transaction_types", Input::Codes),
];
const PROFILE: &[Field] = &[
    req("system_id", Input::Ref(ResourceKind::System)),
    req("code", Input::Text),
    req("name", Input::Text),
    req("roles", Input::Refs(ResourceKind::Role)),
];
const JOB_PROFILE: &[Field] = &[
    req("name", Input::Text),
    req("code", Input::Text),
    opt("description", Input::Area),
    req("profiles", Input::Refs(ResourceKind::Profile)),
];

/// The kinds the pages manage, in menu order.
pub(super) const KINDS: &[&str] =
    &["municipality", "department", "supplier", "orderer", "person", "agreement", "system", "role", "profile", "job_profile"];

fn fields_of(kind: ResourceKind) -> &'static [Field] {
    match kind {
        ResourceKind::Municipality => MUNICIPALITY,
        ResourceKind::Department => DEPARTMENT,
        ResourceKind::Supplier => SUPPLIER,
        ResourceKind::Orderer => ORDERER,
        ResourceKind::Person => PERSON,
        ResourceKind::Agreement => AGREEMENT,
        ResourceKind::System => SYSTEM,
        ResourceKind::Role => ROLE,
        ResourceKind::Profile => PROFILE,
        ResourceKind::JobProfile => JOB_PROFILE,
        _ => &[],
    }
}

/// Calls `$f::<R>(args…)` for the record type named in the path.
macro_rules! by_kind {
    ($ctx:expr, $kind:expr, $f:ident ( $($arg:expr),* )) => {
        match $kind.as_str() {
            "municipality" => $f::<Municipality>($($arg),*).await,
            "department" => $f::<Department>($($arg),*).await,
            "supplier" => $f::<Supplier>($($arg),*).await,
            "orderer" => $f::<Orderer>($($arg),*).await,
            "person" => $f::<Person>($($arg),*).await,
            "agreement" => $f::<Agreement>($($arg),*).await,
            "system" => $f::<System>($($arg),*).await,
            "role" => $f::<Role>($($arg),*).await,
            "profile" => $f::<Profile>($($arg),*).await,
            "job_profile" => $f::<JobProfile>($($arg),*).await,
            _ => app_error_page(&$ctx, AppError::NotFound),
        }
    };
}

// ---------------------------------------------------------------------------------------
// Paths into the record's JSON.

enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn segments(path: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        match part.split_once('[') {
            Some((key, rest)) => {
                out.push(Seg::Key(key));
                out.push(Seg::Index(rest.trim_end_matches(']').parse().unwrap_or(0)));
            }
            None => out.push(Seg::Key(part)),
        }
    }
    out
}

fn get_at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    segments(path).iter().try_fold(v, |v, s| match s {
        Seg::Key(k) => v.get(*k),
        Seg::Index(i) => v.get(*i),
    })
}

/// Sets (or with `None` removes) the value at `path`, making the objects and arrays on
/// the way; then drops the containers the removal left empty.
fn set_at(root: &mut Value, path: &str, value: Option<Value>) {
    fn go(v: &mut Value, segs: &[Seg], value: Option<Value>) {
        let Some((first, rest)) = segs.split_first() else { return };
        match first {
            Seg::Key(k) => {
                if !v.is_object() {
                    *v = Value::Object(Map::new());
                }
                let Some(map) = v.as_object_mut() else { return };
                if rest.is_empty() {
                    match value {
                        Some(x) => {
                            map.insert((*k).to_string(), x);
                        }
                        None => {
                            map.remove(*k);
                        }
                    }
                    return;
                }
                if value.is_none() && !map.contains_key(*k) {
                    return;
                }
                let child = map.entry((*k).to_string()).or_insert(Value::Null);
                go(child, rest, value);
                if child.as_object().is_some_and(Map::is_empty) || child.as_array().is_some_and(Vec::is_empty) {
                    map.remove(*k);
                }
            }
            Seg::Index(i) => {
                if !v.is_array() {
                    *v = Value::Array(Vec::new());
                }
                let Some(arr) = v.as_array_mut() else { return };
                if arr.len() <= *i {
                    if value.is_none() {
                        return;
                    }
                    arr.resize(*i + 1, Value::Null);
                }
                go(&mut arr[*i], rest, value);
                if arr[*i].as_object().is_some_and(Map::is_empty) {
                    arr.remove(*i);
                }
            }
        }
    }
    go(root, &segments(path), value)
}

/// A form's values by field name, several for checkboxes.
pub(super) type Values = HashMap<String, Vec<String>>;

/// The form's values from a stored record.
fn values_from_record(fields: &[Field], json: &Value) -> Values {
    let mut out = Values::new();
    for f in fields {
        let v = match get_at(json, f.path) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Bool(b)) => {
                if *b {
                    vec!["true".to_string()]
                } else {
                    Vec::new()
                }
            }
            Some(Value::Array(items)) => {
                let items: Vec<String> = items.iter().map(scalar).collect();
                if f.input == Input::Codes { vec![items.join(", ")] } else { items }
            }
            Some(x) => vec![scalar(x)],
        };
        out.insert(f.path.to_string(), v);
    }
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The form's values as posted (and the form token and version beside them).
pub(super) fn values_from_post(body: &[u8]) -> Values {
    let mut out = Values::new();
    for (k, v) in form_urlencoded::parse(body) {
        out.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    out
}

fn first<'a>(values: &'a Values, name: &str) -> &'a str {
    values.get(name).and_then(|v| v.first()).map(String::as_str).unwrap_or("")
}

/// Parses the posted form at the edge into the record: the values are laid over the
/// stored record's JSON and deserialised exactly as an API body is, so an error names
/// the field (`scope.user_cap`, `contact.name`).
fn record_from_post<R: Record + DeserializeOwned>(
    fields: &[Field],
    posted: &Values,
    mut base: Value,
    creating: bool,
) -> Result<R, domain::error::FieldError> {
    for f in fields.iter().filter(|f| creating || f.when == When::Always) {
        let one = first(posted, f.path).trim();
        let value = match f.input {
            Input::Bool => Some(Value::Bool(posted.get(f.path).is_some_and(|v| v.iter().any(|x| x == "true")))),
            Input::Refs(_) => Some(Value::Array(
                posted.get(f.path).into_iter().flatten().filter(|x| !x.trim().is_empty()).map(|x| Value::String(x.trim().into())).collect(),
            )),
            Input::Codes => Some(Value::Array(
                one.split([',', ' ', '\n', '\t']).filter(|x| !x.is_empty()).map(|x| Value::String(x.to_string())).collect(),
            )),
            Input::Number if !one.is_empty() => {
                Some(one.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::String(one.to_string())))
            }
            _ if one.is_empty() => None,
            _ => Some(Value::String(one.to_string())),
        };
        set_at(&mut base, f.path, value);
    }
    serde_path_to_error::deserialize::<_, R>(base).map_err(json_error)
}

// ---------------------------------------------------------------------------------------
// Rendering.

/// A record of another kind to choose, as (id, name): scoped like every list, and
/// narrowed by what the form already says (an orderer's persons are the supplier's
/// staff; a profile's roles belong to its system).
async fn choices(s: &AppState, actor: &Actor, kind: ResourceKind, values: &Values) -> Vec<(String, String)> {
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
async fn with_current(s: &AppState, mut options: Vec<(String, String)>, stored: Option<&Vec<String>>) -> Vec<(String, String)> {
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
async fn form_fields(
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
                let opts = s.app.presets().iter().map(|p| (p.id.clone(), p.name.clone())).collect();
                spec = spec.options(opts, &vals);
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
async fn facts(s: &AppState, ctx: &Ctx, fields: &[Field], json: &Value) -> Vec<(String, String)> {
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
fn attach(form: &mut FormSpec, e: FormError) -> String {
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

pub(super) fn kind_of(kind: &str) -> Option<ResourceKind> {
    serde_json::from_value(Value::String(kind.to_string())).ok().filter(|_| KINDS.contains(&kind))
}

// ---------------------------------------------------------------------------------------
// Handlers.

#[derive(Deserialize, Default)]
struct DetailQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn new_form(State(s): State<AppState>, ctx: Ctx, Path(kind): Path<String>, RawQuery(q): RawQuery) -> Response {
    let actor = actor_or_return!(ctx);
    // Links may prefill fields: `/registry/orderer/new?supplier_id=…`.
    let prefill = values_from_post(q.unwrap_or_default().as_bytes());
    by_kind!(ctx, kind, new_page(&s, &ctx, &actor, prefill, None))
}

async fn new_page<R: Record + DeserializeOwned>(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    values: Values,
    error: Option<FormError>,
) -> Response {
    if !s.app.may(actor, Action::Create, R::KIND) {
        return app_error_page(ctx, AppError::NotFound);
    }
    let tr = &ctx.tr;
    let kind = R::KIND.as_str();
    let mut form = FormSpec {
        method: "post",
        action: format!("/registry/{kind}/new"),
        submit: tr.t("ui-create"),
        button_class: "button-primary",
        fields: form_fields(s, ctx, actor, fields_of(R::KIND), &values, None, true).await,
        ..Default::default()
    };
    // A staff member added from "My staff" goes back there (ORG-4).
    let from_staff = R::KIND == ResourceKind::Person && first(&values, "from") == "staff";
    if from_staff {
        form.hidden.push(("from".into(), "staff".into()));
    }
    let msg = error.map(|e| attach(&mut form, e));
    let failed = msg.is_some();
    let mut p = page(ctx, &format!("new-{kind}"), vec![Section { forms: vec![form], ..Default::default() }]);
    p.actions = if from_staff {
        vec![("/staff".into(), tr.t("ui-back-to-staff"))]
    } else {
        vec![(format!("/registry?kind={kind}"), tr.t(&format!("registry-{kind}")))]
    };
    p.error = msg;
    let mut res = render(&p);
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

async fn create(State(s): State<AppState>, ctx: Ctx, Path(kind): Path<String>, RawForm(body): RawForm) -> Response {
    let posted = values_from_post(&body);
    csrf_or_return!(ctx, first(&posted, "csrf"));
    let actor = actor_or_return!(ctx);
    by_kind!(ctx, kind, create_record(&s, &ctx, &actor, posted))
}

async fn create_record<R: Record + DeserializeOwned>(s: &AppState, ctx: &Ctx, actor: &Actor, posted: Values) -> Response {
    let kind = R::KIND.as_str();
    let saved = match record_from_post::<R>(fields_of(R::KIND), &posted, Value::Object(Map::new()), true) {
        Err(e) => Err(AppError::Invalid(e)),
        Ok(rec) => save(s, actor, None, rec, None).await,
    };
    match saved {
        Ok(id) if R::KIND == ResourceKind::Person && first(&posted, "from") == "staff" => {
            Redirect::to(&format!("/staff/{id}?done=person_created")).into_response()
        }
        Ok(id) => Redirect::to(&format!("/registry/{kind}/{id}?done=created")).into_response(),
        Err(e @ (AppError::NotFound | AppError::Forbidden)) => app_error_page(ctx, e),
        Err(e) => {
            let fe = form_error(ctx, &s.catalog, e);
            new_page::<R>(s, ctx, actor, posted, Some(fe)).await
        }
    }
}

/// Creates or updates through the registry's use-cases; the municipality profile goes
/// through its own, which checks the chosen preset (OPS-3).
async fn save<R: Record>(s: &AppState, actor: &Actor, id: Option<Uuid>, rec: R, version: Option<i64>) -> Result<Uuid, AppError> {
    if R::KIND == ResourceKind::Municipality {
        let m: Municipality = serde_json::from_value(serde_json::to_value(&rec).map_err(|e| AppError::Internal(e.to_string()))?)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        return s.app.put_municipality(actor, m, version).await.map(|e| e.id);
    }
    match id {
        Some(id) => s.app.update(actor, id, rec, version).await.map(|e| e.id),
        None => s.app.create(actor, rec).await.map(|e| e.id),
    }
}

async fn detail(State(s): State<AppState>, ctx: Ctx, Path((kind, id)): Path<(String, String)>, Query(q): Query<DetailQuery>) -> Response {
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    let done = done_message(&ctx, &q.done);
    by_kind!(ctx, kind, detail_page(&s, &ctx, &actor, id, Outcome::Shown(done)))
}

/// What brought the user to a record's page.
enum Outcome {
    /// Opened, perhaps after a change (its message).
    Shown(Option<String>),
    /// The edit form came back refused: the posted values and the refusal.
    Invalid(Values, FormError),
    /// Another action on the page (a signature) was refused.
    Refused(String),
}

async fn detail_page<R: Record + DeserializeOwned>(s: &AppState, ctx: &Ctx, actor: &Actor, id: Uuid, outcome: Outcome) -> Response {
    let tr = &ctx.tr;
    let kind = R::KIND.as_str();
    let entry = match s.app.get::<R>(actor, id).await {
        Ok(e) => e,
        Err(e) => return app_error_page(ctx, e),
    };
    let json = serde_json::to_value(&entry.data).unwrap_or(Value::Null);
    let fields = fields_of(R::KIND);
    let mut sections = Vec::new();
    let (posted, mut error, success) = match outcome {
        Outcome::Shown(done) => (None, None, done),
        Outcome::Invalid(values, e) => (Some((values, e)), None, None),
        Outcome::Refused(msg) => (None, Some(msg), None),
    };
    if s.app.may(actor, Action::Update, R::KIND) {
        let stored = values_from_record(fields, &json);
        let (values, err) = match posted {
            Some((v, e)) => (v, Some(e)),
            None => (stored.clone(), None),
        };
        let mut form = FormSpec {
            method: "post",
            action: format!("/registry/{kind}/{id}"),
            submit: tr.t("ui-save"),
            button_class: "button-primary",
            hidden: vec![("version".into(), entry.version.to_string())],
            fields: form_fields(s, ctx, actor, fields, &values, Some(&stored), false).await,
            ..Default::default()
        };
        if let Some(e) = err {
            error = Some(attach(&mut form, e));
        }
        sections.push(Section { heading: tr.t("ui-edit"), forms: vec![form], ..Default::default() });
    } else {
        sections.push(Section { heading: tr.t("ui-details"), facts: facts(s, ctx, fields, &json).await, ..Default::default() });
    }
    sections.extend(related(s, ctx, actor, R::KIND, id, &json).await);
    if entry.active && R::KIND != ResourceKind::Municipality && s.app.may(actor, Action::Deactivate, R::KIND) {
        let mut f = button(format!("/registry/{kind}/{id}/deactivate"), tr.t("ui-deactivate"), false, Vec::new());
        f.confirm = Some(tr.t1("ui-deactivate-confirm", &entry.data.display_name()));
        sections.push(Section {
            heading: tr.t("ui-deactivate-heading"),
            text: Some(tr.t("ui-deactivate-intro")),
            forms: vec![f],
            ..Default::default()
        });
    }
    let mut p = page(ctx, &format!("registry-{kind}"), sections);
    p.c.title = format!("{} – {}", entry.data.display_name(), tr.t(&format!("record-{kind}")));
    p.intro = (!entry.active).then(|| tr.t("ui-record-inactive"));
    p.actions = vec![(format!("/registry?kind={kind}"), tr.t(&format!("registry-{kind}")))];
    p.success = success;
    p.error = error.clone();
    let mut res = render(&p);
    if error.is_some() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

async fn update(State(s): State<AppState>, ctx: Ctx, Path((kind, id)): Path<(String, String)>, RawForm(body): RawForm) -> Response {
    let posted = values_from_post(&body);
    csrf_or_return!(ctx, first(&posted, "csrf"));
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    by_kind!(ctx, kind, update_record(&s, &ctx, &actor, id, posted))
}

async fn update_record<R: Record + DeserializeOwned>(s: &AppState, ctx: &Ctx, actor: &Actor, id: Uuid, posted: Values) -> Response {
    let kind = R::KIND.as_str();
    let entry = match s.app.get::<R>(actor, id).await {
        Ok(e) => e,
        Err(e) => return app_error_page(ctx, e),
    };
    let version = first(&posted, "version").parse::<i64>().ok();
    let base = serde_json::to_value(&entry.data).unwrap_or(Value::Null);
    // OPS-3: a change of the preset in force is shown and confirmed first.
    if R::KIND == ResourceKind::Municipality
        && let Some(current) = base.get("policy_preset").and_then(Value::as_str)
        && let Some(page) = super::preset_change::confirmation(s, ctx, id, current, &posted).await
    {
        return page;
    }
    let saved = match record_from_post::<R>(fields_of(R::KIND), &posted, base, false) {
        Err(e) => Err(AppError::Invalid(e)),
        Ok(rec) => save(s, actor, Some(id), rec, version).await,
    };
    match saved {
        Ok(_) => Redirect::to(&format!("/registry/{kind}/{id}?done=saved")).into_response(),
        Err(e @ (AppError::NotFound | AppError::Forbidden)) => app_error_page(ctx, e),
        Err(e) => {
            let fe = form_error(ctx, &s.catalog, e);
            detail_page::<R>(s, ctx, actor, id, Outcome::Invalid(posted, fe)).await
        }
    }
}

async fn deactivate(State(s): State<AppState>, ctx: Ctx, Path((kind, id)): Path<(String, String)>, Form(f): Form<CsrfOnly>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    if kind == "municipality" {
        return app_error_page(&ctx, AppError::NotFound);
    }
    by_kind!(ctx, kind, deactivate_record(&s, &ctx, &actor, id))
}

async fn deactivate_record<R: Record + DeserializeOwned>(s: &AppState, ctx: &Ctx, actor: &Actor, id: Uuid) -> Response {
    match s.app.deactivate::<R>(actor, id).await {
        Ok(_) => Redirect::to(&format!("/registry/{}/{id}?done=deactivated", R::KIND.as_str())).into_response(),
        Err(e) => app_error_page(ctx, e),
    }
}

// ---------------------------------------------------------------------------------------
// What hangs off a record: a supplier's orderers and agreements, a system's roles and
// profiles, an agreement's attestations and acceptances (AGR-4, AGR-5).

fn record_table<R: Record>(tr: &Tr, entries: &[domain::registry::Entry<R>]) -> TableSpec {
    let kind = R::KIND.as_str();
    TableSpec {
        caption: tr.t(&format!("registry-{kind}")),
        headers: vec![tr.t("field-name"), tr.t("ui-active")],
        rows: entries
            .iter()
            .map(|e| {
                vec![
                    link(e.data.display_name(), format!("/registry/{kind}/{}", e.id)),
                    cell(tr.t(if e.active { "ui-yes" } else { "ui-no" })),
                ]
            })
            .collect(),
        empty: tr.t("ui-none"),
        more: String::new(),
    }
}

async fn child_section<R: Record>(s: &AppState, ctx: &Ctx, actor: &Actor, filter: ListFilter, new_link: Option<String>) -> Option<Section> {
    let tr = &ctx.tr;
    let page = PageRequest { page: 1, page_size: domain::paging::MAX_PAGE_SIZE };
    let list = s.app.list::<R>(actor, &filter, page).await.ok()?;
    let kind = R::KIND.as_str();
    let mut forms = Vec::new();
    if let Some(href) = new_link.filter(|_| s.app.may(actor, Action::Create, R::KIND)) {
        let mut f = FormSpec {
            method: "get",
            action: format!("/registry/{kind}/new"),
            submit: tr.t(&format!("new-{kind}")),
            button_class: "button-secondary",
            ..Default::default()
        };
        f.hidden = form_urlencoded::parse(href.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        forms.push(f);
    }
    Some(Section { heading: tr.t(&format!("registry-{kind}")), table: Some(record_table(tr, &list.items)), forms, ..Default::default() })
}

async fn related(s: &AppState, ctx: &Ctx, actor: &Actor, kind: ResourceKind, id: Uuid, json: &Value) -> Vec<Section> {
    let own = ListFilter { supplier_id: Some(id), ..Default::default() };
    let refers = ListFilter { refers_to: Some(id), ..Default::default() };
    let prefill = |name: &str| Some(format!("{name}={id}"));
    let mut out = Vec::new();
    match kind {
        ResourceKind::Supplier => {
            out.extend(child_section::<Orderer>(s, ctx, actor, own.clone(), prefill("supplier_id")).await);
            out.extend(child_section::<Agreement>(s, ctx, actor, own, prefill("supplier_id")).await);
        }
        ResourceKind::System => {
            out.extend(child_section::<Role>(s, ctx, actor, refers.clone(), prefill("system_id")).await);
            out.extend(child_section::<Profile>(s, ctx, actor, refers, prefill("system_id")).await);
        }
        ResourceKind::Agreement => out.extend(signatures(s, ctx, actor, id, json)),
        _ => {}
    }
    out
}

fn signatures(s: &AppState, ctx: &Ctx, actor: &Actor, id: Uuid, json: &Value) -> Vec<Section> {
    let tr = &ctx.tr;
    let Ok(a) = serde_json::from_value::<Agreement>(json.clone()) else { return Vec::new() };
    let may_sign = s.app.may(actor, Action::Sign, ResourceKind::Agreement);
    let attestation_label = |k: &AttestationKind| {
        let code = serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        (code.clone(), tr.t(&format!("opt-attestation-{code}")))
    };
    let mut attest = Section {
        heading: tr.t("ui-attestations"),
        text: Some(tr.t("ui-attestations-intro")),
        table: Some(TableSpec {
            caption: tr.t("ui-attestations"),
            headers: vec![tr.t("field-kind"), tr.t("field-attested_by"), tr.t("ui-when")],
            rows: a
                .attestations
                .iter()
                .map(|x| vec![cell(attestation_label(&x.kind).1), cell(x.attested_by.to_string()), cell(tr.time(&x.attested_at))])
                .collect(),
            empty: tr.t("ui-none"),
            more: String::new(),
        }),
        ..Default::default()
    };
    if may_sign {
        attest.forms.push(FormSpec {
            method: "post",
            action: format!("/registry/agreement/{id}/attest"),
            submit: tr.t("ui-attest"),
            button_class: "button-secondary",
            fields: vec![
                FieldSpec::new(tr, "kind", "select").required().options(AttestationKind::ALL.iter().map(attestation_label).collect(), &[]),
                FieldSpec::new(tr, "attested_by", "text").required().value(&actor.name),
            ],
            ..Default::default()
        });
    }
    let mut accept = Section {
        heading: tr.t("ui-acceptances"),
        text: Some(tr.t(if a.fully_accepted() { "ui-accepted-by-both" } else { "ui-acceptances-intro" })),
        table: Some(TableSpec {
            caption: tr.t("ui-acceptances"),
            headers: vec![tr.t("field-party"), tr.t("field-name"), tr.t("field-title"), tr.t("ui-when")],
            rows: a
                .acceptances
                .iter()
                .map(|x| {
                    let party = if x.party == domain::registry::Party::Supplier { "opt-party-supplier" } else { "opt-party-municipality" };
                    vec![cell(tr.t(party)), cell(x.name.to_string()), cell(x.title.to_string()), cell(tr.time(&x.accepted_at))]
                })
                .collect(),
            empty: tr.t("ui-none"),
            more: String::new(),
        }),
        ..Default::default()
    };
    // Offered to a party that may sign and has not accepted the current terms yet.
    if may_sign && !a.accepted_by(domain::registry::Party::of(actor)) {
        accept.forms.push(FormSpec {
            method: "post",
            action: format!("/registry/agreement/{id}/accept"),
            submit: tr.t("ui-accept"),
            button_class: "button-secondary",
            fields: vec![FieldSpec::new(tr, "name", "text").required().value(&actor.name), FieldSpec::new(tr, "title", "text").required()],
            ..Default::default()
        });
    }
    vec![attest, accept]
}

#[derive(Deserialize)]
struct SignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    attested_by: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    title: String,
}

fn parse_name(v: &str, field: &str) -> Result<Name, AppError> {
    Name::parse(v.trim()).map_err(|e| AppError::Invalid(e.at(field)))
}

async fn attest(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(f): Form<SignForm>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    let result = match serde_json::from_value::<AttestationKind>(Value::String(f.kind.clone())) {
        Err(_) => Err(AppError::Invalid(domain::error::FieldError::new("kind", domain::codes::MISSING_FIELD))),
        Ok(kind) => match parse_name(&f.attested_by, "attested_by") {
            Ok(by) => s.app.attest_agreement(&actor, id, kind, by).await.map(|_| ()),
            Err(e) => Err(e),
        },
    };
    signed(&s, &ctx, &actor, id, result, "attested").await
}

async fn accept(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(f): Form<SignForm>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    let result = match (parse_name(&f.name, "name"), parse_name(&f.title, "title")) {
        (Ok(name), Ok(title)) => s.app.accept_agreement(&actor, id, name, title).await.map(|_| ()),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    signed(&s, &ctx, &actor, id, result, "accepted").await
}

async fn signed(s: &AppState, ctx: &Ctx, actor: &Actor, id: Uuid, result: Result<(), AppError>, done: &str) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/registry/agreement/{id}?done={done}")).into_response(),
        Err(e @ (AppError::NotFound | AppError::Forbidden)) => app_error_page(ctx, e),
        Err(e) => {
            let msg = form_error(ctx, &s.catalog, e).message;
            detail_page::<Agreement>(s, ctx, actor, id, Outcome::Refused(msg)).await
        }
    }
}

/// Where a row of the registry list leads.
pub(super) fn href(kind: &str, id: Uuid) -> String {
    format!("/registry/{kind}/{id}")
}

/// The municipality profile's page (there is one).
pub(super) fn municipality_href() -> String {
    href("municipality", MUNICIPALITY_ID)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::registry::Supplier;

    #[test]
    fn paths_set_nested_values_and_drop_what_emptied() {
        let mut v = serde_json::json!({ "name": "A", "contact": { "name": "B" } });
        set_at(&mut v, "contact.name", None);
        assert_eq!(v, serde_json::json!({ "name": "A" }), "an emptied contact goes");
        set_at(&mut v, "affiliations[0].from", Some(Value::String("2026-01-01".into())));
        assert_eq!(get_at(&v, "affiliations[0].from"), Some(&Value::String("2026-01-01".into())));
        set_at(&mut v, "affiliations[0].from", None);
        assert_eq!(v, serde_json::json!({ "name": "A" }), "an emptied affiliation goes with its list");
        assert_eq!(label_key("affiliations[0].employee_ref"), "field-affiliations-employee_ref");
        assert_eq!(label_key("scope.user_cap"), "field-scope-user_cap");
    }

    #[test]
    fn a_posted_form_parses_like_an_api_body_and_names_the_field() {
        // REQ: ORG-3
        let post = |s: &str| values_from_post(s.as_bytes());
        let ok: Supplier =
            record_from_post(SUPPLIER, &post("name=Omsorg+ApS&org_number=29403473&contact.name=&contact.email="), Value::Null, true)
                .unwrap();
        assert_eq!(ok.contact, None, "an empty contact is no contact");
        let err = record_from_post::<Supplier>(SUPPLIER, &post("name=Omsorg&org_number=12345678"), Value::Null, true).unwrap_err();
        assert_eq!(err.field, "org_number");
        let err =
            record_from_post::<Supplier>(SUPPLIER, &post("name=Omsorg&org_number=29403473&contact.email=a%40b.dk"), Value::Null, true)
                .unwrap_err();
        assert_eq!(err.field, "contact.name", "an e-mail without the contact's name");
        let agreement = "supplier_id=0190a0e0-0000-7000-8000-000000000001&title=Pleje&service_type=personal_care&valid_from=2026-01-01\
                         &valid_to=2027-12-31&scope.systems=0190a0e0-0000-7000-8000-000000000002\
                         &scope.profiles=0190a0e0-0000-7000-8000-000000000003";
        let err =
            record_from_post::<Agreement>(AGREEMENT, &post(&format!("{agreement}&scope.user_cap=four")), Value::Null, true).unwrap_err();
        assert_eq!(err.field, "scope.user_cap", "a cap that is not a number");
        let ok: Agreement = record_from_post(AGREEMENT, &post(&format!("{agreement}&scope.user_cap=4")), Value::Null, true).unwrap();
        assert_eq!(
            (ok.scope.user_cap, ok.data_processing.dpa_in_place, ok.consultant_engagement),
            (4, false, false),
            "unticked boxes are false"
        );
        // An update keeps what the form does not show.
        let base = serde_json::json!({ "name": "Old", "org_number": "29403473", "address": "Vej 1" });
        let kept: Supplier = record_from_post(SUPPLIER, &post("name=New&org_number=29403473&address=Vej+2"), base, false).unwrap();
        assert_eq!(kept.address.map(|a| a.to_string()), Some("Vej 2".into()));
    }
}
