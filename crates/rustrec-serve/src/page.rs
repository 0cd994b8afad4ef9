//! The page for people at `/`: one HTML file with its script and styles inline (nothing is
//! loaded from the network), calling the same JSON API as any client. Pick a model, give a
//! user id — or a few liked items, searched by title when the server has an item file —
//! and see the recommendations with titles and scores. `/?user=1` (and `&model=NAME`)
//! opens on that user's recommendations.

/// The page.
pub const HTML: &str = include_str!("page.html");
