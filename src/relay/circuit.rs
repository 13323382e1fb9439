//! The Kafka circuit breaker as a plain state machine (no clock of its own).

use std::time::{Duration, Instant};

/// What a call changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Nothing changed.
    None,
    /// The circuit just opened: the broker is considered unreachable.
    Opened,
    /// The circuit just closed: the broker answered again.
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed { failing_since: Option<Instant> },
    Open { next_probe: Instant },
}

/// Opens after failures persist for `open_after`; while open, allows one probe
/// every `probe_every`; closes on the first success.
#[derive(Debug, Clone)]
pub struct Circuit {
    state: State,
    open_after: Duration,
    probe_every: Duration,
}

impl Circuit {
    /// A closed circuit.
    pub fn new(open_after: Duration, probe_every: Duration) -> Self {
        Self {
            state: State::Closed {
                failing_since: None,
            },
            open_after,
            probe_every,
        }
    }

    /// Whether Kafka is considered unreachable.
    pub fn is_open(&self) -> bool {
        matches!(self.state, State::Open { .. })
    }

    /// The broker looks unreachable at `now` (all brokers down while messages wait).
    pub fn failure(&mut self, now: Instant) -> Transition {
        match self.state {
            State::Closed {
                failing_since: None,
            } => {
                self.state = State::Closed {
                    failing_since: Some(now),
                };
                if self.open_after.is_zero() {
                    self.open(now)
                } else {
                    Transition::None
                }
            }
            State::Closed {
                failing_since: Some(since),
            } if now.duration_since(since) >= self.open_after => self.open(now),
            _ => Transition::None,
        }
    }

    fn open(&mut self, now: Instant) -> Transition {
        self.state = State::Open {
            next_probe: now + self.probe_every,
        };
        Transition::Opened
    }

    /// The broker acknowledged something or answered a probe.
    pub fn success(&mut self) -> Transition {
        let was_open = self.is_open();
        self.state = State::Closed {
            failing_since: None,
        };
        if was_open {
            Transition::Closed
        } else {
            Transition::None
        }
    }

    /// While open: whether it is time for a probe (and books the next one).
    pub fn probe_due(&mut self, now: Instant) -> bool {
        match self.state {
            State::Open { next_probe } if now >= next_probe => {
                self.state = State::Open {
                    next_probe: now + self.probe_every,
                };
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn the_circuit_opens_only_after_failures_last_long_enough() {
        let t0 = Instant::now();
        let mut c = Circuit::new(5 * S, 2 * S);
        assert_eq!(c.failure(t0), Transition::None);
        assert_eq!(c.failure(t0 + 4 * S), Transition::None);
        assert!(!c.is_open());
        assert_eq!(c.failure(t0 + 5 * S), Transition::Opened);
        assert!(c.is_open());
    }

    #[test]
    fn a_success_before_the_threshold_resets_the_clock() {
        let t0 = Instant::now();
        let mut c = Circuit::new(5 * S, 2 * S);
        c.failure(t0);
        assert_eq!(c.success(), Transition::None);
        assert_eq!(c.failure(t0 + 6 * S), Transition::None);
    }

    #[test]
    fn an_open_circuit_probes_at_intervals_and_closes_on_success() {
        let t0 = Instant::now();
        let mut c = Circuit::new(Duration::ZERO, 2 * S);
        assert_eq!(c.failure(t0), Transition::Opened);
        assert!(!c.probe_due(t0 + S));
        assert!(c.probe_due(t0 + 2 * S));
        assert!(!c.probe_due(t0 + 3 * S));
        assert!(c.probe_due(t0 + 4 * S));
        assert_eq!(c.success(), Transition::Closed);
        assert!(!c.is_open());
    }
}
