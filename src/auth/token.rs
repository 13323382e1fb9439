//! Short-lived access tokens: JWT, HS256 pinned, with issuer, audience, expiry
//! and the `at+jwt` type checked on every request (RFC 8725, RFC 9068).

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{Principal, Role};
use crate::config::{AuthSettings, MIN_SECRET_BYTES};

/// The token type header value (RFC 9068).
const TOKEN_TYPE: &str = "at+jwt";

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Account id.
    pub sub: String,
    /// Role at issue time.
    pub role: String,
    /// Linked employee id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emp: Option<String>,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (Unix seconds).
    pub iat: u64,
    /// Expiry (Unix seconds).
    pub exp: u64,
    /// Token id.
    pub jti: String,
}

impl Claims {
    /// The caller as the token describes it.
    pub fn principal(&self) -> Option<Principal> {
        Some(Principal {
            user_id: self.sub.parse().ok()?,
            role: Role::parse(&self.role)?,
            employee_id: match &self.emp {
                None => None,
                Some(e) => Some(e.parse().ok()?),
            },
        })
    }
}

/// Why a token was refused (never shown to the client in detail).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Bad signature, algorithm, claims or expiry.
    #[error("invalid token: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    /// Wrong `typ` header.
    #[error("invalid token type")]
    WrongType,
}

/// Issues and verifies access tokens.
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

impl TokenService {
    /// Builds the service; an empty secret gets a random one (development only:
    /// tokens then die with the process), which is logged as a warning.
    pub fn new(settings: &AuthSettings) -> Self {
        let configured = settings.jwt_secret.expose_secret();
        let secret: SecretString = if configured.len() >= MIN_SECRET_BYTES {
            SecretString::from(configured.to_owned())
        } else {
            tracing::warn!("HRMS_JWT_SECRET is not set: using a random signing secret; tokens will not survive a restart");
            let bytes: [u8; 32] = rand::random();
            SecretString::from(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[settings.issuer.as_str()]);
        validation.set_audience(&[settings.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret.expose_secret().as_bytes()),
            decoding: DecodingKey::from_secret(secret.expose_secret().as_bytes()),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            ttl_secs: settings.token_ttl_secs.max(1),
        }
    }

    /// Lifetime of new tokens, seconds.
    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// Signs a token for `who`.
    pub fn issue(&self, who: &Principal) -> Result<String, jsonwebtoken::errors::Error> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let claims = Claims {
            sub: who.user_id.to_string(),
            role: who.role.as_str().to_owned(),
            emp: who.employee_id.map(|e| e.to_string()),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + self.ttl_secs,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(TOKEN_TYPE.to_owned());
        encode(&header, &claims, &self.encoding)
    }

    /// Checks signature (HS256 only), type, issuer, audience and expiry.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = decode_header(token)?;
        if header.typ.as_deref() != Some(TOKEN_TYPE) {
            return Err(TokenError::WrongType);
        }
        Ok(decode::<Claims>(token, &self.decoding, &self.validation)?.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn service(secret: &str) -> TokenService {
        let mut s = crate::config::Settings::load_from(Path::new("/nonexistent"), "test", &[])
            .unwrap()
            .auth;
        s.jwt_secret = SecretString::from(secret.to_owned());
        TokenService::new(&s)
    }

    fn who() -> Principal {
        Principal {
            user_id: "0193a2b4-0000-7000-8000-000000000001".parse().unwrap(),
            role: Role::Hr,
            employee_id: Some("0193a2b4-0000-7000-8000-0000000000e1".parse().unwrap()),
        }
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn an_issued_token_verifies_and_carries_the_principal() {
        let s = service(SECRET);
        let t = s.issue(&who()).unwrap();
        assert_eq!(s.verify(&t).unwrap().principal(), Some(who()));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let t = service("another-secret-another-secret-xx")
            .issue(&who())
            .unwrap();
        assert!(service(SECRET).verify(&t).is_err());
    }

    #[test]
    fn an_unsigned_or_other_algorithm_token_is_refused() {
        let s = service(SECRET);
        let t = s.issue(&who()).unwrap();
        let mut parts: Vec<&str> = t.split('.').collect();
        // alg "none"
        let none = base64_url(r#"{"alg":"none","typ":"at+jwt"}"#);
        parts[0] = &none;
        let forged = format!("{}.{}.", parts[0], parts[1]);
        assert!(s.verify(&forged).is_err());
        // HS512 with the same secret
        let mut header = Header::new(Algorithm::HS512);
        header.typ = Some(TOKEN_TYPE.into());
        let claims = s.verify(&t).unwrap();
        let other = encode(
            &header,
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert!(s.verify(&other).is_err());
    }

    #[test]
    fn a_token_of_another_type_or_audience_is_refused() {
        let s = service(SECRET);
        let mut claims = s.verify(&s.issue(&who()).unwrap()).unwrap();
        let plain = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert!(matches!(s.verify(&plain), Err(TokenError::WrongType)));
        claims.aud = "someone-else".into();
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(TOKEN_TYPE.into());
        let other_aud = encode(
            &header,
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert!(s.verify(&other_aud).is_err());
    }

    #[test]
    fn an_expired_token_is_refused() {
        let s = service(SECRET);
        let mut claims = s.verify(&s.issue(&who()).unwrap()).unwrap();
        claims.exp = claims.iat - 60;
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(TOKEN_TYPE.into());
        let expired = encode(
            &header,
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert!(s.verify(&expired).is_err());
    }

    fn base64_url(s: &str) -> String {
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let b = s.as_bytes();
        let mut out = String::new();
        for chunk in b.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, &x)| acc | (u32::from(x) << (16 - 8 * i)));
            let chars = chunk.len() + 1;
            for i in 0..chars {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}
