//! A `Blob` read as a seekable stream, a window at a time, with `FileReaderSync` (which
//! only workers have): the zip reader needs `Read + Seek`, and a dataset archive may be
//! gigabytes, so it is never read whole.

use std::io::{self, Read, Seek, SeekFrom};

use js_sys::Uint8Array;
use web_sys::{Blob, FileReaderSync};

use crate::web::platform::scope::{BrowserError, describe};

/// A whole blob's bytes, read synchronously (a worker may block; a file's bytes arrive
/// sooner this way than through `Blob.arrayBuffer()`'s round trip).
pub fn read_whole(blob: &Blob) -> Result<Vec<u8>, BrowserError> {
    let buffer =
        FileReaderSync::new().and_then(|reader| reader.read_as_array_buffer(blob)).map_err(|e| BrowserError::from(e).led_by("the file could not be read"))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Bytes fetched per read from the blob.
const WINDOW: u64 = 1 << 20;

/// A `Blob` as `Read + Seek`.
pub struct BlobReader {
    blob: Blob,
    reader: FileReaderSync,
    size: u64,
    position: u64,
    window_start: u64,
    window: Vec<u8>,
}

impl BlobReader {
    /// Reads `blob` from its start.
    pub fn new(blob: Blob) -> Result<Self, BrowserError> {
        let reader = FileReaderSync::new()?;
        Ok(Self { size: blob.size() as u64, blob, reader, position: 0, window_start: 0, window: Vec::new() })
    }

    fn fetch(&mut self, start: u64) -> io::Result<()> {
        let end = (start + WINDOW).min(self.size);
        let slice = self.blob.slice_with_f64_and_f64(start as f64, end as f64).map_err(|e| io::Error::other(describe(e)))?;
        let buffer = self.reader.read_as_array_buffer(&slice).map_err(|e| io::Error::other(format!("the file could not be read: {}", describe(e))))?;
        self.window = Uint8Array::new(&buffer).to_vec();
        self.window_start = start;
        Ok(())
    }
}

impl Read for BlobReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.position >= self.size || out.is_empty() {
            return Ok(0);
        }
        let in_window = self.position >= self.window_start && self.position < self.window_start + self.window.len() as u64;
        if !in_window {
            self.fetch(self.position)?;
        }
        let offset = (self.position - self.window_start) as usize;
        let n = out.len().min(self.window.len() - offset);
        out[..n].copy_from_slice(&self.window[offset..offset + n]);
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for BlobReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(n) => self.size.checked_add_signed(n),
            SeekFrom::Current(n) => self.position.checked_add_signed(n),
        };
        self.position = target.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start of the file"))?;
        Ok(self.position)
    }
}
