//! The municipality profile, the policy in force, agreement signing and the lookup of a
//! person by national identity number.

use super::registry::{entry_response, if_match, parse_id};
use crate::AppState;
use crate::extract::{Caller, JsonBody, LangOf};
use crate::openapi::{self, Doc};
use crate::problem::Problem;
use app::ListFilter;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::ident::NationalId;
use domain::paging::PageRequest;
use domain::policy::Preset;
use domain::registry::{AttestationKind, Municipality, Person};
use domain::text::Name;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};

/// A party's acceptance of an agreement (AGR-5).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptanceInput {
    /// The signatory's name.
    pub name: Name,
    /// The signatory's title, e.g. "Direktør".
    pub title: Name,
}

/// A security attestation (AGR-4).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttestationInput {
    pub kind: AttestationKind,
    pub attested_by: Name,
}

/// Find persons by national identity number, sent in the body so that it never appears
/// in a URL or an access log.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonLookup {
    pub national_id: NationalId,
}

/// A preset's place in the list of presets.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresetSummary {
    pub id: String,
    pub name: String,
    pub country: String,
}

/// A way the policy deviates from current guidance.
#[derive(Debug, Serialize, ToSchema)]
pub struct Deviation {
    pub key: String,
    pub code: String,
    pub message: String,
}

/// The policy in force, every value with its source.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyView {
    pub preset: String,
    pub name: String,
    /// Every setting as `{ value, source: { kind, reference } }`.
    #[schema(value_type = Object)]
    pub policy: serde_json::Value,
    pub deviations_from_guidance: Vec<Deviation>,
}

async fn get_municipality(State(s): State<AppState>, caller: Caller) -> Result<Response, Problem> {
    let e = s.app.municipality(&caller.actor).await.map_err(caller.problem(&s))?;
    Ok(entry_response(StatusCode::OK, None, &e))
}

async fn put_municipality(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    JsonBody(m): JsonBody<Municipality>,
) -> Result<Response, Problem> {
    let version = if_match(&headers).map_err(caller.problem(&s))?;
    let e = s.app.put_municipality(&caller.actor, m, version).await.map_err(caller.problem(&s))?;
    Ok(entry_response(StatusCode::OK, None, &e))
}

fn policy_view(s: &AppState, lang: i18n::Lang, p: &Preset) -> PolicyView {
    PolicyView {
        preset: p.id.clone(),
        name: p.name.clone(),
        policy: serde_json::to_value(&p.policy).unwrap_or_default(),
        deviations_from_guidance: p
            .deviations_from_guidance()
            .into_iter()
            .map(|(key, code)| Deviation { key: key.into(), code: code.into(), message: s.catalog.text(lang, code, &[]) })
            .collect(),
    }
}

async fn get_policy(State(s): State<AppState>, caller: Caller) -> Result<Response, Problem> {
    let p = s.app.active_preset().await.map_err(caller.problem(&s))?;
    Ok(Json(policy_view(&s, caller.lang, &p)).into_response())
}

async fn list_presets(State(s): State<AppState>, _caller: Caller, LangOf(_): LangOf) -> Json<Vec<PresetSummary>> {
    Json(
        s.app
            .presets()
            .iter()
            .map(|p| PresetSummary { id: p.id.clone(), name: p.name.clone(), country: format!("{:?}", p.country) })
            .collect(),
    )
}

async fn accept(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(a): JsonBody<AcceptanceInput>,
) -> Result<Response, Problem> {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    let e = s.app.accept_agreement(&caller.actor, id, a.name, a.title).await.map_err(caller.problem(&s))?;
    Ok(entry_response(StatusCode::OK, None, &e))
}

async fn attest(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(a): JsonBody<AttestationInput>,
) -> Result<Response, Problem> {
    let id = parse_id(&id).map_err(caller.problem(&s))?;
    let e = s.app.attest_agreement(&caller.actor, id, a.kind, a.attested_by).await.map_err(caller.problem(&s))?;
    Ok(entry_response(StatusCode::OK, None, &e))
}

async fn lookup_person(State(s): State<AppState>, caller: Caller, JsonBody(q): JsonBody<PersonLookup>) -> Result<Response, Problem> {
    let filter = ListFilter { national_id: Some(q.national_id.canonical()), ..ListFilter::default() };
    let page = PageRequest::new(None, None).map_err(|e| caller.problem(&s)(e.into()))?;
    let page = s.app.list::<Person>(&caller.actor, &filter, page).await.map_err(caller.problem(&s))?;
    Ok(Json(page).into_response())
}

pub fn routes(doc: &mut Doc) -> Router<AppState> {
    doc.tag("municipality", "The municipality profile and the policy in force (ORG-1, OPS-3, X-6)");
    let muni = doc.schema::<Municipality>();
    let meta = doc.schema::<super::registry::EntryMeta>();
    let muni_fields = doc.open("Municipality");
    let muni_entry = doc.named("MunicipalityEntry", utoipa::openapi::schema::AllOfBuilder::new().item(meta).item(muni_fields).into());
    doc.add(
        "/api/v1/municipality",
        HttpMethod::Get,
        openapi::op("municipality", "get_municipality", "Read the municipality profile", true)
            .response("200", openapi::json("The profile", muni_entry.clone()))
            .response("404", openapi::problem("Not set up yet"))
            .build(),
    );
    doc.add(
        "/api/v1/municipality",
        HttpMethod::Put,
        openapi::op(
            "municipality",
            "put_municipality",
            "Create or replace the municipality profile; `policy_preset` selects the policy",
            true,
        )
        .parameter(openapi::header("If-Match", "the version last seen"))
        .request_body(Some(openapi::body(muni)))
        .response("200", openapi::json("The profile", muni_entry))
        .response("422", openapi::problem("A field is invalid or the preset is unknown"))
        .build(),
    );
    let policy = doc.schema::<PolicyView>();
    doc.add(
        "/api/v1/policy",
        HttpMethod::Get,
        openapi::op(
            "municipality",
            "get_policy",
            "The policy in force, every value with its source, and its deviations from current guidance",
            true,
        )
        .response("200", openapi::json("The policy", policy))
        .build(),
    );
    let summary = doc.schema::<PresetSummary>();
    let presets = doc.named("PresetList", utoipa::openapi::schema::ArrayBuilder::new().items(summary).into());
    doc.add(
        "/api/v1/policy/presets",
        HttpMethod::Get,
        openapi::op("municipality", "list_presets", "The policy presets this installation knows", true)
            .response("200", openapi::json("The presets", presets))
            .build(),
    );
    let agreement_entry: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> =
        utoipa::openapi::Ref::from_schema_name("AgreementEntry").into();
    let acceptance = doc.schema::<AcceptanceInput>();
    doc.add(
        "/api/v1/agreements/{id}/acceptances",
        HttpMethod::Post,
        openapi::op("agreements", "accept_agreement", "Accept the agreement's current terms for the caller's party (AGR-5)", true)
            .description(Some("A supplier's caller accepts for the supplier, a municipal caller for the municipality. A later change of the terms clears the acceptances."))
            .parameter(openapi::path_id())
            .request_body(Some(openapi::body(acceptance)))
            .response("200", openapi::json("The agreement", agreement_entry.clone()))
            .response("404", openapi::problem("No such agreement, or one the caller may not see"))
            .response("422", openapi::problem("The party has accepted already, or a field is invalid"))
            .build(),
    );
    let attestation = doc.schema::<AttestationInput>();
    doc.add(
        "/api/v1/agreements/{id}/attestations",
        HttpMethod::Post,
        openapi::op("agreements", "attest_agreement", "Record or renew a security attestation (AGR-4)", true)
            .parameter(openapi::path_id())
            .request_body(Some(openapi::body(attestation)))
            .response("200", openapi::json("The agreement", agreement_entry))
            .response("404", openapi::problem("No such agreement, or one the caller may not see"))
            .build(),
    );
    let lookup = doc.schema::<PersonLookup>();
    doc.add(
        "/api/v1/persons/lookup",
        HttpMethod::Post,
        openapi::op("persons", "lookup_persons", "Find persons by CPR or personnummer (exact match through the blind index)", true)
            .request_body(Some(openapi::body(lookup)))
            .response(
                "200",
                openapi::json("The matching persons the caller may see", utoipa::openapi::Ref::from_schema_name("PersonPage").into()),
            )
            .response("422", openapi::problem("The national identity number is invalid"))
            .build(),
    );
    let health = doc.named(
        "Health",
        ObjectBuilder::new()
            .property("status", ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)))
            .property("schema_version", ObjectBuilder::new().schema_type(SchemaType::Type(Type::Integer)))
            .into(),
    );
    doc.tag("operations", "Health of the running service");
    doc.add(
        "/healthz",
        HttpMethod::Get,
        openapi::op("operations", "health", "Liveness and database check (no token needed)", false)
            .response("200", openapi::json("Healthy", health))
            .response("503", openapi::problem("The database does not answer"))
            .build(),
    );
    Router::new()
        .route("/api/v1/municipality", get(get_municipality).put(put_municipality))
        .route("/api/v1/policy", get(get_policy))
        .route("/api/v1/policy/presets", get(list_presets))
        .route("/api/v1/agreements/{id}/acceptances", post(accept))
        .route("/api/v1/agreements/{id}/attestations", post(attest))
        .route("/api/v1/persons/lookup", post(lookup_person))
}
