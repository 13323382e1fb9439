//! Password hashing with Argon2id at OWASP's parameters (19 MiB, 2 iterations,
//! 1 lane). Blocking and deliberately slow: call it from actor threads only.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Longest accepted password: bounds the hashing work one request can cause.
pub const MAX_PASSWORD_LENGTH: usize = 1024;

fn hasher() -> Argon2<'static> {
    // 19 MiB, t=2, p=1 are valid Argon2 parameters, so this cannot fail.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (salt and parameters included).
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

/// Whether `password` matches the stored hash.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
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
    fn the_policy_enforces_length_bounds() {
        assert!(check_policy("short", 12).is_err());
        assert!(check_policy("long enough password", 12).is_ok());
        assert!(check_policy(&"x".repeat(2000), 12).is_err());
    }
}
