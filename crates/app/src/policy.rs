//! The municipality profile and the policy preset in force.

use crate::{App, AppError, Result};
use domain::authz::{Actor, Permission};
use domain::codes;
use domain::error::FieldError;
use domain::policy::Preset;
use domain::registry::{Entry, MUNICIPALITY_ID, Municipality};

impl App {
    /// The preset in force: the one named in the municipality profile, or the configured
    /// default before a profile exists.
    ///
    /// Every request reads it: it is kept while the registry of this instance is
    /// unchanged, at most [`crate::choices::CHOICES_MAX_AGE_SECS`] (another instance may
    /// change it).
    pub async fn active_preset(&self) -> Result<Preset> {
        let now = self.now();
        let generation = self.registry_generation.load(std::sync::atomic::Ordering::Relaxed);
        let kept = self.preset_cache.lock().ok().and_then(|c| {
            c.as_ref()
                .filter(|(at, g, _)| *g == generation && (now.0 - at.0).num_seconds() < crate::choices::CHOICES_MAX_AGE_SECS)
                .map(|(_, _, id)| id.clone())
        });
        let chosen = match kept {
            Some(id) => id,
            None => {
                let id = match self.store.get_entry(MUNICIPALITY_ID).await? {
                    Some(row) => row
                        .body
                        .get("policy_preset")
                        .and_then(|v| v.as_str())
                        .map(str::to_lowercase)
                        .unwrap_or_else(|| self.default_preset.clone()),
                    None => self.default_preset.clone(),
                };
                if let Ok(mut c) = self.preset_cache.lock() {
                    *c = Some((now, generation, id.clone()));
                }
                id
            }
        };
        self.presets
            .iter()
            .find(|p| p.id == chosen)
            .or_else(|| self.presets.iter().find(|p| p.id == self.default_preset))
            .cloned()
            .ok_or_else(|| AppError::Internal("no policy preset".into()))
    }

    /// What every page's frame shows of the municipality — its name and its service desk
    /// (ORG-1) — public, read at most every [`crate::DASHBOARD_MAX_AGE_SECS`].
    pub async fn frame(&self) -> Frame {
        let now = self.now();
        if let Ok(cache) = self.frame_cache.lock()
            && let Some((at, f)) = cache.as_ref()
            && (now.0 - at.0).num_seconds() < crate::DASHBOARD_MAX_AGE_SECS
        {
            return f.clone();
        }
        let m =
            self.store.get_entry(MUNICIPALITY_ID).await.ok().flatten().and_then(|e| serde_json::from_value::<Municipality>(e.body).ok());
        let country = self.active_preset().await.map(|p| p.country).unwrap_or_default();
        let frame = Frame { municipality: m.as_ref().map(|m| m.name.to_string()), service_desk: m.and_then(|m| m.service_desk), country };
        if let Ok(mut cache) = self.frame_cache.lock() {
            *cache = Some((now, frame.clone()));
        }
        frame
    }

    pub async fn municipality(&self, actor: &Actor) -> Result<Entry<Municipality>> {
        self.get::<Municipality>(actor, MUNICIPALITY_ID).await
    }

    /// Creates or replaces the municipality profile; its `policy_preset` selects the
    /// policy (OPS-3).
    pub async fn put_municipality(&self, actor: &Actor, m: Municipality, if_match: Option<i64>) -> Result<Entry<Municipality>> {
        let preset = m.policy_preset.as_str().to_lowercase();
        if !self.presets.iter().any(|p| p.id == preset) {
            return Err(FieldError::with("policy_preset", codes::UNKNOWN_PRESET, preset).into());
        }
        let current = self.active_preset().await?.id;
        // OPS-3, F-03: the preset is the administrator's to change (audited with the
        // change); whoever keeps the profile may save it with the preset as it is.
        if preset != current && !self.can(actor, Permission::ChangePolicy) {
            return Err(self
                .refuse_with(
                    actor,
                    Permission::ChangePolicy.as_str(),
                    "municipality",
                    Some(MUNICIPALITY_ID),
                    FieldError::new("policy_preset", codes::POLICY_BY_ADMINISTRATOR),
                )
                .await);
        }
        match self.store.get_entry(MUNICIPALITY_ID).await? {
            Some(_) => self.update(actor, MUNICIPALITY_ID, m, if_match).await,
            None => self.create_with_id(actor, MUNICIPALITY_ID, m).await,
        }
    }
}

/// The municipality as every page's frame shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frame {
    pub municipality: Option<String>,
    /// Where users turn with problems (ORG-1).
    pub service_desk: Option<domain::registry::Contact>,
    /// The preset's country: the national identity number and the laws the pages name.
    pub country: domain::policy::Country,
}
