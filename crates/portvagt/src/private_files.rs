//! The files that hold secrets or personal data: the data key and the audit log's
//! signing key (made at first run, readable by their owner only), and the embedded
//! database with its folder (F-19).

use anyhow::{Context, Result};
use portvagt::config::Config;
use std::io::Write;
use std::path::Path;
use store::DataKey;

/// The checkpoint signing key: from `audit_key_file`, or generated at first run.
pub(crate) fn load_audit_key(config: &Config) -> Result<audit::SigningKey> {
    let path = config.audit_key_path();
    if !path.exists() {
        if config.audit_key_file.is_some() {
            anyhow::bail!("audit_key_file {} does not exist", path.display());
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut f = create_private(&path)?;
        writeln!(f, "{}", audit::SigningKey::generate().to_hex())?;
        tracing::info!(path = %path.display(), "generated the audit log's checkpoint signing key; back it up");
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading audit key {}", path.display()))?;
    audit::SigningKey::from_hex(&text).map_err(|e| anyhow::anyhow!("audit key {}: {e}", path.display()))
}

/// The data key: from `data_key_file`, or generated in the data folder at first run.
pub(crate) fn load_key(config: &Config) -> Result<DataKey> {
    let path = config.data_key_path();
    if !path.exists() {
        if config.data_key_file.is_some() {
            anyhow::bail!("data_key_file {} does not exist", path.display());
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut f = create_private(&path)?;
        writeln!(f, "{}", DataKey::master_to_hex(&DataKey::generate_master()))?;
        tracing::info!(path = %path.display(), "generated a new data key; back it up: without it, stored national identity numbers cannot be read");
    }
    let read = |path: &Path| -> Result<[u8; 32]> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading data key {}", path.display()))?;
        DataKey::parse_master_hex(&text).map_err(|e| anyhow::anyhow!("data key {}: {e}", path.display()))
    };
    let mut key = DataKey::from_master(read(&path)?);
    for previous in &config.previous_data_key_files {
        key = key.with_previous(read(previous)?);
    }
    Ok(key)
}

#[cfg(unix)]
fn create_private(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    Ok(std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> Result<std::fs::File> {
    Ok(std::fs::OpenOptions::new().write(true).create_new(true).open(path)?)
}

/// F-19: the embedded database holds password hashes, names and the audit log: its
/// files are their owner's only (the folder is too, so files made later are covered).
pub(crate) fn protect_database_files(config: &Config) -> Result<()> {
    if config.is_embedded() {
        for file in ["portvagt.db", "portvagt.db-wal", "portvagt.db-shm"] {
            let path = config.data_dir.join(file);
            if path.exists() {
                keep_private(&path, 0o600)?;
            }
        }
    }
    Ok(())
}

/// Makes a file or folder readable by its owner only.
#[cfg(unix)]
pub(crate) fn keep_private(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).with_context(|| format!("protecting {}", path.display()))
}

#[cfg(not(unix))]
pub(crate) fn keep_private(_: &Path, _: u32) -> Result<()> {
    Ok(())
}
