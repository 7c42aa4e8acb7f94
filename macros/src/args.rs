//! `migrations!("dir")`, optionally with `allow = ["rule", ...]` and `baseline = VERSION`.

use syn::parse::{Parse, ParseStream};
use syn::{bracketed, punctuated::Punctuated, Ident, LitStr, Token};

pub struct Args {
    pub dir: LitStr,
    pub allow: Vec<LitStr>,
    pub baseline: Option<syn::LitInt>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let dir: LitStr = input.parse()?;
        let mut allow = Vec::new();
        let mut baseline = None;
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
                "baseline" => baseline = Some(input.parse()?),
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown argument `{other}`; expected `allow = [\"rule\", ...]` or `baseline = VERSION`"),
                    ))
                }
            }
        }
        Ok(Self {
            dir,
            allow,
            baseline,
        })
    }
}
