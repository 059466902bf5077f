//! API keys: random 32-byte secrets shown once at creation; only their
//! SHA-256 is stored, so a copy of the database does not leak usable keys.

use crate::{AuditError, AuditStore};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Printable prefix so a leaked key is recognisable in logs and scanners.
const KEY_PREFIX: &str = "kdn_";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKeyInfo {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A freshly created key: `secret` is shown to the user once and never stored.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub info: ApiKeyInfo,
    pub secret: String,
}

pub fn hash_key(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.trim().as_bytes()))
}

fn random_hex(bytes: usize) -> Result<String, AuditError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)
        .map_err(|e| AuditError::Invalid(format!("no system randomness: {e}")))?;
    Ok(hex::encode(buf))
}

impl dyn AuditStore {
    /// Create a key named `name` and return it with its one-time secret.
    pub fn create_key(&mut self, name: &str) -> Result<NewApiKey, AuditError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(AuditError::Invalid(
                "an API key needs a non-empty name".into(),
            ));
        }
        let secret = format!("{KEY_PREFIX}{}", random_hex(32)?);
        let info = ApiKeyInfo {
            id: format!("key_{}", random_hex(6)?),
            name: name.to_string(),
            created_at: crate::now_timestamp(),
            revoked_at: None,
        };
        self.insert_key(&info, &hash_key(&secret))?;
        Ok(NewApiKey { info, secret })
    }
}
