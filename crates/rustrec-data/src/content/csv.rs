//! A CSV record parser (RFC 4180): comma-separated fields, fields in double quotes may hold
//! commas, doubled quotes (`""` for `"`) and line breaks; lines end with LF or CRLF.
//!
//! MovieLens `movies.csv` quotes titles holding commas (`"American President, The (1995)"`),
//! so splitting at commas would be wrong. The files are small (metadata), so the parser
//! works on the whole decoded text and yields owned fields.

/// Iterates over the records of a CSV text.
pub(crate) struct CsvRecords<'a> {
    text: &'a str,
    pos: usize,
    line: u64,
}

impl<'a> CsvRecords<'a> {
    /// Records of `text`, the first on line 1.
    pub(crate) fn new(text: &'a str) -> Self {
        CsvRecords {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// Reads the next record into `fields`: `None` at the end, else the line where the
    /// record starts, or that line and what is wrong. Empty lines are records with one
    /// empty field.
    pub(crate) fn next_record(
        &mut self,
        fields: &mut Vec<String>,
    ) -> Option<Result<u64, (u64, String)>> {
        if self.pos >= self.text.len() {
            return None;
        }
        fields.clear();
        let start_line = self.line;
        let bytes = self.text.as_bytes();
        let mut field = String::new();
        loop {
            // At the start of a field.
            if bytes.get(self.pos) == Some(&b'"') {
                self.pos += 1;
                loop {
                    let Some(off) = self.text[self.pos..].find('"') else {
                        self.pos = self.text.len();
                        return Some(Err((
                            start_line,
                            "a quoted field is not closed (missing '\"')".to_string(),
                        )));
                    };
                    let chunk = &self.text[self.pos..self.pos + off];
                    self.line += chunk.matches('\n').count() as u64;
                    field.push_str(chunk);
                    self.pos += off + 1;
                    if bytes.get(self.pos) == Some(&b'"') {
                        field.push('"');
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                match bytes.get(self.pos) {
                    None | Some(b',') | Some(b'\n') => {}
                    Some(b'\r') if matches!(bytes.get(self.pos + 1), None | Some(b'\n')) => {
                        self.pos += 1;
                    }
                    Some(_) => {
                        let rest: String = self.text[self.pos..].chars().take(20).collect();
                        self.skip_line();
                        return Some(Err((
                            start_line,
                            format!("unexpected text \"{rest}\" after a closing quote"),
                        )));
                    }
                }
            } else {
                let rest = &self.text[self.pos..];
                let end = rest.find([',', '\n']).unwrap_or(rest.len());
                let mut value = &rest[..end];
                if rest.as_bytes().get(end) != Some(&b',') {
                    value = value.strip_suffix('\r').unwrap_or(value);
                }
                field.push_str(value);
                self.pos += end;
            }
            fields.push(std::mem::take(&mut field));
            match bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                    return Some(Ok(start_line));
                }
                _ => return Some(Ok(start_line)),
            }
        }
    }

    fn skip_line(&mut self) {
        match self.text[self.pos..].find('\n') {
            Some(off) => {
                self.pos += off + 1;
                self.line += 1;
            }
            None => self.pos = self.text.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record (its line and fields) or an error (its line and message).
    type Record = Result<(u64, Vec<String>), (u64, String)>;

    fn records(text: &str) -> Vec<Record> {
        let mut r = CsvRecords::new(text);
        let mut fields = Vec::new();
        let mut out = Vec::new();
        while let Some(rec) = r.next_record(&mut fields) {
            out.push(rec.map(|line| (line, fields.clone())));
        }
        out
    }

    fn ok(line: u64, fields: &[&str]) -> Record {
        Ok((line, fields.iter().map(|s| s.to_string()).collect()))
    }

    #[test]
    fn quoted_commas_quotes_crlf_and_line_breaks() {
        let text = "movieId,title,genres\r\n11,\"American President, The (1995)\",Comedy|Drama\r\n\
                    12,\"Say \"\"Hi\"\"\",\r\n13,\"Two\nlines\",X\n14,last,Y";
        assert_eq!(
            records(text),
            vec![
                ok(1, &["movieId", "title", "genres"]),
                ok(2, &["11", "American President, The (1995)", "Comedy|Drama"]),
                ok(3, &["12", "Say \"Hi\"", ""]),
                ok(4, &["13", "Two\nlines", "X"]),
                ok(6, &["14", "last", "Y"]),
            ]
        );
    }

    #[test]
    fn unclosed_quotes_and_text_after_a_quote_are_errors() {
        assert_eq!(records("1,\"open\n2,x\n")[0].as_ref().unwrap_err().0, 1);
        let got = records("1,\"a\"b,c\n2,d\n");
        assert!(
            got[0]
                .as_ref()
                .unwrap_err()
                .1
                .contains("after a closing quote")
        );
        assert_eq!(got[1], ok(2, &["2", "d"]));
    }
}
