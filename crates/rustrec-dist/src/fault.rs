//! Faults: a process that disappears must stop the others with an error naming it.
//!
//! timely's communication threads (`timely:send-N` / `timely:recv-N`, `N` the remote
//! process) panic when a connection breaks ("timely communication error: ..."), which
//! would leave the workers waiting for data that never comes. [`install`] adds a panic
//! hook that turns such a panic (or any panic on a timely thread) into a one-line error
//! and exits the process with status 3 at once. [`deadline`] is a watchdog for the start:
//! timely keeps retrying connections to a process that never comes up.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Exit status of a process stopped by a lost peer.
pub const LOST_PEER_STATUS: i32 = 3;

/// The remote process of a timely communication thread named `timely:send-N` or
/// `timely:recv-N`.
pub fn peer_of_thread(name: &str) -> Option<usize> {
    let rest = name
        .strip_prefix("timely:send-")
        .or_else(|| name.strip_prefix("timely:recv-"))?;
    rest.parse().ok()
}

/// The message for a panic on thread `thread` with `message`, when it is a communication
/// failure (`None` otherwise).
pub fn loss_message(thread: &str, message: &str) -> Option<String> {
    let peer = peer_of_thread(thread);
    let comm = message.contains("timely communication error");
    match (peer, comm) {
        (Some(p), _) => Some(format!(
            "lost connection to process {p}: {message}; stopping (exit status {LOST_PEER_STATUS})"
        )),
        (None, true) => Some(format!(
            "lost connection to another process: {message}; stopping (exit status \
             {LOST_PEER_STATUS})"
        )),
        (None, false) if thread.starts_with("timely") => Some(format!(
            "a timely thread ({thread}) failed: {message}; stopping (exit status \
             {LOST_PEER_STATUS})"
        )),
        _ => None,
    }
}

/// Installs the panic hook (once per process; later calls do nothing).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current();
            let name = thread.name().unwrap_or("");
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            if let Some(line) = loss_message(name, &message) {
                eprintln!("error: {line}");
                std::process::exit(LOST_PEER_STATUS);
            }
            previous(info);
        }));
    });
}

/// A watchdog: exits the process with `message` unless [`Deadline::disarm`] is called
/// within `after`.
pub struct Deadline {
    done: std::sync::Arc<AtomicBool>,
}

/// Starts a [`Deadline`].
pub fn deadline(after: Duration, message: String) -> Deadline {
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let flag = std::sync::Arc::clone(&done);
    std::thread::spawn(move || {
        let step = Duration::from_millis(100);
        let mut waited = Duration::ZERO;
        while waited < after {
            if flag.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(step);
            waited += step;
        }
        if !flag.load(Ordering::SeqCst) {
            eprintln!("error: {message}");
            std::process::exit(LOST_PEER_STATUS);
        }
    });
    Deadline { done }
}

impl Deadline {
    /// Stops the watchdog.
    pub fn disarm(&self) {
        self.done.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn communication_panics_name_the_lost_process() {
        assert_eq!(peer_of_thread("timely:recv-2"), Some(2));
        assert_eq!(peer_of_thread("timely:send-10"), Some(10));
        assert_eq!(peer_of_thread("main"), None);
        let m = loss_message(
            "timely:recv-2",
            "timely communication error: reading data: socket closed",
        )
        .unwrap();
        assert!(m.contains("lost connection to process 2"), "{m}");
        assert!(loss_message("main", "index out of bounds").is_none());
        assert!(
            loss_message("worker", "timely communication error: x")
                .unwrap()
                .contains("lost connection")
        );
    }
}
