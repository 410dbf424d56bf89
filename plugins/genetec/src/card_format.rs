//! Card formats Security Center decodes natively, with their number ranges.
//!
//! The ranges are Genetec's ("About credentials", spec §5.3 [C S4]); the set-up form
//! validates the install's facility code and card range against them, so a range the
//! format cannot hold is refused before the first visitor arrives instead of failing at
//! the door.

use serde::Deserialize;

use crate::query::Value;

/// The configuration names are the `id`s of [`FORMATS`] (what the set-up picker offers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum CardFormat {
    /// Wiegand Standard 26-bit, Envoy's example format (seed A6 item 42).
    #[default]
    #[serde(rename = "wiegand-standard-26")]
    WiegandStandard26,
    #[serde(rename = "hid-h10306-34")]
    HidH10306_34,
    #[serde(rename = "hid-h10302-37")]
    HidH10302_37,
    #[serde(rename = "hid-h10304-37")]
    HidH10304_37,
    #[serde(rename = "hid-corporate-1000-35")]
    HidCorporate1000_35,
    #[serde(rename = "hid-corporate-1000-48")]
    HidCorporate1000_48,
    #[serde(rename = "csn-32")]
    Csn32,
}

/// What a format can encode.
pub struct FormatSpec {
    pub format: CardFormat,
    /// The id the install configuration and the outcome use.
    pub id: &'static str,
    /// Security Center's display name.
    pub label: &'static str,
    /// The Web SDK format constructor.
    ///
    /// ASSUMPTION: only `WiegandStandardCredentialFormat(fc,card)` is named (spec §6
    /// OP9, from the Platform SDK class); the others follow the Platform SDK class names
    /// the same way [I].
    constructor: &'static str,
    /// `None` for formats without a facility code.
    pub facility_max: Option<u32>,
    pub card_max: u64,
}

const FORMATS: [FormatSpec; 7] = [
    FormatSpec {
        format: CardFormat::WiegandStandard26,
        id: "wiegand-standard-26",
        label: "Standard 26 bits",
        constructor: "WiegandStandardCredentialFormat",
        facility_max: Some(255),
        card_max: 65_535,
    },
    FormatSpec {
        format: CardFormat::HidH10306_34,
        id: "hid-h10306-34",
        label: "HID H10306 34 bits",
        constructor: "WiegandH10306CredentialFormat",
        facility_max: Some(65_535),
        card_max: 65_535,
    },
    FormatSpec {
        format: CardFormat::HidH10302_37,
        id: "hid-h10302-37",
        label: "HID H10302 37 bits",
        constructor: "WiegandH10302CredentialFormat",
        facility_max: None,
        card_max: 34_359_738_367,
    },
    FormatSpec {
        format: CardFormat::HidH10304_37,
        id: "hid-h10304-37",
        label: "HID H10304 37 bits",
        constructor: "WiegandH10304CredentialFormat",
        facility_max: Some(65_535),
        card_max: 524_287,
    },
    FormatSpec {
        format: CardFormat::HidCorporate1000_35,
        id: "hid-corporate-1000-35",
        label: "HID Corporate 1000 35 bits",
        constructor: "WiegandCorporate1000CredentialFormat",
        facility_max: Some(4_095),
        card_max: 1_048_575,
    },
    FormatSpec {
        format: CardFormat::HidCorporate1000_48,
        id: "hid-corporate-1000-48",
        label: "HID Corporate 1000 48 bits",
        constructor: "Wiegand48BitCorporate1000CredentialFormat",
        facility_max: Some(4_194_303),
        card_max: 8_388_607,
    },
    FormatSpec {
        format: CardFormat::Csn32,
        id: "csn-32",
        label: "CSN 32 bits",
        constructor: "WiegandCsn32CredentialFormat",
        facility_max: None,
        card_max: 0xFFFF_FFFF,
    },
];

impl CardFormat {
    pub fn all() -> &'static [FormatSpec] {
        &FORMATS
    }

    pub fn spec(self) -> &'static FormatSpec {
        FORMATS.iter().find(|s| s.format == self).expect("every format has a spec")
    }

    /// The `Format=` constructor for one card (`UniqueIds@` uses the same expression).
    pub fn constructor(self, facility_code: u32, card_number: u64) -> Value {
        let spec = self.spec();
        match spec.facility_max {
            Some(_) => {
                Value::call(spec.constructor, &[Value::number(facility_code.into()), Value::number(card_number)])
            }
            None => Value::call(spec.constructor, &[Value::number(card_number)]),
        }
    }

    /// Checks a facility code and card range against the format, in words for the
    /// set-up form.
    pub fn check_range(self, facility_code: u32, min: u64, max: u64) -> Result<(), String> {
        let spec = self.spec();
        match spec.facility_max {
            Some(limit) if facility_code > limit => {
                return Err(format!("facility code {facility_code} is outside 0–{limit}, the range of {}", spec.label));
            }
            None if facility_code != 0 => {
                return Err(format!("{} has no facility code; leave it at 0", spec.label));
            }
            _ => {}
        }
        if min > max {
            return Err(format!("the minimum card number {min} is greater than the maximum {max}"));
        }
        if max > spec.card_max {
            return Err(format!("card number {max} is outside 0–{}, the range of {}", spec.card_max, spec.label));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_is_configured_by_the_id_the_picker_offers() {
        for spec in &FORMATS {
            let parsed: CardFormat = serde_json::from_value(serde_json::json!(spec.id)).unwrap();
            assert_eq!(parsed, spec.format, "{}", spec.id);
        }
    }

    #[test]
    fn wiegand_26_allows_facility_codes_to_255_and_cards_to_65535() {
        let format = CardFormat::WiegandStandard26;
        assert_eq!(format.check_range(255, 0, 65_535), Ok(()));
        assert!(format.check_range(256, 0, 10).unwrap_err().contains("0–255"));
        assert!(format.check_range(1, 0, 65_536).unwrap_err().contains("0–65535"));
        assert!(format.check_range(1, 10, 9).unwrap_err().contains("greater"));
    }

    #[test]
    fn formats_without_facility_code_refuse_one() {
        assert!(CardFormat::Csn32.check_range(5, 0, 10).is_err());
        assert_eq!(CardFormat::Csn32.check_range(0, 0, 0xFFFF_FFFF), Ok(()));
    }

    #[test]
    fn constructors_take_the_facility_code_only_when_the_format_has_one() {
        assert_eq!(
            CardFormat::WiegandStandard26.constructor(101, 12345).as_str(),
            "WiegandStandardCredentialFormat(101,12345)"
        );
        assert_eq!(CardFormat::Csn32.constructor(0, 77).as_str(), "WiegandCsn32CredentialFormat(77)");
    }
}
