//! Zips read in place: the central directory once, by the `zip` crate, then each member streamed
//! from its own file handle (seek to its local header, inflate as it is read, check its size and
//! CRC-32 at the end). Nothing is unpacked to disk and a reader holds one buffer, whatever the
//! size of the zip or the member.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use flate2::bufread::DeflateDecoder;

const LOCAL_HEADER_SIGNATURE: [u8; 4] = [0x50, 0x4b, 0x03, 0x04];
const LOCAL_HEADER_LEN: usize = 30;

/// Where a member's bytes are in its zip, as the central directory says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ZipEntry {
    header_start: u64,
    compressed_size: u64,
    size: u64,
    crc32: u32,
    deflated: bool,
}

/// One file of a zip's central directory.
pub(crate) struct Member {
    pub(crate) name: String,
    pub(crate) size: u64,
    /// How to read it, or why it cannot be read (encrypted, a compression other than deflate).
    pub(crate) entry: Result<ZipEntry, String>,
}

/// The files of a zip (directories left out), from its central directory only.
pub(crate) fn list(path: &Path) -> Result<Vec<Member>, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| e.to_string())?;
    let mut members = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let data = archive.by_index_data(index).map_err(|e| e.to_string())?;
        if data.is_dir() {
            continue;
        }
        let name = match data.name() {
            Ok(name) => name.into_owned(),
            Err(_) => String::from_utf8_lossy(data.name_raw()).into_owned(),
        };
        let method = data.compression();
        let deflated = method == zip::CompressionMethod::DEFLATE;
        let entry = if data.encrypted() {
            Err("the member is encrypted".to_owned())
        } else if method != zip::CompressionMethod::STORE && !deflated {
            Err(format!("the member is compressed with {} (only stored and deflate are read)", data.compression()))
        } else {
            Ok(ZipEntry {
                header_start: data.header_start(),
                compressed_size: data.compressed_size(),
                size: data.size(),
                crc32: data.crc32(),
                deflated,
            })
        };
        members.push(Member { name, size: data.size(), entry });
    }
    Ok(members)
}

/// A reader of one member's bytes, checked against the central directory's size and CRC-32: a
/// damaged member ends in an `InvalidData` error, never in wrong bytes.
pub(crate) fn open(zip: &Path, entry: &ZipEntry) -> io::Result<Box<dyn Read + Send>> {
    let mut file = File::open(zip)?;
    file.seek(SeekFrom::Start(entry.header_start))?;
    let mut header = [0u8; LOCAL_HEADER_LEN];
    file.read_exact(&mut header)
        .map_err(|e| io::Error::new(e.kind(), format!("the member's local header cannot be read: {e}")))?;
    if header[..4] != LOCAL_HEADER_SIGNATURE {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "no local header where the central directory points"));
    }
    let name_len = u16::from_le_bytes([header[26], header[27]]);
    let extra_len = u16::from_le_bytes([header[28], header[29]]);
    file.seek(SeekFrom::Current(i64::from(name_len) + i64::from(extra_len)))?;
    let raw = BufReader::new(file.take(entry.compressed_size));
    let inner: Box<dyn Read + Send> = if entry.deflated { Box::new(DeflateDecoder::new(raw)) } else { Box::new(raw) };
    Ok(Box::new(Checked {
        inner,
        hasher: crc32fast::Hasher::new(),
        read: 0,
        size: entry.size,
        crc32: entry.crc32,
        checked: false,
    }))
}

struct Checked {
    inner: Box<dyn Read + Send>,
    hasher: crc32fast::Hasher,
    read: u64,
    size: u64,
    crc32: u32,
    checked: bool,
}

impl Checked {
    fn damaged(message: String) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, message)
    }
}

impl Read for Checked {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = match self.inner.read(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => return Err(Self::damaged(format!("the member is damaged: {e}"))),
        };
        if n == 0 {
            if !self.checked {
                if self.read != self.size {
                    return Err(Self::damaged(format!(
                        "the member is damaged: {} bytes where the zip says {}",
                        self.read, self.size
                    )));
                }
                let crc32 = self.hasher.clone().finalize();
                if crc32 != self.crc32 {
                    return Err(Self::damaged(format!(
                        "the member is damaged: CRC-32 {crc32:08x} where the zip says {:08x}",
                        self.crc32
                    )));
                }
                self.checked = true;
            }
            return Ok(0);
        }
        self.read += n as u64;
        if self.read > self.size {
            return Err(Self::damaged(format!(
                "the member is damaged: longer than the {} bytes the zip says",
                self.size
            )));
        }
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}
