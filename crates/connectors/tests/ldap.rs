//! The LDAP connector against a real OpenLDAP server (Debian's slapd).

use portvagt_connectors::ldap::LdapConnector;
use portvagt_connectors::testing::Slapd;
use portvagt_connectors::{AccountSpec, ConnectorError, Provision, ReadBack, Schema};

fn spec(username: &str, groups: &[&str], enabled: bool) -> AccountSpec {
    let mut s = AccountSpec::from_name(username, "Mette Hansen");
    s.groups = groups.iter().map(|g| g.to_string()).collect();
    s.enabled = enabled;
    s.initial_password = Some("Sommerferie2026x".into());
    s
}

#[tokio::test]
async fn creates_groups_disables_and_enables_accounts_idempotently() {
    // REQ: PRV-1, ACC-8
    let slapd = Slapd::start(&["NEX-JOURNAL", "AD-LOGON", "AD-DREV"]).await;
    let c = LdapConnector::new(slapd.config());
    c.create(&spec("omsmh1", &["NEX-JOURNAL", "AD-LOGON"], false)).await.unwrap();
    let read = c.read("omsmh1").await.unwrap().unwrap();
    assert_eq!(
        (read.enabled, read.groups.clone()),
        (false, vec!["AD-LOGON".to_string(), "NEX-JOURNAL".to_string()]),
        "created disabled, awaiting activation"
    );

    // A repeated creation (a retry after a lost result) brings the account to the spec.
    c.create(&spec("omsmh1", &["NEX-JOURNAL"], true)).await.unwrap();
    let read = c.read("omsmh1").await.unwrap().unwrap();
    assert_eq!((read.enabled, read.groups), (true, vec!["NEX-JOURNAL".to_string()]));
    assert_eq!(c.list().await.unwrap().len(), 1, "no duplicate");

    c.set_groups("omsmh1", &["AD-DREV".into(), "AD-LOGON".into()]).await.unwrap();
    assert_eq!(c.read("omsmh1").await.unwrap().unwrap().groups, vec!["AD-DREV".to_string(), "AD-LOGON".to_string()]);
    c.set_enabled("omsmh1", false).await.unwrap();
    c.set_enabled("omsmh1", false).await.unwrap();
    assert!(!c.read("omsmh1").await.unwrap().unwrap().enabled);
    c.set_enabled("omsmh1", true).await.unwrap();
    assert!(c.read("omsmh1").await.unwrap().unwrap().enabled);
    c.set_enabled("nobody", false).await.expect("disabling a missing account is done");
    c.set_password("omsmh1", "Vinterferie2027y").await.expect("a new initial password");
    let mut renamed = spec("omsmh1", &[], true);
    renamed.display_name = "Mette Hansen-Holm".into();
    renamed.surname = "Hansen-Holm".into();
    c.update(&renamed).await.expect("name and e-mail updated");
    assert!(c.update(&spec("nobody", &[], true)).await.is_err());
    assert!(c.set_password("nobody", "x").await.is_err());
    assert_eq!(c.groups().await.unwrap(), ["AD-DREV", "AD-LOGON", "NEX-JOURNAL"], "the groups role codes can name");
    assert!(c.read("nobody").await.unwrap().is_none());

    // A group that does not exist is a refusal, not worth retrying.
    let e = c.set_groups("omsmh1", &["NO-SUCH-GROUP".into()]).await.unwrap_err();
    assert!(matches!(&e, ConnectorError::Rejected(m) if m.contains("NO-SUCH-GROUP")), "{e:?}");
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn a_directory_that_is_down_is_a_retryable_failure() {
    // REQ: PRV-2
    let slapd = Slapd::start(&[]).await;
    let config = slapd.config();
    drop(slapd);
    let c = LdapConnector::new(config);
    let e = c.create(&spec("x", &[], true)).await.unwrap_err();
    assert!(e.is_retryable(), "{e:?}");
    let running = Slapd::start(&[]).await;
    let mut wrong = running.config();
    wrong.bind_password = "wrong".into();
    let e = LdapConnector::new(wrong).read("x").await.unwrap_err();
    assert!(matches!(e, ConnectorError::Rejected(_)), "bad credentials are not retried: {e:?}");
}

#[tokio::test]
async fn a_referral_is_a_recorded_refusal_not_a_panic() {
    // REQ: PRV-2
    let slapd = Slapd::start(&[]).await;
    let mut config = slapd.config();
    // A DN outside the server's naming context: it answers with a referral.
    config.users_dn = "ou=Brugere,dc=andet,dc=dk".into();
    let e = LdapConnector::new(config).read("omsmh1").await.unwrap_err();
    assert!(matches!(&e, ConnectorError::Rejected(m) if m.contains("referral")), "{e:?}");
}

#[tokio::test]
async fn starttls_and_ldaps_with_the_directorys_ca() {
    // REQ: PRV-1
    let slapd = Slapd::start_tls(&["AD-LOGON"]).await;
    let (ldaps_port, ca) = slapd.tls.clone().unwrap();
    let mut starttls = slapd.config();
    starttls.starttls = true;
    starttls.ca_file = Some(ca.clone());
    let c = LdapConnector::new(starttls.clone());
    c.create(&spec("omsmh1", &["AD-LOGON"], true)).await.expect("over StartTLS");
    let mut ldaps = slapd.config();
    ldaps.url = format!("ldaps://127.0.0.1:{ldaps_port}");
    ldaps.ca_file = Some(ca);
    assert!(LdapConnector::new(ldaps).read("omsmh1").await.unwrap().is_some(), "over ldaps://");
    // Without the CA the certificate is not trusted: no silent fallback to plain text.
    starttls.ca_file = None;
    assert!(LdapConnector::new(starttls).read("omsmh1").await.is_err());
}
