//! Password hashing with Argon2id at OWASP's parameters (19 MiB, 2 iterations,
//! 1 lane). Deliberately slow, so every hash and check runs on a bounded pool
//! of its own ([`configure_pool`]: one thread per core but one) whose threads
//! run at a lower CPU priority: a login flood then uses the CPU the API leaves
//! idle instead of starving authenticated reads (security finding 6). The
//! functions block their caller until the pool has done the work: call them
//! from actor threads only, never from an async HTTP worker.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Longest accepted password: bounds the hashing work one request can cause.
pub const MAX_PASSWORD_LENGTH: usize = 1024;

/// The niceness of the hashing threads (Linux; 0 is normal, 19 the lowest).
/// 10 gives a busy API thread about nine times a hashing thread's CPU share.
pub const HASH_THREAD_NICENESS: i32 = 10;

static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();

/// Sizes the hashing pool: `threads` threads, 0 = [`default_threads`]. The first call
/// (start-up) wins; without one, the first hash starts a default pool.
pub fn configure_pool(threads: usize) -> anyhow::Result<()> {
    if POOL.get().is_some() {
        return Ok(());
    }
    let pool = build_pool(threads)?;
    let _ = POOL.set(Some(pool));
    Ok(())
}

fn build_pool(threads: usize) -> anyhow::Result<rayon::ThreadPool> {
    let threads = if threads == 0 {
        default_threads()
    } else {
        threads
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("argon2-{i}"))
        .start_handler(|_| lower_priority())
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the password hashing pool: {e}"))
}

/// One thread per core but one (at least one): a flood of logins then always
/// leaves a core to the rest of the API (BENCHMARKS.md, login flood).
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
}

/// Lowers the calling thread's CPU priority to [`HASH_THREAD_NICENESS`] (or
/// keeps it, when the process already runs at a lower one).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid, getpriority and setpriority take plain integers and
        // touch no memory of ours; on Linux, PRIO_PROCESS with a thread id
        // reads and sets that thread's niceness only. A failure leaves the
        // priority as it was.
        let done = unsafe {
            let tid = libc::gettid() as libc::id_t;
            let current = libc::getpriority(libc::PRIO_PROCESS, tid);
            libc::setpriority(libc::PRIO_PROCESS, tid, current.max(HASH_THREAD_NICENESS))
        };
        if done != 0 {
            tracing::warn!("could not lower the priority of a password hashing thread");
        }
    }
}

/// Runs `work` on the hashing pool and waits for it (inline if the pool could
/// not be started; start-up reports that through [`configure_pool`]).
fn on_pool<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    let pool = POOL.get_or_init(|| match build_pool(0) {
        Ok(pool) => Some(pool),
        Err(err) => {
            tracing::error!(error = %err, "password hashing runs on the caller's thread");
            None
        }
    });
    match pool {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

fn hasher() -> Argon2<'static> {
    // 19 MiB, t=2, p=1 are valid Argon2 parameters, so this cannot fail.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (salt and parameters included).
pub fn hash(password: &str) -> anyhow::Result<String> {
    on_pool(|| {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
    })
}

/// Whether `password` matches the stored hash.
pub fn verify(password: &str, stored: &str) -> bool {
    on_pool(|| match PasswordHash::new(stored) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    })
}

/// Spends the same time as a real check, so an unknown account is not faster
/// to reject than a wrong password.
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("dummy password for timing").unwrap_or_default());
    let _ = verify(password, stored);
}

/// Checks a new password against the policy; `Err` says why (no echo of it).
pub fn check_policy(password: &str, min_len: usize) -> Result<(), String> {
    let len = password.chars().count();
    if len < min_len {
        return Err(format!("password must be at least {min_len} characters"));
    }
    if password.len() > MAX_PASSWORD_LENGTH {
        return Err(format!(
            "password must be at most {MAX_PASSWORD_LENGTH} bytes"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password_and_uses_argon2id_at_owasp_parameters() {
        let h = hash("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery staple", &h));
        assert!(!verify("correct horse battery stapler", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn hashing_runs_on_the_pool_threads_at_a_lower_priority() {
        let (name, nice) = on_pool(|| {
            let name = std::thread::current().name().map(str::to_owned);
            // SAFETY: as in lower_priority.
            #[cfg(target_os = "linux")]
            let nice =
                unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) };
            #[cfg(not(target_os = "linux"))]
            let nice = HASH_THREAD_NICENESS;
            (name, nice)
        });
        assert!(name.is_some_and(|n| n.starts_with("argon2-")));
        assert!(nice >= HASH_THREAD_NICENESS, "niceness {nice}");
    }

    #[test]
    fn the_policy_enforces_length_bounds() {
        assert!(check_policy("short", 12).is_err());
        assert!(check_policy("long enough password", 12).is_ok());
        assert!(check_policy(&"x".repeat(2000), 12).is_err());
    }
}
