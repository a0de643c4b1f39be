//! The validation confusion matrix with each class's accuracy; a cell with examples opens
//! them in the mistakes gallery.

use leptos::prelude::*;

use super::Teach;
use crate::train::trainer::Evaluation;

/// Rows are the true class, columns the prediction; `names` in the head's class order.
#[component]
pub fn ConfusionMatrix(teach: Teach, names: Vec<String>, evaluation: Evaluation) -> impl IntoView {
    let accuracy = evaluation.per_class_accuracy();
    let header = names.iter().map(|n| view! { <th scope="col">{n.clone()}</th> }).collect_view();
    let rows = names
        .iter()
        .zip(&evaluation.confusion)
        .zip(accuracy)
        .enumerate()
        .map(|(class, ((name, row), accuracy))| {
            let cells = row
                .iter()
                .enumerate()
                .map(|(predicted, &count)| {
                    let open = move |_| teach.gallery.set(Some((class, predicted)));
                    let chosen = move || teach.gallery.get() == Some((class, predicted));
                    let content = if count > 0 {
                        view! { <button type="button" class="cell" data-testid="confusion-cell" data-true=class data-predicted=predicted aria-pressed=move || chosen().to_string() on:click=open>{count}</button> }.into_any()
                    } else {
                        view! { <span>{count}</span> }.into_any()
                    };
                    view! { <td class:diagonal=predicted == class class:miss={predicted != class && count > 0}>{content}</td> }
                })
                .collect_view();
            let accuracy = accuracy.map_or("—".to_string(), |a| format!("{:.0}%", a * 100.0));
            view! {
                <tr data-testid="confusion-row" data-class=name.clone()>
                    <th scope="row">{name.clone()}</th>
                    {cells}
                    <td data-testid="class-accuracy">{accuracy}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="Confusion matrix">
        <table class="confusion" data-testid="confusion">
            <caption>"Validation examples: rows are the true class, columns the prediction (choose a number to see those examples)"</caption>
            <thead><tr><th scope="col">"true \\ predicted"</th>{header}<th scope="col">"accuracy"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        </div>
    }
}
