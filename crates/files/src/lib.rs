//! Reading files that came from elsewhere (model folders, songs, lead sheets, saved state).
//!
//! `std::fs::read` follows a link to `/dev/zero` and reads forever, blocks on a FIFO until
//! something writes to it, and allocates whatever size a file claims. Every read of such a
//! file goes through [`read_limited`] instead: regular files only, and never more than the
//! caller's limit, checked before anything is allocated and again while reading (a file
//! can grow after its size was looked at). Hand-written because it is the policy, not the
//! mechanism: `std`'s `Read::take` does the reading.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The bytes of the regular file at `path` (links followed), if it holds at most `limit`.
pub fn read_limited(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    let too_big = || io::Error::new(io::ErrorKind::FileTooLarge, format!("larger than {limit} bytes"));
    if metadata.len() > limit {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    File::open(path)?.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(bytes)
}

/// [`read_limited`] as UTF-8 text.
pub fn read_text_limited(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_limited(path, limit)?).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("comper-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_file_within_the_limit_reads_whole() {
        let dir = scratch("small");
        std::fs::write(dir.join("card.json"), "{}").unwrap();
        assert_eq!(read_text_limited(&dir.join("card.json"), 2).unwrap(), "{}");
        assert_eq!(read_limited(&dir.join("card.json"), 1).unwrap_err().kind(), io::ErrorKind::FileTooLarge);
    }

    #[test]
    fn a_huge_file_is_refused_before_it_is_read() {
        let dir = scratch("huge");
        let file = File::create(dir.join("big")).unwrap();
        file.set_len(8 << 30).unwrap(); // sparse: 8 GiB claimed, nothing written
        assert_eq!(read_limited(&dir.join("big"), 1 << 20).unwrap_err().kind(), io::ErrorKind::FileTooLarge);
    }

    #[cfg(unix)]
    #[test]
    fn devices_fifos_and_links_to_them_are_refused() {
        let dir = scratch("special");
        std::os::unix::fs::symlink("/dev/zero", dir.join("zero")).unwrap();
        assert_eq!(read_limited(&dir.join("zero"), 1 << 20).unwrap_err().kind(), io::ErrorKind::InvalidInput);
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
        assert!(made, "mkfifo");
        assert_eq!(read_limited(&fifo, 1 << 20).unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }
}
