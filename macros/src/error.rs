//! Diagnostics become `compile_error!`s on the macro's string literal, so the IDE
//! underlines the call and the terminal shows the migration's own line and caret.

use pgstrata_analyzer::{render, Diagnostic};
use proc_macro2::{Span, TokenStream};

/// One `compile_error!` per diagnostic: every problem in one build.
pub fn to_compile_errors(diagnostics: &[Diagnostic], span: Span) -> TokenStream {
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| syn::Error::new(span, message(d)).to_compile_error())
        .collect()
}

/// rustc prints `error: ` before our text, so the first line is `[rule] message`
/// instead of the CLI's `error[rule]: message`; the rest is the same rendering.
fn message(diagnostic: &Diagnostic) -> String {
    let rendered = render(diagnostic);
    let body = rendered.split_once('\n').map_or("", |(_, rest)| rest);
    let head = format!("[{}] {}", diagnostic.rule, diagnostic.message);
    if body.is_empty() {
        head
    } else {
        format!("{head}\n{body}")
    }
}
