//! Configuration: built-in defaults, then a TOML file, then `PORTVAGT_*` environment
//! variables, then command-line flags. Secrets can come from files (`*_FILE`) and are
//! never printed.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A secret string: `Debug` and `Display` never show it.
#[derive(Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"***\"")
    }
}

/// A database URL with any password replaced by `***`.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = rest.split_once('/').map(|(a, p)| (a, format!("/{p}"))).unwrap_or((rest, String::new()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            let masked = if userinfo.contains(':') { format!("{user}:***") } else { user.to_string() };
            // A password may also come as a query parameter.
            let path = path.split('?').next().unwrap_or("").to_string() + if path.contains('?') { "?***" } else { "" };
            format!("{scheme}://{masked}@{host}{path}")
        }
        None => format!(
            "{scheme}://{authority}{}",
            if path.contains("password=") { path.split('?').next().unwrap_or("").to_string() + "?***" } else { path }
        ),
    }
}

/// The settings, as named in the TOML file and (upper-cased, `PORTVAGT_` prefixed) in
/// the environment.
const SETTINGS: [&str; 22] = [
    "data_dir",
    "database_url",
    "database_url_file",
    "listen",
    "public_url",
    "preset",
    "preset_dir",
    "data_key_file",
    "previous_data_key_files",
    "audit_key_file",
    "audit_previous_public_keys",
    "audit_checkpoint_secs",
    "audit_forward_file",
    "audit_forward_syslog",
    "oidc_issuer",
    "oidc_client_id",
    "oidc_client_secret",
    "oidc_client_secret_file",
    "time_zone",
    "logo_file",
    "log",
    // `PORTVAGT_LIMITS='{login={per_minute=60,burst=20}}'`
    "limits",
];

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Folder of the embedded database and the generated keys.
    pub data_dir: PathBuf,
    /// `sqlite:///path/portvagt.db` or `postgres://user:password@host/db`; empty means the
    /// SQLite file in `data_dir`.
    #[serde(default)]
    pub database_url: Option<Secret>,
    /// A file holding the database URL (for secrets managers).
    #[serde(default)]
    pub database_url_file: Option<PathBuf>,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The URL users reach Portvagt at, when it differs from `http://<listen>`.
    #[serde(default)]
    pub public_url: Option<String>,
    /// The policy preset to use until the municipality profile names one.
    pub preset: String,
    /// A folder of additional preset files (`*.toml`); one with a shipped id replaces it.
    #[serde(default)]
    pub preset_dir: Option<PathBuf>,
    /// The 32-byte key (64 hex characters) that encrypts national identity numbers;
    /// generated at first run in `data_dir/keys/data.key` when not given.
    #[serde(default)]
    pub data_key_file: Option<PathBuf>,
    /// Data keys replaced by `data_key_file` (rotation): they no longer encrypt, but
    /// still decrypt and find what they encrypted.
    #[serde(default)]
    pub previous_data_key_files: Vec<PathBuf>,
    /// Public keys (hex) of checkpoint signing keys replaced by `audit_key_file`:
    /// `audit verify` accepts checkpoints they signed.
    #[serde(default)]
    pub audit_previous_public_keys: Vec<String>,
    /// The Ed25519 key (its 32-byte seed as 64 hex characters) that signs the audit
    /// log's checkpoints; generated at first run in `data_dir/keys/audit.key` when not
    /// given. `audit verify` needs it (or its public key).
    #[serde(default)]
    pub audit_key_file: Option<PathBuf>,
    /// Seconds between signed checkpoints of the audit log while serving.
    #[serde(default = "default_checkpoint_secs")]
    pub audit_checkpoint_secs: u64,
    /// Append every audit event to this file as a JSON line, for a SIEM to collect.
    #[serde(default)]
    pub audit_forward_file: Option<PathBuf>,
    /// Send every audit event to this syslog receiver (`host:port`, TCP, RFC 5424 with
    /// octet-counted frames).
    #[serde(default)]
    pub audit_forward_syslog: Option<String>,
    /// The OpenID Connect provider users log in through (AUTH-1), e.g.
    /// `https://login.kommune.dk/realms/staff`; without it only local logins exist.
    #[serde(default)]
    pub oidc_issuer: Option<String>,
    /// Portvagt's client id at the provider.
    #[serde(default)]
    pub oidc_client_id: Option<String>,
    /// Portvagt's client secret at the provider (or `oidc_client_secret_file`).
    #[serde(default)]
    pub oidc_client_secret: Option<Secret>,
    #[serde(default)]
    pub oidc_client_secret_file: Option<PathBuf>,
    /// The IANA time zone the pages show times in (`Europe/Copenhagen`,
    /// `Europe/Stockholm`).
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// The municipality's logo (SVG or PNG, at most 256 KiB), shown in the pages' header
    /// beside its name.
    #[serde(default)]
    pub logo_file: Option<PathBuf>,
    /// Log level: error, warn, info, debug, trace.
    pub log: String,
    /// Connectors by target system code (`[connectors.AD]`); a system without one gets
    /// manual tasks for the IT operator.
    #[serde(default)]
    pub connectors: std::collections::BTreeMap<String, ConnectorSettings>,
    /// Rate limits per client (`[limits.login]`, `[limits.api]`, `[limits.ingest]`, each
    /// `per_minute` and `burst`) (F-10).
    #[serde(default)]
    pub limits: web::limits::RateLimits,
    /// The SMTP server Portvagt mails through (`[mail]`, TOML file only) (NOT-1);
    /// without it nobody is mailed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<MailSettings>,
}

/// The SMTP server and sender (NOT-1).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    /// `starttls` (default), `tls` (from the first byte, port 465) or `none` (a server
    /// on this machine only).
    #[serde(default = "default_smtp_security")]
    pub security: connectors::smtp::SmtpSecurity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The file holding the SMTP password; it is never printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_file: Option<PathBuf>,
    /// The sender, e.g. `Portvagt <portvagt@kommune.dk>`.
    pub from: String,
    /// A CA certificate (PEM) the server's certificate is checked against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Connections kept open to the server at most.
    #[serde(default = "default_smtp_connections")]
    pub connections: u32,
}

fn default_smtp_port() -> u16 {
    587
}

fn default_smtp_security() -> connectors::smtp::SmtpSecurity {
    connectors::smtp::SmtpSecurity::Starttls
}

fn default_smtp_connections() -> u32 {
    4
}

impl MailSettings {
    /// The SMTP client, with the password and CA read from their files; an error names
    /// the setting and the problem.
    pub fn mailer(&self) -> anyhow::Result<connectors::smtp::Mailer> {
        let read = |what: &str, path: &Path| {
            std::fs::read(path).map_err(|e| anyhow::anyhow!("configuration: mail.{what} {}: {e}", path.display()))
        };
        let password = match &self.password_file {
            Some(p) => Some(String::from_utf8_lossy(&read("password_file", p)?).trim().to_string()),
            None => None,
        };
        if password.is_some() != self.username.is_some() {
            anyhow::bail!("configuration: mail.username and mail.password_file go together");
        }
        let ca_pem = match &self.ca_file {
            Some(p) => Some(read("ca_file", p)?),
            None => None,
        };
        connectors::smtp::Mailer::new(&connectors::smtp::SmtpSettings {
            host: self.host.clone(),
            port: self.port,
            security: self.security,
            username: self.username.clone(),
            password,
            from: self.from.clone(),
            ca_pem,
            connections: self.connections,
        })
        .map_err(|e| anyhow::anyhow!("configuration: {e}"))
    }
}

/// A connector for a target system (TOML file only).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ConnectorSettings {
    /// LDAP or Active Directory.
    Ldap {
        url: String,
        bind_dn: String,
        #[serde(default)]
        bind_password: Option<Secret>,
        /// A file holding the bind password; wins over `bind_password`.
        #[serde(default)]
        bind_password_file: Option<PathBuf>,
        users_dn: String,
        groups_dn: String,
        /// `open_ldap` or `active_directory`.
        flavor: String,
        #[serde(default)]
        starttls: bool,
        /// PEM file of the CA that signed the directory's certificate.
        #[serde(default)]
        ca_file: Option<PathBuf>,
    },
    /// A SCIM 2.0 service provider.
    Scim {
        /// The base URL, e.g. `https://nexus.example/scim/v2`.
        base_url: String,
        #[serde(default)]
        bearer_token: Option<Secret>,
        #[serde(default)]
        bearer_token_file: Option<PathBuf>,
    },
}

fn secret(system: &str, key: &str, file: &Option<PathBuf>, value: &Option<Secret>) -> anyhow::Result<String> {
    match (file, value) {
        (Some(f), _) => Ok(std::fs::read_to_string(f)
            .map_err(|e| anyhow::anyhow!("connectors.{system}.{key}_file {}: {e}", f.display()))?
            .trim()
            .to_string()),
        (None, Some(v)) => Ok(v.expose().to_string()),
        (None, None) => anyhow::bail!("connectors.{system}: {key}_file or {key} is required"),
    }
}

impl ConnectorSettings {
    /// The connector, with its secret read from its file.
    pub fn connector(&self, system: &str) -> anyhow::Result<connectors::Connector> {
        Ok(match self {
            ConnectorSettings::Ldap { url, bind_dn, bind_password, bind_password_file, users_dn, groups_dn, flavor, starttls, ca_file } => {
                let flavor = match flavor.as_str() {
                    "open_ldap" => connectors::ldap::Flavor::OpenLdap,
                    "active_directory" => connectors::ldap::Flavor::ActiveDirectory,
                    other => anyhow::bail!("connectors.{system}.flavor: '{other}' is not open_ldap or active_directory"),
                };
                connectors::Connector::Ldap(connectors::ldap::LdapConnector::new(connectors::ldap::LdapConfig {
                    url: url.clone(),
                    bind_dn: bind_dn.clone(),
                    bind_password: secret(system, "bind_password", bind_password_file, bind_password)?,
                    users_dn: users_dn.clone(),
                    groups_dn: groups_dn.clone(),
                    flavor,
                    starttls: *starttls,
                    ca_file: ca_file.clone(),
                }))
            }
            ConnectorSettings::Scim { base_url, bearer_token, bearer_token_file } => {
                connectors::Connector::Scim(connectors::scim::ScimConnector::new(connectors::scim::ScimConfig {
                    base_url: base_url.clone(),
                    bearer_token: secret(system, "bearer_token", bearer_token_file, bearer_token)?,
                }))
            }
        })
    }

    fn masked(&self) -> ConnectorSettings {
        let mask = |s: &Option<Secret>| s.as_ref().map(|_| Secret::new("***"));
        let mut shown = self.clone();
        match &mut shown {
            ConnectorSettings::Ldap { bind_password, .. } => *bind_password = mask(bind_password),
            ConnectorSettings::Scim { bearer_token, .. } => *bearer_token = mask(bearer_token),
        }
        shown
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            database_url: None,
            database_url_file: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            preset: "viborg".into(),
            preset_dir: None,
            data_key_file: None,
            audit_key_file: None,
            previous_data_key_files: Vec::new(),
            audit_previous_public_keys: Vec::new(),
            audit_checkpoint_secs: default_checkpoint_secs(),
            audit_forward_file: None,
            audit_forward_syslog: None,
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_client_secret_file: None,
            time_zone: default_time_zone(),
            logo_file: None,
            log: "info".into(),
            connectors: Default::default(),
            limits: Default::default(),
            mail: None,
        }
    }
}

fn default_time_zone() -> String {
    i18n::DEFAULT_TIME_ZONE.name().to_string()
}

/// Values given on the command line, which win over everything else.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
}

impl Config {
    /// Loads the configuration. `file` is the TOML file (`--config`); without one,
    /// `portvagt.toml` in the working folder is read if it exists.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) if !f.exists() => anyhow::bail!("configuration file {} does not exist", f.display()),
            Some(f) => fig = fig.merge(Toml::file(f)),
            None => fig = fig.merge(Toml::file("portvagt.toml")),
        }
        // Only the settings' own names: other `PORTVAGT_*` variables (`PORTVAGT_CONFIG`,
        // which names the file, or a test harness's) are not settings.
        fig = fig.merge(Env::prefixed("PORTVAGT_").only(&SETTINGS));
        fig = fig.merge(Serialized::defaults(overrides));
        let mut config: Config = fig.extract().map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        if let Some(path) = &config.database_url_file {
            let url = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("database_url_file {}: {e}", path.display()))?;
            config.database_url = Some(Secret::new(url.trim()));
        }
        if let Some(path) = &config.oidc_client_secret_file {
            let secret = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("oidc_client_secret_file {}: {e}", path.display()))?;
            config.oidc_client_secret = Some(Secret::new(secret.trim()));
        }
        if config.time_zone.parse::<i18n::Tz>().is_err() {
            anyhow::bail!("configuration: time_zone '{}' is not an IANA time zone name (such as Europe/Copenhagen)", config.time_zone);
        }
        config.logo()?;
        if let Some(mail) = &config.mail {
            mail.mailer()?;
        }
        if config.oidc_issuer.is_some() && config.oidc_client_id.is_none() {
            anyhow::bail!("configuration: oidc_issuer is set but oidc_client_id is not");
        }
        if config.database_url.as_ref().is_some_and(|u| u.expose().trim().is_empty()) {
            config.database_url = None;
        }
        Ok(config)
    }

    /// The logo `logo_file` names, or what is wrong with it.
    pub fn logo(&self) -> anyhow::Result<Option<web::ui::logo::Logo>> {
        let Some(path) = &self.logo_file else { return Ok(None) };
        let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("configuration: logo_file {}: {e}", path.display()))?;
        web::ui::logo::Logo::parse(&bytes).map(Some).map_err(|e| anyhow::anyhow!("configuration: logo_file {}: {e}", path.display()))
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(u) => u.expose().to_string(),
            None => format!("sqlite://{}", self.data_dir.join("portvagt.db").display()),
        }
    }

    pub fn is_embedded(&self) -> bool {
        self.database_url().starts_with("sqlite:")
    }

    pub fn audit_key_path(&self) -> PathBuf {
        self.audit_key_file.clone().unwrap_or_else(|| self.data_dir.join("keys").join("audit.key"))
    }

    /// What the web pages need: `Secure` cookies behind HTTPS, the OIDC provider.
    pub fn ui(&self, listen: SocketAddr) -> web::ui::UiConfig {
        let base = self.public_url.clone().unwrap_or_else(|| format!("http://{listen}"));
        let base = base.trim_end_matches('/').to_string();
        web::ui::UiConfig {
            secure_cookies: base.starts_with("https://"),
            time_zone: self.time_zone.parse().unwrap_or(i18n::DEFAULT_TIME_ZONE),
            oidc: match (&self.oidc_issuer, &self.oidc_client_id) {
                (Some(issuer), Some(client_id)) => Some(web::ui::OidcSettings {
                    issuer: issuer.clone(),
                    client_id: client_id.clone(),
                    client_secret: self.oidc_client_secret.as_ref().map(|s| s.expose().to_string()).unwrap_or_default(),
                    redirect_url: format!("{base}/login/oidc/callback"),
                }),
                _ => None,
            },
            limits: Some(self.limits),
            // Checked when the configuration was loaded.
            logo: self.logo().ok().flatten(),
        }
    }

    /// The name checkpoints are signed for.
    pub fn audit_origin(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| "portvagt".into())
    }

    pub fn data_key_path(&self) -> PathBuf {
        self.data_key_file.clone().unwrap_or_else(|| self.data_dir.join("keys").join("data.key"))
    }

    /// The effective configuration for display, secrets masked.
    pub fn describe(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = Some(Secret::new(mask_url(&self.database_url())));
        if shown.oidc_client_secret.is_some() {
            shown.oidc_client_secret = Some(Secret::new("***"));
        }
        for c in shown.connectors.values_mut() {
            *c = c.masked();
        }
        toml::to_string_pretty(&shown).unwrap_or_default()
    }
}

fn default_checkpoint_secs() -> u64 {
    60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_database_urls_are_masked() {
        assert_eq!(mask_url("postgres://portvagt:s3cret@db.local:5432/portvagt"), "postgres://portvagt:***@db.local:5432/portvagt");
        assert_eq!(mask_url("postgres://db.local/portvagt?user=a&password=s3cret"), "postgres://db.local/portvagt?***");
        assert_eq!(mask_url("sqlite://data/portvagt.db"), "sqlite://data/portvagt.db");
        assert_eq!(format!("{:?}", Secret::new("s3cret")), "\"***\"");
    }
}
