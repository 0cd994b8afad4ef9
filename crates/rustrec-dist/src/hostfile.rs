//! The host file: one `host:port` a line; line `i` (blank lines and `#` comments skipped)
//! is the address of process `i`, as timely's `-h` option reads it.

use std::path::Path;

use crate::DistError;

/// The addresses of a host file, checked: each line `host:port` with a port in 1..=65535.
pub fn read_hostfile(path: &Path) -> Result<Vec<String>, DistError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        DistError::Config(format!("--hostfile {}: cannot read: {e}", path.display()))
    })?;
    parse_hosts(&text, &path.display().to_string())
}

/// [`read_hostfile`] on text (`name` names it in errors).
pub fn parse_hosts(text: &str, name: &str) -> Result<Vec<String>, DistError> {
    let mut hosts = Vec::new();
    let mut numbers = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| {
            DistError::Config(format!(
                "--hostfile {name}:{}: {line:?}: {why}; expected host:port, such as \
                 127.0.0.1:2101",
                n + 1
            ))
        };
        let (host, port) = line.rsplit_once(':').ok_or_else(|| bad("no port"))?;
        if host.is_empty() {
            return Err(bad("no host"));
        }
        match port.parse::<u16>() {
            Ok(p) if p > 0 => {}
            _ => return Err(bad("the port is not a number in 1..=65535")),
        }
        // Two processes cannot listen on one address: timely would retry until the
        // connection timeout and then blame a process that never started.
        if let Some(first) = hosts.iter().position(|h| h == line) {
            return Err(bad(&format!(
                "the same address as line {} (process {first}); every process needs its own \
                 host:port",
                numbers[first]
            )));
        }
        hosts.push(line.to_string());
        numbers.push(n + 1);
    }
    Ok(hosts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_read_in_order_and_bad_lines_are_named() {
        let h = parse_hosts("# cluster\n127.0.0.1:2101\n\nnode2:2102\n", "h.txt").unwrap();
        assert_eq!(h, vec!["127.0.0.1:2101", "node2:2102"]);
        let e = parse_hosts("a:1\nb:x\n", "h.txt").unwrap_err().to_string();
        assert!(e.contains("h.txt:2") && e.contains("\"b:x\""), "{e}");
        let e = parse_hosts("justahost\n", "h.txt").unwrap_err().to_string();
        assert!(e.contains("no port"), "{e}");
        assert!(parse_hosts("a:0\n", "h").is_err());
    }

    /// Regression: a host file naming one address twice made both processes wait the whole
    /// --connect-timeout and then blame a peer that "never started".
    #[test]
    fn a_duplicate_address_is_refused_naming_both_lines() {
        let e = parse_hosts("127.0.0.1:2101\n# c\n127.0.0.1:2101\n", "h.txt")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("h.txt:3") && e.contains("line 1") && e.contains("process 0"),
            "{e}"
        );
        assert!(parse_hosts("127.0.0.1:2101\n127.0.0.1:2102\n", "h").is_ok());
    }
}
