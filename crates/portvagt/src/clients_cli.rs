//! `portvagt clients`: a supplier's client list imported from a file, all or
//! nothing, every bad line named in the reader's language.

use anyhow::{Context, Result};
use app::{App, AppError, ClientListMode};
use clap::Subcommand;
use domain::authz::Actor;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ClientsCommand {
    /// Import a supplier's client list: CSV (`national_id`, `from`, `to`, optionally
    /// `supplier`) or NDJSON. The list becomes the file's unless `--mode update`.
    Import {
        file: PathBuf,
        /// The supplier whose clients the file lists.
        #[arg(long)]
        supplier_id: uuid::Uuid,
        /// `replace` (the list becomes the file's) or `update` (the file's relations are
        /// added or their last day changed).
        #[arg(long, default_value = "replace")]
        mode: String,
    },
}

pub async fn run(app: &App, command: ClientsCommand, tr: impl Fn(&str, &[(&str, &str)]) -> String) -> Result<()> {
    match command {
        ClientsCommand::Import { file, supplier_id, mode } => {
            let mode =
                ClientListMode::parse(&mode).map_err(|e| anyhow::anyhow!("{}", tr(e.code, &[("field", "--mode"), ("arg", &mode)])))?;
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let csv = !file.extension().is_some_and(|e| e.eq_ignore_ascii_case("ndjson") || e.eq_ignore_ascii_case("json"));
            match app.import_client_list(&Actor::system("cli"), supplier_id, &bytes, csv, mode).await {
                Ok(c) => {
                    let n = |x: u64| x.to_string();
                    let args = [("total", n(c.total)), ("added", n(c.added)), ("removed", n(c.removed)), ("changed", n(c.changed))];
                    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    println!("{}", tr("cli-clients-imported", &args));
                    Ok(())
                }
                Err(AppError::BatchInvalid(lines)) => {
                    for l in &lines {
                        let arg = l.arg.clone().unwrap_or_default();
                        eprintln!("{}:{}: {}", file.display(), l.line, tr(l.code, &[("field", &l.field), ("arg", &arg)]));
                    }
                    anyhow::bail!("{}", tr("cli-clients-refused", &[("count", &lines.len().to_string())]))
                }
                Err(AppError::Conflict(e) | AppError::Invalid(e)) => {
                    let arg = e.arg.clone().unwrap_or_default();
                    anyhow::bail!("{}", tr(e.code, &[("field", &e.field), ("arg", &arg)]))
                }
                Err(AppError::NotFound) => anyhow::bail!("{}", tr("cli-clients-no-supplier", &[("id", &supplier_id.to_string())])),
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
    }
}
