//! Text as Symmetry keeps it. Names and personal data fields are `varchar` columns in code page
//! 1252 (Windows Latin 1), so what multiMAX gives back is not always what was written: a
//! character outside the code page becomes `?`, and a value is cut to its column's length.
//!
//! Everything the connector writes is first fitted to its column ([`fit`]), and what it reads
//! back is compared with the *stored form* of what it wrote ([`stores_as`]), never with the
//! original: a name Symmetry cannot spell is provisioned all the same, and the loss is reported
//! to the operator in plain words ([`loss`]) instead of failing the job.

// ASSUMPTION: names are varchar(40) and personal data fields varchar(60), as integrators' staging
// variables suggest; values are cut to fit so that what we verify is what Symmetry stores.
pub const NAME_LENGTH: usize = 40;
pub const PERSONAL_DATA_LENGTH: usize = 60;

/// The characters of code page 1252 that Latin 1 (U+0000-U+00FF) does not have: bytes 0x80-0x9F.
const CP1252_EXTRA: [char; 27] = [
    '€', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 'Ž', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š',
    '›', 'œ', 'ž', 'Ÿ',
];

/// Whether code page 1252 holds `c`.
// ASSUMPTION: the five bytes code page 1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) hold the
// C1 controls of the same number, as Windows' conversion tables and the WHATWG encoding (the
// simulator's) have it; every other character of U+0080-U+009F is outside the code page.
pub fn in_code_page_1252(c: char) -> bool {
    let code = u32::from(c);
    code < 0x80
        || (0xA0..=0xFF).contains(&code)
        || matches!(code, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D)
        || CP1252_EXTRA.contains(&c)
}

/// How many characters `c` takes in a varchar column: one, or one `?` per UTF-16 code unit of a
/// character the code page lacks (SQL Server converts nvarchar to varchar unit by unit, so an
/// emoji, a surrogate pair, becomes `??`).
fn width(c: char) -> usize {
    if in_code_page_1252(c) {
        1
    } else {
        c.len_utf16()
    }
}

/// What a varchar column in code page 1252 keeps of `text`.
// ASSUMPTION: SQL Server replaces an unmappable character by '?' (one per UTF-16 code unit) and
// applies no best-fit mapping; [`stores_as`] tolerates a best-fit character where a '?' is expected.
pub fn stored_form(text: &str) -> String {
    let mut stored = String::with_capacity(text.len());
    for c in text.chars() {
        if in_code_page_1252(c) {
            stored.push(c);
        } else {
            stored.extend(std::iter::repeat_n('?', c.len_utf16()));
        }
    }
    stored
}

/// The longest start of `text` whose stored form fits `length` characters, so the column never
/// has to truncate (SQL Server refuses that with error 2628).
pub fn fit(text: &str, length: usize) -> &str {
    let mut used = 0;
    for (at, c) in text.char_indices() {
        used += width(c);
        if used > length {
            return &text[..at];
        }
    }
    text
}

/// Whether `read` (a value multiMAX shows) is what Symmetry keeps of `written`: equal to its stored
/// form, trimmed and case-insensitively (the databases' CI collation), where a `?` of the stored
/// form may have become any one character.
pub fn stores_as(read: &str, written: &str) -> bool {
    let expected = stored_form(written.trim());
    let (mut expected, mut read) = (expected.chars(), read.trim().chars());
    loop {
        match (expected.next(), read.next()) {
            (None, None) => return true,
            (Some('?'), Some(_)) => {}
            (Some(e), Some(r)) if e == r || e.to_lowercase().eq(r.to_lowercase()) => {}
            _ => return false,
        }
    }
}

/// What an operator should know about how Symmetry keeps `original` (already trimmed) in a
/// column of `length` characters: `what` names the value ("the last name"), `kind` the column
/// group ("names", "personal data"), and `read` is the value multiMAX shows, when known.
pub fn loss(what: &str, kind: &str, original: &str, length: usize, read: Option<&str>) -> Vec<String> {
    let mut warnings = Vec::new();
    let kept = fit(original, length);
    if kept.len() < original.len() {
        warnings.push(format!(
            "{what} is too long for Symmetry, which keeps {length} characters of it, so it is cut to \"{kept}\""
        ));
    }
    let expected = stored_form(kept);
    if expected != kept {
        let stored = read.map(str::trim).filter(|read| stores_as(read, kept)).unwrap_or(&expected);
        let mut missing: Vec<char> = Vec::new();
        for c in kept.chars().filter(|c| !in_code_page_1252(*c)) {
            if !missing.contains(&c) {
                missing.push(c);
            }
        }
        let mut listed: Vec<String> =
            missing.iter().take(5).map(|c| format!("\"{c}\" (U+{:04X})", u32::from(*c))).collect();
        if missing.len() > 5 {
            listed.push(format!("{} more", missing.len() - 5));
        }
        warnings.push(format!(
            "{what} \"{kept}\" is stored as \"{stored}\" because Symmetry keeps {kind} in code page 1252, which has no {}",
            listed.join(", ")
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_outside_code_page_1252_are_stored_as_one_question_mark_per_utf16_unit() {
        assert_eq!(stored_form("Zoë Ñúñez €5 “quoted” Œuvre"), "Zoë Ñúñez €5 “quoted” Œuvre");
        assert_eq!(stored_form("李"), "?");
        assert_eq!(stored_form("😀"), "??");
        assert_eq!(stored_form("שלום"), "????");
        assert_eq!(stored_form("مريم"), "????");
        assert_eq!(stored_form("e\u{301}"), "e?");
        assert_eq!(stored_form("\u{80}\u{81}"), "?\u{81}");
    }

    #[test]
    fn fitting_counts_what_the_column_stores() {
        assert_eq!(fit("Lovelace", 40), "Lovelace");
        assert_eq!(fit(&"a".repeat(200), 40).len(), 40);
        // Each emoji takes two characters of the column.
        assert_eq!(fit(&"😀".repeat(30), 40).chars().count(), 20);
        assert_eq!(fit("ab😀", 3), "ab");
    }

    #[test]
    fn a_read_back_compares_with_the_stored_form_of_what_was_written() {
        assert!(stores_as("?", "李"));
        assert!(stores_as("??", "😀"));
        assert!(stores_as(" LOVELACE ", "Lovelace"));
        assert!(stores_as("ZOË", "zoë"));
        assert!(stores_as("L", "Ł"), "a best-fit character where the stored form has '?'");
        assert!(!stores_as("?", "😀"));
        assert!(!stores_as("Babbage", "Lovelace"));
        assert!(!stores_as("Love", "Lovelace"));
    }

    #[test]
    fn losses_are_described_in_plain_words() {
        assert!(loss("the last name", "names", "Lovelace", 40, None).is_empty());
        let lossy = loss("the last name", "names", "李", 40, Some("?"));
        assert_eq!(lossy.len(), 1);
        assert!(
            lossy[0]
                .starts_with("the last name \"李\" is stored as \"?\" because Symmetry keeps names in code page 1252"),
            "{lossy:?}"
        );
        assert!(lossy[0].contains("U+674E"), "{lossy:?}");
        let long = loss("the last name", "names", &"x".repeat(200), 40, None);
        assert_eq!(long.len(), 1);
        assert!(long[0].contains("cut to") && long[0].contains(&"x".repeat(40)), "{long:?}");
        assert_eq!(loss("the last name", "names", &"😀".repeat(30), 40, None).len(), 2);
    }
}
