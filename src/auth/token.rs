//! Short-lived access tokens: JWT, HS256 pinned, with issuer, audience, expiry
//! and the `at+jwt` type checked on every request (RFC 8725, RFC 9068).

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{Principal, Role};
use crate::config::{estimated_secret_bits, AuthSettings, MIN_SECRET_BITS, MIN_SECRET_BYTES};

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
    /// The account's credentials generation at issue time; the per-request
    /// account lookup refuses the token once the account's is higher.
    #[serde(default)]
    pub gen: i64,
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
            via: super::Via::Token,
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
    /// Issued in the future (beyond the clock leeway).
    #[error("token issued in the future")]
    IssuedInFuture,
    /// `exp - iat` longer than the configured lifetime: not a token we issued.
    #[error("token lifetime exceeds the configured maximum")]
    LifetimeTooLong,
}

/// Seconds of clock difference tolerated on `exp` and `iat`.
const LEEWAY_SECS: u64 = 5;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
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
            let bits = estimated_secret_bits(configured);
            if bits < MIN_SECRET_BITS {
                // Production refuses this at load time (config::Settings::check).
                tracing::warn!(
                    secret.estimated_bits = bits.round() as u64,
                    "HRMS_JWT_SECRET looks guessable; generate one with `openssl rand -base64 32`"
                );
            }
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
        validation.leeway = LEEWAY_SECS;
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

    /// Signs a token for `who` at credentials generation 0.
    pub fn issue(&self, who: &Principal) -> Result<String, jsonwebtoken::errors::Error> {
        self.issue_at(who, 0)
    }

    /// Signs a token for `who`, carrying the account's credentials
    /// `generation` (claim `gen`).
    pub fn issue_at(
        &self,
        who: &Principal,
        generation: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = unix_now();
        let claims = Claims {
            sub: who.user_id.to_string(),
            role: who.role.as_str().to_owned(),
            emp: who.employee_id.map(|e| e.to_string()),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + self.ttl_secs,
            jti: uuid::Uuid::new_v4().to_string(),
            gen: generation,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(TOKEN_TYPE.to_owned());
        encode(&header, &claims, &self.encoding)
    }

    /// Checks signature (HS256 only), type, issuer, audience and expiry; an
    /// `iat` in the future or a lifetime (`exp - iat`) longer than the
    /// configured one is refused too (RFC 8725 3.10: no token outlives policy).
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = decode_header(token)?;
        if header.typ.as_deref() != Some(TOKEN_TYPE) {
            return Err(TokenError::WrongType);
        }
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)?.claims;
        if claims.iat > unix_now() + LEEWAY_SECS {
            return Err(TokenError::IssuedInFuture);
        }
        if claims.exp.saturating_sub(claims.iat) > self.ttl_secs {
            return Err(TokenError::LifetimeTooLong);
        }
        Ok(claims)
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
            via: crate::auth::Via::Token,
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

    fn signed(claims: &Claims) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(TOKEN_TYPE.into());
        encode(
            &header,
            claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap()
    }

    #[test]
    fn a_token_issued_in_the_future_is_refused() {
        let s = service(SECRET);
        let mut claims = s.verify(&s.issue(&who()).unwrap()).unwrap();
        claims.iat += 3600;
        claims.exp = claims.iat + 60;
        assert!(matches!(
            s.verify(&signed(&claims)),
            Err(TokenError::IssuedInFuture)
        ));
    }

    #[test]
    fn a_token_living_longer_than_the_configured_lifetime_is_refused() {
        let s = service(SECRET);
        let mut claims = s.verify(&s.issue(&who()).unwrap()).unwrap();
        claims.exp = claims.iat + s.ttl_secs() + 1;
        assert!(matches!(
            s.verify(&signed(&claims)),
            Err(TokenError::LifetimeTooLong)
        ));
        claims.exp = claims.iat + s.ttl_secs();
        assert!(s.verify(&signed(&claims)).is_ok());
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
