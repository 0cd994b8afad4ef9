//! User attributes: ML-100K `u.user` (`id|age|gender|occupation|zip`).

use std::path::Path;

use crate::content::read_text;
use crate::error::{DataError, Result};
use crate::read::numbers::parse_id;

/// A small table of user attributes, one entry per line of the file, in file order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserAttributes {
    /// Raw user id.
    pub ids: Vec<i64>,
    /// Age in years.
    pub ages: Vec<u32>,
    /// Gender as written (`M` / `F`).
    pub genders: Vec<String>,
    /// Occupation name.
    pub occupations: Vec<String>,
    /// Zip code as written (some are not numeric).
    pub zips: Vec<String>,
}

impl UserAttributes {
    /// Number of users described.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no user is described.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// Reads ML-100K `u.user`.
pub fn read_u_user(path: impl AsRef<Path>) -> Result<UserAttributes> {
    let path = path.as_ref();
    let text = read_text(path)?;
    let mut out = UserAttributes::default();
    for (k, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line_no = k as u64 + 1;
        let fields: Vec<&str> = line.split('|').collect();
        let [id, age, gender, occupation, zip] = fields[..] else {
            return Err(DataError::parse(
                path,
                line_no,
                format!(
                    "expected 5 '|'-separated fields (id|age|gender|occupation|zip), found {}",
                    fields.len()
                ),
            ));
        };
        let number = |field: &str, value: &str| {
            parse_id(value.trim().as_bytes())
                .map_err(|e| DataError::parse(path, line_no, e.describe(field, value)))
        };
        out.ids.push(number("user id", id)?);
        let age = number("age", age)?;
        out.ages.push(u32::try_from(age).map_err(|_| {
            DataError::parse(path, line_no, format!("age field \"{age}\" is too large"))
        })?);
        out.genders.push(gender.to_string());
        out.occupations.push(occupation.to_string());
        out.zips.push(zip.to_string());
    }
    if out.is_empty() {
        return Err(DataError::Empty { path: path.into() });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u_user_reads_and_names_bad_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("u.user");
        std::fs::write(&path, "1|24|M|technician|85711\n2|53|F|other|T8H1N").unwrap();
        let users = read_u_user(&path).unwrap();
        assert_eq!(users.len(), 2);
        assert_eq!((users.ids[1], users.ages[1]), (2, 53));
        assert_eq!(users.zips[1], "T8H1N");
        std::fs::write(&path, "1|24|M|technician|85711\n2|old|F|other|1\n").unwrap();
        let msg = read_u_user(&path).unwrap_err().to_string();
        assert!(
            msg.contains("u.user:2: age field \"old\" is not a number"),
            "{msg}"
        );
        std::fs::write(&path, "1|24|M\n").unwrap();
        assert!(
            read_u_user(&path)
                .unwrap_err()
                .to_string()
                .contains("expected 5")
        );
    }
}
