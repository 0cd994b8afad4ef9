//! The state every handler shares: the catalogue (swapped whole on reload), the
//! configuration, the CPU pool, the metrics and the bound on requests in flight.

use std::sync::Arc;
use std::time::Instant;

use arc_swap::ArcSwap;
use serde_json::{Value, json};

use crate::catalog::Catalog;
use crate::config::ServeConfig;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::pool::CpuPool;

/// What the handlers share.
pub struct AppState {
    /// The models being served; a reload stores a new catalogue.
    pub catalog: ArcSwap<Catalog>,
    /// The configuration the server started with (reload re-reads its files).
    pub config: ServeConfig,
    /// Where requests' CPU work runs.
    pub pool: CpuPool,
    /// Counters.
    pub metrics: Metrics,
    /// Requests worked on at once.
    pub in_flight: tokio::sync::Semaphore,
    /// One reload at a time.
    reloading: tokio::sync::Mutex<()>,
}

impl AppState {
    /// State over a loaded catalogue, for a checked `config` ([`ServeConfig::check`]:
    /// `max_in_flight` within the semaphore's range).
    pub fn new(catalog: Catalog, config: ServeConfig, pool: CpuPool) -> Self {
        AppState {
            catalog: ArcSwap::from_pointee(catalog),
            in_flight: tokio::sync::Semaphore::new(config.limits.max_in_flight),
            config,
            pool,
            metrics: Metrics::default(),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    /// Re-reads every model file (and the item file) off the reactor, then swaps the new
    /// catalogue in; requests already running finish with the old one. If any file fails,
    /// nothing is swapped and the error says which (a 500: the request was fine, the files
    /// are not).
    pub async fn reload(self: &Arc<Self>) -> Result<Value, ApiError> {
        let _one = self.reloading.lock().await;
        let started = Instant::now();
        let config = self.config.clone();
        let loaded = tokio::task::spawn_blocking(move || Catalog::load(&config))
            .await
            .map_err(|_| ApiError::internal("internal error: the reload panicked"));
        match loaded {
            Ok(Ok(catalog)) => {
                let models: Vec<Value> = catalog
                    .models
                    .iter()
                    .map(|m| {
                        json!({"name": m.name, "kind": m.recommender().kind(),
                               "path": m.path.to_string_lossy()})
                    })
                    .collect();
                self.catalog.store(Arc::new(catalog));
                self.metrics.reloaded(true);
                Ok(json!({"reloaded": models, "seconds": started.elapsed().as_secs_f64()}))
            }
            Ok(Err(e)) => {
                self.metrics.reloaded(false);
                Err(ApiError::internal(format!(
                    "reload refused, the models loaded before keep serving: {e}"
                )))
            }
            Err(e) => {
                self.metrics.reloaded(false);
                Err(e)
            }
        }
    }
}
