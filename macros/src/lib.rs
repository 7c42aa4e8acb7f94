//! The `migrations!` macro. It only reads its arguments, asks `pgstrata-analyzer`
//! about the directory, has `pgstrata-codegen` write the code and turns diagnostics
//! into errors; everything it knows lives in those two plain libraries, where it can
//! be tested and benchmarked.

mod args;
mod error;
mod expand;

use proc_macro::TokenStream;

/// Checks and embeds a directory of PostgreSQL migrations; see the `pgstrata` crate.
#[proc_macro]
pub fn migrations(input: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(input as args::Args);
    expand::expand(&args).into()
}
