//! Portvagt's domain: plain types and pure rules.
//!
//! Nothing here does IO, knows SQL or HTTP, or reads the clock: every rule takes `now`
//! as an argument. Values are parsed once at the edge into the types of this crate, so a
//! value that exists is valid (a [`ident::Cvr`] always has eight digits and a correct
//! check digit).

pub mod account;
pub mod audit_action;
pub mod authz;
pub mod breached;
pub mod emergency;
pub mod error;
pub mod ident;
pub mod log_control;
pub mod login;
pub mod notice;
pub mod paging;
pub mod policy;
pub mod registry;
pub mod request;
pub mod security_report;
pub mod text;
pub mod time;

pub use error::{FieldError, codes};
