//! Reading list files the same way everywhere: hashing, BOM stripping, lossy
//! UTF-8 with a warning, and CSV readers configured for the lists' quirks
//! (CRLF, quoted newlines, the DOS EOF byte OFAC appends).

use crate::{Location, ParseReport, SourceError, Warning};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// Identity of one input file: what was imported, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    pub path: PathBuf,
    pub bytes: u64,
    pub sha256: String,
}

/// Hash a file in a streaming pass.
pub fn digest(path: &Path) -> Result<FileDigest, SourceError> {
    let mut f = File::open(path).map_err(|e| SourceError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| SourceError::io(path, e))?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        h.update(&buf[..n]);
    }
    Ok(FileDigest {
        path: path.to_path_buf(),
        bytes,
        sha256: hex::encode(h.finalize()),
    })
}

/// Open a file for buffered streaming reads, with an error naming it.
pub fn open(path: &Path) -> Result<BufReader<File>, SourceError> {
    File::open(path)
        .map(|f| BufReader::with_capacity(1 << 16, f))
        .map_err(|e| SourceError::io(path, e))
}

/// Read the first `n` bytes of a file (for content sniffing).
pub fn head(path: &Path, n: usize) -> Result<Vec<u8>, SourceError> {
    let f = File::open(path).map_err(|e| SourceError::io(path, e))?;
    let mut buf = Vec::with_capacity(n);
    f.take(n as u64)
        .read_to_end(&mut buf)
        .map_err(|e| SourceError::io(path, e))?;
    Ok(buf)
}

/// A CSV reader over a file with the settings every list needs: flexible record
/// lengths (checked by each parser), quoted newlines, CRLF.
pub fn csv_reader(
    path: &Path,
    has_headers: bool,
) -> Result<csv::Reader<BufReader<File>>, SourceError> {
    csv_reader_with(path, has_headers, b',')
}

pub fn csv_reader_with(
    path: &Path,
    has_headers: bool,
    delimiter: u8,
) -> Result<csv::Reader<BufReader<File>>, SourceError> {
    let mut r = open(path)?;
    skip_bom(&mut r, path)?;
    // Records end at '\n' only: with the default terminator the csv crate
    // counts CRLF as two line breaks, so reported line numbers drift on OFAC's
    // CRLF files. The stray '\r' lands at the end of the last field, which
    // `field` trims.
    Ok(csv::ReaderBuilder::new()
        .has_headers(has_headers)
        .flexible(true)
        .delimiter(delimiter)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(r))
}

fn skip_bom(r: &mut BufReader<File>, path: &Path) -> Result<(), SourceError> {
    use std::io::BufRead;
    let buf = r.fill_buf().map_err(|e| SourceError::io(path, e))?;
    if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        r.consume(3);
    }
    Ok(())
}

/// Turn a csv crate error into a `SourceError` with the line.
pub fn csv_error(path: &Path, err: csv::Error) -> SourceError {
    let line = err.position().map(|p| p.line()).unwrap_or(0);
    SourceError::new(path, Location::Line(line), format!("malformed CSV: {err}"))
}

/// Decode one CSV field: invalid UTF-8 is replaced (U+FFFD) and reported, the
/// OFAC null marker `-0-` becomes empty, whitespace is trimmed.
pub fn field(report: &mut ParseReport, path: &Path, line: u64, name: &str, raw: &[u8]) -> String {
    let s = match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => {
            report.warn(
                Warning::new(
                    path,
                    Location::Line(line),
                    "invalid UTF-8 replaced with U+FFFD",
                )
                .with_field(name),
            );
            String::from_utf8_lossy(raw).into_owned()
        }
    };
    let t = s.trim().trim_matches('\u{1a}').trim();
    if t == "-0-" {
        String::new()
    } else {
        t.to_string()
    }
}

/// Split a list-style multi-value cell ("a; b; c").
pub fn split_multi(s: &str, sep: char) -> impl Iterator<Item = &str> {
    s.split(sep).map(str::trim).filter(|p| !p.is_empty())
}
