//! Inbound SCIM 2.0 (RFC 7643/7644): a supplier's HR system pushes its staff to
//! `/scim/v2/Users` with an API token scoped to that supplier (role `supplier_orderer`).
//! A new user becomes a person affiliated with the supplier — not an account: accounts
//! still need requests and approval. `active: false` or `DELETE` is a leaver report that
//! disables every account of the person under the supplier's agreements at once
//! (ACC-6, X-4). Errors are SCIM error responses with `scimType`.

use crate::AppState;
use crate::extract::lang_of;
use app::{AppError, ListFilter};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use domain::authz::Actor;
use domain::paging::PageRequest;
use domain::registry::{Affiliation, Entry, Person};
use domain::text::{Email, Name};
use serde_json::{Value, json};
use uuid::Uuid;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A SCIM error response.
struct ScimError {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: String,
}

impl ScimError {
    fn new(status: StatusCode, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        ScimError { status, scim_type, detail: detail.into() }
    }
    fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }
    fn app(e: AppError) -> Self {
        match e {
            AppError::NotFound => Self::new(StatusCode::NOT_FOUND, None, "no such user"),
            AppError::Forbidden => Self::new(StatusCode::FORBIDDEN, None, "not allowed"),
            AppError::Denied(f) => Self::new(StatusCode::FORBIDDEN, None, format!("{}: {}", f.field, f.code)),
            AppError::BatchInvalid(lines) => Self::bad("invalidValue", format!("{} invalid lines", lines.len())),
            AppError::Unauthenticated => Self::new(StatusCode::UNAUTHORIZED, None, "a valid bearer token is required"),
            AppError::Conflict(f) => Self::new(StatusCode::CONFLICT, Some("uniqueness"), format!("{}: {}", f.field, f.code)),
            AppError::Invalid(f) => Self::bad("invalidValue", format!("{}: {}", f.field, f.code)),
            AppError::Locked(_) => Self::new(StatusCode::FORBIDDEN, None, "locked"),
            AppError::Internal(m) => {
                tracing::error!(error = %m, "inbound SCIM");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, None, "internal error")
            }
        }
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({ "schemas": [ERROR], "status": self.status.as_u16().to_string(), "detail": self.detail });
        if let Some(t) = self.scim_type {
            body["scimType"] = json!(t);
        }
        scim(self.status, body)
    }
}

fn scim(status: StatusCode, body: Value) -> Response {
    let mut res = (status, Json(body)).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/scim+json"));
    res
}

type Res = Result<Response, ScimError>;

/// The HR system behind the bearer token: a supplier-scoped token.
struct Hr {
    actor: Actor,
    supplier: Uuid,
}

impl axum::extract::FromRequestParts<AppState> for Hr {
    type Rejection = ScimError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ScimError> {
        let _ = lang_of(parts);
        let token =
            parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
        let actor = match token {
            Some(t) => state.app.authenticate(t).await.map_err(ScimError::app)?,
            None => return Err(ScimError::app(AppError::Unauthenticated)),
        };
        // F-05: the supplier's HR system only: a machine token for the supplier that
        // stands for no person (a person's own token or login never acts as it).
        match (state.app.can(&actor, domain::authz::Permission::SyncStaff), actor.supplier()) {
            (true, Some(supplier)) => Ok(Hr { actor, supplier }),
            _ => Err(ScimError::new(
                StatusCode::FORBIDDEN,
                None,
                "inbound SCIM needs the supplier's HR system token: a supplier_orderer token that names no person",
            )),
        }
    }
}

fn parse_body(bytes: &Bytes) -> Result<Value, ScimError> {
    if bytes.len() > crate::extract::MAX_BODY_BYTES {
        return Err(ScimError::new(StatusCode::PAYLOAD_TOO_LARGE, Some("tooLarge"), "the body is larger than 1 MiB"));
    }
    let v: Value = serde_json::from_slice(bytes).map_err(|e| ScimError::bad("invalidSyntax", format!("the body is not JSON: {e}")))?;
    if !v.is_object() {
        return Err(ScimError::bad("invalidSyntax", "the body must be a JSON object"));
    }
    Ok(v)
}

/// The user's affiliation with this supplier.
fn affiliation(p: &Person, supplier: Uuid) -> Option<&Affiliation> {
    p.affiliations.iter().find(|a| a.supplier_id == supplier)
}

fn user_json(e: &Entry<Person>, supplier: Uuid, today: domain::time::Date) -> Value {
    let a = affiliation(&e.data, supplier);
    // An affiliation that ends today has ended: the leaver was reported.
    let active = a.is_some_and(|a| a.to.is_none_or(|t| t > today));
    let name = e.data.name.to_string();
    let (given, family) = match name.rsplit_once(' ') {
        Some((g, f)) => (g.to_string(), f.to_string()),
        None => (name.clone(), name.clone()),
    };
    let mut u = json!({
        "schemas": [USER],
        "id": e.id,
        "userName": a.and_then(|a| a.employee_ref.as_ref()).map(|r| r.to_string()).unwrap_or_default(),
        "name": { "formatted": name, "givenName": given, "familyName": family },
        "displayName": name,
        "active": active,
        "meta": {
            "resourceType": "User",
            "created": e.created_at.to_string(),
            "lastModified": e.updated_at.to_string(),
            "location": format!("/scim/v2/Users/{}", e.id),
            "version": format!("W/\"{}\"", e.version),
        }
    });
    if let Some(m) = &e.data.email {
        u["emails"] = json!([{ "value": m.to_string(), "primary": true, "type": "work" }]);
    }
    u
}

/// What a SCIM user body sets: user name, name, e-mail, active.
struct UserInput {
    user_name: Name,
    name: Name,
    email: Option<Email>,
    active: bool,
}

fn user_input(v: &Value) -> Result<UserInput, ScimError> {
    let user_name = v.get("userName").and_then(|u| u.as_str()).ok_or_else(|| ScimError::bad("invalidValue", "userName is required"))?;
    let user_name = Name::parse(user_name).map_err(|e| ScimError::bad("invalidValue", format!("userName: {e}")))?;
    let n = v.get("name");
    let formatted = n.and_then(|n| n.get("formatted")).and_then(|f| f.as_str()).map(String::from);
    let parts = n
        .map(|n| [n.get("givenName"), n.get("familyName")].iter().filter_map(|p| p.and_then(|p| p.as_str())).collect::<Vec<_>>().join(" "));
    let display = v.get("displayName").and_then(|d| d.as_str()).map(String::from);
    let name = formatted.or(parts.filter(|p| !p.trim().is_empty())).or(display).unwrap_or_else(|| user_name.to_string());
    let name = Name::parse(&name).map_err(|e| ScimError::bad("invalidValue", format!("name: {e}")))?;
    let email = match v
        .get("emails")
        .and_then(|e| e.as_array())
        .and_then(|a| a.iter().find(|m| m.get("primary").and_then(|p| p.as_bool()).unwrap_or(false)).or(a.first()))
    {
        Some(m) if !m.is_null() => {
            let value =
                m.get("value").and_then(|x| x.as_str()).ok_or_else(|| ScimError::bad("invalidValue", "emails: value is required"))?;
            Some(Email::parse(value).map_err(|e| ScimError::bad("invalidValue", format!("emails: {e}")))?)
        }
        _ => None,
    };
    let active = match v.get("active") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ScimError::bad("invalidValue", "active must be true or false")),
    };
    Ok(UserInput { user_name, name, email, active })
}

async fn find_by_user_name(s: &AppState, hr: &Hr, user_name: &str) -> Result<Option<Entry<Person>>, ScimError> {
    Ok(all_users(s, hr)
        .await?
        .into_iter()
        .find(|e| affiliation(&e.data, hr.supplier).and_then(|a| a.employee_ref.as_ref()).is_some_and(|r| r.as_str() == user_name)))
}

async fn all_users(s: &AppState, hr: &Hr) -> Result<Vec<Entry<Person>>, ScimError> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let p = s
            .app
            .list::<Person>(
                &hr.actor,
                &ListFilter { supplier_id: Some(hr.supplier), ..Default::default() },
                PageRequest::new(Some(page), Some(500)).map_err(|e| ScimError::app(e.into()))?,
            )
            .await
            .map_err(ScimError::app)?;
        let last = u64::from(page) >= p.total_pages;
        out.extend(p.items.into_iter().filter(|e| affiliation(&e.data, hr.supplier).is_some_and(|a| a.employee_ref.is_some())));
        if last {
            break;
        }
        page += 1;
    }
    Ok(out)
}

async fn load(s: &AppState, hr: &Hr, id: &str) -> Result<Entry<Person>, ScimError> {
    let id = Uuid::parse_str(id).map_err(|_| ScimError::app(AppError::NotFound))?;
    let e = s.app.get::<Person>(&hr.actor, id).await.map_err(ScimError::app)?;
    // A user deleted through SCIM keeps its history in Portvagt but is gone for SCIM.
    if affiliation(&e.data, hr.supplier).and_then(|a| a.employee_ref.as_ref()).is_none() {
        return Err(ScimError::app(AppError::NotFound));
    }
    Ok(e)
}

/// Applies a user body to a person: name, e-mail, and this supplier's affiliation; a
/// change to inactive ends the affiliation today and reports the leaver.
async fn save(
    s: &AppState,
    hr: &Hr,
    existing: Option<Entry<Person>>,
    input: UserInput,
    forget: bool,
) -> Result<(Entry<Person>, bool), ScimError> {
    let today = s.app.now().date();
    let was_active = existing.as_ref().and_then(|e| affiliation(&e.data, hr.supplier)).is_some_and(|a| a.to.is_none_or(|t| t > today));
    let mut person = existing.as_ref().map(|e| e.data.clone()).unwrap_or(Person {
        name: input.name.clone(),
        email: None,
        affiliations: vec![],
        national_id: None,
        national_id_on_file: false,
    });
    person.name = input.name;
    person.email = input.email;
    person.national_id = None;
    match person.affiliations.iter_mut().find(|a| a.supplier_id == hr.supplier) {
        Some(a) => {
            a.employee_ref = (!forget).then_some(input.user_name);
            a.to = if input.active { None } else { Some(a.to.unwrap_or(today).min(today)) };
        }
        None => person.affiliations.push(Affiliation {
            supplier_id: hr.supplier,
            from: today,
            to: (!input.active).then_some(today),
            employee_ref: Some(input.user_name),
        }),
    }
    let saved = match existing {
        Some(e) => s.app.update(&hr.actor, e.id, person, None).await.map_err(ScimError::app)?,
        None => s.app.create(&hr.actor, person).await.map_err(ScimError::app)?,
    };
    let left = was_active && !input.active;
    if left {
        s.app.report_leaver(&hr.actor, saved.id).await.map_err(ScimError::app)?;
    }
    Ok((saved, left))
}

async fn create(State(s): State<AppState>, hr: Hr, body: Bytes) -> Res {
    let v = parse_body(&body)?;
    let input = user_input(&v)?;
    if find_by_user_name(&s, &hr, input.user_name.as_str()).await?.is_some() {
        return Err(ScimError::new(StatusCode::CONFLICT, Some("uniqueness"), format!("userName {} exists already", input.user_name)));
    }
    let (e, _) = save(&s, &hr, None, input, false).await?;
    let mut res = scim(StatusCode::CREATED, user_json(&e, hr.supplier, s.app.now().date()));
    if let Ok(loc) = HeaderValue::from_str(&format!("/scim/v2/Users/{}", e.id)) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(res)
}

async fn list(State(s): State<AppState>, hr: Hr, RawQuery(q): RawQuery) -> Res {
    let query = q.clone();
    let mut filter: Option<String> = None;
    let (mut start, mut count) = (1usize, 100usize);
    for (k, v) in form_urlencoded::parse(q.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "filter" => filter = Some(v.to_string()),
            "startIndex" => start = v.parse::<usize>().map_err(|_| ScimError::bad("invalidValue", "startIndex must be a number"))?.max(1),
            "count" => count = v.parse::<usize>().map_err(|_| ScimError::bad("invalidValue", "count must be a number"))?.min(500),
            "attributes" | "excludedAttributes" | "sortBy" | "sortOrder" => {}
            other => return Err(ScimError::bad("invalidValue", format!("unknown parameter {other}"))),
        }
    }
    let mut users = all_users(&s, &hr).await?;
    if let Some(f) = filter {
        let (attr, value) = parse_eq_filter(&f)?;
        users.retain(|e| match attr.as_str() {
            "username" => affiliation(&e.data, hr.supplier)
                .and_then(|a| a.employee_ref.as_ref())
                .is_some_and(|r| r.as_str().eq_ignore_ascii_case(&value)),
            _ => e.id.to_string() == value,
        });
    }
    let today = s.app.now().date();
    let total = users.len();
    let page: Vec<Value> = users.iter().skip(start - 1).take(count).map(|e| project(user_json(e, hr.supplier, today), &query)).collect();
    Ok(scim(
        StatusCode::OK,
        json!({ "schemas": [LIST], "totalResults": total, "startIndex": start, "itemsPerPage": page.len(), "Resources": page }),
    ))
}

/// `userName eq "x"` or `id eq "x"`: the filters an HR system needs to find a user.
fn parse_eq_filter(f: &str) -> Result<(String, String), ScimError> {
    let invalid = || ScimError::bad("invalidFilter", format!("unsupported filter: {f} (use userName eq \"…\")"));
    let mut parts = f.trim().splitn(3, ' ');
    let (attr, op, value) = (parts.next().ok_or_else(invalid)?, parts.next().ok_or_else(invalid)?, parts.next().ok_or_else(invalid)?);
    let attr = attr.to_ascii_lowercase();
    if !op.eq_ignore_ascii_case("eq") || !matches!(attr.as_str(), "username" | "id") {
        return Err(invalid());
    }
    let value = value.trim().strip_prefix('"').and_then(|v| v.strip_suffix('"')).ok_or_else(invalid)?;
    Ok((attr, value.replace("\\\"", "\"")))
}

/// RFC 7644 §3.4.2.5: `attributes` keeps only the named attributes (and `id`,
/// `schemas`, `meta`); `excludedAttributes` drops the named ones.
fn project(mut u: Value, q: &Option<String>) -> Value {
    let mut keep: Option<Vec<String>> = None;
    let mut drop: Vec<String> = Vec::new();
    for (k, v) in form_urlencoded::parse(q.as_deref().unwrap_or("").as_bytes()) {
        let names = v
            .split(',')
            .map(|n| n.trim().rsplit(':').next().unwrap_or("").split('.').next().unwrap_or("").to_string())
            .filter(|n| !n.is_empty());
        match k.as_ref() {
            "attributes" => keep = Some(names.collect()),
            "excludedAttributes" => drop.extend(names),
            _ => {}
        }
    }
    if let Some(o) = u.as_object_mut() {
        o.retain(|k, _| {
            matches!(k.as_str(), "id" | "schemas" | "meta")
                || (keep.as_ref().is_none_or(|ks| ks.iter().any(|x| x.eq_ignore_ascii_case(k)))
                    && !drop.iter().any(|x| x.eq_ignore_ascii_case(k)))
        });
    }
    u
}

async fn read(State(s): State<AppState>, hr: Hr, Path(id): Path<String>, RawQuery(q): RawQuery) -> Res {
    let e = load(&s, &hr, &id).await?;
    Ok(scim(StatusCode::OK, project(user_json(&e, hr.supplier, s.app.now().date()), &q)))
}

async fn replace(State(s): State<AppState>, hr: Hr, Path(id): Path<String>, body: Bytes) -> Res {
    let e = load(&s, &hr, &id).await?;
    let input = user_input(&parse_body(&body)?)?;
    if let Some(other) = find_by_user_name(&s, &hr, input.user_name.as_str()).await?.filter(|o| o.id != e.id) {
        return Err(ScimError::new(StatusCode::CONFLICT, Some("uniqueness"), format!("userName belongs to {}", other.id)));
    }
    let (e, _) = save(&s, &hr, Some(e), input, false).await?;
    Ok(scim(StatusCode::OK, user_json(&e, hr.supplier, s.app.now().date())))
}

async fn patch(State(s): State<AppState>, hr: Hr, Path(id): Path<String>, body: Bytes) -> Res {
    let e = load(&s, &hr, &id).await?;
    let v = parse_body(&body)?;
    if !v.get("schemas").and_then(|s| s.as_array()).is_some_and(|a| a.iter().any(|x| x == PATCH)) {
        return Err(ScimError::bad("invalidSyntax", format!("a PATCH body needs the schema {PATCH}")));
    }
    let ops = v.get("Operations").and_then(|o| o.as_array()).ok_or_else(|| ScimError::bad("invalidSyntax", "Operations is required"))?;
    let today = s.app.now().date();
    let mut current = user_json(&e, hr.supplier, today);
    for op in ops {
        let kind = op.get("op").and_then(|o| o.as_str()).unwrap_or("").to_ascii_lowercase();
        if kind == "remove" {
            match op.get("path").and_then(|p| p.as_str()) {
                Some("emails") => current["emails"] = Value::Null,
                Some("displayName") | Some("name") => current["name"] = json!({ "formatted": current["userName"].clone() }),
                Some(other) => return Err(ScimError::bad("mutability", format!("{other} cannot be removed"))),
                None => return Err(ScimError::bad("noTarget", "remove needs a path")),
            }
            continue;
        }
        if !matches!(kind.as_str(), "replace" | "add") {
            return Err(ScimError::bad("invalidValue", format!("unsupported operation {kind}")));
        }
        match (op.get("path").and_then(|p| p.as_str()), op.get("value")) {
            (Some(path), Some(value)) => match path {
                "active" | "userName" | "displayName" | "emails" | "name" => current[path] = value.clone(),
                "name.givenName" | "name.familyName" | "name.formatted" => {
                    let key = path.trim_start_matches("name.");
                    current["name"][key] = value.clone();
                    if key != "formatted" {
                        current["name"]["formatted"] = Value::Null;
                    }
                }
                other => return Err(ScimError::bad("noTarget", format!("unsupported path {other}"))),
            },
            (None, Some(Value::Object(m))) => {
                for (k, val) in m {
                    current[k] = val.clone();
                }
            }
            _ => return Err(ScimError::bad("invalidValue", "an operation needs a value")),
        }
    }
    if current["name"]["formatted"].is_null()
        && let Some(n) = current["name"].as_object_mut()
    {
        n.remove("formatted");
    }
    let (e, _) = save(&s, &hr, Some(e), user_input(&current)?, false).await?;
    Ok(scim(StatusCode::OK, user_json(&e, hr.supplier, today)))
}

async fn delete(State(s): State<AppState>, hr: Hr, Path(id): Path<String>) -> Res {
    let e = load(&s, &hr, &id).await?;
    let mut input = user_input(&user_json(&e, hr.supplier, s.app.now().date()))?;
    input.active = false;
    save(&s, &hr, Some(e), input, true).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn service_provider_config() -> Response {
    scim(
        StatusCode::OK,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": { "supported": true },
            "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
            "filter": { "supported": true, "maxResults": 500 },
            "changePassword": { "supported": false },
            "sort": { "supported": false },
            "etag": { "supported": false },
            "authenticationSchemes": [{ "type": "oauthbearertoken", "name": "Bearer token", "description": "A Portvagt API token scoped to the supplier" }],
            "meta": { "resourceType": "ServiceProviderConfig", "location": "/scim/v2/ServiceProviderConfig" }
        }),
    )
}

fn user_resource_type() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User", "name": "User", "endpoint": "/Users", "schema": USER,
        "meta": { "resourceType": "ResourceType", "location": "/scim/v2/ResourceTypes/User" }
    })
}

async fn resource_types() -> Response {
    scim(
        StatusCode::OK,
        json!({ "schemas": [LIST], "totalResults": 1, "startIndex": 1, "itemsPerPage": 1, "Resources": [user_resource_type()] }),
    )
}

async fn resource_type(Path(id): Path<String>) -> Res {
    if id == "User" {
        Ok(scim(StatusCode::OK, user_resource_type()))
    } else {
        Err(ScimError::new(StatusCode::NOT_FOUND, None, format!("no resource type {id}")))
    }
}

fn user_schema() -> Value {
    let attr = |name: &str, ty: &str, required: bool, uniqueness: &str| json!({ "name": name, "type": ty, "multiValued": false, "required": required, "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": uniqueness });
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": USER, "name": "User", "description": "A supplier's staff member",
        "attributes": [
            attr("userName", "string", true, "server"),
            attr("displayName", "string", false, "none"),
            attr("active", "boolean", false, "none"),
            { "name": "name", "type": "complex", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default",
              "subAttributes": [attr("formatted", "string", false, "none"), attr("givenName", "string", false, "none"), attr("familyName", "string", false, "none")] },
            { "name": "emails", "type": "complex", "multiValued": true, "required": false, "mutability": "readWrite", "returned": "default",
              "subAttributes": [attr("value", "string", false, "none"), attr("type", "string", false, "none"), { "name": "primary", "type": "boolean", "multiValued": false, "required": false, "mutability": "readWrite", "returned": "default" }] }
        ],
        "meta": { "resourceType": "Schema", "location": format!("/scim/v2/Schemas/{USER}") }
    })
}

async fn schemas() -> Response {
    scim(StatusCode::OK, json!({ "schemas": [LIST], "totalResults": 1, "startIndex": 1, "itemsPerPage": 1, "Resources": [user_schema()] }))
}

async fn schema(Path(id): Path<String>) -> Res {
    if id == USER {
        Ok(scim(StatusCode::OK, user_schema()))
    } else {
        Err(ScimError::new(StatusCode::NOT_FOUND, None, format!("no schema {id}")))
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/scim/v2/Users", get(list).post(create))
        .route("/scim/v2/Users/{id}", get(read).put(replace).patch(patch).delete(delete))
        .route("/scim/v2/ServiceProviderConfig", get(service_provider_config))
        .route("/scim/v2/ResourceTypes", get(resource_types))
        .route("/scim/v2/ResourceTypes/{id}", get(resource_type))
        .route("/scim/v2/Schemas", get(schemas))
        .route("/scim/v2/Schemas/{id}", get(schema))
        .route(
            "/scim/v2/{*rest}",
            axum::routing::any(|| async { ScimError::new(StatusCode::NOT_FOUND, None, "no such SCIM endpoint").into_response() }),
        )
}
