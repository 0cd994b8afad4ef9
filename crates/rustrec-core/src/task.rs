//! [`Task`]: what a model is for, which decides how it is evaluated and how a new user's
//! history is read.

use serde::{Deserialize, Serialize};

/// What a model is for: predicting ratings or ranking items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Task {
    /// Predicts rating values (evaluated by RMSE/MAE by default; a new user's history is
    /// `item:rating` pairs on the training scale).
    Rating,
    /// Ranks items (evaluated by ranking metrics by default; a new user's history is items,
    /// optionally weighted).
    Ranking,
}

impl Task {
    /// The name used in model files, `rustrec models` and JSON reports.
    pub fn name(self) -> &'static str {
        match self {
            Task::Rating => "rating",
            Task::Ranking => "ranking",
        }
    }

    /// The task called `name` (`"rating"` or `"ranking"`).
    pub fn from_name(name: &str) -> Option<Task> {
        match name {
            "rating" => Some(Task::Rating),
            "ranking" => Some(Task::Ranking),
            _ => None,
        }
    }
}

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in [Task::Rating, Task::Ranking] {
            assert_eq!(Task::from_name(t.name()), Some(t));
            assert_eq!(t.to_string(), t.name());
        }
        assert_eq!(Task::from_name("ratings"), None);
    }
}
