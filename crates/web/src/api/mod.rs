//! The JSON API under `/api/v1`.

mod access;
mod account_types;
mod accounts;
mod audit;
mod clients;
mod log_control;
mod other;
pub mod registry;
mod requests;
pub mod scim;
mod security_reports;

use crate::AppState;
use crate::openapi::Doc;
use axum::Router;
use domain::registry::{Agreement, Department, JobProfile, Orderer, Person, Profile, Role, Supplier, System};

/// Every API route, and the OpenAPI document describing them, built together.
pub fn routes(doc: &mut Doc) -> Router<AppState> {
    doc.schema::<crate::problem::Problem>();
    Router::new()
        .merge(registry::resource::<Department>(
            doc,
            "departments",
            "departments",
            "Departments and units with head and substitute (ORG-2)",
        ))
        .merge(registry::resource::<Supplier>(doc, "suppliers", "suppliers", "Suppliers with CVR or Swedish organisation number (ORG-3)"))
        .merge(registry::resource::<Orderer>(doc, "orderers", "orderers", "Each supplier's current list of authorised orderers (ORG-3)"))
        .merge(registry::resource::<Person>(
            doc,
            "persons",
            "persons",
            "Persons with supplier affiliations; national id stored encrypted (ORG-4)",
        ))
        .merge(registry::resource::<Agreement>(
            doc,
            "agreements",
            "agreements",
            "Access agreements: validity, scope, data processing, attestations, acceptance (AGR-1..5)",
        ))
        .merge(registry::resource::<System>(doc, "systems", "systems", "Target systems with owner department and connector (SYS-1)"))
        .merge(registry::resource::<Role>(doc, "roles", "roles", "Roles per system with flags and transaction set (SYS-2, SYS-4)"))
        .merge(registry::resource::<Profile>(doc, "profiles", "profiles", "Profiles bundling roles of one system (SYS-2)"))
        .merge(registry::resource::<JobProfile>(
            doc,
            "job-profiles",
            "job-profiles",
            "Job profiles and the profiles they normally need (SYS-3)",
        ))
        .merge(other::routes(doc))
        .merge(access::routes(doc))
        .merge(requests::routes(doc))
        .merge(accounts::routes(doc))
        .merge(audit::routes(doc))
        .merge(clients::routes(doc))
        .merge(security_reports::routes(doc))
        .merge(log_control::routes(doc))
}
