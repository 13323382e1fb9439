//! Counts failed logins per key (account, client address) in a sliding window.
//! Checked before a password is hashed, so a flood of guesses costs no CPU.
//! In memory, per process: replicas each enforce the limit on their own.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys kept before idle ones are swept.
const SWEEP_ABOVE: usize = 10_000;

/// A sliding-window failure counter.
pub struct FailureLimiter {
    max: u32,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl FailureLimiter {
    /// Allows `max` failures per `window` per key.
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(retry_after)` when `key` has used up its failures.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let Some(times) = map.get_mut(key) else {
            return Ok(());
        };
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() as u32 >= self.max {
            let oldest = times.front().copied().unwrap_or(now);
            let wait = self.window.saturating_sub(now.duration_since(oldest));
            return Err(wait.max(Duration::from_secs(1)));
        }
        Ok(())
    }

    /// Records one failure for `key`.
    pub fn fail(&self, key: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > SWEEP_ABOVE {
            let window = self.window;
            map.retain(|_, t| {
                t.back()
                    .is_some_and(|last| now.duration_since(*last) < window)
            });
        }
        let times = map.entry(key.to_owned()).or_default();
        times.push_back(now);
        while times.len() > self.max as usize {
            times.pop_front();
        }
    }

    /// Forgets `key`'s failures (after a successful login).
    pub fn reset(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_blocked_after_max_failures_until_the_window_passes() {
        let l = FailureLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(l.check("a", t0).is_ok());
            l.fail("a", t0 + Duration::from_secs(i));
        }
        let wait = l.check("a", t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        assert!(l.check("b", t0).is_ok(), "other keys are not affected");
        assert!(l.check("a", t0 + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn a_reset_clears_the_failures() {
        let l = FailureLimiter::new(1, Duration::from_secs(60));
        let t0 = Instant::now();
        l.fail("a", t0);
        assert!(l.check("a", t0).is_err());
        l.reset("a");
        assert!(l.check("a", t0).is_ok());
    }
}
