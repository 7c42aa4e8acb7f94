//! Reading a version and a name out of one file or directory name.
//!
//! Each layout's tool decides the order of its migrations by a version it reads from
//! the name; we read the same version so that our order is the tool's order.

/// What a file or directory name says about the migration it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedName {
    pub version: i64,
    /// The version's digits as written (diesel's dashes dropped): diesel orders its
    /// migrations by this text, so `2025-11-19-091444-0000` (18 digits) comes before
    /// `2026-01-20-162913` (14 digits) although it is the larger number.
    pub digits: String,
    pub name: String,
    pub style: VersionStyle,
}

/// How the version is written; two styles in one directory are a mixed layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VersionStyle {
    /// refinery / Flyway: `V3__add_users`.
    Prefixed,
    /// sqlx, dbmate, golang-migrate, diesel, Prisma: `0003_add_users`, `003-add-users`,
    /// `2017-03-18-181441_add_users` (diesel's dashes are dropped from the version).
    Numbered,
    /// procrastinate: `00.05.00_01_add_column`, each dotted part and the sequence
    /// number three decimal digits of the version.
    Dotted,
}

/// Why a name does not fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    NoVersion,
    VersionTooLarge,
}

/// Reads `V<n>__<name>`, `<digits>[_-]<name>`, diesel's `YYYY-MM-DD-HHMMSS_<name>` or
/// `<d>.<d>.<d>_<nn>_<name>` from a stem (the name without `.sql` / `.up.sql`).
pub fn parse_stem(stem: &str) -> Result<ParsedName, NameError> {
    if let Some(rest) = stem.strip_prefix('V').or_else(|| stem.strip_prefix('v')) {
        if let Some((digits, name)) = rest.split_once("__") {
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                return Ok(ParsedName {
                    version: digits_to_version(digits)?,
                    digits: digits.to_string(),
                    name: name.to_string(),
                    style: VersionStyle::Prefixed,
                });
            }
        }
    }
    if let Some(parsed) = parse_dotted(stem)? {
        return Ok(parsed);
    }
    parse_numbered(stem)
}

fn parse_numbered(stem: &str) -> Result<ParsedName, NameError> {
    // Diesel writes versions as `2017-03-18-181441`; its version is the digits with the
    // dashes removed, so such names sort among undashed ones.
    let bytes = stem.as_bytes();
    let mut end = 0;
    let mut digits = String::new();
    while end < bytes.len() {
        let b = bytes[end];
        if b.is_ascii_digit() {
            digits.push(b as char);
            end += 1;
        } else if b == b'-'
            && !digits.is_empty()
            && bytes.get(end + 1).is_some_and(u8::is_ascii_digit)
            && looks_like_dashed_timestamp(stem)
        {
            end += 1;
        } else {
            break;
        }
    }
    if digits.is_empty() {
        return Err(NameError::NoVersion);
    }
    let rest = &stem[end..];
    let name = match rest.chars().next() {
        None => String::new(),
        Some('_' | '-' | ' ' | '.') => rest[1..].to_string(),
        Some(_) => return Err(NameError::NoVersion),
    };
    Ok(ParsedName {
        version: digits_to_version(&digits)?,
        digits,
        name,
        style: VersionStyle::Numbered,
    })
}

/// `YYYY-MM-DD-HHMMSS` at the start of the name, as diesel writes it.
fn looks_like_dashed_timestamp(stem: &str) -> bool {
    let shape = b"dddd-dd-dd-dddddd";
    let bytes = stem.as_bytes();
    bytes.len() >= shape.len()
        && shape.iter().zip(bytes).all(|(s, b)| match s {
            b'd' => b.is_ascii_digit(),
            _ => b == s,
        })
}

/// `00.05.00_01_name`: dotted parts then a sequence number. Each part becomes three
/// decimal digits of the version, so `00.05.00_01` is 5_000_001 and 1.10 sorts after 1.9.
fn parse_dotted(stem: &str) -> Result<Option<ParsedName>, NameError> {
    let (head, rest) = match stem.split_once('_') {
        Some(split) => split,
        None => return Ok(None),
    };
    if !head.contains('.') {
        return Ok(None);
    }
    let parts: Vec<&str> = head.split('.').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Ok(None);
    }
    let (sequence, name) = match rest.split_once('_') {
        Some((seq, name)) if !seq.is_empty() && seq.bytes().all(|b| b.is_ascii_digit()) => {
            (Some(seq), name)
        }
        _ => (None, rest),
    };
    let mut version: i64 = 0;
    let components = parts.iter().copied().chain(sequence);
    let mut count = 0;
    for part in components {
        count += 1;
        let value: i64 = part.parse().map_err(|_| NameError::VersionTooLarge)?;
        if value > 999 || count > 6 {
            return Err(NameError::VersionTooLarge);
        }
        version = version * 1000 + value;
    }
    Ok(Some(ParsedName {
        version,
        digits: version.to_string(),
        name: name.to_string(),
        style: VersionStyle::Dotted,
    }))
}

fn digits_to_version(digits: &str) -> Result<i64, NameError> {
    digits.parse().map_err(|_| NameError::VersionTooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(stem: &str) -> i64 {
        match parse_stem(stem) {
            Ok(parsed) => parsed.version,
            Err(e) => panic!("{stem}: {e:?}"),
        }
    }

    #[test]
    fn reads_each_tools_versions() {
        assert_eq!(version("V3__add_users"), 3);
        assert_eq!(version("0003_add_users"), 3);
        assert_eq!(version("003-add-users"), 3);
        assert_eq!(version("20240101120000_add_users"), 20240101120000);
        assert_eq!(version("2017-03-18-181441_x"), 20170318181441);
        assert_eq!(version("2025-11-19-091444-0000_x"), 202511190914440000);
        assert_eq!(version("0_init"), 0);
        assert_eq!(version("00.05.00_01_drop_started_at_column"), 5_000_001);
        assert_eq!(version("03.00.00_50_post"), 3_000_000_050);
    }

    #[test]
    fn keeps_the_name() {
        let parsed = parse_stem("2017-03-18-181441_add crate owners").unwrap();
        assert_eq!(parsed.name, "add crate owners");
        assert_eq!(parse_stem("V1__init").unwrap().name, "init");
        assert_eq!(parse_stem("00.05.00_01_drop").unwrap().name, "drop");
    }

    #[test]
    fn dashed_digits_that_are_not_a_timestamp_end_the_version() {
        let parsed = parse_stem("003-add-users").unwrap();
        assert_eq!((parsed.version, parsed.name.as_str()), (3, "add-users"));
    }

    #[test]
    fn dotted_parts_sort_numerically() {
        assert!(version("1.9.0_01_a") < version("1.10.0_01_a"));
        assert!(version("1.10.0_01_a") < version("2.0.0_01_a"));
    }

    #[test]
    fn rejects_names_without_a_version() {
        assert_eq!(parse_stem("data_oauth_github"), Err(NameError::NoVersion));
        assert_eq!(parse_stem("README"), Err(NameError::NoVersion));
        assert_eq!(parse_stem("12abc"), Err(NameError::NoVersion));
        assert_eq!(
            parse_stem("99999999999999999999_x"),
            Err(NameError::VersionTooLarge)
        );
    }
}
