//! The fuzz tests' tools: byte mutations, a per-thread counting allocator for memory
//! budgets, made-up image headers, and runs sized by `FUZZ_CASES` / `FUZZ_SECONDS`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Counts the bytes each thread holds, and the most it held since the last reset.
struct Counting;

thread_local! {
    static HELD: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn account(delta: isize) {
    let _ = HELD.try_with(|held| {
        let now = held.get() + delta;
        held.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is passed to the system allocator unchanged; only counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        account(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        account(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        account(layout.size() as isize);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        account(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and fails the case if this thread's memory rose more than `bytes` above where it
/// started at any moment of it.
pub fn budget<T>(bytes: usize, f: impl FnOnce() -> T) -> T {
    let start = HELD.with(Cell::get);
    PEAK.with(|peak| peak.set(start));
    let out = f();
    let rise = PEAK.with(Cell::get) - start;
    assert!(rise <= bytes as isize, "memory rose by {} MiB, over the budget of {} MiB", rise >> 20, bytes >> 20);
    out
}

/// One change to a file's bytes. Positions are `Index`es: taken within the header (the
/// first `header_end` bytes) when `in_header`, else anywhere.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Overwrite one byte.
    Set { at: Index, in_header: bool, byte: u8 },
    /// Cut the file there.
    Truncate { at: Index },
    /// Insert bytes there.
    Insert { at: Index, in_header: bool, bytes: Vec<u8> },
    /// Remove up to `len` bytes there.
    Remove { at: Index, in_header: bool, len: u8 },
    /// Replace the run of ASCII digits at or after a header position by an extreme number
    /// (shapes, offsets, sizes in a JSON header).
    Number { at: Index, value: u64 },
    /// Overwrite eight bytes with a little-endian number (safetensors' header length).
    Word { at: Index, in_header: bool, value: u64 },
}

fn extreme() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(u64::from(u32::MAX)),
        Just(1 << 32),
        Just((1 << 53) + 1),
        Just(i64::MAX as u64),
        Just(u64::MAX),
        any::<u64>(),
        0u64..100_000,
    ]
}

impl Arbitrary for Mutation {
    type Parameters = ();
    type Strategy = BoxedStrategy<Self>;
    fn arbitrary_with(_: ()) -> Self::Strategy {
        prop_oneof![
            3 => (any::<Index>(), any::<bool>(), any::<u8>()).prop_map(|(at, in_header, byte)| Self::Set { at, in_header, byte }),
            1 => any::<Index>().prop_map(|at| Self::Truncate { at }),
            1 => (any::<Index>(), any::<bool>(), prop::collection::vec(any::<u8>(), 1..16)).prop_map(|(at, in_header, bytes)| Self::Insert { at, in_header, bytes }),
            1 => (any::<Index>(), any::<bool>(), any::<u8>()).prop_map(|(at, in_header, len)| Self::Remove { at, in_header, len }),
            3 => (any::<Index>(), extreme()).prop_map(|(at, value)| Self::Number { at, value }),
            1 => (any::<Index>(), any::<bool>(), extreme()).prop_map(|(at, in_header, value)| Self::Word { at, in_header, value }),
        ]
        .boxed()
    }
}

/// `bytes` with `mutations` applied in order.
pub fn mutated(bytes: &[u8], header_end: usize, mutations: &[Mutation]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for mutation in mutations {
        let place = |at: &Index, in_header: bool, len: usize| {
            let span = if in_header { header_end.min(len) } else { len };
            if span == 0 { 0 } else { at.index(span) }
        };
        match mutation {
            Mutation::Set { at, in_header, byte } if !out.is_empty() => {
                let i = place(at, *in_header, out.len());
                out[i] = *byte;
            }
            Mutation::Truncate { at } => out.truncate(place(at, false, out.len() + 1)),
            Mutation::Insert { at, in_header, bytes } => {
                let i = place(at, *in_header, out.len() + 1);
                out.splice(i..i, bytes.iter().copied());
            }
            Mutation::Remove { at, in_header, len } if !out.is_empty() => {
                let i = place(at, *in_header, out.len());
                out.drain(i..(i + usize::from(*len)).min(out.len()));
            }
            Mutation::Number { at, value } => {
                let start = place(at, true, out.len());
                if let Some(first) = out[start..].iter().position(u8::is_ascii_digit).map(|p| p + start) {
                    let end = out[first..].iter().position(|b| !b.is_ascii_digit()).map_or(out.len(), |p| p + first);
                    out.splice(first..end, value.to_string().into_bytes());
                }
            }
            Mutation::Word { at, in_header, value } if out.len() >= 8 => {
                let i = place(at, *in_header, out.len() - 7);
                out[i..i + 8].copy_from_slice(&value.to_le_bytes());
            }
            _ => {}
        }
    }
    out
}

/// Where a safetensors file's JSON header ends (the mutations' "header").
pub fn safetensors_header_end(bytes: &[u8]) -> usize {
    let length = bytes.get(..8).map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap()));
    usize::try_from(length).map_or(bytes.len(), |length| length.saturating_add(8).min(bytes.len()))
}

fn cases() -> u32 {
    std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48)
}

fn seconds() -> Option<Duration> {
    std::env::var("FUZZ_SECONDS").ok().and_then(|v| v.parse().ok()).map(Duration::from_secs_f64)
}

/// Runs `test` on values of `strategy`: `FUZZ_CASES` of them, again and again (new
/// values each round) until `FUZZ_SECONDS` have passed; prints how many ran.
/// With `FUZZ_TRACE` set, each case is printed before it runs: the last one printed is the
/// one that crashed the process (a fault in unsafe code cannot be caught as a panic).
pub fn campaign<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let trace = std::env::var_os("FUZZ_TRACE").is_some();
    let test = |value: S::Value| {
        if trace {
            eprintln!("{name}: {value:?}");
        }
        test(value)
    };
    let started = Instant::now();
    let mut runs = 0u64;
    let mut rounds = 0u64;
    loop {
        let config = Config { cases: cases(), failure_persistence: None, rng_seed: proptest::test_runner::RngSeed::Fixed(rounds), ..Config::default() };
        let mut runner = TestRunner::new(config);
        if let Err(failure) = runner.run(&strategy, test) {
            panic!("{name}: {failure}");
        }
        runs += u64::from(cases());
        rounds += 1;
        if seconds().is_none_or(|limit| started.elapsed() >= limit) {
            break;
        }
    }
    eprintln!("fuzz {name}: {runs} cases in {:.1} s", started.elapsed().as_secs_f64());
}

/// Made-up headers of every decoded format, with sides and depths from tiny to absurd.
pub fn image_header() -> impl Strategy<Value = Vec<u8>> {
    let side = prop_oneof![1u32..70_000, Just(16_384), Just(u32::MAX), Just(0)];
    (0u8..5, side.clone(), side, any::<u8>(), any::<u8>(), prop::collection::vec(any::<u8>(), 0..64)).prop_map(|(format, w, h, depth, kind, tail)| {
        let mut out = match format {
            0 => png(w, h, depth, kind),
            1 => {
                let mut b = b"GIF89a".to_vec();
                b.extend_from_slice(&(w as u16).to_le_bytes());
                b.extend_from_slice(&(h as u16).to_le_bytes());
                b.extend_from_slice(&[kind, 0, 0, b',', 0, 0, 0, 0]);
                b.extend_from_slice(&(w as u16).to_le_bytes());
                b.extend_from_slice(&(h as u16).to_le_bytes());
                b.push(0);
                b
            }
            2 => {
                let mut b = b"BM".to_vec();
                b.extend_from_slice(&[0; 8]);
                b.extend_from_slice(&54u32.to_le_bytes());
                b.extend_from_slice(&40u32.to_le_bytes());
                b.extend_from_slice(&(w as i32).to_le_bytes());
                b.extend_from_slice(&(h as i32).to_le_bytes());
                b.extend_from_slice(&1u16.to_le_bytes());
                b.extend_from_slice(&u16::from(depth).to_le_bytes());
                b.extend_from_slice(&[0; 24]);
                b
            }
            3 => {
                // JPEG: SOI, a baseline SOF0 with the sides, then nothing.
                let mut b = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8];
                b.extend_from_slice(&(h as u16).to_be_bytes());
                b.extend_from_slice(&(w as u16).to_be_bytes());
                b.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
                b
            }
            _ => {
                // WebP, lossless (VP8L): 14-bit sides.
                let mut b = b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f".to_vec();
                let bits = (w.wrapping_sub(1) & 0x3FFF) | ((h.wrapping_sub(1) & 0x3FFF) << 14) | (u32::from(kind & 1) << 28);
                b.extend_from_slice(&bits.to_le_bytes());
                b
            }
        };
        out.extend_from_slice(&tail);
        out
    })
}

fn png(width: u32, height: u32, depth: u8, kind: u8) -> Vec<u8> {
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        c.extend_from_slice(&crc.finalize().to_be_bytes());
        c
    };
    let depths = [1, 2, 4, 8, 16];
    let kinds = [0, 2, 3, 4, 6];
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[depths[usize::from(depth) % 5], kinds[usize::from(kind) % 5], 0, 0, 0]);
    let mut out = vec![137, 80, 78, 71, 13, 10, 26, 10];
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(b"IDAT", &[0x78, 0x9C, 0x63, 0, 0, 0, 1, 0, 1]));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// A timm `config.json` as the hub serves it for a ResNet50.
pub fn timm_config() -> serde_json::Value {
    serde_json::json!({
        "architecture": "resnet50", "num_classes": 1000, "num_features": 2048,
        "pretrained_cfg": {
            "tag": "a1_in1k", "input_size": [3, 224, 224], "interpolation": "bicubic", "crop_pct": 0.95,
            "crop_mode": "center", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
            "num_classes": 1000, "pool_size": [7, 7], "first_conv": "conv1", "classifier": "fc"
        }
    })
}

/// A ZIP archive (a PyTorch checkpoint, a dataset) written again with the entries whose
/// names end in `target` mutated (a checkpoint's `data.pkl`) and, with `cut`, one other
/// entry cut short, each entry with its right checksum.
pub fn rezipped(archive: &[u8], target: &str, mutations: &[Mutation], cut: Option<Index>) -> Vec<u8> {
    use std::io::{Cursor, Read, Write};
    let mut reader = zip::ZipArchive::new(Cursor::new(archive)).expect("the seed is a ZIP archive");
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let count = reader.len();
    let cut_entry = cut.map(|at| at.index(count));
    for i in 0..count {
        let mut entry = reader.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name.ends_with(target) {
            bytes = mutated(&bytes, bytes.len(), mutations);
        } else if cut_entry == Some(i) {
            bytes.truncate(bytes.len() / 2);
        }
        writer.start_file(name, options).unwrap();
        writer.write_all(&bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}
