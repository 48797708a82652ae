//! Photo bytes on disk: the type sniffed from the magic bytes (never from a header the client
//! chose), and content-addressed files `<photo_dir>/<tenant>/<sha[0..2]>/<sha>` written so that
//! a file under its final name is always complete and durable.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The image formats a photo may be, from its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.starts_with(b"\xff\xd8\xff") {
        return Some("image/jpeg");
    }
    if bytes.starts_with(PNG) {
        return Some("image/png");
    }
    if is_heic(bytes) {
        return Some("image/heic");
    }
    None
}

/// An ISO-BMFF file whose first box is `ftyp` with a HEIF image brand, major or compatible.
fn is_heic(bytes: &[u8]) -> bool {
    const BRANDS: [&[u8]; 6] = [b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1"];
    if bytes.len() < 16 || &bytes[4..8] != b"ftyp" {
        return false;
    }
    let size = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    // The box must hold its header, major brand and minor version, and fit in the upload.
    if size < 16 || size > bytes.len() {
        return false;
    }
    let major = &bytes[8..12];
    // Compatible brands follow the minor version (bytes 12..16), four bytes each.
    let compatible = bytes[16..size].chunks_exact(4);
    std::iter::once(major)
        .chain(compatible)
        .any(|b| BRANDS.contains(&b))
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Where a photo's bytes live. `None` for a malformed hash or tenant id, so no stored value can
/// name a path outside the photo directory.
pub fn path_of(dir: &Path, tenant: &str, sha256: &str) -> Option<PathBuf> {
    let safe_tenant = !tenant.is_empty()
        && tenant
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !safe_tenant || !daka_store::photos::is_sha256_hex(sha256) {
        return None;
    }
    Some(dir.join(tenant).join(&sha256[..2]).join(sha256))
}

/// Writes `bytes` under `path` unless a file is already there (the same content, by its name):
/// a temporary file in the same directory, fsync, rename, fsync of the directory, so a crash
/// leaves either no file or the whole one.
pub fn store(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("a photo path has a directory"))?;
    std::fs::create_dir_all(dir)?;
    if path.is_file() {
        return Ok(());
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| std::io::Error::other("a photo path has a file name"))?;
    // Unique per writer, so two concurrent uploads of the same bytes do not share a temp file.
    let tmp = dir.join(format!(".{name}.{}.tmp", daka_store::new_id()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    sync_dir(dir)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_: &Path) -> std::io::Result<()> {
    // Directories cannot be opened for fsync here; the rename is as durable as the OS makes it.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_magic_bytes_only() {
        assert_eq!(sniff(b"\xff\xd8\xff\xe0rest"), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(
            sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
            Some("image/heic")
        );
        // A compatible brand is enough (major brand of another family).
        assert_eq!(
            sniff(b"\0\0\0\x18ftypXXXX\0\0\0\0avifmif1"),
            Some("image/heic")
        );
        assert_eq!(sniff(b"\0\0\0\x18ftypavif\0\0\0\0avifmiaf"), None);
        assert_eq!(sniff(b"\0\0\0\x10ftypisom\0\0\0\0"), None);
        // A box claiming more bytes than there are is not trusted.
        assert_eq!(sniff(b"\0\0\x10\0ftypheic\0\0\0\0"), None);
        assert_eq!(sniff(b"hello, I am a text file"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"\xff\xd8"), None);
    }

    #[test]
    fn paths_refuse_anything_but_hex_and_ids() {
        let dir = Path::new("/p");
        let sha = sha256_hex(b"x");
        assert_eq!(
            path_of(dir, "t-1", &sha),
            Some(dir.join("t-1").join(&sha[..2]).join(&sha))
        );
        assert_eq!(path_of(dir, "../etc", &sha), None);
        assert_eq!(path_of(dir, "t", "../../passwd"), None);
        assert_eq!(path_of(dir, "t", &sha.to_uppercase()), None);
    }
}
