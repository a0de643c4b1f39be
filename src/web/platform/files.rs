//! The user's files: what a picker, a drop or a paste hands over, reading a file's bytes,
//! and offering bytes back as a downloaded file.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, FileList, HtmlAnchorElement, Url};

use super::scope::BrowserError;

/// The files of a `FileList` (a picker's, a drop's or a paste's), in order.
pub fn file_list(list: Option<FileList>) -> Vec<web_sys::File> {
    list.map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect()).unwrap_or_default()
}

/// The files a file `<input>`'s change event carries; the input is reset so choosing the
/// same file again fires another change.
pub fn take_files(event: &web_sys::Event) -> Vec<web_sys::File> {
    let Some(input) = event.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return Vec::new() };
    let files = file_list(input.files());
    input.set_value("");
    files
}

/// A file's path within the folder the user picked (`webkitRelativePath`: `pets/cats/a.jpg`),
/// or its name where there is none.
pub fn relative_path(file: &web_sys::File) -> String {
    js_sys::Reflect::get(file, &"webkitRelativePath".into()).ok().and_then(|p| p.as_string()).filter(|p| !p.is_empty()).unwrap_or_else(|| file.name())
}

/// The bytes of a file or any other blob (the caller names the file in messages).
pub async fn read_blob(blob: &Blob) -> Result<Vec<u8>, BrowserError> {
    let buffer = JsFuture::from(blob.array_buffer()).await.map_err(|e| BrowserError::from(e).led_by("the file could not be read"))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The bytes of a user-chosen file.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, BrowserError> {
    read_blob(file).await.map_err(|error| error.led_by(file.name()))
}

/// Bytes as a `Blob` (a copy).
pub fn blob_of(bytes: &[u8]) -> Result<Blob, BrowserError> {
    Ok(Blob::new_with_u8_array_sequence(&Array::of1(&Uint8Array::from(bytes)))?)
}

/// Offers `bytes` to the user as a downloaded file.
pub fn save_file(bytes: &[u8], file_name: &str) -> Result<(), BrowserError> {
    let blob = blob_of(bytes)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or(BrowserError::new("no document"))?;
    let anchor: HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    Ok(Url::revoke_object_url(&url)?)
}
