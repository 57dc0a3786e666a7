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
        .route(
            "/registry/supplier/{id}/clients",
            get(clients::back_to_supplier)
                .post(clients::import)
                .layer(axum::extract::DefaultBodyLimit::max(app::MAX_CLIENT_FILE_BYTES + 64 * 1024)),
        )
}

/// How a field is entered.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Input {
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
pub(super) enum When {
    Always,
    /// Only when the record is created (a person's first affiliation).
    Create,
}

pub(super) struct Field {
    /// Where the value goes in the record's JSON: `contact.name`, `scope.systems`,
    /// `affiliations[0].from`.
    path: &'static str,
    input: Input,
    required: bool,
    when: When,
}

pub(super) const fn opt(path: &'static str, input: Input) -> Field {
    Field { path, input, required: false, when: When::Always }
}

pub(super) const fn req(path: &'static str, input: Input) -> Field {
    Field { path, input, required: true, when: When::Always }
}

pub(super) const fn at_creation(mut f: Field) -> Field {
    f.when = When::Create;
    f
}

pub(super) const SERVICE_TYPES: &[&str] =
    &["personal_care", "practical_help", "meal_service", "nursing_home", "consultancy", "it_services", "other"];
pub(super) const CONNECTORS: &[&str] = &["manual", "ldap", "scim"];

pub(super) const MUNICIPALITY: &[Field] = &[
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
pub(super) const DEPARTMENT: &[Field] = &[
    req("name", Input::Text),
    req("code", Input::Text),
    opt("head.name", Input::Text),
    opt("head.email", Input::Text),
    opt("head.phone", Input::Text),
    opt("substitute.name", Input::Text),
    opt("substitute.email", Input::Text),
    opt("substitute.phone", Input::Text),
];
pub(super) const SUPPLIER: &[Field] = &[
    req("name", Input::Text),
    req("org_number", Input::Text),
    opt("address", Input::Area),
    opt("contact.name", Input::Text),
    opt("contact.email", Input::Text),
    opt("contact.phone", Input::Text),
];
pub(super) const ORDERER: &[Field] = &[
    req("supplier_id", Input::Ref(ResourceKind::Supplier)),
    req("person_id", Input::Ref(ResourceKind::Person)),
    req("valid_from", Input::Date),
    opt("valid_to", Input::Date),
];
pub(super) const PERSON: &[Field] = &[
    req("name", Input::Text),
    opt("email", Input::Text),
    opt("national_id", Input::Secret),
    at_creation(req("affiliations[0].supplier_id", Input::Ref(ResourceKind::Supplier))),
    at_creation(req("affiliations[0].from", Input::Date)),
    at_creation(opt("affiliations[0].employee_ref", Input::Text)),
];
pub(super) const AGREEMENT: &[Field] = &[
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
pub(super) const SYSTEM: &[Field] = &[
    req("name", Input::Text),
    req("code", Input::Text),
    req("owner_department_id", Input::Ref(ResourceKind::Department)),
    req("connector", Input::Choice(CONNECTORS)),
    opt("logs_transactions", Input::Bool),
    opt("username_pattern", Input::Text),
    opt("description", Input::Area),
];
pub(super) const ROLE: &[Field] = &[
    req("system_id", Input::Ref(ResourceKind::System)),
    req("code", Input::Text),
    req("name", Input::Text),
    opt("flags.read_only", Input::Bool),
    opt("flags.allows_export", Input::Bool),
    opt("flags.privileged", Input::Bool),
    opt("flags.sensitive", Input::Bool),
    opt("transaction_types", Input::Codes),
];
pub(super) const PROFILE: &[Field] = &[
    req("system_id", Input::Ref(ResourceKind::System)),
    req("code", Input::Text),
    req("name", Input::Text),
    req("roles", Input::Refs(ResourceKind::Role)),
];
pub(super) const JOB_PROFILE: &[Field] = &[
    req("name", Input::Text),
    req("code", Input::Text),
    opt("description", Input::Area),
    req("profiles", Input::Refs(ResourceKind::Profile)),
];

/// The kinds the pages manage, in menu order.
pub(super) const KINDS: &[&str] =
    &["municipality", "department", "supplier", "orderer", "person", "agreement", "system", "role", "profile", "job_profile"];

pub(super) fn fields_of(kind: ResourceKind) -> &'static [Field] {
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

// The parts, after the `by_kind!` macro they use.

mod clients;
mod handlers;
mod paths;
mod related;
mod render;

use handlers::*;
use paths::*;
use related::*;
use render::*;

pub(super) use related::{href, municipality_href};
pub(super) use render::kind_of;
