//! The SCIM client against a real SCIM 2.0 server not written here (`scim2-server`).

use portvagt_connectors::scim::{ScimConfig, ScimConnector};
use portvagt_connectors::testing::ScimServer;
use portvagt_connectors::{AccountSpec, ConnectorError, Provision, ReadBack};

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
