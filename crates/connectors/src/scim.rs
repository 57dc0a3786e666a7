//! The SCIM 2.0 client (RFC 7643, RFC 7644): users created, updated and deactivated,
//! group membership through PATCH, `ETag` versions sent as `If-Match`, paging on
//! read-back, and errors mapped: 5xx and unreachable targets are retried, 4xx refusals
//! are not, and a response that is not SCIM is a refusal — never a panic.

use crate::{AccountSpec, ConnectorError, Provision, ReadBack, RemoteAccount, Result, Schema};
use domain::time::Date;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const PAGE: u64 = 100;

/// Where and how to reach a SCIM service provider.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScimConfig {
    /// The base URL, e.g. `https://nexus.example/scim/v2`.
    pub base_url: String,
    pub bearer_token: String,
}

impl std::fmt::Debug for ScimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimConfig").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct ScimConnector {
    config: ScimConfig,
    http: reqwest::Client,
}

/// A user as the service provider holds it.
struct Found {
    id: String,
    version: Option<String>,
    active: bool,
}

fn malformed(what: &str) -> ConnectorError {
    ConnectorError::Rejected(format!("malformed SCIM response: {what}"))
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

impl ScimConnector {
    pub fn new(config: ScimConfig) -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap_or_default();
        ScimConnector { config, http }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.config.base_url.trim_end_matches('/'), path.trim_start_matches('/'))
    }

    /// Sends a request; maps transport errors and error statuses. Returns the JSON body
    /// (`Null` for an empty one) and the `ETag`.
    async fn call(&self, method: Method, path: &str, body: Option<Value>, if_match: Option<&str>) -> Result<(Value, Option<String>)> {
        let mut req =
            self.http.request(method, self.url(path)).bearer_auth(&self.config.bearer_token).header("Accept", "application/scim+json");
        if let Some(b) = body {
            req = req.header("Content-Type", "application/scim+json").body(b.to_string());
        }
        if let Some(v) = if_match {
            req = req.header("If-Match", v);
        }
        let res = req.send().await.map_err(|e| ConnectorError::Unavailable(e.to_string()))?;
        let status = res.status();
        let etag = res.headers().get("etag").and_then(|v| v.to_str().ok()).map(String::from);
        let text = res.text().await.map_err(|e| ConnectorError::Unavailable(e.to_string()))?;
        let json: Value =
            if text.trim().is_empty() { Value::Null } else { serde_json::from_str(&text).map_err(|_| malformed("not JSON"))? };
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            return Err(ConnectorError::Unavailable(format!("{status}: {}", json.get("detail").and_then(|d| d.as_str()).unwrap_or(""))));
        }
        if !status.is_success() {
            let scim_type = json.get("scimType").and_then(|d| d.as_str()).unwrap_or("");
            let detail = json.get("detail").and_then(|d| d.as_str()).unwrap_or("");
            return Err(ConnectorError::Rejected(format!("{status} {scim_type} {detail}").trim().to_string()));
        }
        Ok((json, etag))
    }

    async fn find(&self, username: &str) -> Result<Option<Found>> {
        let path = format!("Users?filter={}", urlencode(&format!("userName eq \"{}\"", quote(username))));
        let (json, _) = self.call(Method::GET, &path, None, None).await?;
        let resources = json.get("Resources").and_then(|r| r.as_array()).cloned().unwrap_or_default();
        let Some(u) =
            resources.into_iter().find(|u| u.get("userName").and_then(|n| n.as_str()).is_some_and(|n| n.eq_ignore_ascii_case(username)))
        else {
            return Ok(None);
        };
        Ok(Some(Found {
            id: u.get("id").and_then(|i| i.as_str()).ok_or_else(|| malformed("a user without id"))?.to_string(),
            version: u.pointer("/meta/version").and_then(|v| v.as_str()).map(String::from),
            active: u.get("active").and_then(|a| a.as_bool()).unwrap_or(true),
        }))
    }

    async fn group_id(&self, name: &str) -> Result<String> {
        let path = format!("Groups?filter={}", urlencode(&format!("displayName eq \"{}\"", quote(name))));
        let (json, _) = self.call(Method::GET, &path, None, None).await?;
        json.get("Resources")
            .and_then(|r| r.as_array())
            .and_then(|r| r.iter().find(|g| g.get("displayName").and_then(|n| n.as_str()) == Some(name)))
            .and_then(|g| g.get("id").and_then(|i| i.as_str()))
            .map(String::from)
            .ok_or_else(|| ConnectorError::Rejected(format!("group {name} does not exist")))
    }

    /// The names of the groups a user is in, asked of the groups themselves.
    async fn groups_of(&self, user_id: &str) -> Result<Vec<String>> {
        let mut names = Vec::new();
        for g in self.all("Groups").await? {
            let member = g
                .get("members")
                .and_then(|m| m.as_array())
                .is_some_and(|m| m.iter().any(|x| x.get("value").and_then(|v| v.as_str()) == Some(user_id)));
            if member && let Some(n) = g.get("displayName").and_then(|n| n.as_str()) {
                names.push(n.to_string());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Every resource of a kind, page by page.
    async fn all(&self, kind: &str) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut start = 1;
        loop {
            let (json, _) = self.call(Method::GET, &format!("{kind}?startIndex={start}&count={PAGE}"), None, None).await?;
            let page = json.get("Resources").and_then(|r| r.as_array()).cloned().unwrap_or_default();
            let total = json.get("totalResults").and_then(|t| t.as_u64()).ok_or_else(|| malformed("a list without totalResults"))?;
            let n = page.len() as u64;
            out.extend(page);
            start += n;
            if n == 0 || start > total {
                break;
            }
        }
        Ok(out)
    }

    async fn patch_active(&self, user: &Found, active: bool) -> Result<()> {
        let body = json!({ "schemas": [PATCH_SCHEMA], "Operations": [{ "op": "replace", "path": "active", "value": active }] });
        self.call(Method::PATCH, &format!("Users/{}", user.id), Some(body), user.version.as_deref()).await.map(|_| ())
    }

    async fn apply_groups(&self, user_id: &str, groups: &[String]) -> Result<()> {
        let current = self.groups_of(user_id).await?;
        for g in groups.iter().filter(|g| !current.contains(g)) {
            let gid = self.group_id(g).await?;
            let body =
                json!({ "schemas": [PATCH_SCHEMA], "Operations": [{ "op": "add", "path": "members", "value": [{ "value": user_id }] }] });
            self.call(Method::PATCH, &format!("Groups/{gid}"), Some(body), None).await?;
        }
        for g in current.iter().filter(|g| !groups.contains(g)) {
            let gid = self.group_id(g).await?;
            let body = json!({ "schemas": [PATCH_SCHEMA], "Operations": [{ "op": "remove", "path": format!("members[value eq \"{user_id}\"]") }] });
            self.call(Method::PATCH, &format!("Groups/{gid}"), Some(body), None).await?;
        }
        Ok(())
    }
}

/// Percent-encodes a query value.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Provision for ScimConnector {
    async fn update(&self, spec: &AccountSpec) -> Result<()> {
        let u = self.find(&spec.username).await?.ok_or_else(|| ConnectorError::Rejected(format!("no user {}", spec.username)))?;
        let mut ops = vec![
            json!({ "op": "replace", "path": "displayName", "value": spec.display_name }),
            json!({ "op": "replace", "path": "name", "value": { "givenName": spec.given_name, "familyName": spec.surname } }),
        ];
        if let Some(m) = &spec.email {
            ops.push(json!({ "op": "replace", "path": "emails", "value": [{ "value": m, "primary": true }] }));
        }
        let body = json!({ "schemas": [PATCH_SCHEMA], "Operations": ops });
        self.call(Method::PATCH, &format!("Users/{}", u.id), Some(body), u.version.as_deref()).await.map(|_| ())
    }
    async fn set_password(&self, username: &str, password: &str) -> Result<()> {
        let u = self.find(username).await?.ok_or_else(|| ConnectorError::Rejected(format!("no user {username}")))?;
        let body = json!({ "schemas": [PATCH_SCHEMA], "Operations": [{ "op": "replace", "path": "password", "value": password }] });
        self.call(Method::PATCH, &format!("Users/{}", u.id), Some(body), u.version.as_deref()).await.map(|_| ())
    }

    async fn create(&self, spec: &AccountSpec) -> Result<()> {
        let user = match self.find(&spec.username).await? {
            Some(u) => {
                if u.active != spec.enabled {
                    self.patch_active(&u, spec.enabled).await?;
                }
                u.id
            }
            None => {
                let mut body = json!({
                    "schemas": [USER_SCHEMA],
                    "userName": spec.username,
                    "displayName": spec.display_name,
                    "name": { "givenName": spec.given_name, "familyName": spec.surname },
                    "active": spec.enabled,
                });
                if let Some(m) = &spec.email {
                    body["emails"] = json!([{ "value": m, "primary": true }]);
                }
                if let Some(pw) = &spec.initial_password {
                    body["password"] = json!(pw);
                }
                let (json, _) = self.call(Method::POST, "Users", Some(body), None).await?;
                json.get("id").and_then(|i| i.as_str()).ok_or_else(|| malformed("a created user without id"))?.to_string()
            }
        };
        self.apply_groups(&user, &spec.groups).await
    }

    async fn set_enabled(&self, username: &str, enabled: bool) -> Result<()> {
        match self.find(username).await? {
            Some(u) if u.active == enabled => Ok(()),
            Some(u) => self.patch_active(&u, enabled).await,
            None if !enabled => Ok(()),
            None => Err(ConnectorError::Rejected(format!("no user {username}"))),
        }
    }

    async fn set_groups(&self, username: &str, groups: &[String]) -> Result<()> {
        let u = self.find(username).await?.ok_or_else(|| ConnectorError::Rejected(format!("no user {username}")))?;
        self.apply_groups(&u.id, groups).await
    }

    async fn set_expiry(&self, _username: &str, _valid_to: Option<Date>) -> Result<()> {
        // The SCIM core schema has no expiry: Portvagt's lifecycle deactivates the user.
        Ok(())
    }
}

impl Schema for ScimConnector {
    async fn groups(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> =
            self.all("Groups").await?.iter().filter_map(|g| g.get("displayName").and_then(|n| n.as_str()).map(String::from)).collect();
        names.sort();
        Ok(names)
    }
}

impl ReadBack for ScimConnector {
    async fn read(&self, username: &str) -> Result<Option<RemoteAccount>> {
        match self.find(username).await? {
            Some(u) => Ok(Some(RemoteAccount { username: username.to_string(), enabled: u.active, groups: self.groups_of(&u.id).await? })),
            None => Ok(None),
        }
    }

    async fn list(&self) -> Result<Vec<RemoteAccount>> {
        let groups = self.all("Groups").await?;
        let mut out = Vec::new();
        for u in self.all("Users").await? {
            let (Some(id), Some(name)) = (u.get("id").and_then(|i| i.as_str()), u.get("userName").and_then(|n| n.as_str())) else {
                return Err(malformed("a user without id or userName"));
            };
            let mut member_of: Vec<String> = groups
                .iter()
                .filter(|g| {
                    g.get("members")
                        .and_then(|m| m.as_array())
                        .is_some_and(|m| m.iter().any(|x| x.get("value").and_then(|v| v.as_str()) == Some(id)))
                })
                .filter_map(|g| g.get("displayName").and_then(|n| n.as_str()).map(String::from))
                .collect();
            member_of.sort();
            out.push(RemoteAccount {
                username: name.to_string(),
                enabled: u.get("active").and_then(|a| a.as_bool()).unwrap_or(true),
                groups: member_of,
            });
        }
        out.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(out)
    }
}
