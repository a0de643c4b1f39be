//! "Share by link": the trained head and its class names in a link's fragment (never sent
//! to a server) and, where it fits, a QR code of it. Beyond what a link holds, the files.

use leptos::prelude::*;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

use super::Teach;
use crate::export::share::{Bits, ShareError, SharedHead};
use crate::train::project::Project;
use crate::web::ui::share_address::share_url;

/// Longest link offered, in characters: what browsers keep in their address bar.
const LINK_LIMIT: usize = 64_000;
/// Most bytes a QR code holds (version 40, error correction L, byte mode).
const QR_LIMIT: usize = 2_953;

/// A link made, with its QR code where one fits.
#[derive(Debug, Clone, PartialEq)]
struct Made {
    url: String,
    /// How finely the link writes the head.
    bits: Bits,
    classes: usize,
    /// The QR code's SVG, the link it holds and how finely that link writes the head.
    qr: Option<(String, String, Bits)>,
}

/// Why no link is offered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum NoLink {
    /// The head could not be written (the core's reason).
    #[error("no link can be made: {0}")]
    Unwritable(#[from] ShareError),
    /// Even the coarsest link is longer than an address holds.
    #[error(
        "{classes} classes make a link of {longest} characters, past the {LINK_LIMIT} browsers keep in an address: share the project file or an export above instead."
    )]
    TooLong {
        /// The head's classes.
        classes: usize,
        /// The shortest link's length.
        longest: usize,
    },
}

fn make(project: &Project) -> Result<Made, NoLink> {
    let link = |bits| SharedHead::from_project(project, bits).map(|shared| share_url(&shared));
    let classes = project.current_head().map_or(0, |h| h.record.class_ids.len());
    // Coarser links are written only where the finer ones do not fit.
    let mut links = Vec::new();
    let Some((url, bits)) = finest_fitting(&mut links, &link, LINK_LIMIT, Bits::Eight)? else {
        let longest = links.last().map_or(0, |(url, _): &(String, Bits)| url.len());
        return Err(NoLink::TooLong { classes, longest });
    };
    let qr = finest_fitting(&mut links, &link, QR_LIMIT, Bits::Four)?.and_then(|(text, bits)| Some((qr_svg(&text)?, text, bits)));
    Ok(Made { url, bits, classes, qr })
}

/// The finest link, down to `coarsest`, of at most `limit` characters; `links` keeps those
/// already written.
fn finest_fitting(
    links: &mut Vec<(String, Bits)>,
    link: &dyn Fn(Bits) -> Result<String, ShareError>,
    limit: usize,
    coarsest: Bits,
) -> Result<Option<(String, Bits)>, ShareError> {
    for bits in [Bits::Sixteen, Bits::Eight, Bits::Four] {
        let url = match links.iter().find(|(_, made)| *made == bits) {
            Some((url, _)) => url.clone(),
            None => {
                let url = link(bits)?;
                links.push((url.clone(), bits));
                url
            }
        };
        if url.len() <= limit {
            return Ok(Some((url, bits)));
        }
        if bits == coarsest {
            break;
        }
    }
    Ok(None)
}

fn bits_word(bits: Bits) -> &'static str {
    match bits {
        Bits::Sixteen => "16",
        Bits::Eight => "8",
        Bits::Four => "4",
    }
}

fn qr_svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L).ok()?;
    Some(code.render::<svg::Color>().min_dimensions(256, 256).dark_color(svg::Color("#000")).light_color(svg::Color("#fff")).build())
}

/// The share card; its button waits for a trained classifier.
#[component]
pub fn SharePanel(teach: Teach) -> impl IntoView {
    let made = RwSignal::new(None::<Result<Made, NoLink>>);
    let copied = RwSignal::new(false);
    let trained = move || teach.project.with(|p| p.current_head().is_some());
    // A link made before the head or its names changed would share the old classifier.
    let head =
        Memo::new(move |_| teach.project.with(|p| p.current_head().map(|h| (h.weights.bias.clone(), p.class_names(&h.record.class_ids), h.not_sure_below()))));
    Effect::watch(move || head.track(), move |_, _, _| made.set(None), false);
    let on_make = move |_| {
        copied.set(false);
        made.set(Some(teach.project.with_untracked(make)));
    };
    let copy = move |url: String| {
        let clipboard = window().navigator().clipboard();
        leptos::task::spawn_local(async move {
            copied.set(wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&url)).await.is_ok());
        });
    };
    let shown = move || match made.get()? {
        Err(message) => Some(
            view! {
                <div role="alert" data-testid="share-status" data-state="refused">
                    <p class="hint">{message.to_string()}</p>
                    <button type="button" data-testid="share-export-project" on:click=move |_| teach.export()>"Export the project file"</button>
                </div>
            }
            .into_any(),
        ),
        Ok(link) => {
            let per_class = link.url.len() / link.classes.max(1);
            let precision = match link.bits {
                Bits::Sixteen => "Its weights are in f16: the answers are yours to about a thousandth.",
                _ => "To fit, its weights are in int8: probabilities can differ from yours by a few hundredths.",
            };
            let size = format!("{} characters for {} classes (about {per_class} a class). {precision}", link.url.len(), link.classes);
            let (qr_view, qr_note) = match link.qr.clone() {
                Some((svg, text, bits)) => {
                    let note = match bits {
                        _ if bits == link.bits => "The QR code holds the same link.".to_string(),
                        Bits::Sixteen | Bits::Eight => {
                            format!("To fit, the QR code holds the head in int8 ({} characters): probabilities can differ by a few hundredths.", text.len())
                        }
                        Bits::Four => format!(
                            "To fit, the QR code holds the head at 4-bit precision ({} characters): its probabilities can differ from the link's by a few points.",
                            text.len()
                        ),
                    };
                    (
                        Some(
                            view! { <div class="qr" data-testid="share-qr" data-link=text data-bits=bits_word(bits) inner_html=svg role="img" aria-label="QR code of the link"></div> },
                        ),
                        note,
                    )
                }
                None => (None, format!("Too long for a QR code ({QR_LIMIT} characters at most, even with the head in 4 bits): send the link itself.")),
            };
            let url = link.url.clone();
            Some(
                view! {
                    <div class="share-link" data-testid="share-status" data-state="made" data-chars=link.url.len() data-bits=bits_word(link.bits)>
                        <label>"Link " <input type="text" readonly data-testid="share-url" prop:value=link.url.clone()
                            on:focus=|e| { event_target::<web_sys::HtmlInputElement>(&e).select(); } /></label>
                        <button type="button" data-testid="share-copy" on:click=move |_| copy(url.clone())>
                            {move || if copied.get() { "Copied" } else { "Copy" }}
                        </button>
                        <p class="hint">{size}" "{qr_note}</p>
                        {qr_view}
                    </div>
                }
                .into_any(),
            )
        }
    };
    view! {
        <section class="card share" aria-labelledby="share-title" data-testid="share">
            <h3 id="share-title">"Share by link"</h3>
            <p class="hint">
                "The classifier (without its examples) in a link: whoever opens it gets this page with the same model and your classes. "
                "The link's part after # never reaches any server. Up to about 12 classes fit a link exactly (f16), about 25 in int8, a few a QR code; beyond, share the project file."
            </p>
            <div class="actions">
                <button type="button" data-testid="share-make" disabled=move || !trained() on:click=on_make>"Make a link"</button>
            </div>
            {shown}
        </section>
    }
}
