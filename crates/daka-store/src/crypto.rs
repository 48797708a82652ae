//! Encryption at rest for the columns that hold personal data (coordinates, Wi-Fi and beacon
//! observations): XChaCha20-Poly1305 under a [`Keyring`] of 256-bit keys, one of them active.
//!
//! # Sealed blobs
//!
//! [`Keyring::seal`] returns a self-describing blob, stored as-is in a `BLOB`/`BYTEA` column:
//!
//! | bytes   | content                                               |
//! | ------- | ----------------------------------------------------- |
//! | 0       | format version, [`BLOB_VERSION`] (1)                  |
//! | 1..5    | key id, `u32` big-endian                              |
//! | 5..29   | nonce, 24 random bytes                                |
//! | 29..    | ciphertext, then the 16-byte Poly1305 tag             |
//!
//! [`Keyring::open`] picks the key named in the blob, so rows sealed before a rotation stay
//! readable; [`Keyring::needs_rewrap`] and [`Keyring::rewrap`] move them to the active key.
//! Random 24-byte nonces make nonce reuse negligible for any number of rows under one key.
//!
//! # Associated data: a ciphertext belongs to one row
//!
//! Every seal and open takes associated data (AAD), which is authenticated but not stored.
//! Callers pass [`row_aad`] (tenant id, table, row id, column), so a ciphertext copied to
//! another row, another column or another tenant fails to open with
//! [`CryptoError::CannotDecrypt`] instead of showing one person's location on another's
//! punch. The blob's header (version and key id) is authenticated too.
//!
//! # Key file
//!
//! JSON, written with mode 0600 on Unix, by default `keys.json` in the data directory
//! ([`KEY_FILE_NAME`]):
//!
//! ```json
//! {
//!   "active": 2,
//!   "keys": {
//!     "1": "<64 hex digits>",
//!     "2": "<64 hex digits>"
//!   }
//! }
//! ```
//!
//! `active` is the id new blobs are sealed with; `keys` maps each id (a decimal integer from 1
//! to 4294967295) to a 256-bit key in hex. No other fields are allowed. The same JSON may be
//! given in the `DAKA_KEYS` environment variable ([`KEYS_ENV`]), which then takes precedence
//! over the file (see [`Keyring::from_env_or_file`]).
//!
//! The key file is what makes the database readable: back it up, separately from database
//! backups (a dump without the key file reveals no coordinates, which is the point). Losing it
//! loses every sealed column. Remove an old key only after every row has been rewrapped.
//!
//! Key material is never printed: the `Debug` of [`Keyring`] shows only ids.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::{RngCore, TryRngCore};

use crate::error::StoreError;
use crate::tenant::Tenant;

/// The identifier of one key in a [`Keyring`], stored in every blob it sealed.
pub type KeyId = u32;

/// The blob format version written by [`Keyring::seal`].
pub const BLOB_VERSION: u8 = 1;
/// The key file's default name in the data directory.
pub const KEY_FILE_NAME: &str = "keys.json";
/// The environment variable that may hold the key file's JSON instead of a file.
pub const KEYS_ENV: &str = "DAKA_KEYS";

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + 4;
const NONCE_END: usize = HEADER_LEN + NONCE_LEN;
/// The shortest valid blob: header, nonce and the tag of an empty plaintext.
pub const MIN_BLOB_LEN: usize = NONCE_END + TAG_LEN;

/// What went wrong with a key file or a blob. None of the messages contain key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The blob names a key that is not in the keyring (removed, or a different key file).
    #[error("unknown key id {0}: the keyring has no such key")]
    UnknownKey(KeyId),
    /// Authentication failed: wrong key, AAD of another row, or altered bytes.
    #[error("cannot decrypt: wrong key, wrong row (associated data) or tampered data")]
    CannotDecrypt,
    #[error("truncated blob: {len} bytes, at least {min} needed")]
    Truncated { len: usize, min: usize },
    #[error("unsupported blob version {0} (this build reads version {BLOB_VERSION})")]
    UnsupportedVersion(u8),
    /// The key file (or `DAKA_KEYS`) is malformed; `field` is e.g. `active` or `keys.2`.
    #[error("key file {source_name}: {field}: {message}")]
    KeyFile {
        source_name: String,
        field: String,
        message: String,
    },
    /// Reading or writing the key file failed.
    #[error("key file {path}: {message}")]
    Io { path: String, message: String },
    /// The system's random source failed.
    #[error("random source: {0}")]
    Random(String),
    /// Larger than the cipher can seal in one message (about 256 GiB).
    #[error("plaintext too large to seal")]
    TooLarge,
    /// Every key id up to the largest has been used.
    #[error("key ids exhausted: the largest id {0} is in use")]
    IdsExhausted(KeyId),
    /// The active key cannot be removed from the keyring.
    #[error("key {0} is the active key and cannot be removed")]
    RemoveActive(KeyId),
}

impl From<CryptoError> for StoreError {
    fn from(e: CryptoError) -> Self {
        StoreError::Database(format!("crypto: {e}"))
    }
}

fn key_file_error(source_name: &str, field: &str, message: impl Into<String>) -> CryptoError {
    CryptoError::KeyFile {
        source_name: source_name.into(),
        field: field.into(),
        message: message.into(),
    }
}

fn io_error(path: &Path, what: &str, e: &io::Error) -> CryptoError {
    CryptoError::Io {
        path: path.display().to_string(),
        message: format!("{what}: {e}"),
    }
}

/// A 256-bit key. Its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
struct Key([u8; KEY_LEN]);

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(<redacted>)")
    }
}

impl Key {
    /// A fresh key from the operating system's random source.
    fn generate() -> Result<Self, CryptoError> {
        let mut bytes = [0u8; KEY_LEN];
        rand::rngs::OsRng
            .try_fill_bytes(&mut bytes)
            .map_err(|e| CryptoError::Random(e.to_string()))?;
        Ok(Self(bytes))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }
}

/// The associated data that binds a sealed column to its place: tenant, table, row and
/// column. Each part is length-prefixed, so no two different places give the same bytes.
pub fn row_aad(tenant: &Tenant, table: &str, row_id: &str, column: &str) -> Vec<u8> {
    let parts = [
        b"daka-row-v1".as_slice(),
        tenant.id().as_bytes(),
        table.as_bytes(),
        row_id.as_bytes(),
        column.as_bytes(),
    ];
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 4).sum());
    for part in parts {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}

/// The key id a blob was sealed with, from its header (no decryption).
pub fn key_id_of(blob: &[u8]) -> Result<KeyId, CryptoError> {
    if blob.len() < MIN_BLOB_LEN {
        return Err(CryptoError::Truncated {
            len: blob.len(),
            min: MIN_BLOB_LEN,
        });
    }
    if blob[0] != BLOB_VERSION {
        return Err(CryptoError::UnsupportedVersion(blob[0]));
    }
    Ok(KeyId::from_be_bytes([blob[1], blob[2], blob[3], blob[4]]))
}

/// The keys Daka seals and opens columns with: every key by id, one of them active.
#[derive(Clone, PartialEq, Eq)]
pub struct Keyring {
    active: KeyId,
    /// Never empty, and always holds `active`.
    keys: BTreeMap<KeyId, Key>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("active", &self.active)
            .field("ids", &self.ids())
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// A keyring with one fresh key, id 1, active.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut keys = BTreeMap::new();
        keys.insert(1, Key::generate()?);
        Ok(Self { active: 1, keys })
    }

    /// The id new blobs are sealed with.
    pub fn active_id(&self) -> KeyId {
        self.active
    }

    /// Every key id, ascending.
    pub fn ids(&self) -> Vec<KeyId> {
        self.keys.keys().copied().collect()
    }

    /// Adds a fresh key with the next id (one past the largest) and makes it active. Existing
    /// keys stay, so blobs they sealed still open; [`save`](Self::save) it before sealing.
    pub fn rotate(&mut self) -> Result<KeyId, CryptoError> {
        let largest = self.keys.keys().next_back().copied().unwrap_or(0);
        let id = largest
            .checked_add(1)
            .ok_or(CryptoError::IdsExhausted(largest))?;
        self.keys.insert(id, Key::generate()?);
        self.active = id;
        Ok(id)
    }

    /// Drops a retired key, once no row is sealed with it any more. Blobs it sealed then fail
    /// with [`CryptoError::UnknownKey`]. The active key cannot be removed.
    pub fn remove(&mut self, id: KeyId) -> Result<(), CryptoError> {
        if id == self.active {
            return Err(CryptoError::RemoveActive(id));
        }
        self.keys
            .remove(&id)
            .map(|_| ())
            .ok_or(CryptoError::UnknownKey(id))
    }

    /// Encrypts `plaintext` with the active key, bound to `aad` (see [`row_aad`]).
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let key = self
            .keys
            .get(&self.active)
            .ok_or(CryptoError::UnknownKey(self.active))?;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut blob = Vec::with_capacity(MIN_BLOB_LEN + plaintext.len());
        blob.push(BLOB_VERSION);
        blob.extend_from_slice(&self.active.to_be_bytes());
        blob.extend_from_slice(&nonce);
        let full_aad = header_aad(&blob[..HEADER_LEN], aad);
        let sealed = key
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &full_aad,
                },
            )
            .map_err(|_| CryptoError::TooLarge)?;
        blob.extend_from_slice(&sealed);
        Ok(blob)
    }

    /// Decrypts a blob from [`seal`](Self::seal) with the key it names, given the same `aad`.
    pub fn open(&self, blob: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let id = key_id_of(blob)?;
        let key = self.keys.get(&id).ok_or(CryptoError::UnknownKey(id))?;
        let full_aad = header_aad(&blob[..HEADER_LEN], aad);
        key.cipher()
            .decrypt(
                XNonce::from_slice(&blob[HEADER_LEN..NONCE_END]),
                Payload {
                    msg: &blob[NONCE_END..],
                    aad: &full_aad,
                },
            )
            .map_err(|_| CryptoError::CannotDecrypt)
    }

    /// Whether a blob should be rewrapped: it is not sealed with the active key in the current
    /// format. A malformed blob also answers `true`, so the rotation job reports it (through
    /// [`rewrap`](Self::rewrap)'s error) instead of skipping it.
    pub fn needs_rewrap(&self, blob: &[u8]) -> bool {
        key_id_of(blob) != Ok(self.active)
    }

    /// Opens a blob with whichever key sealed it and seals the plaintext again with the active
    /// key, under the same `aad`. For the rotation job, after [`needs_rewrap`](Self::needs_rewrap).
    pub fn rewrap(&self, blob: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let plaintext = self.open(blob, aad)?;
        self.seal(&plaintext, aad)
    }

    /// Parses the key file format (see the module docs). `source_name` (a path, or
    /// `DAKA_KEYS`) is named in errors.
    pub fn from_json(source_name: &str, text: &str) -> Result<Self, CryptoError> {
        let err = |field: &str, message: &str| key_file_error(source_name, field, message);
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| err("(document)", &format!("not valid JSON: {e}")))?;
        let object = value
            .as_object()
            .ok_or_else(|| err("(document)", "must be a JSON object"))?;
        if let Some(unknown) = object.keys().find(|k| *k != "active" && *k != "keys") {
            return Err(err(unknown, "unknown field (expected `active` and `keys`)"));
        }

        let active = object
            .get("active")
            .ok_or_else(|| err("active", "missing"))?;
        let active = active
            .as_u64()
            .and_then(|n| KeyId::try_from(n).ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| {
                err(
                    "active",
                    "must be a key id, an integer from 1 to 4294967295",
                )
            })?;

        let entries = object
            .get("keys")
            .ok_or_else(|| err("keys", "missing"))?
            .as_object()
            .ok_or_else(|| err("keys", "must be an object from key id to hex key"))?;
        if entries.is_empty() {
            return Err(err("keys", "must hold at least one key"));
        }
        let mut keys = BTreeMap::new();
        for (name, hex) in entries {
            let field = format!("keys.{name}");
            let id = name
                .parse::<KeyId>()
                .ok()
                .filter(|id| *id >= 1 && id.to_string() == *name)
                .ok_or_else(|| {
                    err(
                        &field,
                        "key id must be an integer from 1 to 4294967295, without leading zeros",
                    )
                })?;
            let hex = hex
                .as_str()
                .ok_or_else(|| err(&field, "must be a string of 64 hex digits"))?;
            let key = decode_key(hex).ok_or_else(|| {
                err(
                    &field,
                    &format!(
                        "must be 64 hex digits (a 256-bit key), got {} characters",
                        hex.len()
                    ),
                )
            })?;
            keys.insert(id, key);
        }
        if !keys.contains_key(&active) {
            return Err(err("active", &format!("key {active} is not in `keys`")));
        }
        Ok(Self { active, keys })
    }

    /// The key file's JSON, keys in id order. Contains key material: write it only to the key
    /// file (see [`save`](Self::save)).
    pub fn to_json(&self) -> String {
        let entries: Vec<String> = self
            .keys
            .iter()
            .map(|(id, key)| format!("    \"{id}\": \"{}\"", encode_hex(&key.0)))
            .collect();
        format!(
            "{{\n  \"active\": {},\n  \"keys\": {{\n{}\n  }}\n}}\n",
            self.active,
            entries.join(",\n")
        )
    }

    /// Reads the key file at `path`.
    pub fn load(path: &Path) -> Result<Self, CryptoError> {
        let text = fs::read_to_string(path).map_err(|e| io_error(path, "cannot read", &e))?;
        Self::from_json(&path.display().to_string(), &text)
    }

    /// Reads the key file at `path`, or creates it (and its directory) with one fresh key when
    /// it does not exist. Creation never replaces a file another process created meanwhile:
    /// the loser of such a race loads the winner's keys.
    pub fn load_or_create(path: &Path) -> Result<Self, CryptoError> {
        match fs::read_to_string(path) {
            Ok(text) => return Self::from_json(&path.display().to_string(), &text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(path, "cannot read", &e)),
        }
        let keyring = Self::generate()?;
        if let Some(dir) = parent_dir(path) {
            fs::create_dir_all(dir).map_err(|e| io_error(dir, "cannot create directory", &e))?;
        }
        let tmp = write_temp(path, keyring.to_json().as_bytes())?;
        // A hard link fails if `path` exists, where a rename would replace it.
        let linked = fs::hard_link(&tmp, path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => {
                sync_dir(path)?;
                Ok(keyring)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Self::load(path),
            Err(e) => Err(io_error(path, "cannot create", &e)),
        }
    }

    /// The keyring from [`KEYS_ENV`] when it is set and not empty (the file is then not read
    /// or created), else [`load_or_create`](Self::load_or_create) at `path`.
    pub fn from_env_or_file(path: &Path) -> Result<Self, CryptoError> {
        Self::from_env_value_or_file(std::env::var(KEYS_ENV).ok(), path)
    }

    fn from_env_value_or_file(env: Option<String>, path: &Path) -> Result<Self, CryptoError> {
        match env {
            Some(text) if !text.trim().is_empty() => Self::from_json(KEYS_ENV, &text),
            _ => Self::load_or_create(path),
        }
    }

    /// Writes the key file atomically: a temporary file (mode 0600 on Unix) in the same
    /// directory, flushed to disk, renamed over `path`, then the directory flushed. A reader
    /// sees the old file or the new one, never a part.
    pub fn save(&self, path: &Path) -> Result<(), CryptoError> {
        let tmp = write_temp(path, self.to_json().as_bytes())?;
        if let Err(e) = fs::rename(&tmp, path) {
            let _ = fs::remove_file(&tmp);
            return Err(io_error(path, "cannot replace", &e));
        }
        sync_dir(path)
    }
}

/// The AEAD's associated data: the blob header, then the caller's AAD.
fn header_aad(header: &[u8], aad: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(header.len() + aad.len());
    out.extend_from_slice(header);
    out.extend_from_slice(aad);
    out
}

fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

fn decode_key(hex: &str) -> Option<Key> {
    let digits = hex.as_bytes();
    if digits.len() != KEY_LEN * 2 {
        return None;
    }
    let mut key = [0u8; KEY_LEN];
    for (byte, pair) in key.iter_mut().zip(digits.chunks_exact(2)) {
        let high = char::from(pair[0]).to_digit(16)?;
        let low = char::from(pair[1]).to_digit(16)?;
        *byte = u8::try_from(high * 16 + low).ok()?;
    }
    Some(Key(key))
}

fn parent_dir(path: &Path) -> Option<&Path> {
    path.parent().filter(|p| !p.as_os_str().is_empty())
}

/// Writes `bytes` to a new temporary file beside `path` (mode 0600 on Unix) and flushes it.
fn write_temp(path: &Path, bytes: &[u8]) -> Result<PathBuf, CryptoError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| KEY_FILE_NAME.to_string());
    let tmp_name = format!(
        ".{name}.tmp-{}-{:016x}",
        std::process::id(),
        rand::random::<u64>()
    );
    let tmp = match parent_dir(path) {
        Some(dir) => dir.join(tmp_name),
        None => PathBuf::from(tmp_name),
    };
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&tmp).and_then(|mut file: File| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    match written {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(io_error(&tmp, "cannot write", &e))
        }
    }
}

/// Flushes the directory holding `path`, so a rename or link survives a crash (Unix; other
/// systems cannot open a directory as a file).
fn sync_dir(path: &Path) -> Result<(), CryptoError> {
    #[cfg(unix)]
    {
        let dir = parent_dir(path).unwrap_or(Path::new("."));
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_error(dir, "cannot flush directory", &e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn aad(row: &str) -> Vec<u8> {
        row_aad(&Tenant::trusted("t1"), "punches", row, "location")
    }

    /// A fresh directory for one test, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "daka-crypto-{tag}-{}-{}",
                std::process::id(),
                crate::new_id()
            ));
            fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }

        fn file(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn key_file_field(err: CryptoError) -> (String, String) {
        match err {
            CryptoError::KeyFile {
                source_name, field, ..
            } => (source_name, field),
            other => panic!("expected a key file error, got {other:?}"),
        }
    }

    #[test]
    fn round_trip() {
        let ring = Keyring::generate().unwrap();
        for plaintext in [&b""[..], b"31.2304,121.4737 acc=12", &[0u8; 4096][..]] {
            let blob = ring.seal(plaintext, &aad("r1")).unwrap();
            assert_eq!(blob.len(), MIN_BLOB_LEN + plaintext.len());
            assert_eq!(blob[0], BLOB_VERSION);
            assert_eq!(key_id_of(&blob).unwrap(), 1);
            assert_eq!(ring.open(&blob, &aad("r1")).unwrap(), plaintext);
        }
        // Random nonces: sealing the same plaintext twice gives different blobs.
        let a = ring.seal(b"same", &aad("r1")).unwrap();
        let b = ring.seal(b"same", &aad("r1")).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn another_row_tenant_or_column_does_not_open() {
        let ring = Keyring::generate().unwrap();
        let blob = ring.seal(b"secret", &aad("r1")).unwrap();
        let t1 = Tenant::trusted("t1");
        let t2 = Tenant::trusted("t2");
        for wrong in [
            aad("r2"),
            row_aad(&t2, "punches", "r1", "location"),
            row_aad(&t1, "punches", "r1", "wifi"),
            row_aad(&t1, "other", "r1", "location"),
            Vec::new(),
        ] {
            assert_eq!(ring.open(&blob, &wrong), Err(CryptoError::CannotDecrypt));
        }
        // Length prefixes: moving a boundary between parts changes the AAD.
        assert_ne!(row_aad(&t1, "ab", "c", "x"), row_aad(&t1, "a", "bc", "x"));
    }

    #[test]
    fn another_keyring_cannot_decrypt() {
        let a = Keyring::generate().unwrap();
        let b = Keyring::generate().unwrap();
        let blob = a.seal(b"secret", &aad("r1")).unwrap();
        assert_eq!(b.open(&blob, &aad("r1")), Err(CryptoError::CannotDecrypt));
    }

    #[test]
    fn any_tampered_byte_fails() {
        let mut ring = Keyring::generate().unwrap();
        ring.rotate().unwrap();
        let blob = ring.seal(b"31.2304,121.4737", &aad("r1")).unwrap();
        for i in 0..blob.len() {
            let mut bad = blob.clone();
            bad[i] ^= 0x01;
            let err = ring.open(&bad, &aad("r1")).unwrap_err();
            match i {
                0 => assert_eq!(err, CryptoError::UnsupportedVersion(BLOB_VERSION ^ 1)),
                // A flipped bit in the key id names a key the ring does not have.
                1..=4 => assert!(
                    matches!(err, CryptoError::UnknownKey(_)),
                    "byte {i}: {err:?}"
                ),
                _ => assert_eq!(err, CryptoError::CannotDecrypt, "byte {i}"),
            }
        }
        // Relabelling a blob with another key the ring does have fails authentication.
        let mut to_old = blob.clone();
        to_old[4] = 1;
        assert_eq!(
            ring.open(&to_old, &aad("r1")),
            Err(CryptoError::CannotDecrypt)
        );
    }

    #[test]
    fn truncated_blobs_are_named() {
        let ring = Keyring::generate().unwrap();
        let blob = ring.seal(b"x", &aad("r1")).unwrap();
        for len in [0, 1, 5, MIN_BLOB_LEN - 1] {
            assert_eq!(
                ring.open(&blob[..len], &aad("r1")),
                Err(CryptoError::Truncated {
                    len,
                    min: MIN_BLOB_LEN
                })
            );
        }
        // Long enough for the format, but the tag is cut: authentication fails.
        assert_eq!(
            ring.open(&blob[..blob.len() - 1], &aad("r1")),
            Err(CryptoError::CannotDecrypt)
        );
        assert!(
            CryptoError::Truncated { len: 3, min: 45 }
                .to_string()
                .contains("truncated blob")
        );
    }

    #[test]
    fn rotation_keeps_old_blobs_readable() {
        let mut ring = Keyring::generate().unwrap();
        let old = ring.seal(b"before", &aad("r1")).unwrap();
        assert_eq!(ring.rotate().unwrap(), 2);
        assert_eq!(ring.active_id(), 2);
        assert_eq!(ring.ids(), vec![1, 2]);
        let new = ring.seal(b"after", &aad("r2")).unwrap();
        assert_eq!(key_id_of(&old).unwrap(), 1);
        assert_eq!(key_id_of(&new).unwrap(), 2);
        assert_eq!(ring.open(&old, &aad("r1")).unwrap(), b"before");
        assert_eq!(ring.open(&new, &aad("r2")).unwrap(), b"after");
    }

    #[test]
    fn rewrap_moves_blobs_to_the_active_key() {
        let mut ring = Keyring::generate().unwrap();
        let old = ring.seal(b"31.2,121.4", &aad("r1")).unwrap();
        assert!(!ring.needs_rewrap(&old));
        ring.rotate().unwrap();
        assert!(ring.needs_rewrap(&old));

        let new = ring.rewrap(&old, &aad("r1")).unwrap();
        assert_eq!(key_id_of(&new).unwrap(), 2);
        assert!(!ring.needs_rewrap(&new));
        assert_eq!(ring.open(&new, &aad("r1")).unwrap(), b"31.2,121.4");
        // Rewrap checks the row like open does.
        assert_eq!(
            ring.rewrap(&old, &aad("r9")),
            Err(CryptoError::CannotDecrypt)
        );
        // Malformed blobs are reported, not skipped.
        assert!(ring.needs_rewrap(b"short"));
        assert!(matches!(
            ring.rewrap(b"short", &aad("r1")),
            Err(CryptoError::Truncated { .. })
        ));

        // Once everything is rewrapped the old key can go; blobs it sealed are then unknown.
        ring.remove(1).unwrap();
        assert_eq!(ring.open(&old, &aad("r1")), Err(CryptoError::UnknownKey(1)));
        assert_eq!(ring.open(&new, &aad("r1")).unwrap(), b"31.2,121.4");
        assert_eq!(ring.remove(2), Err(CryptoError::RemoveActive(2)));
        assert_eq!(ring.remove(7), Err(CryptoError::UnknownKey(7)));
        assert!(
            CryptoError::UnknownKey(1)
                .to_string()
                .contains("unknown key id 1")
        );
    }

    #[test]
    fn rotation_reports_exhausted_ids() {
        let text = format!(
            r#"{{"active": 4294967295, "keys": {{"4294967295": "{}"}}}}"#,
            "ab".repeat(32)
        );
        let mut ring = Keyring::from_json("test", &text).unwrap();
        assert_eq!(ring.rotate(), Err(CryptoError::IdsExhausted(u32::MAX)));
        assert_eq!(ring.active_id(), u32::MAX);
    }

    #[test]
    fn key_file_is_created_then_reloaded() {
        let dir = TempDir::new("create");
        let path = dir.file("sub/keys.json");
        let created = Keyring::load_or_create(&path).unwrap();
        assert!(path.exists());
        let reloaded = Keyring::load_or_create(&path).unwrap();
        assert_eq!(created, reloaded);
        let blob = created.seal(b"x", &aad("r1")).unwrap();
        assert_eq!(reloaded.open(&blob, &aad("r1")).unwrap(), b"x");

        // Rotate, save, reload: both keys and the active id come back.
        let mut ring = reloaded;
        ring.rotate().unwrap();
        ring.save(&path).unwrap();
        let again = Keyring::load(&path).unwrap();
        assert_eq!(again, ring);
        assert_eq!(again.active_id(), 2);
        assert_eq!(again.open(&blob, &aad("r1")).unwrap(), b"x");

        // No temporary files are left beside it.
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("keys.json")]);
    }

    #[test]
    fn concurrent_creation_agrees_on_one_keyring() {
        let dir = TempDir::new("race");
        let path = dir.file("keys.json");
        let rings: Vec<Keyring> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| Keyring::load_or_create(&path).unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let on_disk = Keyring::load(&path).unwrap();
        for ring in rings {
            assert_eq!(ring, on_disk);
        }
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new("mode");
        let path = dir.file("keys.json");
        let mut ring = Keyring::load_or_create(&path).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        ring.rotate().unwrap();
        ring.save(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn file_format_is_documented_json() {
        let text = format!(
            r#"{{"active": 2, "keys": {{"1": "{}", "2": "{}"}}}}"#,
            "00".repeat(32),
            "FF".repeat(32)
        );
        let ring = Keyring::from_json("test", &text).unwrap();
        assert_eq!(ring.active_id(), 2);
        assert_eq!(ring.ids(), vec![1, 2]);
        let json: serde_json::Value = serde_json::from_str(&ring.to_json()).unwrap();
        assert_eq!(json["active"], 2);
        assert_eq!(json["keys"]["1"], "00".repeat(32));
        assert_eq!(json["keys"]["2"], "ff".repeat(32));
        assert_eq!(Keyring::from_json("again", &ring.to_json()).unwrap(), ring);
    }

    #[test]
    fn malformed_key_files_name_the_field() {
        let good = "ab".repeat(32);
        let cases: Vec<(String, &str)> = vec![
            ("not json".into(), "(document)"),
            ("[1, 2]".into(), "(document)"),
            (format!(r#"{{"keys": {{"1": "{good}"}}}}"#), "active"),
            (
                format!(r#"{{"active": "1", "keys": {{"1": "{good}"}}}}"#),
                "active",
            ),
            (
                format!(r#"{{"active": 0, "keys": {{"1": "{good}"}}}}"#),
                "active",
            ),
            (
                format!(r#"{{"active": 2, "keys": {{"1": "{good}"}}}}"#),
                "active",
            ),
            (r#"{"active": 1}"#.into(), "keys"),
            (r#"{"active": 1, "keys": {}}"#.into(), "keys"),
            (r#"{"active": 1, "keys": ["x"]}"#.into(), "keys"),
            (
                format!(r#"{{"active": 1, "keys": {{"one": "{good}"}}}}"#),
                "keys.one",
            ),
            (
                format!(r#"{{"active": 1, "keys": {{"01": "{good}"}}}}"#),
                "keys.01",
            ),
            (
                format!(r#"{{"active": 1, "keys": {{"0": "{good}"}}}}"#),
                "keys.0",
            ),
            (r#"{"active": 1, "keys": {"1": "abcd"}}"#.into(), "keys.1"),
            (
                format!(r#"{{"active": 1, "keys": {{"1": "{}"}}}}"#, "zz".repeat(32)),
                "keys.1",
            ),
            (r#"{"active": 1, "keys": {"1": 7}}"#.into(), "keys.1"),
            (
                format!(r#"{{"active": 1, "keys": {{"1": "{good}"}}, "activ": 2}}"#),
                "activ",
            ),
        ];
        let dir = TempDir::new("malformed");
        let path = dir.file("keys.json");
        for (text, field) in cases {
            fs::write(&path, &text).unwrap();
            let err = Keyring::load_or_create(&path).unwrap_err();
            let message = err.to_string();
            assert!(message.contains(&path.display().to_string()), "{message}");
            assert!(!message.contains(&good), "key material in {message}");
            assert_eq!(
                key_file_field(err),
                (path.display().to_string(), field.to_string()),
                "{text}"
            );
            // A malformed file is reported, never replaced.
            assert_eq!(fs::read_to_string(&path).unwrap(), text);
        }
    }

    #[test]
    fn unreadable_key_file_names_the_path() {
        let dir = TempDir::new("unreadable");
        // A directory where the file should be.
        let path = dir.file("keys.json");
        fs::create_dir(&path).unwrap();
        let err = Keyring::load_or_create(&path).unwrap_err();
        assert!(matches!(err, CryptoError::Io { .. }), "{err:?}");
        assert!(err.to_string().contains(&path.display().to_string()));
    }

    #[test]
    fn environment_takes_precedence_over_the_file() {
        let dir = TempDir::new("env");
        let path = dir.file("keys.json");
        let text = format!(r#"{{"active": 3, "keys": {{"3": "{}"}}}}"#, "cd".repeat(32));
        let ring = Keyring::from_env_value_or_file(Some(text), &path).unwrap();
        assert_eq!(ring.ids(), vec![3]);
        assert!(
            !path.exists(),
            "the file is not created when the environment has keys"
        );

        let err = Keyring::from_env_value_or_file(Some("{}".into()), &path).unwrap_err();
        assert_eq!(
            key_file_field(err),
            (KEYS_ENV.to_string(), "active".to_string())
        );

        // Unset or empty: the file.
        let from_file = Keyring::from_env_value_or_file(Some("  ".into()), &path).unwrap();
        assert_eq!(
            Keyring::from_env_value_or_file(None, &path).unwrap(),
            from_file
        );
    }

    #[test]
    fn debug_shows_no_key_material() {
        let hex = "5a".repeat(32);
        let text = format!(r#"{{"active": 1, "keys": {{"1": "{hex}"}}}}"#);
        let ring = Keyring::from_json("test", &text).unwrap();
        let debug = format!("{ring:?} {ring:#?}");
        assert!(!debug.contains(&hex), "{debug}");
        assert!(!debug.to_lowercase().contains("5a5a"), "{debug}");
        assert!(debug.contains("active: 1"), "{debug}");
        assert!(!format!("{:?}", Key([0x5a; KEY_LEN])).contains("5a"));
    }

    #[test]
    fn crypto_errors_become_store_errors() {
        let err: StoreError = CryptoError::CannotDecrypt.into();
        assert!(err.to_string().contains("cannot decrypt"));
    }
}
