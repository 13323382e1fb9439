//! The login limiter. An attempt takes its slot *before* the password is hashed
//! and gives it back only when the password was right, so a burst of concurrent
//! guesses gets no more tries than the limit; at most one attempt per account is
//! in flight at a time.
//!
//! Policy (README "Security"):
//! - failures are counted per (account, client address) pair, so a flood from
//!   one address locks that address out of that account, never the owner who
//!   logs in from elsewhere;
//! - failures are also counted per client address across all accounts;
//! - both in a sliding window (one hour); a success clears the pair's failures.
//!
//! In memory, per process: replicas each enforce the limits on their own.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys kept before idle ones are swept.
const SWEEP_ABOVE: usize = 10_000;

/// Why an attempt was refused, and how long to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// What was exhausted.
    pub reason: RefusedBecause,
    /// Seconds until a slot frees (at least one).
    pub retry_after: Duration,
}

/// Which limit refused an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusedBecause {
    /// Too many failures for this account from this address.
    Account,
    /// Too many failures from this address.
    Client,
    /// Another attempt for this account is being checked right now.
    InFlight,
}

impl RefusedBecause {
    /// For log lines.
    pub fn as_str(self) -> &'static str {
        match self {
            RefusedBecause::Account => "account_from_address",
            RefusedBecause::Client => "address",
            RefusedBecause::InFlight => "attempt_in_flight",
        }
    }
}

#[derive(Default)]
struct AccountState {
    /// Failures (and reserved slots) per client address.
    per_client: HashMap<String, VecDeque<Instant>>,
    in_flight: bool,
    /// The account's id once known, for log lines.
    id: Option<String>,
}

#[derive(Default)]
struct State {
    accounts: HashMap<String, AccountState>,
    clients: HashMap<String, VecDeque<Instant>>,
}

/// Failed-login counters per (account, address) and per address.
pub struct LoginLimiter {
    max_per_account: u32,
    max_per_client: u32,
    window: Duration,
    state: Mutex<State>,
}

fn prune(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while times
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= window)
    {
        times.pop_front();
    }
}

fn wait(times: &VecDeque<Instant>, now: Instant, window: Duration) -> Duration {
    let oldest = times.front().copied().unwrap_or(now);
    window
        .saturating_sub(now.saturating_duration_since(oldest))
        .max(Duration::from_secs(1))
}

fn remove_one(times: &mut VecDeque<Instant>, at: Instant) {
    if let Some(i) = times.iter().rposition(|t| *t == at) {
        times.remove(i);
    }
}

impl LoginLimiter {
    /// `max_per_account` failures per account from one address and
    /// `max_per_client` failures per address, each per `window`.
    pub fn new(max_per_account: u32, max_per_client: u32, window: Duration) -> Self {
        Self {
            max_per_account: max_per_account.max(1),
            max_per_client: max_per_client.max(1),
            window,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a slot for one attempt on `account` from `client`, counted as a
    /// failure until [`Attempt::succeeded`] gives it back.
    pub fn begin<'a>(
        &'a self,
        account: &str,
        client: &str,
        now: Instant,
    ) -> Result<Attempt<'a>, Refused> {
        let mut guard = self.lock();
        let state = &mut *guard;
        if state.accounts.len() > SWEEP_ABOVE || state.clients.len() > SWEEP_ABOVE {
            self.sweep(state, now);
        }
        let window = self.window;
        let client_times = state.clients.entry(client.to_owned()).or_default();
        prune(client_times, now, window);
        if client_times.len() as u32 >= self.max_per_client {
            return Err(Refused {
                reason: RefusedBecause::Client,
                retry_after: wait(client_times, now, window),
            });
        }
        let acct = state.accounts.entry(account.to_owned()).or_default();
        if acct.in_flight {
            return Err(Refused {
                reason: RefusedBecause::InFlight,
                retry_after: Duration::from_secs(1),
            });
        }
        let pair = acct.per_client.entry(client.to_owned()).or_default();
        prune(pair, now, window);
        if pair.len() as u32 >= self.max_per_account {
            return Err(Refused {
                reason: RefusedBecause::Account,
                retry_after: wait(pair, now, window),
            });
        }
        pair.push_back(now);
        acct.in_flight = true;
        if let Some(times) = state.clients.get_mut(client) {
            times.push_back(now);
        }
        Ok(Attempt {
            limiter: self,
            account: account.to_owned(),
            client: client.to_owned(),
            at: now,
            settled: false,
        })
    }

    /// For credentials checked without taking a slot (API keys: a machine
    /// client sends many requests at once with one key, and a key check is
    /// fast): refuses when the pair or the address is over its limit. A
    /// failure is counted afterwards with [`LoginLimiter::failed`].
    pub fn check(&self, account: &str, client: &str, now: Instant) -> Result<(), Refused> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let window = self.window;
        if let Some(times) = state.clients.get_mut(client) {
            prune(times, now, window);
            if times.len() as u32 >= self.max_per_client {
                return Err(Refused {
                    reason: RefusedBecause::Client,
                    retry_after: wait(times, now, window),
                });
            }
        }
        if let Some(pair) = state
            .accounts
            .get_mut(account)
            .and_then(|a| a.per_client.get_mut(client))
        {
            prune(pair, now, window);
            if pair.len() as u32 >= self.max_per_account {
                return Err(Refused {
                    reason: RefusedBecause::Account,
                    retry_after: wait(pair, now, window),
                });
            }
        }
        Ok(())
    }

    /// Counts one failed check of `account` from `client` (see [`LoginLimiter::check`]).
    pub fn failed(&self, account: &str, client: &str, now: Instant) {
        let mut guard = self.lock();
        let state = &mut *guard;
        if state.accounts.len() > SWEEP_ABOVE || state.clients.len() > SWEEP_ABOVE {
            self.sweep(state, now);
        }
        state
            .clients
            .entry(client.to_owned())
            .or_default()
            .push_back(now);
        state
            .accounts
            .entry(account.to_owned())
            .or_default()
            .per_client
            .entry(client.to_owned())
            .or_default()
            .push_back(now);
    }

    /// The account's id, when a failed attempt has named it.
    pub fn known_id(&self, account: &str) -> Option<String> {
        self.lock().accounts.get(account).and_then(|a| a.id.clone())
    }

    /// Remembers the account's id for later log lines.
    pub fn remember_id(&self, account: &str, id: &str) {
        if let Some(a) = self.lock().accounts.get_mut(account) {
            a.id = Some(id.to_owned());
        }
    }

    fn sweep(&self, state: &mut State, now: Instant) {
        let window = self.window;
        let recent = |t: &VecDeque<Instant>| {
            t.back()
                .is_some_and(|last| now.saturating_duration_since(*last) < window)
        };
        state.clients.retain(|_, t| recent(t));
        state.accounts.retain(|_, a| {
            a.per_client.retain(|_, t| recent(t));
            a.in_flight || !a.per_client.is_empty()
        });
    }

    fn settle(&self, account: &str, client: &str, at: Instant, outcome: Outcome) {
        let mut state = self.lock();
        if let Some(acct) = state.accounts.get_mut(account) {
            acct.in_flight = false;
            match outcome {
                Outcome::Succeeded => {
                    acct.per_client.remove(client);
                }
                Outcome::NotChecked => {
                    if let Some(times) = acct.per_client.get_mut(client) {
                        remove_one(times, at);
                    }
                }
                Outcome::Failed => {}
            }
        }
        if outcome != Outcome::Failed {
            if let Some(times) = state.clients.get_mut(client) {
                remove_one(times, at);
            }
        }
    }
}

/// One login attempt holding its slot. Dropped without [`Attempt::succeeded`]
/// (wrong password, error, client gone), it stays counted as a failure.
/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The secret was right: the pair's failures are cleared.
    Succeeded,
    /// The secret was never checked (the request was refused earlier): only
    /// this attempt's slot is given back; earlier failures stay.
    NotChecked,
    /// The secret was wrong: the slot stays counted.
    Failed,
}

pub struct Attempt<'a> {
    limiter: &'a LoginLimiter,
    account: String,
    client: String,
    at: Instant,
    settled: bool,
}

impl Attempt<'_> {
    /// The password was right: the slot is given back and the pair's failures cleared.
    pub fn succeeded(mut self) {
        self.settled = true;
        self.limiter
            .settle(&self.account, &self.client, self.at, Outcome::Succeeded);
    }

    /// The secret was never checked (the request failed before the hash
    /// check): gives this attempt's slot back without clearing earlier failures.
    pub fn not_checked(mut self) {
        self.settled = true;
        self.limiter
            .settle(&self.account, &self.client, self.at, Outcome::NotChecked);
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.limiter
                .settle(&self.account, &self.client, self.at, Outcome::Failed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn checked_failures_refuse_the_pair_then_the_address_and_share_the_address_budget() {
        let l = LoginLimiter::new(2, 3, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(l.check("key:a", "ip", t0).is_ok());
        l.failed("key:a", "ip", t0);
        l.failed("key:a", "ip", t0);
        let refused = l.check("key:a", "ip", t0).err().unwrap();
        assert_eq!(refused.reason, RefusedBecause::Account);
        // Another address is not affected; another key from this one is, once
        // the address budget (shared with logins) is spent.
        assert!(l.check("key:a", "other-ip", t0).is_ok());
        assert!(l.check("key:b", "ip", t0).is_ok());
        drop(l.begin("login", "ip", t0).unwrap());
        let refused = l.check("key:b", "ip", t0).err().unwrap();
        assert_eq!(refused.reason, RefusedBecause::Client);
        assert!(l.begin("login", "ip", t0).is_err());
        assert!(l.check("key:b", "ip", t0 + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn an_attempt_counts_as_a_failure_from_the_moment_it_starts() {
        let l = LoginLimiter::new(3, 100, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..3 {
            drop(l.begin("a", "ip", t0 + Duration::from_secs(i)).unwrap());
        }
        let refused = l
            .begin("a", "ip", t0 + Duration::from_secs(10))
            .err()
            .unwrap();
        assert_eq!(refused.reason, RefusedBecause::Account);
        assert_eq!(refused.retry_after, Duration::from_secs(50));
        assert!(l.begin("a", "ip", t0 + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn an_attempt_never_checked_gives_its_slot_back_but_keeps_earlier_failures() {
        let l = LoginLimiter::new(2, 2, HOUR);
        let now = Instant::now();
        drop(l.begin("a", "ip", now).unwrap());
        for _ in 0..5 {
            l.begin("a", "ip", now).unwrap().not_checked();
        }
        drop(l.begin("a", "ip", now).unwrap());
        assert!(
            l.begin("a", "ip", now).is_err(),
            "the two failures still count"
        );
    }

    #[test]
    fn a_second_attempt_for_an_account_in_flight_is_refused() {
        let l = LoginLimiter::new(20, 100, HOUR);
        let now = Instant::now();
        let first = l.begin("a", "ip1", now).unwrap();
        let second = l.begin("a", "ip2", now).err().unwrap();
        assert_eq!(second.reason, RefusedBecause::InFlight);
        assert!(l.begin("b", "ip1", now).is_ok(), "other accounts go on");
        drop(first);
        assert!(l.begin("a", "ip2", now).is_ok());
    }

    #[test]
    fn a_success_gives_the_slot_back_and_clears_the_pair() {
        let l = LoginLimiter::new(2, 3, HOUR);
        let now = Instant::now();
        drop(l.begin("a", "ip", now).unwrap());
        l.begin("a", "ip", now).unwrap().succeeded();
        // the pair is clear again, and the address counts only the one failure
        drop(l.begin("a", "ip", now).unwrap());
        drop(l.begin("b", "ip", now).unwrap());
        assert_eq!(
            l.begin("c", "ip", now).err().unwrap().reason,
            RefusedBecause::Client
        );
    }

    #[test]
    fn failures_from_one_address_do_not_lock_the_owner_out_from_another() {
        let l = LoginLimiter::new(20, 50, HOUR);
        let now = Instant::now();
        for _ in 0..20 {
            drop(l.begin("admin", "attacker", now).unwrap());
        }
        assert_eq!(
            l.begin("admin", "attacker", now).err().unwrap().reason,
            RefusedBecause::Account
        );
        l.begin("admin", "owner", now).unwrap().succeeded();
    }

    #[test]
    fn the_address_limit_spans_accounts() {
        let l = LoginLimiter::new(20, 4, HOUR);
        let now = Instant::now();
        for i in 0..4 {
            drop(l.begin(&format!("guess{i}"), "ip", now).unwrap());
        }
        let refused = l.begin("admin", "ip", now).err().unwrap();
        assert_eq!(refused.reason, RefusedBecause::Client);
        assert!(refused.retry_after > Duration::from_secs(3500));
    }

    #[test]
    fn idle_keys_are_swept() {
        let l = LoginLimiter::new(20, 50_000, Duration::from_secs(1));
        let t0 = Instant::now();
        for i in 0..=SWEEP_ABOVE {
            drop(l.begin(&format!("a{i}"), &format!("ip{i}"), t0).unwrap());
        }
        drop(l.begin("late", "ip", t0 + Duration::from_secs(5)).unwrap());
        let state = l.lock();
        assert!(state.accounts.len() <= 2, "{}", state.accounts.len());
    }
}
