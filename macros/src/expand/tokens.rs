//! Literals of the runtime's types, built from the analyzer's model.

use pgstrata_analyzer::{Migration, TransactionMode};
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

/// A `::pgstrata::Migration` constant. The SQL is `include_str!`'d by absolute path so
/// that editing a file rebuilds the crate.
pub struct EmbeddedMigration<'a>(pub &'a Migration);

impl ToTokens for EmbeddedMigration<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let m = self.0;
        let version = m.version;
        let name = &m.name;
        let display = &m.up.display;
        let up_path = m.up.path.to_string_lossy();
        let down = match &m.down {
            Some(down) => {
                let path = down.path.to_string_lossy();
                quote!(::core::option::Option::Some(include_str!(#path)))
            }
            None => quote!(::core::option::Option::None),
        };
        let checksum = &m.checksum;
        let transaction = match m.transaction {
            TransactionMode::Transactional => quote!(::pgstrata::TransactionMode::Transactional),
            TransactionMode::NonTransactional { .. } => {
                quote!(::pgstrata::TransactionMode::NonTransactional)
            }
        };
        let statements = m.statements.iter().map(|s| {
            let (start, end, line) = (s.range.start as u32, s.range.end as u32, s.line as u32);
            quote!(::pgstrata::StatementSpan { start: #start, end: #end, line: #line })
        });
        tokens.extend(quote! {
            ::pgstrata::Migration::__new(
                #version,
                #name,
                #display,
                include_str!(#up_path),
                #down,
                #checksum,
                #transaction,
                &[#(#statements),*],
            )
        });
    }
}
