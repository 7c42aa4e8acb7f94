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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_directory_allows_and_baseline() {
        let args: Args = syn::parse_str(
            r#""migrations", allow = ["transaction", "non-idempotent"], baseline = 20240101,"#,
        )
        .expect("valid arguments");
        assert_eq!(args.dir.value(), "migrations");
        let allow: Vec<String> = args.allow.iter().map(LitStr::value).collect();
        assert_eq!(allow, ["transaction", "non-idempotent"]);
        assert_eq!(
            args.baseline
                .map(|b| b.base10_digits().to_string())
                .as_deref(),
            Some("20240101")
        );
    }

    #[test]
    fn an_unknown_argument_names_the_known_ones() {
        let error = syn::parse_str::<Args>(r#""migrations", allowed = []"#)
            .err()
            .expect("an unknown key is refused");
        assert_eq!(
            error.to_string(),
            "unknown argument `allowed`; expected `allow = [\"rule\", ...]` or `baseline = VERSION`"
        );
    }
}
