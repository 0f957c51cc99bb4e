//! Comper's two rules for files.
//!
//! **Reading files that came from elsewhere** (model folders, songs, lead sheets, saved
//! state). `std::fs::read` follows a link to `/dev/zero` and reads forever, blocks on a FIFO until
//! something writes to it, and allocates whatever size a file claims. Every read of such a
//! file goes through [`read_limited`] instead: regular files only, and never more than the
//! caller's limit, checked before anything is allocated and again while reading (a file
//! can grow after its size was looked at). Hand-written because it is the policy, not the
//! mechanism: `std`'s `Read::take` does the reading.

//!
//! **Writing what the musician keeps** (captured takes, listening-test exports): a new file
//! or folder under a free name, never one that exists, never through a link, and a file is
//! written whole before it appears ([`write_new`], [`create_new_dir`]).

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

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

/// Write `bytes` into `folder` as a new file `{stem}.{extension}`, or `{stem}-2.{extension}`,
/// … when that name is taken (by a file, a folder or a link, dangling or not). The bytes go
/// to a temporary file in the same folder, are synced, and the file is then moved into place
/// by a move that refuses to replace anything, so two writers never collide and no reader
/// ever sees half a file.
pub fn write_new(folder: &Path, stem: &str, extension: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    let mut file = tempfile::Builder::new().prefix(".comper-").tempfile_in(folder)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    for name in free_names(stem) {
        let path = folder.join(format!("{name}.{extension}"));
        match file.persist_noclobber(&path) {
            Ok(_) => return Ok(path),
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => file = e.file,
            Err(e) => return Err(e.error),
        }
    }
    unreachable!("one of 2³² names is free")
}

/// Create a new folder in `parent` named `name`, or `name-2`, … when that name is taken.
pub fn create_new_dir(parent: &Path, name: &str) -> io::Result<PathBuf> {
    std::fs::create_dir_all(parent)?;
    for name in free_names(name) {
        let path = parent.join(name);
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    unreachable!("one of 2³² names is free")
}

/// `name`, then `name-2`, `name-3`, …: the names tried in turn for something new.
fn free_names(name: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::once(name.to_string()).chain((2u32..).map(move |n| format!("{name}-{n}")))
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

    #[test]
    fn new_files_take_a_free_name_and_never_follow_a_link() {
        let dir = scratch("write");
        let outside = dir.join("outside.mid");
        std::os::unix::fs::symlink(&outside, dir.join("take.mid")).unwrap();
        let first = write_new(&dir, "take", "mid", b"one").unwrap();
        let second = write_new(&dir, "take", "mid", b"two").unwrap();
        assert_eq!(first, dir.join("take-2.mid"), "the dangling link's name is taken");
        assert_eq!(second, dir.join("take-3.mid"));
        assert!(!outside.exists(), "nothing was written through the link");
        assert_eq!(std::fs::read(&first).unwrap(), b"one");
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 3, "no temporary file left: {names:?}");
    }

    #[test]
    fn new_folders_never_reuse_a_name() {
        let dir = scratch("folders");
        let a = create_new_dir(&dir, "blind-1").unwrap();
        let b = create_new_dir(&dir, "blind-1").unwrap();
        assert_ne!(a, b);
        assert!(a.is_dir() && b.is_dir());
    }
}
