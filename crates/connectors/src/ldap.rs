//! The LDAP / Active Directory connector (PRV-1), through `ldap3`. Accounts live in a
//! configured OU; groups are `groupOfNames` (OpenLDAP) or `group` (AD) entries in a
//! configured OU, named by the role codes. OpenLDAP disables an account with the
//! password policy overlay's `pwdAccountLockedTime`; Active Directory with
//! `userAccountControl`, and expires it with `accountExpires`.

use crate::{AccountSpec, ConnectorError, Provision, ReadBack, RemoteAccount, Result, Schema, ad};
use domain::time::Date;
use ldap3::{LdapConnAsync, LdapConnSettings, Mod, Scope, SearchEntry};
use serde::Deserialize;
use std::collections::HashSet;
use std::time::Duration;

/// Which directory server the connector talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flavor {
    OpenLdap,
    ActiveDirectory,
}

/// Where and how to reach a directory.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdapConfig {
    /// `ldap://host:389` or `ldaps://host:636`.
    pub url: String,
    pub bind_dn: String,
    pub bind_password: String,
    /// The OU the accounts are created in.
    pub users_dn: String,
    /// The OU holding the groups named by role codes.
    pub groups_dn: String,
    pub flavor: Flavor,
    /// Upgrade an `ldap://` connection with StartTLS.
    #[serde(default)]
    pub starttls: bool,
    /// A PEM file of the CA that signed the directory's certificate (for `ldaps://` and
    /// StartTLS); without it the system's trusted roots are used.
    #[serde(default)]
    pub ca_file: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for LdapConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LdapConfig")
            .field("url", &self.url)
            .field("bind_dn", &self.bind_dn)
            .field("users_dn", &self.users_dn)
            .finish_non_exhaustive()
    }
}

/// The LDAP connector. Each call opens its own connection, so a restarted directory is
/// picked up by the next retry.
#[derive(Debug, Clone)]
pub struct LdapConnector {
    config: LdapConfig,
}

/// The value `pwdAccountLockedTime` takes for "locked until an administrator unlocks".
const LOCKED_FOREVER: &str = "000001010000Z";

fn unavailable(e: impl std::fmt::Display) -> ConnectorError {
    ConnectorError::Unavailable(e.to_string())
}

/// Maps an LDAP result code: busy, unavailable and the like are worth retrying; a
/// referral or a refusal is not.
fn check(r: ldap3::LdapResult, what: &str) -> Result<()> {
    match r.rc {
        0 => Ok(()),
        51..=53 | 80 => Err(ConnectorError::Unavailable(format!("{what}: {} ({})", r.text, r.rc))),
        10 => Err(ConnectorError::Rejected(format!("{what}: referral to {:?}", r.refs))),
        rc => Err(ConnectorError::Rejected(format!("{what}: {} ({rc})", r.text))),
    }
}

/// A search's entries, with its result code mapped like any other operation's.
fn search_entries(r: ldap3::result::Result<ldap3::SearchResult>) -> Result<Vec<SearchEntry>> {
    match r.map_err(unavailable)?.success() {
        Ok((entries, _)) => Ok(entries.into_iter().map(SearchEntry::construct).collect()),
        Err(ldap3::LdapError::LdapResult { result }) => {
            Err(check(result, "search").err().unwrap_or_else(|| ConnectorError::Rejected("search".into())))
        }
        Err(other) => Err(unavailable(other)),
    }
}

/// Escapes a value for a search filter (RFC 4515).
fn filter_value(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '*' => "\\2a".to_string(),
            '(' => "\\28".to_string(),
            ')' => "\\29".to_string(),
            '\\' => "\\5c".to_string(),
            '\0' => "\\00".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// Escapes a value for an RDN (RFC 4514).
fn rdn_value(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=') || (i == 0 && matches!(c, '#' | ' ')) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn set<S: Into<String>>(v: S) -> HashSet<String> {
    HashSet::from([v.into()])
}

impl LdapConnector {
    pub fn new(config: LdapConfig) -> Self {
        LdapConnector { config }
    }

    /// A TLS client configuration trusting the configured CA.
    fn tls_config(path: &std::path::Path) -> Result<std::sync::Arc<rustls::ClientConfig>> {
        let refused = |m: String| ConnectorError::Rejected(format!("ca_file {}: {m}", path.display()));
        let pem = std::fs::read(path).map_err(|e| refused(e.to_string()))?;
        let mut roots = rustls::RootCertStore::empty();
        for der in rustls_pemfile::certs(&mut pem.as_slice()).map_err(|e| refused(e.to_string()))? {
            roots.add(&rustls::Certificate(der)).map_err(|e| refused(e.to_string()))?;
        }
        if roots.is_empty() {
            return Err(refused("no certificate in the file".into()));
        }
        Ok(std::sync::Arc::new(rustls::ClientConfig::builder().with_safe_defaults().with_root_certificates(roots).with_no_client_auth()))
    }

    async fn connect(&self) -> Result<ldap3::Ldap> {
        let mut settings = LdapConnSettings::new().set_conn_timeout(Duration::from_secs(10)).set_starttls(self.config.starttls);
        if let Some(ca) = &self.config.ca_file {
            settings = settings.set_config(Self::tls_config(ca)?);
        }
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &self.config.url).await.map_err(unavailable)?;
        ldap3::drive!(conn);
        ldap.with_timeout(Duration::from_secs(30));
        let r = ldap.simple_bind(&self.config.bind_dn, &self.config.bind_password).await.map_err(unavailable)?;
        check(r, "bind")?;
        Ok(ldap)
    }

    fn naming_attr(&self) -> &'static str {
        match self.config.flavor {
            Flavor::OpenLdap => "uid",
            Flavor::ActiveDirectory => "sAMAccountName",
        }
    }

    fn user_dn(&self, username: &str) -> String {
        match self.config.flavor {
            Flavor::OpenLdap => format!("uid={},{}", rdn_value(username), self.config.users_dn),
            Flavor::ActiveDirectory => format!("CN={},{}", rdn_value(username), self.config.users_dn),
        }
    }

    fn group_dn(&self, group: &str) -> String {
        format!("cn={},{}", rdn_value(group), self.config.groups_dn)
    }

    /// The DN of the account with this username, if it exists.
    async fn find(&self, ldap: &mut ldap3::Ldap, username: &str) -> Result<Option<SearchEntry>> {
        let filter = format!("({}={})", self.naming_attr(), filter_value(username));
        let attrs = vec!["uid", "sAMAccountName", "pwdAccountLockedTime", "userAccountControl"];
        let found = search_entries(ldap.search(&self.config.users_dn, Scope::Subtree, &filter, attrs).await)?;
        Ok(found.into_iter().next())
    }

    async fn groups_of(&self, ldap: &mut ldap3::Ldap, dn: &str) -> Result<Vec<String>> {
        let filter = format!("(member={})", filter_value(dn));
        let entries = search_entries(ldap.search(&self.config.groups_dn, Scope::OneLevel, &filter, vec!["cn"]).await)?;
        let mut names: Vec<String> = entries.into_iter().filter_map(|e| e.attrs.get("cn").and_then(|v| v.first().cloned())).collect();
        names.sort();
        Ok(names)
    }

    fn enabled_of(&self, e: &SearchEntry) -> bool {
        match self.config.flavor {
            Flavor::OpenLdap => !e.attrs.contains_key("pwdAccountLockedTime"),
            Flavor::ActiveDirectory => {
                let uac: u32 =
                    e.attrs.get("userAccountControl").and_then(|v| v.first()).and_then(|s| s.parse().ok()).unwrap_or(ad::NORMAL_ACCOUNT);
                uac & ad::ACCOUNTDISABLE == 0
            }
        }
    }

    async fn enable(&self, ldap: &mut ldap3::Ldap, entry: &SearchEntry, enabled: bool) -> Result<()> {
        let mods = match self.config.flavor {
            Flavor::OpenLdap => {
                let locked = entry.attrs.contains_key("pwdAccountLockedTime");
                match (enabled, locked) {
                    (true, true) => vec![Mod::Delete("pwdAccountLockedTime".to_string(), HashSet::new())],
                    (false, false) => vec![Mod::Replace("pwdAccountLockedTime".to_string(), set(LOCKED_FOREVER))],
                    _ => return Ok(()),
                }
            }
            Flavor::ActiveDirectory => {
                let current: u32 = entry
                    .attrs
                    .get("userAccountControl")
                    .and_then(|v| v.first())
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(ad::NORMAL_ACCOUNT);
                vec![Mod::Replace("userAccountControl".to_string(), set(ad::user_account_control(current, enabled).to_string()))]
            }
        };
        check(ldap.modify(&entry.dn, mods).await.map_err(unavailable)?, "enable/disable")
    }

    async fn apply_groups(&self, ldap: &mut ldap3::Ldap, dn: &str, groups: &[String]) -> Result<()> {
        let current: HashSet<String> = self.groups_of(ldap, dn).await?.into_iter().collect();
        let wanted: HashSet<String> = groups.iter().cloned().collect();
        for g in wanted.difference(&current) {
            let r = ldap.modify(&self.group_dn(g), vec![Mod::Add("member".to_string(), set(dn))]).await.map_err(unavailable)?;
            if r.rc == 32 {
                return Err(ConnectorError::Rejected(format!("group {g} does not exist in {}", self.config.groups_dn)));
            }
            check(r, "add group member")?;
        }
        for g in current.difference(&wanted) {
            check(
                ldap.modify(&self.group_dn(g), vec![Mod::Delete("member".to_string(), set(dn))]).await.map_err(unavailable)?,
                "remove group member",
            )?;
        }
        Ok(())
    }

    async fn finish(mut ldap: ldap3::Ldap) {
        let _ = ldap.unbind().await;
    }
}

impl Provision for LdapConnector {
    async fn update(&self, spec: &AccountSpec) -> Result<()> {
        let mut ldap = self.connect().await?;
        let result = async {
            let e = self
                .find(&mut ldap, &spec.username)
                .await?
                .ok_or_else(|| ConnectorError::Rejected(format!("no account {}", spec.username)))?;
            let mut mods = vec![
                Mod::Replace("sn".to_string(), set(spec.surname.clone())),
                Mod::Replace("givenName".to_string(), set(spec.given_name.clone())),
                Mod::Replace("displayName".to_string(), set(spec.display_name.clone())),
                Mod::Replace("mail".to_string(), spec.email.clone().map(set).unwrap_or_default()),
            ];
            if self.config.flavor == Flavor::OpenLdap {
                mods.push(Mod::Replace("cn".to_string(), set(spec.display_name.clone())));
            }
            check(ldap.modify(&e.dn, mods).await.map_err(unavailable)?, "update")
        }
        .await;
        Self::finish(ldap).await;
        result
    }
    async fn set_password(&self, username: &str, password: &str) -> Result<()> {
        let mut ldap = self.connect().await?;
        let result = async {
            let e = self.find(&mut ldap, username).await?.ok_or_else(|| ConnectorError::Rejected(format!("no account {username}")))?;
            let r = match self.config.flavor {
                Flavor::OpenLdap => ldap
                    .modify(
                        &e.dn,
                        vec![Mod::Replace("userPassword".to_string(), set(password)), Mod::Replace("pwdReset".to_string(), set("TRUE"))],
                    )
                    .await
                    .map_err(unavailable)?,
                Flavor::ActiveDirectory => ldap
                    .modify(
                        &e.dn,
                        vec![
                            Mod::Replace("unicodePwd".as_bytes().to_vec(), HashSet::from([ad::unicode_pwd(password)])),
                            Mod::Replace("pwdLastSet".as_bytes().to_vec(), HashSet::from([ad::MUST_CHANGE_PASSWORD.as_bytes().to_vec()])),
                        ],
                    )
                    .await
                    .map_err(unavailable)?,
            };
            check(r, "set password")
        }
        .await;
        Self::finish(ldap).await;
        result
    }

    async fn create(&self, spec: &AccountSpec) -> Result<()> {
        let mut ldap = self.connect().await?;
        let result = async {
            let existing = self.find(&mut ldap, &spec.username).await?;
            let dn = match &existing {
                Some(e) => e.dn.clone(),
                None => {
                    let dn = self.user_dn(&spec.username);
                    let mut attrs: Vec<(String, HashSet<String>)> = vec![
                        ("cn".into(), set(spec.display_name.clone())),
                        ("sn".into(), set(spec.surname.clone())),
                        ("givenName".into(), set(spec.given_name.clone())),
                        ("displayName".into(), set(spec.display_name.clone())),
                    ];
                    if let Some(m) = &spec.email {
                        attrs.push(("mail".into(), set(m.clone())));
                    }
                    match self.config.flavor {
                        Flavor::OpenLdap => {
                            attrs.push((
                                "objectClass".into(),
                                HashSet::from(["inetOrgPerson".to_string(), "organizationalPerson".into(), "person".into(), "top".into()]),
                            ));
                            attrs.push(("uid".into(), set(spec.username.clone())));
                            if let Some(pw) = &spec.initial_password {
                                attrs.push(("userPassword".into(), set(pw.clone())));
                                // ppolicy: the password must be changed at the next bind.
                                attrs.push(("pwdReset".into(), set("TRUE")));
                            }
                            if !spec.enabled {
                                attrs.push(("pwdAccountLockedTime".into(), set(LOCKED_FOREVER)));
                            }
                        }
                        Flavor::ActiveDirectory => {
                            attrs.push((
                                "objectClass".into(),
                                HashSet::from(["user".to_string(), "organizationalPerson".into(), "person".into(), "top".into()]),
                            ));
                            attrs.push(("sAMAccountName".into(), set(spec.username.clone())));
                            attrs.push(("userAccountControl".into(), set(ad::user_account_control(0, spec.enabled).to_string())));
                            attrs.push(("accountExpires".into(), set(ad::account_expires(spec.valid_to).to_string())));
                            attrs.push(("pwdLastSet".into(), set(ad::MUST_CHANGE_PASSWORD)));
                        }
                    }
                    let r = ldap.add(&dn, attrs).await.map_err(unavailable)?;
                    // Created meanwhile by an earlier attempt whose result was lost: fine.
                    if r.rc != 68 {
                        check(r, "add")?;
                    }
                    if self.config.flavor == Flavor::ActiveDirectory
                        && let Some(pw) = &spec.initial_password
                    {
                        let pwd = ad::unicode_pwd(pw);
                        let r = ldap
                            .modify(&dn, vec![Mod::Replace("unicodePwd".as_bytes().to_vec(), HashSet::from([pwd]))])
                            .await
                            .map_err(unavailable)?;
                        check(r, "set password")?;
                    }
                    dn
                }
            };
            if let Some(e) = self.find(&mut ldap, &spec.username).await? {
                self.enable(&mut ldap, &e, spec.enabled).await?;
            }
            self.apply_groups(&mut ldap, &dn, &spec.groups).await
        }
        .await;
        Self::finish(ldap).await;
        result
    }

    async fn set_enabled(&self, username: &str, enabled: bool) -> Result<()> {
        let mut ldap = self.connect().await?;
        let result = async {
            match self.find(&mut ldap, username).await? {
                Some(e) => self.enable(&mut ldap, &e, enabled).await,
                // Disabling an account that is not there is done; enabling it is not.
                None if !enabled => Ok(()),
                None => Err(ConnectorError::Rejected(format!("no account {username}"))),
            }
        }
        .await;
        Self::finish(ldap).await;
        result
    }

    async fn set_groups(&self, username: &str, groups: &[String]) -> Result<()> {
        let mut ldap = self.connect().await?;
        let result = async {
            let e = self.find(&mut ldap, username).await?.ok_or_else(|| ConnectorError::Rejected(format!("no account {username}")))?;
            self.apply_groups(&mut ldap, &e.dn, groups).await
        }
        .await;
        Self::finish(ldap).await;
        result
    }

    async fn set_expiry(&self, username: &str, valid_to: Option<Date>) -> Result<()> {
        if self.config.flavor == Flavor::OpenLdap {
            // OpenLDAP has no expiry attribute: Portvagt's daily lifecycle disables the
            // account after its last day.
            return Ok(());
        }
        let mut ldap = self.connect().await?;
        let result = async {
            let e = self.find(&mut ldap, username).await?.ok_or_else(|| ConnectorError::Rejected(format!("no account {username}")))?;
            let r = ldap
                .modify(&e.dn, vec![Mod::Replace("accountExpires".to_string(), set(ad::account_expires(valid_to).to_string()))])
                .await
                .map_err(unavailable)?;
            check(r, "set expiry")
        }
        .await;
        Self::finish(ldap).await;
        result
    }
}

impl Schema for LdapConnector {
    async fn groups(&self) -> Result<Vec<String>> {
        let mut ldap = self.connect().await?;
        let result = async {
            let entries = search_entries(ldap.search(&self.config.groups_dn, Scope::OneLevel, "(cn=*)", vec!["cn"]).await)?;
            let mut names: Vec<String> = entries.into_iter().filter_map(|e| e.attrs.get("cn").and_then(|v| v.first().cloned())).collect();
            names.sort();
            Ok(names)
        }
        .await;
        Self::finish(ldap).await;
        result
    }
}

impl ReadBack for LdapConnector {
    async fn read(&self, username: &str) -> Result<Option<RemoteAccount>> {
        let mut ldap = self.connect().await?;
        let result = async {
            match self.find(&mut ldap, username).await? {
                Some(e) => {
                    let groups = self.groups_of(&mut ldap, &e.dn).await?;
                    Ok(Some(RemoteAccount { username: username.to_string(), enabled: self.enabled_of(&e), groups }))
                }
                None => Ok(None),
            }
        }
        .await;
        Self::finish(ldap).await;
        result
    }

    /// Every account in the users OU with its groups: two searches, however many
    /// accounts there are.
    async fn list(&self) -> Result<Vec<RemoteAccount>> {
        let mut ldap = self.connect().await?;
        let result = async {
            let attr = self.naming_attr();
            let filter = format!("({attr}=*)");
            let entries = search_entries(
                ldap.search(&self.config.users_dn, Scope::Subtree, &filter, vec![attr, "pwdAccountLockedTime", "userAccountControl"]).await,
            )?;
            let groups = search_entries(ldap.search(&self.config.groups_dn, Scope::OneLevel, "(member=*)", vec!["cn", "member"]).await)?;
            let mut member_of: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
            for g in groups {
                let Some(cn) = g.attrs.get("cn").and_then(|v| v.first()).cloned() else { continue };
                for m in g.attrs.get("member").into_iter().flatten() {
                    member_of.entry(m.to_lowercase()).or_default().push(cn.clone());
                }
            }
            let mut out = Vec::new();
            for e in entries {
                let Some(username) = e.attrs.get(attr).and_then(|v| v.first()).cloned() else { continue };
                let mut groups = member_of.remove(&e.dn.to_lowercase()).unwrap_or_default();
                groups.sort();
                out.push(RemoteAccount { username, enabled: self.enabled_of(&e), groups });
            }
            out.sort_by(|a, b| a.username.cmp(&b.username));
            Ok(out)
        }
        .await;
        Self::finish(ldap).await;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_and_rdn_values_are_escaped() {
        assert_eq!(filter_value("a*(b)\\"), "a\\2a\\28b\\29\\5c");
        assert_eq!(rdn_value("Hansen, Mette"), "Hansen\\, Mette");
        assert_eq!(rdn_value("#x"), "\\#x");
    }
}
