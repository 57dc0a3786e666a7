//! A throwaway OpenLDAP server for tests: Debian's `slapd` with the password-policy
//! overlay, an empty `dc=kommune,dc=dk` tree, on a free loopback port, stopped when
//! dropped. The test command installs `slapd` when it is missing.

use crate::ldap::{Flavor, LdapConfig};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const SUFFIX: &str = "dc=kommune,dc=dk";
pub const ADMIN_DN: &str = "cn=admin,dc=kommune,dc=dk";
const ADMIN_PW: &str = "test-admin-secret";

pub struct Slapd {
    child: Child,
    pub port: u16,
    /// With TLS: the `ldaps://` port and the CA's PEM file.
    pub tls: Option<(u16, std::path::PathBuf)>,
    _dir: tempfile::TempDir,
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn slapd_binary() -> &'static str {
    for p in ["/usr/sbin/slapd", "/usr/local/sbin/slapd"] {
        if Path::new(p).exists() {
            return p;
        }
    }
    panic!("slapd is not installed: run the test command `./scripts/test`, which installs it (apt-get install slapd ldap-utils)")
}

fn spawn(bin: &str, dir: &Path, port: u16, ldaps: Option<u16>) -> Child {
    let urls = match ldaps {
        Some(p) => format!("ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{p}/"),
        None => format!("ldap://127.0.0.1:{port}/"),
    };
    Command::new(bin)
        .arg("-f")
        .arg(dir.join("slapd.conf"))
        .arg("-h")
        .arg(urls)
        .arg("-d")
        .arg("0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start slapd")
}

/// A CA and a server certificate for 127.0.0.1, made with `openssl`; returns the slapd
/// configuration lines that use them.
fn make_certificates(dir: &Path) -> String {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl (Debian package openssl) is needed for the TLS tests");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    run(&[&["req", "-x509"][..], &ec, &["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Portvagt test CA"]].concat());
    run(&[&["req"][..], &ec, &["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]].concat());
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        .expect("ext.cnf");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    format!("TLSCACertificateFile {d}/ca.pem\nTLSCertificateFile {d}/server.pem\nTLSCertificateKeyFile {d}/server.key\n", d = dir.display())
}

impl Slapd {
    /// Starts a server with the users and groups OUs and the given groups.
    pub async fn start(groups: &[&str]) -> Slapd {
        Self::start_with(groups, false).await
    }

    /// The same, also speaking TLS (StartTLS and `ldaps://`) with a certificate for
    /// 127.0.0.1 from a throwaway CA made with `openssl`.
    pub async fn start_tls(groups: &[&str]) -> Slapd {
        Self::start_with(groups, true).await
    }

    async fn start_with(groups: &[&str], tls: bool) -> Slapd {
        let bin = slapd_binary();
        let dir = tempfile::tempdir().expect("temporary folder");
        let db = dir.path().join("db");
        std::fs::create_dir(&db).expect("db folder");
        let conf = format!(
            "include /etc/ldap/schema/core.schema\n\
             include /etc/ldap/schema/cosine.schema\n\
             include /etc/ldap/schema/inetorgperson.schema\n\
             modulepath /usr/lib/ldap\n\
             moduleload back_mdb\n\
             moduleload ppolicy\n\
             pidfile {dir}/slapd.pid\n\
             referral ldap://127.0.0.1:9/\n\
             database mdb\n\
             maxsize 104857600\n\
             suffix \"{SUFFIX}\"\n\
             rootdn \"{ADMIN_DN}\"\n\
             rootpw {ADMIN_PW}\n\
             directory {db}\n\
             index uid eq\n\
             index member eq\n\
             overlay ppolicy\n",
            dir = dir.path().display(),
            db = db.display()
        );
        let conf = if tls { format!("{}{conf}", make_certificates(dir.path())) } else { conf };
        std::fs::write(dir.path().join("slapd.conf"), conf).expect("slapd.conf");
        let port = free_port();
        let ldaps = tls.then(free_port);
        let tls = ldaps.map(|p| (p, dir.path().join("ca.pem")));
        let mut s = Slapd { child: spawn(bin, dir.path(), port, ldaps), port, tls, _dir: dir };
        s.wait_listening();
        s.seed(groups).await;
        s
    }

    fn wait_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "slapd did not start listening on port {}", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (its data stays), as an outage of the target.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same port with the same data.
    pub fn restart(&mut self) {
        self.stop();
        self.child = spawn(slapd_binary(), self._dir.path(), self.port, self.tls.as_ref().map(|(p, _)| *p));
        self.wait_listening();
    }

    pub fn config(&self) -> LdapConfig {
        LdapConfig {
            url: format!("ldap://127.0.0.1:{}", self.port),
            bind_dn: ADMIN_DN.into(),
            bind_password: ADMIN_PW.into(),
            users_dn: format!("ou=Leverandoerer,{SUFFIX}"),
            groups_dn: format!("ou=Grupper,{SUFFIX}"),
            flavor: Flavor::OpenLdap,
            starttls: false,
            ca_file: None,
        }
    }

    async fn seed(&self, groups: &[&str]) {
        use ldap3::LdapConnAsync;
        use std::collections::HashSet;
        let (conn, mut ldap) = LdapConnAsync::new(&format!("ldap://127.0.0.1:{}", self.port)).await.expect("connect");
        ldap3::drive!(conn);
        ldap.simple_bind(ADMIN_DN, ADMIN_PW).await.expect("bind").success().expect("bind ok");
        let s = |v: &str| HashSet::from([v.to_string()]);
        let add = |dn: String, attrs: Vec<(String, HashSet<String>)>| (dn, attrs);
        let mut entries = vec![
            add(
                SUFFIX.into(),
                vec![
                    ("objectClass".into(), HashSet::from(["dcObject".to_string(), "organization".into()])),
                    ("dc".into(), s("kommune")),
                    ("o".into(), s("Kommune")),
                ],
            ),
            add(
                format!("ou=Leverandoerer,{SUFFIX}"),
                vec![("objectClass".into(), s("organizationalUnit")), ("ou".into(), s("Leverandoerer"))],
            ),
            add(format!("ou=Grupper,{SUFFIX}"), vec![("objectClass".into(), s("organizationalUnit")), ("ou".into(), s("Grupper"))]),
        ];
        for g in groups {
            // groupOfNames needs a member: the admin stands in until a user joins.
            entries.push(add(
                format!("cn={g},ou=Grupper,{SUFFIX}"),
                vec![("objectClass".into(), s("groupOfNames")), ("cn".into(), s(g)), ("member".into(), s(ADMIN_DN))],
            ));
        }
        for (dn, attrs) in entries {
            ldap.add(&dn, attrs).await.expect("add").success().unwrap_or_else(|e| panic!("seed {dn}: {e}"));
        }
        let _ = ldap.unbind().await;
    }
}

/// A SCIM 2.0 service provider for tests: the `scim2-server` package from PyPI, which
/// the test command installs into a virtual environment and names in
/// `PORTVAGT_TEST_SCIM_SERVER`. In-memory, on a free loopback port, stopped when dropped.
pub struct ScimServer {
    child: Child,
    pub port: u16,
}

pub const SCIM_TOKEN: &str = "test-scim-token";

impl Drop for ScimServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ScimServer {
    /// Starts a server holding the given groups.
    pub async fn start(groups: &[&str]) -> ScimServer {
        let bin = std::env::var("PORTVAGT_TEST_SCIM_SERVER").unwrap_or_else(|_| {
            panic!("PORTVAGT_TEST_SCIM_SERVER is not set: run the test command `./scripts/test`, which installs scim2-server from PyPI into a virtual environment")
        });
        let port = free_port();
        let child = Command::new(&bin)
            .args(["--hostname", "127.0.0.1", "--port", &port.to_string(), "--bearer-token", SCIM_TOKEN])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {bin}: {e}"));
        let server = ScimServer { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "scim2-server did not start listening on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        let http = reqwest::Client::new();
        for g in groups {
            let body = serde_json::json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": g });
            let res = http
                .post(format!("{}/Groups", server.config().base_url))
                .bearer_auth(SCIM_TOKEN)
                .header("Content-Type", "application/scim+json")
                .body(body.to_string())
                .send()
                .await
                .expect("create group");
            assert!(res.status().is_success(), "create group {g}: {}", res.status());
        }
        server
    }

    pub fn config(&self) -> crate::scim::ScimConfig {
        crate::scim::ScimConfig { base_url: format!("http://127.0.0.1:{}/v2", self.port), bearer_token: SCIM_TOKEN.into() }
    }
}

/// An SMTP server for tests: `aiosmtpd` from PyPI, which the test command installs into
/// a virtual environment and names in `PORTVAGT_TEST_SMTP_SERVER`. On a free loopback
/// port it accepts every mail and keeps it as received, one file each in the order of
/// arrival (aiosmtpd's own Maildir handler parses every message first, which makes the
/// server, not the sender, the bottleneck of a benchmark), and stops when dropped.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let port = free_port();
        SmtpServer::start_on(port)
    }

    /// Starts on a given port (a server that was stopped comes back on its port).
    pub fn start_on(port: u16) -> SmtpServer {
        // The test command names it; a benchmark run by hand finds it where the test
        // command installs it.
        let installed =
            std::env::var("HOME").map(|h| format!("{h}/.cache/portvagt/venv/bin/aiosmtpd")).ok().filter(|p| Path::new(p).exists());
        let bin = std::env::var("PORTVAGT_TEST_SMTP_SERVER").ok().or(installed).unwrap_or_else(|| {
            panic!("PORTVAGT_TEST_SMTP_SERVER is not set: run the test command `./scripts/test`, which installs aiosmtpd from PyPI into a virtual environment")
        });
        let dir = tempfile::tempdir().expect("maildir");
        std::fs::write(dir.path().join("portvagt_spool.py"), SPOOL_HANDLER).expect("handler");
        let child = Command::new(&bin)
            .env("PYTHONPATH", dir.path())
            .args(["-n", "-l", &format!("127.0.0.1:{port}"), "-c", "portvagt_spool.Spool"])
            .arg(dir.path().join("box"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {bin}: {e}"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start listening on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer { child, port, dir }
    }

    /// The settings of a mailer sending here.
    pub fn settings(&self) -> crate::smtp::SmtpSettings {
        crate::smtp::SmtpSettings {
            host: "127.0.0.1".into(),
            port: self.port,
            security: crate::smtp::SmtpSecurity::None,
            username: None,
            password: None,
            from: "Portvagt <portvagt@kommune.example>".into(),
            ca_pem: None,
            connections: 4,
        }
    }

    /// Every mail received so far, as raw messages.
    pub fn received(&self) -> Vec<String> {
        let new = self.dir.path().join("box").join("new");
        let mut files: Vec<_> = std::fs::read_dir(&new).map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect()).unwrap_or_default();
        files.sort();
        files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).collect()
    }
}

/// aiosmtpd's handler of [`SmtpServer`]: each message's bytes as received, written to
/// `tmp/` and moved to `new/` when complete.
const SPOOL_HANDLER: &str = r#"
import itertools, os

class Spool:
    def __init__(self, root):
        self.root = root
        for d in ("tmp", "new"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        self.n = itertools.count()

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        name = "%09d.eml" % next(self.n)
        tmp = os.path.join(self.root, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(envelope.original_content)
        os.rename(tmp, os.path.join(self.root, "new", name))
        return "250 OK"
"#;
