//! Names as Security Center keeps them.
//!
//! Security Center stores Unicode text, so names in any script (CJK, Hebrew, Arabic,
//! emoji, combining marks) travel as they are: the `q` builder escapes only the
//! language's own characters and percent-encodes the UTF-8 (`query.rs`).
//!
//! Length is another matter. ASSUMPTION: no limit on `Name`, `FirstName` or `LastName`
//! is documented (spec §11 lists no field lengths); Security Center keeps entities in
//! SQL Server, where text columns have a fixed maximum counted in UTF-16 code units. We
//! send at most [`MAX_UNITS`] of them per field, cut at a character boundary that never
//! separates a letter from its combining marks or an emoji sequence from its parts, and
//! report the cut as a warning of the outcome; Gatehouse keeps the full name.

/// The most UTF-16 code units sent for a visitor's or cardholder's name fields.
pub const MAX_UNITS: usize = 100;

/// `Name`, `FirstName` and `LastName` of a person, each fitted to [`MAX_UNITS`], and the
/// outcome warning when one had to be cut.
pub fn person_fields(first_name: &str, last_name: &str) -> (Vec<(&'static str, String)>, Option<String>) {
    let (first, last) = (first_name.trim(), last_name.trim());
    let full = format!("{first} {last}").trim().to_string();
    let mut cut = Vec::new();
    let fields = [("Name", full.as_str()), ("FirstName", first), ("LastName", last)]
        .into_iter()
        .map(|(property, value)| match fit(value, MAX_UNITS) {
            Some(shorter) => {
                cut.push(property);
                (property, shorter)
            }
            None => (property, value.to_string()),
        })
        .collect();
    let warning = (!cut.is_empty()).then(|| {
        format!(
            "The name is longer than the {MAX_UNITS} characters Gatehouse sends to Security Center, so its {} \
             there was shortened; Gatehouse keeps the full name.",
            cut.join(", ")
        )
    });
    (fields, warning)
}

/// `text` cut to `limit` UTF-16 code units; `None` when it fits as it is.
pub fn fit(text: &str, limit: usize) -> Option<String> {
    if text.encode_utf16().count() <= limit {
        return None;
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut end, mut units) = (0, 0);
    while end < chars.len() && units + chars[end].len_utf16() <= limit {
        units += chars[end].len_utf16();
        end += 1;
    }
    // Back off to the start of the cluster the cut falls in, so that it is dropped whole.
    while end > 0 && continues_cluster(&chars, end) {
        end -= 1;
    }
    Some(chars[..end].iter().collect::<String>().trim_end().to_string())
}

/// Whether `chars[at]` belongs to the same user-perceived character as `chars[at - 1]`.
///
/// An approximation of Unicode's grapheme rules without its tables: combining marks of
/// the common blocks (Latin, Hebrew, Arabic, Indic, kana voicing, symbols), joiners,
/// variation selectors, emoji modifiers and tags, and regional-indicator pairs (flags).
fn continues_cluster(chars: &[char], at: usize) -> bool {
    let (previous, current) = (chars[at - 1], chars[at]);
    if previous == '\u{200D}' || extends(current) {
        return true;
    }
    let regional = |c: char| ('\u{1F1E6}'..='\u{1F1FF}').contains(&c);
    if regional(previous) && regional(current) {
        // A flag is a pair: the cut splits one when an odd number of indicators precede it.
        let run = chars[..at].iter().rev().take_while(|c| regional(**c)).count();
        return run % 2 == 1;
    }
    false
}

fn extends(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' // combining diacritical marks (e + U+0301)
        | '\u{0483}'..='\u{0489}'
        | '\u{0591}'..='\u{05BD}' | '\u{05BF}' | '\u{05C1}'..='\u{05C2}' | '\u{05C4}'..='\u{05C5}' | '\u{05C7}'
        | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06DC}'
        | '\u{06DF}'..='\u{06E4}' | '\u{06E7}'..='\u{06E8}' | '\u{06EA}'..='\u{06ED}'
        | '\u{0900}'..='\u{0903}' | '\u{093A}'..='\u{094F}' | '\u{0951}'..='\u{0957}' | '\u{0962}'..='\u{0963}'
        | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{200C}'..='\u{200D}' | '\u{20D0}'..='\u{20FF}'
        | '\u{3099}'..='\u{309A}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{FE20}'..='\u{FE2F}'
        | '\u{1F3FB}'..='\u{1F3FF}' // emoji skin tones
        | '\u{E0020}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_fits_is_left_alone_in_any_script() {
        for name in ["李", "😀", "שלום", "مريم", "e\u{301}", &"a".repeat(MAX_UNITS)] {
            assert_eq!(fit(name, MAX_UNITS), None, "{name}");
        }
    }

    #[test]
    fn a_long_name_is_cut_to_the_limit_in_utf16_units() {
        let cut = fit(&"李".repeat(200), MAX_UNITS).unwrap();
        assert_eq!(cut.chars().count(), 100);
        // An emoji is two UTF-16 units: fifty of them fill the limit.
        let cut = fit(&"😀".repeat(200), MAX_UNITS).unwrap();
        assert_eq!((cut.chars().count(), cut.encode_utf16().count()), (50, 100));
        assert_eq!(fit(&format!("{}😀", "a".repeat(99)), MAX_UNITS).unwrap(), "a".repeat(99));
    }

    #[test]
    fn a_letter_is_never_separated_from_its_combining_marks_nor_an_emoji_sequence_from_its_parts() {
        let accents = "e\u{301}".repeat(60);
        let cut = fit(&accents, 101).unwrap();
        assert_eq!(cut, "e\u{301}".repeat(50));
        let family = "\u{1F468}\u{200D}\u{1F469}";
        let cut = fit(&format!("{}{family}", "a".repeat(98)), 100).unwrap();
        assert_eq!(cut, "a".repeat(98));
        let flags = "\u{1F1EB}\u{1F1F7}".repeat(30);
        assert_eq!(fit(&flags, 10).unwrap(), "\u{1F1EB}\u{1F1F7}".repeat(2));
        assert_eq!(fit("ab cd", 3).unwrap(), "ab");
    }
}
