//! The SCIM client against a real SCIM 2.0 server not written here (`scim2-server`).

use portvagt_connectors::scim::{ScimConfig, ScimConnector};
use portvagt_connectors::testing::ScimServer;
use portvagt_connectors::{AccountSpec, ConnectorError, Provision, ReadBack, Schema};

fn spec(username: &str, groups: &[&str], enabled: bool) -> AccountSpec {
    let mut s = AccountSpec::from_name(username, "Mette Hansen");
    s.groups = groups.iter().map(|g| g.to_string()).collect();
    s.enabled = enabled;
    s.email = Some(format!("{username}@leverandor.dk"));
    s
}

#[tokio::test]
async fn users_groups_and_deactivation_through_scim() {
    // REQ: PRV-1, PRV-3
    let server = ScimServer::start(&["NEX-JOURNAL", "NEX-MEDICIN"]).await;
    let c = ScimConnector::new(server.config());
    c.create(&spec("omsmh1", &["NEX-JOURNAL"], false)).await.unwrap();
    let read = c.read("omsmh1").await.unwrap().unwrap();
    assert_eq!((read.enabled, read.groups), (false, vec!["NEX-JOURNAL".to_string()]));
    // A retried creation converges instead of duplicating.
    c.create(&spec("omsmh1", &["NEX-JOURNAL", "NEX-MEDICIN"], true)).await.unwrap();
    let read = c.read("omsmh1").await.unwrap().unwrap();
    assert_eq!((read.enabled, read.groups), (true, vec!["NEX-JOURNAL".to_string(), "NEX-MEDICIN".to_string()]));
    c.set_groups("omsmh1", &["NEX-MEDICIN".into()]).await.unwrap();
    c.set_enabled("omsmh1", false).await.unwrap();
    let read = c.read("omsmh1").await.unwrap().unwrap();
    assert_eq!((read.enabled, read.groups), (false, vec!["NEX-MEDICIN".to_string()]));
    assert!(c.read("nobody").await.unwrap().is_none());
    c.set_password("omsmh1", "Vinterferie2027y").await.unwrap();
    let mut renamed = spec("omsmh1", &[], false);
    renamed.display_name = "Mette Hansen-Holm".into();
    c.update(&renamed).await.unwrap();
    assert_eq!(c.groups().await.unwrap(), ["NEX-JOURNAL", "NEX-MEDICIN"]);

    // Paging on read-back: more users than one page.
    for i in 0..130 {
        c.create(&spec(&format!("user{i:03}"), &[], true)).await.unwrap();
    }
    assert_eq!(c.list().await.unwrap().len(), 131);

    let e = c.set_groups("omsmh1", &["NO-SUCH".into()]).await.unwrap_err();
    assert!(matches!(e, ConnectorError::Rejected(_)), "{e:?}");
}

#[tokio::test]
async fn errors_are_mapped_never_panics() {
    // REQ: PRV-2
    let server = ScimServer::start(&[]).await;
    let wrong = ScimConnector::new(ScimConfig { bearer_token: "wrong".into(), ..server.config() });
    assert!(matches!(wrong.read("x").await.unwrap_err(), ConnectorError::Rejected(_)), "401 is a refusal");
    let config = server.config();
    drop(server);
    let down = ScimConnector::new(config);
    assert!(down.create(&spec("x", &[], true)).await.unwrap_err().is_retryable());
}

/// A target that misbehaves: a 500, a body that is not SCIM, HTML. Each is a recorded
/// failure with the right retry class, never a panic. (A small server of the test's own:
/// no real SCIM server can be made to answer like this.)
#[tokio::test]
async fn misbehaving_targets_are_failures_never_panics() {
    // REQ: PRV-2
    use axum::routing::any;
    use axum::{Router, http::StatusCode};
    let app = Router::new()
        .route("/broken/v2/{*rest}", any(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "{\"detail\":\"database down\"}") }))
        .route("/html/v2/{*rest}", any(|| async { (StatusCode::OK, "<html>login</html>") }))
        .route("/odd/v2/{*rest}", any(|| async { (StatusCode::OK, "{\"Resources\":[{\"userName\":\"x\"}],\"totalResults\":\"many\"}") }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let c = |path: &str| ScimConnector::new(ScimConfig { base_url: format!("{base}/{path}/v2"), bearer_token: "t".into() });
    let e = c("broken").create(&spec("x", &[], true)).await.unwrap_err();
    assert!(e.is_retryable() && e.to_string().contains("database down"), "{e:?}");
    let e = c("html").read("x").await.unwrap_err();
    assert!(matches!(&e, ConnectorError::Rejected(m) if m.contains("not JSON")), "{e:?}");
    let e = c("odd").read("x").await.unwrap_err();
    assert!(matches!(&e, ConnectorError::Rejected(m) if m.contains("without id")), "{e:?}");
    let e = c("odd").list().await.unwrap_err();
    assert!(matches!(&e, ConnectorError::Rejected(m) if m.contains("totalResults")), "{e:?}");
}
