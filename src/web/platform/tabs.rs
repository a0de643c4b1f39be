//! Other tabs of the site, told when this one changes the saved project
//! (`BroadcastChannel`; a tab does not hear its own messages).

use wasm_bindgen::prelude::*;
use web_sys::{BroadcastChannel, MessageEvent};

const CHANNEL: &str = "transfer-studio-project";

/// This tab's line to the others; listens while it lives.
pub struct OtherTabs {
    channel: BroadcastChannel,
    _listener: Closure<dyn FnMut(MessageEvent)>,
}

impl OtherTabs {
    /// Calls `changed` whenever another tab announces a change (`None` where the browser
    /// has no `BroadcastChannel`).
    pub fn listen(mut changed: impl FnMut() + 'static) -> Option<Self> {
        let channel = BroadcastChannel::new(CHANNEL).ok()?;
        let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |_: MessageEvent| changed());
        channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        Some(Self { channel, _listener: listener })
    }

    /// Tells the other tabs that the saved project changed.
    pub fn announce(&self) {
        let _ = self.channel.post_message(&JsValue::from_str("changed"));
    }
}
