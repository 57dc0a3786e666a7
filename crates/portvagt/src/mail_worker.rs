//! NOT-1: the mail worker of `portvagt serve` — the use-cases' notices routed to their
//! recipients and the queued mails sent every few seconds, the day's digests queued
//! once their hour has come.

use app::App;
use std::time::Duration;

/// Starts the worker when `[mail]` is configured; `base_url` is what the mails link to.
pub async fn spawn_mail(app: &App, settings: Option<&crate::config::MailSettings>, base_url: &str, tz: i18n::Tz) -> anyhow::Result<()> {
    let Some(settings) = settings else { return Ok(()) };
    let mailer = settings.mailer()?;
    if let Err(e) = mailer.check().await {
        // Not fatal: mail waits in the outbox until the server answers.
        tracing::warn!(error = %e, host = %settings.host, "mail server");
    }
    let renderer = app::MailRenderer::new(&app.frame().await, base_url, tz);
    let app = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        let mut round: u64 = 0;
        loop {
            tick.tick().await;
            if round.is_multiple_of(12)
                && let Err(e) = app.compose_digests(tz).await
            {
                tracing::warn!(error = %e, "mail digests");
            }
            round += 1;
            if let Err(e) = app.route_notices().await {
                tracing::warn!(error = %e, "mail notices");
            }
            match app.deliver_mail(&mailer, &|m| renderer.render(m)).await {
                Ok(r) if r.sent + r.failed + r.dropped > 0 => tracing::info!(run = ?r, "mail"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "mail delivery"),
            }
        }
    });
    Ok(())
}
