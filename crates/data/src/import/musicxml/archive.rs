//! The score inside a compressed `.mxl` archive, and text in the encodings editors export.

use crate::import::ImportError;
use roxmltree::Document;
use std::io::{Cursor, Read};

/// Largest score read out of a `.mxl` archive, so a zip bomb cannot exhaust memory.
pub(super) const MAX_SCORE_BYTES: u64 = 64 << 20;

/// The score inside a `.mxl` archive: the container's first rootfile, else the first
/// MusicXML entry outside `META-INF/`.
pub(super) fn score_from_zip(bytes: &[u8]) -> Result<String, ImportError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ImportError::Xml(format!("unreadable .mxl archive: {e}")))?;
    let container = read_entry(&mut archive, "META-INF/container.xml").ok();
    let names: Vec<String> = archive.file_names().filter_map(Result::ok).map(|n| n.into_owned()).collect();
    let name = score_entry(container.as_deref(), &names)
        .ok_or_else(|| ImportError::Xml("no score in the .mxl archive".into()))?;
    read_entry(&mut archive, &name)
}

/// Which archive entry holds the score, given the container text (if any) and the names.
pub(super) fn score_entry(container: Option<&str>, names: &[String]) -> Option<String> {
    let from_container = container.and_then(|text| {
        let doc = Document::parse(text).ok()?;
        let rootfile = doc.descendants().find(|n| n.has_tag_name("rootfile"))?;
        rootfile.attribute("full-path").map(str::to_string)
    });
    from_container.filter(|path| names.contains(path)).or_else(|| {
        names.iter().find(|n| !n.starts_with("META-INF/") && (n.ends_with(".xml") || n.ends_with(".musicxml"))).cloned()
    })
}

pub(super) fn read_entry(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<String, ImportError> {
    let entry = archive.by_name(name).map_err(|e| ImportError::Xml(format!("cannot open '{name}' in .mxl: {e}")))?;
    let mut bytes = Vec::new();
    entry.take(MAX_SCORE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SCORE_BYTES {
        return Err(ImportError::Xml(format!("'{name}' in .mxl is larger than {} MiB", MAX_SCORE_BYTES >> 20)));
    }
    decode_text(bytes)
}

/// UTF-8 text, or UTF-16 when a byte-order mark says so (some editors export that).
pub(super) fn decode_text(bytes: Vec<u8>) -> Result<String, ImportError> {
    let utf16 = |rest: &[u8], unit: fn([u8; 2]) -> u16| {
        char::decode_utf16(rest.chunks_exact(2).map(|c| unit([c[0], c[1]])))
            .collect::<Result<String, _>>()
            .map_err(|_| ImportError::Xml("invalid UTF-16 text".into()))
    };
    match bytes.as_slice() {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => String::from_utf8(bytes).map_err(|_| ImportError::Xml("file is not UTF-8 text".into())),
    }
}
