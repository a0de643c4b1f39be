//! `--weights` as a URL or a timm model id, against a local server laid out like the hub:
//! downloaded once into the XDG cache (a second run hits the cache), a wrong pinned digest
//! refused, an interrupted download leaving no cache file, and a timm config's eval
//! transform applied.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

const CLI: &str = env!("CARGO_BIN_EXE_transfer-studio");

/// Serves `weights` at `/w/*.safetensors` (`/w/cut.safetensors` stops halfway), and a hub
/// repo `timm/resnet50.test` whose weights answer with a redirect. Returns the base URL and
/// the request paths seen.
fn serve(weights: Vec<u8>, config: String) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            while let Ok(n) = reader.read_line(&mut String::new()) {
                if n <= 2 {
                    break;
                }
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            log.lock().unwrap().push(path.clone());
            let head = |status: &str, length: usize, extra: &str| format!("HTTP/1.1 {status}\r\ncontent-length: {length}\r\nconnection: close\r\n{extra}\r\n");
            let _ = match path.as_str() {
                "/w/cut.safetensors" => {
                    stream.write_all(head("200 OK", weights.len(), "").as_bytes()).and_then(|_| stream.write_all(&weights[..weights.len() / 2]))
                }
                p if p.starts_with("/w/") || p == "/blob/weights" => {
                    stream.write_all(head("200 OK", weights.len(), "").as_bytes()).and_then(|_| stream.write_all(&weights))
                }
                "/timm/resnet50.test/resolve/main/config.json" => stream
                    .write_all(head("200 OK", config.len(), "content-type: application/json\r\n").as_bytes())
                    .and_then(|_| stream.write_all(config.as_bytes())),
                "/timm/resnet50.test/resolve/main/model.safetensors" => stream.write_all(head("302 Found", 0, "location: /blob/weights\r\n").as_bytes()),
                _ => stream.write_all(head("404 Not Found", 0, "").as_bytes()),
            };
        }
    });
    (base, seen)
}

fn run(cache: &Path, args: &[&str]) -> Output {
    Command::new(CLI).args(args).env("XDG_CACHE_HOME", cache).env_remove("TRANSFER_STUDIO_HUB").output().expect("the CLI starts")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn cached_files(cache: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() { walk(&path, files) } else { files.push(path) }
        }
    }
    let mut files = Vec::new();
    walk(cache, &mut files);
    files
}

fn top(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("one JSON line")["top"].clone()
}

#[test]
fn urls_and_timm_ids_download_once_and_refuse_bad_bytes() {
    let dir = std::env::temp_dir().join(format!("ts-download-{}", std::process::id()));
    let cache = dir.join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    let local = dir.join("demo.safetensors");
    assert!(run(&cache, &["demo-weights", "--seed", "5", "--out", local.to_str().unwrap()]).status.success());
    let config = r#"{"architecture": "resnet50", "num_classes": 1000, "pretrained_cfg": {"input_size": [3, 224, 224], "interpolation": "bicubic",
        "crop_pct": 0.95, "crop_mode": "center", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}}"#;
    let (base, seen) = serve(std::fs::read(&local).unwrap(), config.to_string());
    let photo = "tests/fixtures/photos/coffee_0_256.png";
    let photo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(photo);
    let photo = photo.to_str().unwrap();
    let requests = |path: &str| seen.lock().unwrap().iter().filter(|p| *p == path).count();

    // A URL: downloaded once, then from the cache; the same answer as the local file.
    let url = format!("{base}/w/demo.safetensors");
    let expected = top(&run(&cache, &["classify", "--json", "--weights", local.to_str().unwrap(), photo]));
    let first = run(&cache, &["classify", "--json", "--weights", &url, photo]);
    assert_eq!(top(&first), expected);
    assert!(stderr(&first).contains("downloading"), "{}", stderr(&first));
    let second = run(&cache, &["classify", "--json", "--weights", &url, photo]);
    assert_eq!(top(&second), expected);
    assert!(stderr(&second).contains("using the cached copy"), "{}", stderr(&second));
    assert_eq!(requests("/w/demo.safetensors"), 1, "the second run hits the cache");
    assert_eq!(cached_files(&cache).len(), 1);

    // A wrong pinned digest and an interrupted download: refused, nothing kept.
    let pinned = run(&cache, &["classify", "--sha256", &"0".repeat(64), "--weights", &format!("{base}/w/other.safetensors"), photo]);
    assert!(!pinned.status.success() && stderr(&pinned).contains("digest mismatch"), "{}", stderr(&pinned));
    let cut = run(&cache, &["classify", "--weights", &format!("{base}/w/cut.safetensors"), photo]);
    assert!(!cut.status.success() && stderr(&cut).contains("interrupted"), "{}", stderr(&cut));
    assert!(!stderr(&cut).contains("panicked"));
    assert_eq!(cached_files(&cache).len(), 1, "no file left by refused downloads: {:?}", cached_files(&cache));

    // A timm id on the local hub: config read, weights through a redirect, bicubic 235/224 applied.
    let timm = run(&cache, &["classify", "--json", "--hub", &base, "--weights", "timm/resnet50.test", photo]);
    let timm_top = top(&timm);
    assert_eq!(requests("/timm/resnet50.test/resolve/main/config.json"), 1);
    assert_eq!(requests("/blob/weights"), 1, "followed the redirect");
    assert_ne!(timm_top, expected, "the config's transform (bicubic, 235 → 224) changes the numbers");
    let missing = run(&cache, &["classify", "--hub", &base, "--weights", "timm/resnet50.missing", photo]);
    assert!(!missing.status.success() && stderr(&missing).contains("404"), "{}", stderr(&missing));
    std::fs::remove_dir_all(&dir).ok();
}
