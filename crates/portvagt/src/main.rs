//! `portvagt`: the command line — serve, migrate, healthcheck, demo, and helpers.

use portvagt::{config, demo};
use private_files::{keep_private, load_audit_key, load_key, protect_database_files};

mod clients_cli;
mod private_files;

use anyhow::{Context, Result};
use app::{App, TokenRequest};
use clap::{Parser, Subcommand};
use config::{Config, Overrides};
use domain::authz::{Actor, UserRole};
use domain::policy::{Preset, shipped_presets};
use domain::text::Name;
use domain::time::SystemClock;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Parser)]
#[command(name = "portvagt", version, about = "Access governance for external suppliers in municipal IT systems")]
struct Cli {
    /// Configuration file (TOML). Default: portvagt.toml in the working folder, if present.
    #[arg(long, global = true, env = "PORTVAGT_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL: sqlite:///path/file.db or postgres://user:password@host/db.
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Folder for the embedded database and generated keys.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Policy preset (viborg, taarnby, ostra-goinge, or one from preset_dir).
    #[arg(long, global = true)]
    preset: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: creates and migrates the database on first run and prints a
    /// one-time login for the first administrator.
    Serve {
        /// Address to listen on (port 0 picks a free one).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Load the demo data set on first run (an empty registry).
        #[arg(long)]
        demo: bool,
    },
    /// Bring the database schema up to date.
    Migrate,
    /// Exit 0 when a running Portvagt answers its health check.
    Healthcheck {
        /// Base URL; default from the configured listen address.
        #[arg(long)]
        url: Option<String>,
    },
    /// Load demo data into an empty registry.
    Demo {
        #[arg(long, value_enum, default_value = "small")]
        scale: demo::Scale,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Print the effective configuration, secrets masked.
    Config,
    /// The audit log: verify, checkpoint, purge, import.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Suppliers' client lists: the citizens each supplier serves.
    Clients {
        #[command(subcommand)]
        command: clients_cli::ClientsCommand,
    },
    /// Create a user of the web pages; the one-time password is printed once and must
    /// be changed at the first login.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        supplier_id: Option<uuid::Uuid>,
        /// The department of a department head or local administrator.
        #[arg(long)]
        department_id: Option<uuid::Uuid>,
        /// The registry person behind the user (an orderer, a local administrator).
        #[arg(long)]
        person_id: Option<uuid::Uuid>,
        /// The `sub` claim of the user's OpenID Connect identity.
        #[arg(long)]
        oidc_subject: Option<String>,
        /// Where Portvagt mails what waits for the user (NOT-1).
        #[arg(long)]
        email: Option<String>,
    },
    /// Create an API token for a machine client; the secret is printed once.
    CreateToken {
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        supplier_id: Option<uuid::Uuid>,
        /// The department of a department head or local administrator.
        #[arg(long)]
        department_id: Option<uuid::Uuid>,
        /// The registry person behind the token.
        #[arg(long)]
        person_id: Option<uuid::Uuid>,
        /// The target system a `target_system` token reports audit events for.
        #[arg(long)]
        system_id: Option<uuid::Uuid>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check every stored event against the Merkle tree and every signed checkpoint;
    /// exits 1 and names each problem if anything was changed, removed or inserted.
    Verify {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Sign a checkpoint of the log now.
    Checkpoint,
    /// Print the checkpoint signing key's public key (hex), for verifiers and rotation.
    PublicKey,
    /// Delete event payloads older than the active preset's retention, keeping events
    /// under a legal hold.
    Purge,
    /// Import an NDJSON or CSV export of a target system's log (all or nothing).
    Import {
        file: PathBuf,
        /// The target system the events come from.
        #[arg(long)]
        system_id: uuid::Uuid,
    },
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    let listen = match &cli.command {
        Command::Serve { listen, .. } => *listen,
        _ => None,
    };
    let overrides =
        Overrides { data_dir: cli.data_dir.clone(), database_url: cli.database_url.clone(), listen, preset: cli.preset.clone() };
    let config = Config::load(cli.config.as_deref(), &overrides)?;
    init_logging(&config.log);
    match cli.command {
        Command::Openapi => {
            print!("{}", web::openapi_json());
            Ok(())
        }
        Command::Config => {
            print!("{}", config.describe());
            Ok(())
        }
        Command::Healthcheck { url } => healthcheck(&url.unwrap_or_else(|| format!("http://{}", config.listen))).await,
        Command::Migrate => {
            let store = open_store(&config).await?;
            let r = store.migrate().await?;
            println!("{}", tr("cli-migrated", &[("to", &r.to.to_string()), ("from", &r.from.to_string())]));
            Ok(())
        }
        Command::Demo { scale } => {
            let app = open_app(&config).await?;
            let preset = app.active_preset().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let started = std::time::Instant::now();
            let s = demo::load(&app, &preset, scale).await?;
            println!(
                "demo data for {} loaded in {:.1} s: {} suppliers, {} persons, {} accounts, {} role assignments",
                preset.name,
                started.elapsed().as_secs_f64(),
                s.suppliers,
                s.persons,
                s.accounts,
                s.role_assignments
            );
            Ok(())
        }
        Command::CreateToken { name, role, supplier_id, department_id, person_id, system_id } => {
            let app = open_app(&config).await?;
            let role = UserRole::parse(&role)
                .with_context(|| format!("unknown role '{role}'; roles: {}", UserRole::ALL.map(|r| r.as_str()).join(", ")))?;
            let req = TokenRequest {
                name: Name::parse(&name).map_err(|e| anyhow::anyhow!("name: {e}"))?,
                role,
                supplier_id,
                department_id,
                person_id,
                system_id,
                expires_at: None,
            };
            let t = app.create_token(&Actor::system("cli"), req).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", t.token);
            Ok(())
        }
        Command::CreateUser { username, display_name, role, supplier_id, department_id, person_id, oidc_subject, email } => {
            let app = open_app(&config).await?;
            let role = UserRole::parse(&role)
                .with_context(|| format!("unknown role '{role}'; roles: {}", UserRole::ALL.map(|r| r.as_str()).join(", ")))?;
            if let Some(e) = &email {
                domain::text::Email::parse(e).map_err(|_| anyhow::anyhow!("--email '{e}' is not an e-mail address"))?;
            }
            let input =
                app::UserInput { username, display_name: display_name.clone(), role, supplier_id, department_id, person_id, oidc_subject };
            let subject = input.oidc_subject.clone();
            let cli = Actor::system("cli");
            let (user, password) = app.create_user(&cli, input).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            if email.is_some() {
                app.update_user(&cli, user.id, &display_name, subject.as_deref(), email.as_deref())
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            println!("{password}");
            Ok(())
        }
        Command::Serve { demo, .. } => serve(&config, demo).await,
        Command::Audit { command } => audit_command(&config, command).await,
        Command::Clients { command } => clients_cli::run(&open_app(&config).await?, command, tr).await,
    }
}

async fn audit_command(config: &Config, command: AuditCommand) -> Result<()> {
    let app = open_app(config).await?;
    let key = load_audit_key(config)?;
    let origin = config.audit_origin();
    let store = app.store();
    match command {
        AuditCommand::Verify { json } => {
            store.checkpoint_log(&key, &origin, app.now()).await?;
            let mut keys = vec![key.verifying_key()];
            for hex in &config.audit_previous_public_keys {
                keys.push(audit::VerifyingKey::from_hex(hex).map_err(|e| anyhow::anyhow!("audit_previous_public_keys: {e}"))?);
            }
            let r = store.verify_log(&keys, &origin).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                let n = |x: u64| x.to_string();
                println!(
                    "{}",
                    tr(
                        "cli-audit-verified",
                        &[
                            ("size", &n(r.size)),
                            ("checked", &n(r.events_checked)),
                            ("purged", &n(r.events_purged)),
                            ("held", &n(r.events_held)),
                            ("checkpoints", &n(r.checkpoints))
                        ]
                    )
                );
                println!("  root {}", r.root);
                for p in &r.problems {
                    let args: Vec<(&str, &str)> = p.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    println!("  ✗ {}", tr(p.code, &args));
                }
            }
            if !r.ok() {
                anyhow::bail!("{}", tr("cli-audit-problems", &[("count", &r.problems.len().to_string())]));
            }
            Ok(())
        }
        AuditCommand::PublicKey => {
            println!("{}", key.verifying_key().to_hex());
            Ok(())
        }
        AuditCommand::Checkpoint => {
            match store.checkpoint_log(&key, &origin, app.now()).await? {
                Some(c) => println!("{}", c.body()),
                None => println!("{}", tr("cli-audit-no-new-events", &[])),
            }
            Ok(())
        }
        AuditCommand::Purge => {
            let report = app.purge_audit_log(&key).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        AuditCommand::Import { file, system_id } => {
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let csv = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            match app.import_audit_file(system_id, &bytes, csv).await {
                Ok(o) => {
                    println!("{}", tr("cli-audit-imported", &[("count", &o.count.to_string()), ("first", &o.first_seq.to_string())]));
                    Ok(())
                }
                Err(app::AuditImportError::Lines(lines)) => {
                    for l in &lines {
                        let arg = l.arg.clone().unwrap_or_default();
                        eprintln!("{}:{}: {}", file.display(), l.line, tr(l.code, &[("field", &l.field), ("arg", &arg)]));
                    }
                    anyhow::bail!("{}", tr("cli-audit-import-refused", &[("count", &lines.len().to_string())]))
                }
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
    }
}

/// The command line's language: `PORTVAGT_LANG`, else the locale (`LC_ALL`, `LANG`),
/// else English.
fn cli_lang() -> i18n::Lang {
    ["PORTVAGT_LANG", "LC_ALL", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find_map(|v| i18n::Lang::parse(&v))
        .unwrap_or(i18n::Lang::En)
}

/// A message of the command line in its language.
fn tr(id: &str, args: &[(&str, &str)]) -> String {
    static CATALOG: std::sync::OnceLock<i18n::Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(i18n::Catalog::new).text(cli_lang(), id, args)
}

fn init_logging(level: &str) {
    let level = level.parse::<tracing::Level>().unwrap_or(tracing::Level::INFO);
    let _ = tracing_subscriber::fmt().with_max_level(level).with_writer(std::io::stderr).try_init();
}

/// The shipped presets, replaced or extended by the files in `preset_dir`. A malformed or
/// inconsistent file stops the start with an error naming file, key and problem.
fn load_presets(config: &Config) -> Result<Vec<Preset>> {
    let mut presets = shipped_presets()?;
    if let Some(dir) = &config.preset_dir {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("preset_dir {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
            let p = Preset::from_toml(&f.display().to_string(), &text)?;
            presets.retain(|q| q.id != p.id);
            presets.push(p);
        }
    }
    Ok(presets)
}

async fn open_store(config: &Config) -> Result<Store> {
    if config.is_embedded() {
        std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating data folder {}", config.data_dir.display()))?;
        keep_private(&config.data_dir, 0o700)?;
    }
    let key = load_key(config)?;
    let store = Store::connect(&config.database_url(), key)
        .await
        .with_context(|| format!("connecting to {}", config::mask_url(&config.database_url())))?;
    protect_database_files(config)?;
    Ok(store)
}

async fn open_app(config: &Config) -> Result<App> {
    let presets = load_presets(config)?;
    let store = open_store(config).await?;
    let r = store.migrate().await?;
    protect_database_files(config)?;
    if r.from != r.to {
        tracing::info!(from = r.from, to = r.to, "database migrated");
    }
    let mut connectors = std::collections::HashMap::new();
    for (system, settings) in &config.connectors {
        connectors.insert(system.clone(), settings.connector(system)?);
    }
    Ok(App::new(store, presets, &config.preset, Arc::new(SystemClock)).map_err(|e| anyhow::anyhow!(e))?.with_connectors(connectors))
}

async fn serve(config: &Config, demo: bool) -> Result<()> {
    let app = open_app(config).await?;
    if demo && app.store().count_entries("supplier").await? == 0 {
        let preset = app.active_preset().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let s = demo::load(&app, &preset, demo::Scale::Small).await?;
        let n = |x: usize| x.to_string();
        println!(
            "{}",
            tr(
                "cli-demo-loaded",
                &[("name", &preset.name), ("suppliers", &n(s.suppliers)), ("persons", &n(s.persons)), ("accounts", &n(s.accounts))]
            )
        );
    }
    let bootstrap = app.bootstrap_admin().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let listener = tokio::net::TcpListener::bind(config.listen).await.with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let url = config.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    println!("{}", tr("cli-listening", &[("url", &url)]));
    println!("{}", tr("cli-login-web", &[("url", &format!("{url}/login"))]));
    println!("{}", tr("cli-docs", &[("url", &format!("{url}/api/docs"))]));
    if let Some((user, password)) = bootstrap {
        println!();
        println!("{}", tr("cli-first-run", &[]));
        println!("  {}", tr("cli-username", &[("user", &user)]));
        println!("  {}", tr("cli-password", &[("password", &password)]));
        println!("  {} curl -X POST {url}/api/v1/auth/token -H 'Content-Type: application/json' \\", tr("cli-example", &[]));
        println!("         -d '{{\"username\":\"{user}\",\"password\":\"<one-time password>\",\"new_password\":\"<new password>\"}}'");
        println!("{}", tr("cli-shown-once", &[]));
    }
    let _ = std::io::stdout().flush();
    spawn_workers(&app, config.time_zone.parse().unwrap_or(i18n::DEFAULT_TIME_ZONE));
    spawn_checkpoints(&app, load_audit_key(config)?, config.audit_origin(), config.audit_checkpoint_secs);
    spawn_forwarding(&app, config);
    let tz = config.time_zone.parse().unwrap_or(i18n::DEFAULT_TIME_ZONE);
    portvagt::mail_worker::spawn_mail(&app, config.mail.as_ref(), &url, tz).await?;
    // The client's address reaches the rate limits (F-10).
    let service = web::router_with(app, config.ui(addr)).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service).with_graceful_shutdown(shutdown()).await?;
    Ok(())
}

/// Signs a checkpoint of the audit log every `secs` seconds when events were added,
/// and at start and then daily refreshes the log tables' statistics and purges the days
/// past retention (LOG-4).
fn spawn_checkpoints(app: &App, key: audit::SigningKey, origin: String, secs: u64) {
    let key = Arc::new(key);
    let purger = app.clone();
    let purge_key = key.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
        loop {
            tick.tick().await;
            if let Err(e) = purger.store().analyze_log().await {
                tracing::warn!(error = %e, "audit statistics");
            }
            if let Err(e) = purger.store().analyze_tables().await {
                tracing::warn!(error = %e, "table statistics");
            }
            match purger.purge_audit_log(&purge_key).await {
                Ok(r) if !r.days.is_empty() => {
                    tracing::info!(days = r.days.len(), deleted = r.events_deleted, held = r.events_held, "audit log purged")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "audit purge"),
            }
        }
    });
    let app = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(secs.max(1)));
        loop {
            tick.tick().await;
            if let Err(e) = app.store().checkpoint_log(&key, &origin, app.now()).await {
                tracing::warn!(error = %e, "audit checkpoint");
            }
        }
    });
}

/// Forwards the audit log to the configured file and syslog receiver every 5 seconds;
/// a receiver that is down is tried again at the next round, from where it stopped.
fn spawn_forwarding(app: &App, config: &Config) {
    if let Some(path) = config.audit_forward_file.clone() {
        let app = app.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                tick.tick().await;
                let file = tokio::fs::OpenOptions::new().create(true).append(true).open(&path).await;
                let result = match file {
                    Ok(mut f) => app.forward_audit("file", &app::ForwardFormat::JsonLines, &mut f).await.map_err(|e| e.to_string()),
                    Err(e) => Err(format!("{}: {e}", path.display())),
                };
                if let Err(e) = result {
                    tracing::warn!(error = %e, "audit forwarding to file");
                }
            }
        });
    }
    if let Some(addr) = config.audit_forward_syslog.clone() {
        let app = app.clone();
        let format = app::ForwardFormat::Syslog { hostname: config.audit_origin() };
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
            let mut conn: Option<tokio::net::TcpStream> = None;
            loop {
                tick.tick().await;
                if conn.is_none() {
                    conn =
                        tokio::net::TcpStream::connect(&addr).await.map_err(|e| tracing::warn!(error = %e, %addr, "syslog receiver")).ok();
                }
                if let Some(c) = conn.as_mut()
                    && let Err(e) = app.forward_audit("syslog", &format, c).await
                {
                    tracing::warn!(error = %e, "audit forwarding to syslog");
                    conn = None;
                }
            }
        });
    }
}

/// The background work: the outbox worker every few seconds; the lifecycle run, the
/// reconciliation of every system with a connector, yesterday's security report and the
/// month's log-control packages at start and then hourly (all idempotent; escalations
/// go out at most once a day, the report is made once per day, a package once per
/// supplier and period).
fn spawn_workers(app: &App, tz: i18n::Tz) {
    let outbox = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tick.tick().await;
            if let Err(e) = outbox.process_outbox().await {
                tracing::warn!(error = %e, "outbox worker");
            }
        }
    });
    let lifecycle = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            match lifecycle.run_lifecycle().await {
                Ok(r) => tracing::info!(report = ?r, "lifecycle run"),
                Err(e) => tracing::warn!(error = %e, "lifecycle run"),
            }
            // PRV-3: every system with a connector is read back and compared.
            match lifecycle.reconcile_all().await {
                Ok(r) => tracing::info!(findings = ?r, "reconciliation"),
                Err(e) => tracing::warn!(error = %e, "reconciliation"),
            }
            // SEC-1, SEC-2: yesterday's security report; closed reports past their days go.
            match lifecycle.daily_security_report(tz).await {
                Ok(Some(id)) => tracing::info!(%id, "security report made"),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "security report"),
            }
            // SEC-3: each supplier's log-control package of the last month, reminders and
            // escalation of overdue ones.
            match lifecycle.periodic_log_control(tz).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(packages = n, "log control drawn"),
                Err(e) => tracing::warn!(error = %e, "log control"),
            }
        }
    });
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// A minimal HTTP GET of `/healthz`, so the check needs no HTTP client library.
async fn healthcheck(base: &str) -> Result<()> {
    let rest = base.strip_prefix("http://").context("healthcheck needs an http:// URL")?;
    let host = rest.split('/').next().unwrap_or(rest);
    let mut stream = tokio::time::timeout(std::time::Duration::from_secs(5), tokio::net::TcpStream::connect(host))
        .await
        .context("timed out connecting")?
        .with_context(|| format!("cannot connect to {host}"))?;
    stream.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes()).await?;
    let mut response = String::new();
    tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_string(&mut response)).await.context("timed out reading")??;
    let status = response.lines().next().unwrap_or("");
    if status.contains(" 200 ") && response.contains("\"ok\"") {
        println!("{}", tr("cli-healthy", &[]));
        Ok(())
    } else {
        anyhow::bail!("unhealthy: {status}")
    }
}
