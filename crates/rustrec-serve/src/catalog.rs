//! The served models: each loaded once with everything a request needs (titles, history
//! rules, a title index for search), and the [`Catalog`] of all of them that a reload
//! replaces as a whole.
//!
//! Requests read the catalog through an [`arc_swap::ArcSwap`]: a request takes the current
//! catalog (one atomic load) and keeps it until it has answered, so a reload never changes a
//! model under a request, and requests never wait for a reload. A reload loads every file
//! first and swaps only when all of them loaded: a file that fails leaves the old catalog
//! serving.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rustrec::data::content::{ItemTitles, MovieRecord, read_movies};
use rustrec::history::HistoryRules;
use rustrec::models::{LoadedModel, Recommender, Task, TrainedModel};
use rustrec::serving;

use crate::config::{ModelSource, ServeConfig};
use crate::error::ServeError;

/// One served model.
#[derive(Debug)]
pub struct Served {
    /// Its name in requests.
    pub name: String,
    /// The file it was loaded from.
    pub path: std::path::PathBuf,
    /// The model, its header and its users' training items.
    pub loaded: LoadedModel,
    /// Titles of its items, when an item file of its data was given.
    pub titles: Option<ItemTitles>,
    /// Why the item file gives it no titles, when one was given and does not fit.
    pub titles_note: Option<String>,
    /// What a new user's history must be.
    pub rules: HistoryRules,
}

impl Served {
    /// The model.
    pub fn model(&self) -> &TrainedModel {
        &self.loaded.model
    }

    /// The model as a [`Recommender`].
    pub fn recommender(&self) -> &dyn Recommender {
        self.loaded.model.as_recommender()
    }

    /// The title of item `i` (`""` without one).
    pub fn title(&self, i: u32) -> &str {
        self.titles
            .as_ref()
            .and_then(|t| t.get(rustrec::data::ItemIdx(i)))
            .unwrap_or("")
    }

    /// `rating` or `ranking`.
    pub fn task_name(&self) -> &'static str {
        match self.loaded.model.task() {
            Task::Rating => "rating",
            Task::Ranking => "ranking",
        }
    }
}

/// Every served model, the first being the default.
#[derive(Debug)]
pub struct Catalog {
    /// The models in the order given.
    pub models: Vec<Arc<Served>>,
    /// When this catalog was loaded.
    pub loaded_at: Instant,
    /// Seconds the load took.
    pub load_seconds: f64,
}

impl Catalog {
    /// Loads every model of `config` (and the item file), or fails naming the first file
    /// that does not load.
    pub fn load(config: &ServeConfig) -> Result<Self, ServeError> {
        let started = Instant::now();
        let movies = match &config.item_file {
            Some(path) => Some(read_movies(path).map_err(|source| ServeError::ItemFile {
                path: path.clone(),
                source: Box::new(source),
            })?),
            None => None,
        };
        let models = config
            .models
            .iter()
            .map(|m| load_one(m, config.item_file.as_deref().zip(movies.as_deref())).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Catalog {
            models,
            loaded_at: Instant::now(),
            load_seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// The model called `name`, or the default one.
    pub fn get(&self, name: Option<&str>) -> Option<&Arc<Served>> {
        match name {
            None => self.models.first(),
            Some(n) => self.models.iter().find(|m| m.name == n),
        }
    }

    /// The names of the models, comma-separated (for error messages).
    pub fn names(&self) -> String {
        self.models
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Loads one model and, with an item file, its titles. An item file that does not belong
/// to the model's data (another release, too few of its items) is not an error: the model
/// is served without titles and the reason is kept (`/v1/models` shows it).
fn load_one(
    source: &ModelSource,
    item_file: Option<(&Path, &[MovieRecord])>,
) -> Result<Served, ServeError> {
    let loaded = TrainedModel::load(&source.path).map_err(|e| ServeError::Load {
        name: source.name.clone(),
        path: source.path.clone(),
        source: Box::new(e),
    })?;
    let (titles, titles_note) = match item_file {
        Some((path, movies)) => match serving::item_titles(path, movies, &loaded) {
            Ok(t) => (Some(t), None),
            Err(e) => (None, Some(e.to_string())),
        },
        None => (None, None),
    };
    if let Some(note) = serving::folded_in_note(&source.path, &loaded) {
        eprintln!("note: model {}: {note}", source.name);
    }
    let rules = serving::history_rules(&loaded);
    Ok(Served {
        name: source.name.clone(),
        path: source.path.clone(),
        loaded,
        titles,
        titles_note,
        rules,
    })
}
