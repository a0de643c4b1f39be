//! Which compute device the user wants: from the address (`?device=webgpu`, so a link or a
//! test can ask for one), else the one chosen last in the device popover, else automatic.
//! A change takes effect by opening the page again (the worker picks its device at start;
//! the project and cached models are kept). The automatic choice's measurement is kept too.

use crate::web::platform::remembered;
use crate::web::worker::{BackendInfo, DevicePreference, DeviceRequest, Probe};

const DEVICE_KEY: &str = "transfer-studio.device";
/// The last probe between WebGPU and the CPU path (with its adapter), so the automatic
/// choice is measured once per adapter, not at every visit.
const PROBE_KEY: &str = "transfer-studio.device-probe";

/// What the worker is asked for: the preference and the probe kept from earlier visits.
pub fn request() -> DeviceRequest {
    let expose_gpu_device = address_pairs().any(|pair| pair == "expose-gpu-device");
    DeviceRequest { preference: chosen(), known: remembered::recall::<Probe>(PROBE_KEY), expose_gpu_device, cpu_reason: None }
}

/// How many workers a batch may be spread over, where the address asks (`?workers=N`; only
/// where the CPU path has one thread, see `worker/helpers.rs`).
pub fn workers_asked() -> Option<usize> {
    address_pairs().find_map(|pair| pair.strip_prefix("workers=")?.parse().ok())
}

/// The `name=value` pairs of the page's address.
fn address_pairs() -> impl Iterator<Item = String> {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    search.trim_start_matches('?').split('&').map(str::to_string).collect::<Vec<_>>().into_iter()
}

/// Keeps the probe the worker measured (or used), for the next visits.
pub fn keep_probe(info: &BackendInfo) {
    if let Some(probe) = &info.probe {
        remembered::remember(PROBE_KEY, Some(probe));
    }
}

/// The preference in effect for this page.
pub fn chosen() -> DevicePreference {
    let asked = address_pairs().find_map(|pair| pair.strip_prefix("device=").and_then(DevicePreference::from_word));
    asked.or_else(|| remembered::recall(DEVICE_KEY)).unwrap_or_default()
}

/// Keeps `preference` for the next visits and opens the page again with it.
pub fn choose(preference: DevicePreference) {
    remembered::remember(DEVICE_KEY, Some(&preference));
    let Some(location) = web_sys::window().map(|w| w.location()) else { return };
    // The address's choice would win over the new one: drop it (that also reloads).
    if location.search().is_ok_and(|search| !search.is_empty()) {
        let _ = location.set_search("");
    } else {
        let _ = location.reload();
    }
}
