//! NOT-1: mail to the configured SMTP server, over STARTTLS, TLS or (on loopback only)
//! plain SMTP, with a pool of connections. A refusal the server calls temporary, or no
//! answer, is [`ConnectorError::Unavailable`] and retried; a permanent refusal (an
//! unknown address) is [`ConnectorError::Rejected`].

use crate::{ConnectorError, Result};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

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

/// The SMTP client.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish_non_exhaustive()
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
            SmtpSecurity::None => Tls::None,
            security => {
                let mut b = TlsParameters::builder(s.host.clone());
                if let Some(pem) = &s.ca_pem {
                    let cert = Certificate::from_pem(pem).map_err(|e| format!("mail.ca_file is not a PEM certificate: {e}"))?;
                    b = b.add_root_certificate(cert);
                }
                let params = b.build_rustls().map_err(|e| format!("mail TLS settings: {e}"))?;
                if security == SmtpSecurity::Tls { Tls::Wrapper(params) } else { Tls::Required(params) }
            }
        };
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(s.host.clone())
            .port(s.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(30)))
            .pool_config(PoolConfig::new().max_size(s.connections.max(1)));
        if let (Some(user), Some(password)) = (&s.username, &s.password) {
            b = b.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Mailer { transport: b.build(), from })
    }

    /// Sends one mail; `Ok` once the server accepted it.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<()> {
        let to: Mailbox = mail.to.parse().map_err(|_| ConnectorError::Rejected("the recipient's address is not valid".into()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()))
            .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
            .map_err(|e| ConnectorError::Rejected(format!("the mail could not be built: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(ConnectorError::Rejected(format!("the mail server refused the mail: {e}"))),
            Err(e) => Err(ConnectorError::Unavailable(format!("the mail server: {e}"))),
        }
    }

    /// Whether the server answers (used at start to report a wrong setting early).
    pub async fn check(&self) -> Result<()> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(ConnectorError::Unavailable("the mail server did not answer".into())),
            Err(e) => Err(ConnectorError::Unavailable(format!("the mail server: {e}"))),
        }
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
