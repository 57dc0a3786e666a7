//! Connectors carry provisioning actions out in target systems (PRV-1): small
//! capabilities — create, enable/disable, set groups, set expiry, read back — that the
//! outbox worker calls. Every action is idempotent, so a retry after a crash between
//! sending an action and recording its result does no harm: a creation that finds the
//! account already there brings it to the wanted state instead of failing.

pub mod ad;
pub mod ldap;
pub mod scim;
pub mod smtp;
pub mod testing;

use domain::time::Date;

/// Why an action did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    /// The target could not be reached or answered with a transient error: retry later.
    #[error("target unavailable: {0}")]
    Unavailable(String),
    /// The target refused the action (a missing group, a schema violation): retrying
    /// will not help until someone changes something.
    #[error("refused by the target: {0}")]
    Rejected(String),
}

impl ConnectorError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, ConnectorError::Unavailable(_))
    }
}

pub type Result<T> = std::result::Result<T, ConnectorError>;

/// An account as Portvagt wants it in a target system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSpec {
    pub username: String,
    pub display_name: String,
    pub given_name: String,
    pub surname: String,
    pub email: Option<String>,
    /// Group names (the role codes of the target system).
    pub groups: Vec<String>,
    /// The last day the account may be used.
    pub valid_to: Option<Date>,
    pub enabled: bool,
    /// Set at creation, to be changed at the first logon (ACC-8).
    pub initial_password: Option<String>,
}

impl AccountSpec {
    /// Splits a person's name into given name and surname (the last word).
    pub fn from_name(username: &str, name: &str) -> AccountSpec {
        let mut words: Vec<&str> = name.split_whitespace().collect();
        let surname = words.pop().unwrap_or(username).to_string();
        let given = if words.is_empty() { surname.clone() } else { words.join(" ") };
        AccountSpec {
            username: username.to_string(),
            display_name: name.to_string(),
            given_name: given,
            surname,
            email: None,
            groups: Vec::new(),
            valid_to: None,
            enabled: false,
            initial_password: None,
        }
    }
}

/// An account as read back from a target system (PRV-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteAccount {
    pub username: String,
    pub enabled: bool,
    pub groups: Vec<String>,
}

/// Creating and changing accounts.
pub trait Provision {
    /// Creates the account, or brings an existing one with the same username to `spec`.
    fn create(&self, spec: &AccountSpec) -> impl Future<Output = Result<()>> + Send;
    /// Updates an existing account's name and e-mail to `spec`.
    fn update(&self, spec: &AccountSpec) -> impl Future<Output = Result<()>> + Send;
    fn set_enabled(&self, username: &str, enabled: bool) -> impl Future<Output = Result<()>> + Send;
    fn set_groups(&self, username: &str, groups: &[String]) -> impl Future<Output = Result<()>> + Send;
    fn set_expiry(&self, username: &str, valid_to: Option<Date>) -> impl Future<Output = Result<()>> + Send;
    /// Sets a new initial password that must be changed at the next logon (ACC-8).
    fn set_password(&self, username: &str, password: &str) -> impl Future<Output = Result<()>> + Send;
}

/// What the target offers.
pub trait Schema {
    /// The groups that exist in the target, which role codes must name.
    fn groups(&self) -> impl Future<Output = Result<Vec<String>>> + Send;
}

/// Reading accounts back.
pub trait ReadBack {
    fn read(&self, username: &str) -> impl Future<Output = Result<Option<RemoteAccount>>> + Send;
    fn list(&self) -> impl Future<Output = Result<Vec<RemoteAccount>>> + Send;
}

/// A configured connector of either kind.
#[derive(Debug, Clone)]
pub enum Connector {
    Ldap(ldap::LdapConnector),
    Scim(scim::ScimConnector),
}

impl Connector {
    /// The registry's connector kind this serves (`ldap`, `scim`).
    pub fn kind(&self) -> &'static str {
        match self {
            Connector::Ldap(_) => "ldap",
            Connector::Scim(_) => "scim",
        }
    }
}

impl Provision for Connector {
    async fn create(&self, spec: &AccountSpec) -> Result<()> {
        match self {
            Connector::Ldap(c) => c.create(spec).await,
            Connector::Scim(c) => c.create(spec).await,
        }
    }
    async fn update(&self, spec: &AccountSpec) -> Result<()> {
        match self {
            Connector::Ldap(c) => c.update(spec).await,
            Connector::Scim(c) => c.update(spec).await,
        }
    }
    async fn set_enabled(&self, username: &str, enabled: bool) -> Result<()> {
        match self {
            Connector::Ldap(c) => c.set_enabled(username, enabled).await,
            Connector::Scim(c) => c.set_enabled(username, enabled).await,
        }
    }
    async fn set_groups(&self, username: &str, groups: &[String]) -> Result<()> {
        match self {
            Connector::Ldap(c) => c.set_groups(username, groups).await,
            Connector::Scim(c) => c.set_groups(username, groups).await,
        }
    }
    async fn set_expiry(&self, username: &str, valid_to: Option<Date>) -> Result<()> {
        match self {
            Connector::Ldap(c) => c.set_expiry(username, valid_to).await,
            Connector::Scim(c) => c.set_expiry(username, valid_to).await,
        }
    }
    async fn set_password(&self, username: &str, password: &str) -> Result<()> {
        match self {
            Connector::Ldap(c) => c.set_password(username, password).await,
            Connector::Scim(c) => c.set_password(username, password).await,
        }
    }
}

impl Schema for Connector {
    async fn groups(&self) -> Result<Vec<String>> {
        match self {
            Connector::Ldap(c) => c.groups().await,
            Connector::Scim(c) => c.groups().await,
        }
    }
}

impl ReadBack for Connector {
    async fn read(&self, username: &str) -> Result<Option<RemoteAccount>> {
        match self {
            Connector::Ldap(c) => c.read(username).await,
            Connector::Scim(c) => c.read(username).await,
        }
    }
    async fn list(&self) -> Result<Vec<RemoteAccount>> {
        match self {
            Connector::Ldap(c) => c.list().await,
            Connector::Scim(c) => c.list().await,
        }
    }
}
