//! The page for people at `/`: one HTML file with its script and styles inline (nothing is
//! loaded from the network), calling the same JSON API as any client. Pick a model, give a
//! user id — or a few liked items, searched by title when the server has an item file —
//! and see the recommendations with titles and scores. The address may fill the form:
//! `/?user=1` opens on that user's recommendations, `/?q=TEXT` on the items found for a
//! text, `/?liked=50,172` on the recommendations for those liked items (fold-in), each
//! with `&model=NAME` and `&n=N`.

/// The page.
pub const HTML: &str = include_str!("page.html");
