//! Portvagt's use-cases: load → decide (pure domain rules) → commit the change with its
//! audit event in one transaction. Every use-case takes the [`Actor`] it runs for and
//! checks its rights first, through `domain::authz::authorize` — the one place.

mod access;
mod accounts;
mod agreements;
mod audit_export;
mod audit_log;
mod authz;
mod choices;
mod clients;
mod emergency;
mod extracts;
mod lifecycle;
mod log_control;
mod log_scan;
mod mail;
mod names;
mod needs;
mod oversight;
mod passwords;
mod policy;
mod progress;
mod provisioning;
mod reconcile;
mod registry;
mod requests;
mod security_reports;
mod sessions;
mod tasks;
mod users;

pub use access::{IssuedToken, TokenRequest, constant_time_eq, random_token};
pub use accounts::NewAuthenticator;
pub use audit_export::{csv_export, csv_table};
pub use audit_log::{
    AuditEventView, AuditFilter, AuditImportError, AuditPage, ForwardFormat, HoldInput, LineError, MAX_BATCH, ProofView, digest,
    parse_csv_batch, parse_json_batch,
};
pub use clients::{ClientImportView, ClientLine, ClientListMode, ClientListSummary, MAX_CLIENT_FILE_BYTES, MAX_CLIENTS, parse_client_list};
pub use emergency::{EmergencyInput, EmergencyLine, EmergencyReceipt, SupportInput};
pub use extracts::{CitizenExtract, ExtractEntry, ExtractSummary};
pub use lifecycle::{LifecycleReport, OverdueDeletion};
pub use log_control::{DrawCheck, MAX_PACKAGE_DAYS, PackageEntryView, PackageSummary, PackageView};
pub use mail::{DeliveryRun, MAIL, Mail, MailContent, MailRenderer, NOTIFY, RenderedMail};
pub use needs::{ACCOUNT_ENDING_DAYS, AGREEMENT_ENDING_DAYS, AgreementAttention, Need, TASK_OLD_DAYS};
pub use policy::Frame;
pub use progress::{Outstanding, OutstandingBy};
pub use registry::ListFilter;
pub use requests::{CheckResult, RequestFilter, RequestView};
pub use security_reports::{CaseInput, MAX_REPORT_DAYS, SecurityReportSummary, SecurityReportView};
pub use sessions::{LoginStage, StartedSession, StepTaken, TotpEnrolment, UserInput, UserView, WebSession};
pub use tasks::TaskView;

use domain::error::FieldError;
use domain::policy::Preset;
use domain::time::{Clock, Timestamp};
use std::sync::Arc;
use store::{Store, StoreError};

/// Why a use-case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such record, or one the actor may not see (the two look the same).
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    /// Not allowed, for a reason the caller can act on (a token for another system).
    #[error("not allowed: {0}")]
    Denied(FieldError),
    /// Lines of a batch are invalid; nothing was stored.
    #[error("{} lines of the batch are invalid", .0.len())]
    BatchInvalid(Vec<audit_log::LineError>),
    #[error("not authenticated")]
    Unauthenticated,
    #[error("locked until {0}")]
    Locked(Timestamp),
    /// The input breaks a rule; nothing was written.
    #[error("{0}")]
    Invalid(FieldError),
    /// The input collides with stored state (a duplicate key, a stale version).
    #[error("{0}")]
    Conflict(FieldError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid(e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        use domain::codes;
        match e {
            StoreError::Conflict { field } => AppError::Conflict(FieldError::new(field, codes::DUPLICATE_KEY)),
            StoreError::StaleVersion { current } => AppError::Conflict(FieldError::with("version", codes::STALE_VERSION, current)),
            StoreError::NotFound => AppError::NotFound,
            other => AppError::Internal(other.to_string()),
        }
    }
}

pub type Result<T> = std::result::Result<T, AppError>;

/// The application: the store, the presets, the clock.
#[derive(Clone)]
pub struct App {
    store: Store,
    presets: Arc<Vec<Preset>>,
    default_preset: String,
    clock: Arc<dyn Clock>,
    /// Connectors by target system code; systems without one get manual tasks.
    connectors: Arc<std::collections::HashMap<String, connectors::Connector>>,
    /// The dashboard's figures per scope (the municipality, a supplier, a department) with the
    /// time they were counted: counted at most every [`DASHBOARD_MAX_AGE_SECS`].
    dashboard_cache: Arc<std::sync::Mutex<DashboardCache>>,
    /// The municipality's name and service desk for every page, with when it was read.
    frame_cache: Arc<std::sync::Mutex<Option<(Timestamp, policy::Frame)>>>,
    /// Select lists' choices for those who see everything, while the registry is unchanged.
    choice_cache: Arc<std::sync::Mutex<choices::ChoiceCache>>,
    /// Counts the registry's changes in this instance.
    registry_generation: Arc<std::sync::atomic::AtomicU64>,
    /// The chosen policy preset's id, with when and at which registry generation it was read.
    preset_cache: Arc<std::sync::Mutex<Option<(Timestamp, u64, String)>>>,
    /// Names of registry records read for the pages: when first read, the registry's
    /// generation then, the names (kept like the choices).
    name_cache: Arc<std::sync::Mutex<NameCache>>,
    /// The period the periodic log-control run last read the log for, and when (SEC-3).
    log_control_scanned: Arc<std::sync::Mutex<Option<(Timestamp, Timestamp)>>>,
}

/// Dashboard figures by scope (`None`: the municipality; a supplier) and when counted.
/// Kept names of registry records: when first read, the registry's generation, the names.
type NameCache = (Timestamp, u64, std::collections::HashMap<uuid::Uuid, String>);
type DashboardCache = std::collections::HashMap<store::DashboardScope, (Timestamp, store::DashboardFigures)>;

/// How old the dashboard's figures may be; the page says when they were counted.
pub const DASHBOARD_MAX_AGE_SECS: i64 = 30;

impl App {
    /// `presets` must contain `default_preset`.
    pub fn new(store: Store, presets: Vec<Preset>, default_preset: &str, clock: Arc<dyn Clock>) -> std::result::Result<App, String> {
        if !presets.iter().any(|p| p.id == default_preset) {
            let known: Vec<&str> = presets.iter().map(|p| p.id.as_str()).collect();
            return Err(format!("unknown policy preset '{default_preset}' (known: {})", known.join(", ")));
        }
        Ok(App {
            store,
            presets: Arc::new(presets),
            default_preset: default_preset.to_string(),
            clock,
            connectors: Arc::default(),
            dashboard_cache: Arc::default(),
            frame_cache: Arc::default(),
            choice_cache: Arc::default(),
            registry_generation: Arc::default(),
            preset_cache: Arc::default(),
            log_control_scanned: Arc::default(),
            name_cache: Arc::new(std::sync::Mutex::new((Timestamp(chrono::DateTime::UNIX_EPOCH), 0, std::collections::HashMap::new()))),
        })
    }

    /// Uses these connectors, by target system code (`AD`), for their systems'
    /// provisioning actions.
    pub fn with_connectors(mut self, connectors: std::collections::HashMap<String, connectors::Connector>) -> App {
        self.connectors = Arc::new(connectors.into_iter().map(|(k, v)| (k.to_uppercase(), v)).collect());
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn presets(&self) -> &[Preset] {
        &self.presets
    }
}
