//! NOT-1: mail to the configured SMTP server, over STARTTLS, TLS or (on loopback only)
//! plain SMTP, on up to `connections` connections kept open between mails. A refusal the
//! server calls temporary, or no answer, is [`ConnectorError::Unavailable`] and retried;
//! a permanent refusal (an unknown address) is [`ConnectorError::Rejected`].
//!
//! lettre speaks SMTP; the connections are Portvagt's own so that they are made with
//! `TCP_NODELAY`: lettre writes a mail's end-of-data line apart from its body, and
//! Nagle's algorithm would hold that line until the server acknowledged the body — a
//! delayed-acknowledgement stall of up to 40 ms on every mail.

use crate::{ConnectorError, Result};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Semaphore};

/// How long connecting, and sending one mail, may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP, upgraded with STARTTLS, which must succeed.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a server on this machine.
    None,
}

/// The SMTP server and the sender.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// Read from a file by the caller; never printed.
    pub password: Option<String>,
    /// The sender, e.g. `Portvagt <portvagt@kommune.dk>`.
    pub from: String,
    /// A CA certificate (PEM) the server's certificate is checked against, besides the
    /// public roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Connections kept open to the server at most.
    pub connections: u32,
}

/// One mail, ready to send: plain text and HTML of the same content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// A stable Message-ID, so a receiving system can tell a repeated delivery.
    pub message_id: String,
}

/// The SMTP client: cheap to clone, sharing its connections.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    host: String,
    port: u16,
    security: SmtpSecurity,
    tls: Option<TlsParameters>,
    credentials: Option<Credentials>,
    from: Mailbox,
    hello: ClientId,
    /// Connections open and not in use.
    idle: Mutex<Vec<AsyncSmtpConnection>>,
    /// One permit per connection that may be open.
    permits: Semaphore,
    connections: usize,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("host", &self.inner.host).field("from", &self.inner.from.to_string()).finish_non_exhaustive()
    }
}

impl Mailer {
    /// Checks the settings and makes the client; connects only when mail is sent.
    pub fn new(s: &SmtpSettings) -> std::result::Result<Mailer, String> {
        let from: Mailbox = s.from.parse().map_err(|e| format!("mail.from {:?} is not an e-mail address: {e}", s.from))?;
        if s.security == SmtpSecurity::None && !is_loopback(&s.host) {
            return Err(format!("mail.security = \"none\" is only allowed for a server on this machine, not {}", s.host));
        }
        let tls = match s.security {
            SmtpSecurity::None => None,
            _ => {
                let mut b = TlsParameters::builder(s.host.clone());
                if let Some(pem) = &s.ca_pem {
                    let cert = Certificate::from_pem(pem).map_err(|e| format!("mail.ca_file is not a PEM certificate: {e}"))?;
                    b = b.add_root_certificate(cert);
                }
                Some(b.build_rustls().map_err(|e| format!("mail TLS settings: {e}"))?)
            }
        };
        let connections = s.connections.max(1) as usize;
        Ok(Mailer {
            inner: Arc::new(Inner {
                host: s.host.clone(),
                port: s.port,
                security: s.security,
                tls,
                credentials: match (&s.username, &s.password) {
                    (Some(u), Some(p)) => Some(Credentials::new(u.clone(), p.clone())),
                    _ => None,
                },
                from,
                hello: ClientId::default(),
                idle: Mutex::new(Vec::new()),
                permits: Semaphore::new(connections),
                connections,
            }),
        })
    }

    /// How many mails may be on their way at once (one per connection).
    pub fn connections(&self) -> usize {
        self.inner.connections
    }

    /// Sends one mail; `Ok` once the server accepted it.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<()> {
        let to: Mailbox = mail.to.parse().map_err(|_| ConnectorError::Rejected("the recipient's address is not valid".into()))?;
        let message = Message::builder()
            .from(self.inner.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()))
            .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
            .map_err(|e| ConnectorError::Rejected(format!("the mail could not be built: {e}")))?;
        let bytes = message.formatted();
        let _permit = self.inner.permits.acquire().await.map_err(|e| ConnectorError::Unavailable(e.to_string()))?;
        let kept = self.inner.idle.lock().await.pop();
        let reused = kept.is_some();
        let mut conn = match kept {
            Some(c) => c,
            None => self.connect().await?,
        };
        let mut outcome = self.send_on(&mut conn, message.envelope(), &bytes).await;
        // A kept connection the server has closed meanwhile: once more on a new one.
        if reused && matches!(outcome, Err(ConnectorError::Unavailable(_))) {
            conn.abort().await;
            conn = self.connect().await?;
            outcome = self.send_on(&mut conn, message.envelope(), &bytes).await;
        }
        if outcome.is_ok() || !conn.has_broken() {
            self.inner.idle.lock().await.push(conn);
        } else {
            conn.abort().await;
        }
        outcome
    }

    async fn send_on(&self, conn: &mut AsyncSmtpConnection, envelope: &lettre::address::Envelope, bytes: &[u8]) -> Result<()> {
        match tokio::time::timeout(TIMEOUT, conn.send(envelope, bytes)).await {
            Err(_) => Err(ConnectorError::Unavailable("the mail server did not answer in time".into())),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(classify(e)),
        }
    }

    /// A new connection: TLS or STARTTLS as configured, logged in when credentials are.
    async fn connect(&self) -> Result<AsyncSmtpConnection> {
        let i = &self.inner;
        let unavailable = |e: std::io::Error| ConnectorError::Unavailable(format!("the mail server {}:{}: {e}", i.host, i.port));
        let connect = async {
            let mut conn = match i.security {
                SmtpSecurity::Tls => {
                    AsyncSmtpConnection::connect_tokio1((i.host.as_str(), i.port), Some(TIMEOUT), &i.hello, i.tls.clone(), None)
                        .await
                        .map_err(classify)?
                }
                _ => {
                    let tcp = tokio::net::TcpStream::connect((i.host.as_str(), i.port)).await.map_err(unavailable)?;
                    tcp.set_nodelay(true).map_err(unavailable)?;
                    AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &i.hello).await.map_err(classify)?
                }
            };
            if let (SmtpSecurity::Starttls, Some(tls)) = (i.security, &i.tls) {
                conn.starttls(tls.clone(), &i.hello).await.map_err(classify)?;
            }
            if let Some(c) = &i.credentials {
                conn.auth(&[Mechanism::Plain, Mechanism::Login], c).await.map_err(classify)?;
            }
            Ok(conn)
        };
        match tokio::time::timeout(TIMEOUT, connect).await {
            Err(_) => Err(ConnectorError::Unavailable("the mail server did not answer in time".into())),
            Ok(r) => r,
        }
    }

    /// Whether the server answers and accepts the settings (used at start to report a
    /// wrong setting early).
    pub async fn check(&self) -> Result<()> {
        let mut conn = self.connect().await?;
        let _ = conn.quit().await;
        Ok(())
    }
}

fn classify(e: lettre::transport::smtp::Error) -> ConnectorError {
    if e.is_permanent() {
        ConnectorError::Rejected(format!("the mail server refused the mail: {e}"))
    } else {
        ConnectorError::Unavailable(format!("the mail server: {e}"))
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
