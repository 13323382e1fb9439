//! API keys for machine clients: the key format, the keyed hash they are stored
//! under, and what a key's scope lets through. The user module stores the keys
//! and answers the lookup; this module knows nothing of tables.
//!
//! A key is `hrms_<key id, 32 hex digits>_<secret, 64 hex digits>`: the id finds
//! the row, the secret (32 random bytes) proves possession. Only
//! HMAC-SHA256(server key, id ":" secret) is stored. A fast keyed hash is right
//! here, unlike for passwords: a secret of 256 random bits cannot be guessed
//! however fast each guess is, so a slow hash (Argon2, about 20 ms of CPU) would
//! only make every machine request slow; the key (`HRMS_API_KEY_SECRET`) means a
//! copy of the table alone does not even let anyone test a candidate key.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::shared::ApiKeyId;

type HmacSha256 = Hmac<Sha256>;

/// The fixed start of every key, so that scanners and people recognise one.
pub const PREFIX: &str = "hrms_";

/// Hex digits of the secret part (32 random bytes).
const SECRET_HEX_LEN: usize = 64;

/// The module names a scope may list (as in the `*_MODULE_ENABLED` switches).
pub const SCOPE_MODULES: [&str; 5] = ["user", "employee", "leave", "attendance", "compliance"];

/// A key as presented by a client, split into its parts.
pub struct PresentedKey {
    /// The key's id.
    pub id: ApiKeyId,
    secret: String,
}

impl PresentedKey {
    /// Parses `hrms_<id>_<secret>`; `None` for anything else.
    pub fn parse(key: &str) -> Option<Self> {
        let rest = key.strip_prefix(PREFIX)?;
        let (id, secret) = rest.split_once('_')?;
        let id = (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| uuid::Uuid::try_parse(id).ok())
            .flatten()?;
        let secret_ok = secret.len() == SECRET_HEX_LEN
            && secret
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        secret_ok.then(|| Self {
            id: ApiKeyId::from(id),
            secret: secret.to_owned(),
        })
    }
}

/// A new key: the text shown once to its creator, and what is stored.
pub struct NewKey {
    /// The whole key, shown once.
    pub key: SecretString,
    /// The keyed hash to store (hex).
    pub hash: String,
}

/// Hashes and checks keys with the server's key.
pub struct KeyHasher {
    /// HMAC state after the key, cloned for each hash.
    keyed: HmacSha256,
}

impl KeyHasher {
    /// A hasher keyed with `secret` (any length; HMAC hashes long keys).
    pub fn new(secret: &SecretString) -> anyhow::Result<Self> {
        let keyed = HmacSha256::new_from_slice(secret.expose_secret().as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot key the API key hash: {e}"))?;
        Ok(Self { keyed })
    }

    fn mac(&self, id: ApiKeyId, secret: &str) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(id.as_uuid().simple().to_string().as_bytes());
        mac.update(b":");
        mac.update(secret.as_bytes());
        mac
    }

    /// A fresh key with id `id`.
    pub fn generate(&self, id: ApiKeyId) -> NewKey {
        let bytes: [u8; 32] = rand::random();
        let secret = hex::encode(bytes);
        let hash = hex::encode(self.mac(id, &secret).finalize().into_bytes());
        let key = format!("{PREFIX}{}_{secret}", id.as_uuid().simple());
        NewKey {
            key: SecretString::from(key),
            hash,
        }
    }

    /// Whether `presented` matches the stored `hash`, compared in constant time
    /// (`Mac::verify_slice`).
    pub fn matches(&self, presented: &PresentedKey, hash: &str) -> bool {
        let Ok(stored) = hex::decode(hash) else {
            return false;
        };
        self.mac(presented.id, &presented.secret)
            .verify_slice(&stored)
            .is_ok()
    }
}

impl KeyHasher {
    /// The hasher the settings describe: keyed with `HRMS_API_KEY_SECRET`, or
    /// with a key derived from `HRMS_JWT_SECRET` (HMAC of a fixed label, so the
    /// token key itself is never used for keys), or, with neither (development
    /// only: production requires the JWT secret), a random key: keys then die
    /// with the process, which is logged.
    pub fn from_settings(settings: &crate::config::AuthSettings) -> anyhow::Result<Self> {
        let own = settings.api_key_secret.expose_secret();
        if !own.is_empty() {
            return Self::new(&settings.api_key_secret);
        }
        let jwt = settings.jwt_secret.expose_secret();
        let base: Vec<u8> = if jwt.is_empty() {
            tracing::warn!("neither HRMS_API_KEY_SECRET nor HRMS_JWT_SECRET is set: API keys will not survive a restart");
            rand::random::<[u8; 32]>().to_vec()
        } else {
            jwt.as_bytes().to_vec()
        };
        let derived = HmacSha256::new_from_slice(&base)
            .map_err(|e| anyhow::anyhow!("cannot derive the API key hash key: {e}"))?
            .chain_update(b"hrms/api-key-hash/v1")
            .finalize()
            .into_bytes();
        Self::new(&SecretString::from(hex::encode(derived)))
    }
}

/// What a key may reach beyond its role.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyScope {
    /// Only reads (`GET`, `HEAD`, `OPTIONS`).
    pub read_only: bool,
    /// Only these modules' routes (names of [`SCOPE_MODULES`]); `None` = all,
    /// the operator routes included.
    pub modules: Option<Vec<String>>,
}

/// The module whose routes `path` belongs to, `None` for routes of no module
/// (the operator endpoints).
pub fn module_of_path(path: &str) -> Option<&'static str> {
    let rest = path.strip_prefix("/api/v1/")?;
    let first = rest.split('/').next().unwrap_or_default();
    Some(match first {
        "auth" | "users" | "api-keys" => "user",
        "employees" => "employee",
        "leave" => "leave",
        "attendance" => "attendance",
        "compliance" => "compliance",
        _ => return None,
    })
}

impl KeyScope {
    /// Why a request with `method` on `path` is outside the scope, if it is.
    pub fn refuses(&self, method: &actix_web::http::Method, path: &str) -> Option<String> {
        use actix_web::http::Method;
        if self.read_only && ![Method::GET, Method::HEAD, Method::OPTIONS].contains(method) {
            return Some("this API key is read-only".to_owned());
        }
        if let Some(modules) = &self.modules {
            match module_of_path(path) {
                Some(m) if modules.iter().any(|allowed| allowed == m) => {}
                Some(m) => {
                    return Some(format!(
                        "this API key does not reach the {m} module (it reaches: {})",
                        modules.join(", ")
                    ))
                }
                None => {
                    return Some(
                        "this API key is limited to some modules; this route belongs to none"
                            .to_owned(),
                    )
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::Method;

    fn hasher(secret: &str) -> KeyHasher {
        KeyHasher::new(&SecretString::from(secret.to_owned())).unwrap()
    }

    #[test]
    fn a_generated_key_parses_and_matches_its_hash_only() {
        let h = hasher("server key");
        let id = ApiKeyId::generate();
        let new = h.generate(id);
        let key = new.key.expose_secret();
        assert!(key.starts_with("hrms_"), "{key}");
        assert_eq!(key.len(), 5 + 32 + 1 + 64);
        let presented = PresentedKey::parse(key).expect("parses");
        assert_eq!(presented.id, id);
        assert!(h.matches(&presented, &new.hash));
        // Another server key, another key's hash, a changed secret: no match.
        assert!(!hasher("other server key").matches(&presented, &new.hash));
        assert!(!h.matches(&presented, &h.generate(id).hash));
        let mut flipped = key.to_owned();
        let last = flipped.pop().unwrap();
        flipped.push(if last == '0' { '1' } else { '0' });
        assert!(!h.matches(&PresentedKey::parse(&flipped).unwrap(), &new.hash));
    }

    #[test]
    fn a_key_of_another_id_does_not_match_the_hash() {
        let h = hasher("server key");
        let new = h.generate(ApiKeyId::generate());
        let key = new.key.expose_secret();
        let other = ApiKeyId::generate();
        let moved = format!("hrms_{}_{}", other.as_uuid().simple(), &key[38..]);
        assert!(!h.matches(&PresentedKey::parse(&moved).unwrap(), &new.hash));
    }

    #[test]
    fn malformed_keys_do_not_parse() {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let secret = "a".repeat(64);
        assert!(PresentedKey::parse(&format!("hrms_{id}_{secret}")).is_some());
        for bad in [
            String::new(),
            format!("hrm_{id}_{secret}"),
            format!("hrms_{id}{secret}"),
            format!("hrms_{}_{secret}", &id[..31]),
            format!("hrms_{id}_{}", &secret[..63]),
            format!("hrms_{id}_{}A", &secret[..63]),
            format!("hrms_{id}_{secret}0"),
            format!("hrms_{}_{secret}", "g".repeat(32)),
            "eyJhbGciOiJIUzI1NiJ9.e30.sig".to_owned(),
        ] {
            assert!(PresentedKey::parse(&bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn paths_map_to_their_modules() {
        for (path, module) in [
            ("/api/v1/employees", Some("employee")),
            ("/api/v1/employees/123", Some("employee")),
            ("/api/v1/users/1", Some("user")),
            ("/api/v1/auth/me", Some("user")),
            ("/api/v1/api-keys", Some("user")),
            ("/api/v1/leave/requests", Some("leave")),
            ("/api/v1/attendance/check-in", Some("attendance")),
            ("/api/v1/compliance/violations", Some("compliance")),
            ("/api/v1/admin/outbox", None),
            ("/api/v1/employeesx", None),
            ("/health/live", None),
        ] {
            assert_eq!(module_of_path(path), module, "{path}");
        }
    }

    #[test]
    fn a_scope_refuses_writes_when_read_only_and_other_modules_when_listed() {
        let all = KeyScope::default();
        assert_eq!(all.refuses(&Method::POST, "/api/v1/admin/outbox"), None);
        let read_only = KeyScope {
            read_only: true,
            modules: None,
        };
        assert_eq!(read_only.refuses(&Method::GET, "/api/v1/employees"), None);
        assert_eq!(read_only.refuses(&Method::HEAD, "/api/v1/employees"), None);
        for m in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(read_only.refuses(&m, "/api/v1/employees").is_some(), "{m}");
        }
        let leave_only = KeyScope {
            read_only: false,
            modules: Some(vec!["leave".into(), "attendance".into()]),
        };
        assert_eq!(
            leave_only.refuses(&Method::POST, "/api/v1/leave/requests"),
            None
        );
        assert_eq!(
            leave_only.refuses(&Method::GET, "/api/v1/attendance/records"),
            None
        );
        assert!(leave_only
            .refuses(&Method::GET, "/api/v1/employees")
            .is_some());
        assert!(leave_only
            .refuses(&Method::GET, "/api/v1/admin/outbox")
            .is_some());
    }
}
