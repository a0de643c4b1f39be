//! A dataset `.zip`: its entries' paths, and one entry's bytes at a time, read with
//! limits (a hostile archive can claim billions of entries or a tiny entry that inflates
//! to gigabytes). Any `Read + Seek` works: a file natively, a `Blob` in the worker.

use std::io::{Read, Seek};

use zip::ZipArchive;

/// Entries an archive may list.
pub const MAX_ENTRIES: usize = 200_000;
/// The most bytes one entry may inflate to (an image file, not its pixels).
pub const MAX_ENTRY_BYTES: u64 = 128 << 20;

/// An opened dataset archive.
pub struct DatasetArchive<R: Read + Seek> {
    zip: ZipArchive<R>,
}

impl<R: Read + Seek> DatasetArchive<R> {
    /// Reads the archive's directory.
    pub fn open(reader: R) -> Result<Self, String> {
        let zip = ZipArchive::new(reader).map_err(|e| format!("this is not a zip archive that can be read ({e})"))?;
        if zip.len() > MAX_ENTRIES {
            return Err(format!("the archive lists {} entries; at most {MAX_ENTRIES} are read", zip.len()));
        }
        Ok(Self { zip })
    }

    /// Every entry's path, in the archive's order (an entry's index is its position).
    /// Names that cannot be read come back empty, and are skipped as not images.
    pub fn paths(&self) -> Vec<String> {
        (0..self.zip.len()).map(|i| self.zip.name_for_index(i).and_then(Result::ok).map(|n| n.into_owned()).unwrap_or_default()).collect()
    }

    /// The bytes of entry `index`, inflated.
    pub fn read(&mut self, index: usize) -> Result<Vec<u8>, String> {
        let mut entry = self.zip.by_index(index).map_err(|e| format!("entry {index} of the archive cannot be read ({e})"))?;
        if entry.size() > MAX_ENTRY_BYTES {
            return Err(format!(
                "{} inflates to {} MB; files up to {} MB are read",
                entry.name().unwrap_or_default(),
                entry.size() >> 20,
                MAX_ENTRY_BYTES >> 20
            ));
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        // The size the header states is not trusted: reading stops one byte past the limit.
        (&mut entry).take(MAX_ENTRY_BYTES + 1).read_to_end(&mut bytes).map_err(|e| format!("entry {index} of the archive is damaged ({e})"))?;
        if bytes.len() as u64 > MAX_ENTRY_BYTES {
            return Err(format!("entry {index} inflates past {} MB", MAX_ENTRY_BYTES >> 20));
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use zip::write::SimpleFileOptions;

    use super::*;

    fn archive(files: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in files {
            zip.start_file(*name, SimpleFileOptions::default().compression_method(method)).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn entries_are_listed_in_order_and_read_back_stored_or_deflated() {
        for method in [zip::CompressionMethod::Stored, zip::CompressionMethod::Deflated] {
            let bytes = archive(&[("cats/a.jpg", b"first"), ("dogs/b.png", &[7; 5000])], method);
            let mut archive = DatasetArchive::open(Cursor::new(bytes)).unwrap();
            assert_eq!(archive.paths(), ["cats/a.jpg", "dogs/b.png"]);
            assert_eq!(archive.read(0).unwrap(), b"first");
            assert_eq!(archive.read(1).unwrap(), vec![7; 5000]);
            assert!(archive.read(2).is_err());
        }
    }

    #[test]
    fn a_file_that_is_not_an_archive_is_refused_with_a_message() {
        let error = DatasetArchive::open(Cursor::new(b"PK\x03\x04 not really".to_vec())).err().unwrap();
        assert!(error.contains("not a zip archive"), "{error}");
    }

    #[test]
    fn an_entry_that_inflates_past_the_limit_is_refused() {
        let big = vec![0u8; (MAX_ENTRY_BYTES + 10) as usize];
        let mut archive = DatasetArchive::open(Cursor::new(archive(&[("cats/bomb.png", &big)], zip::CompressionMethod::Deflated))).unwrap();
        let error = archive.read(0).unwrap_err();
        assert!(error.contains("MB"), "{error}");
    }
}
