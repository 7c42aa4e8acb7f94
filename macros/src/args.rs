//! `migrations!("dir")` or `migrations!("dir", allow = ["rule", ...])`.

use syn::parse::{Parse, ParseStream};
use syn::{bracketed, punctuated::Punctuated, Ident, LitStr, Token};

pub struct Args {
    pub dir: LitStr,
    pub allow: Vec<LitStr>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let dir: LitStr = input.parse()?;
        let mut allow = Vec::new();
        while input.parse::<Option<Token![,]>>()?.is_some() {
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "allow" => {
                    let content;
                    bracketed!(content in input);
                    let list = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
                    allow.extend(list);
                }
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown argument `{other}`; expected `allow = [\"rule\", ...]`"),
                    ))
                }
            }
        }
        Ok(Self { dir, allow })
    }
}
