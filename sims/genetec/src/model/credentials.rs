//! Credential formats: parsing both creation forms, range checks, the raw Wiegand
//! bit layout, and the key that makes a credential unique.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::query::{parse_guid, Value};

/// The card formats with native ranges (spec §5.3, "About credentials").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum WiegandFormat {
    Standard26,
    H10306,
    H10302,
    H10304,
    Corporate1000,
    Corporate1000_48,
    Csn32,
}

struct FormatSpec {
    format: WiegandFormat,
    /// ASSUMPTION: Web SDK constructor names follow the Platform SDK class names;
    /// only `WiegandStandardCredentialFormat` is named by the spec, itself [I].
    constructor: &'static str,
    display_name: &'static str,
    /// ASSUMPTION: only …0200, …0400, …0700 and …0800 are attested; the rest are
    /// placeholders in the same series [I].
    format_guid: u128,
    bits: u32,
    facility_max: Option<u32>,
    card_max: u64,
}

const FORMATS: [FormatSpec; 7] = [
    FormatSpec {
        format: WiegandFormat::Standard26,
        constructor: "WiegandStandardCredentialFormat",
        display_name: "Standard 26 bits",
        format_guid: 0x200,
        bits: 26,
        facility_max: Some(255),
        card_max: 65_535,
    },
    FormatSpec {
        format: WiegandFormat::H10306,
        constructor: "WiegandH10306CredentialFormat",
        display_name: "HID H10306 34 bits",
        format_guid: 0x300,
        bits: 34,
        facility_max: Some(65_535),
        card_max: 65_535,
    },
    FormatSpec {
        format: WiegandFormat::H10302,
        constructor: "WiegandH10302CredentialFormat",
        display_name: "HID H10302 37 bits",
        format_guid: 0x400,
        bits: 37,
        facility_max: None,
        card_max: 34_359_738_367,
    },
    FormatSpec {
        format: WiegandFormat::H10304,
        constructor: "WiegandH10304CredentialFormat",
        display_name: "HID H10304 37 bits",
        format_guid: 0x500,
        bits: 37,
        facility_max: Some(65_535),
        card_max: 524_287,
    },
    FormatSpec {
        format: WiegandFormat::Corporate1000,
        constructor: "WiegandCorporate1000CredentialFormat",
        display_name: "HID Corporate 1000 35 bits",
        format_guid: 0x600,
        bits: 35,
        facility_max: Some(4_095),
        card_max: 1_048_575,
    },
    FormatSpec {
        format: WiegandFormat::Corporate1000_48,
        constructor: "Wiegand48BitCorporate1000CredentialFormat",
        display_name: "HID Corporate 1000 48 bits",
        format_guid: 0x800,
        bits: 48,
        facility_max: Some(4_194_303),
        card_max: 8_388_607,
    },
    FormatSpec {
        format: WiegandFormat::Csn32,
        constructor: "WiegandCsn32CredentialFormat",
        display_name: "CSN 32 bits",
        format_guid: 0x700,
        bits: 32,
        facility_max: None,
        card_max: 0xFFFF_FFFF,
    },
];

fn spec(format: WiegandFormat) -> &'static FormatSpec {
    FORMATS.iter().find(|s| s.format == format).unwrap_or(&FORMATS[0])
}

/// PIN length limits: the Web SDK enforces at most 16 digits and the system's
/// configured minimum (spec §5.3).
pub const PIN_MAX_DIGITS: usize = 16;

/// A decoded credential format: what makes a card number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum CredentialFormat {
    Wiegand {
        format: WiegandFormat,
        #[serde(default)]
        facility: u32,
        card: u64,
    },
    Keypad {
        pin: String,
    },
    LicensePlate {
        plate: String,
    },
}

/// ASSUMPTION: credentials are unique per format and number (spec §10.7 [I]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UniqueKey {
    Wiegand(WiegandFormat, u32, u64),
    Keypad(String),
    LicensePlate(String),
}

/// Why a format expression was refused; the message goes into a `Fail` envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FormatError(pub String);

fn fail<T>(message: impl Into<String>) -> Result<T, FormatError> {
    Err(FormatError(message.into()))
}

impl CredentialFormat {
    /// Parses `Format=` values: a constructor call or the raw `<UndecodedWiegand>` XML.
    pub fn parse(value: &Value, min_pin_digits: usize) -> Result<CredentialFormat, FormatError> {
        let text = value.to_text();
        if text.trim_start().starts_with("<UndecodedWiegand>") {
            return parse_undecoded_wiegand(&text);
        }
        let Value::Call { name, args, .. } = value else {
            return fail(format!("'{text}' is not a credential format"));
        };
        let args: Vec<String> = args.iter().map(|a| a.to_text().trim().to_string()).collect();
        if name.eq_ignore_ascii_case("KeypadCredentialFormat") {
            let [pin] = &args[..] else {
                return fail("KeypadCredentialFormat takes one PIN");
            };
            return keypad(pin, min_pin_digits);
        }
        if name.eq_ignore_ascii_case("LicensePlateCredentialFormat") {
            let [plate] = &args[..] else {
                return fail("LicensePlateCredentialFormat takes one plate");
            };
            if plate.is_empty() {
                return fail("A license plate cannot be empty");
            }
            return Ok(CredentialFormat::LicensePlate { plate: plate.clone() });
        }
        let Some(spec) = FORMATS.iter().find(|s| s.constructor.eq_ignore_ascii_case(name)) else {
            return fail(format!("Unknown credential format '{name}'"));
        };
        let numbers: Vec<u64> = args
            .iter()
            .map(|a| a.parse::<u64>().map_err(|_| FormatError(format!("'{a}' is not a number"))))
            .collect::<Result<_, _>>()?;
        let (facility, card) = match (spec.facility_max, &numbers[..]) {
            (Some(_), [facility, card]) => (*facility, *card),
            (None, [card]) => (0, *card),
            (Some(_), _) => return fail(format!("{} takes a facility code and a card number", spec.constructor)),
            (None, _) => return fail(format!("{} takes a card number", spec.constructor)),
        };
        wiegand(spec.format, facility, card)
    }

    /// Checks ranges; the canonical constructor for fixtures and state files.
    pub fn validate(&self, min_pin_digits: usize) -> Result<(), FormatError> {
        match self {
            CredentialFormat::Wiegand { format, facility, card } => {
                wiegand(*format, u64::from(*facility), *card).map(|_| ())
            }
            CredentialFormat::Keypad { pin } => keypad(pin, min_pin_digits).map(|_| ()),
            CredentialFormat::LicensePlate { plate } if plate.is_empty() => fail("A license plate cannot be empty"),
            CredentialFormat::LicensePlate { .. } => Ok(()),
        }
    }

    pub fn unique_key(&self) -> UniqueKey {
        match self {
            CredentialFormat::Wiegand { format, facility, card } => UniqueKey::Wiegand(*format, *facility, *card),
            CredentialFormat::Keypad { pin } => UniqueKey::Keypad(pin.clone()),
            // ASSUMPTION: plates compare case-insensitively [I].
            CredentialFormat::LicensePlate { plate } => UniqueKey::LicensePlate(plate.to_uppercase()),
        }
    }

    /// The `UniqueId` text.
    ///
    /// ASSUMPTION: a plate's UniqueId is the plate (guide example `UniqueIds@JXB443`),
    /// a PIN's is its digits, and a card's is its constructor expression, e.g.
    /// `WiegandStandardCredentialFormat(101,12345)` [I].
    pub fn unique_id(&self) -> String {
        match self {
            CredentialFormat::Wiegand { format, facility, card } => {
                let spec = spec(*format);
                match spec.facility_max {
                    Some(_) => format!("{}({facility},{card})", spec.constructor),
                    None => format!("{}({card})", spec.constructor),
                }
            }
            CredentialFormat::Keypad { pin } => pin.clone(),
            CredentialFormat::LicensePlate { plate } => plate.clone(),
        }
    }

    /// The `Format` object of a credential read (legacy field names, spec §5.3).
    pub fn to_json(&self) -> serde_json::Value {
        let (name, format_id, bits, raw, card_id, facility, kind) = match self {
            CredentialFormat::Wiegand { format, facility, card } => {
                let spec = spec(*format);
                let raw = (*format == WiegandFormat::Standard26).then(|| standard26_raw_hex(*facility, *card));
                (
                    spec.display_name,
                    Uuid::from_u128(spec.format_guid),
                    Some(spec.bits),
                    raw,
                    card.to_string(),
                    spec.facility_max.map(|_| *facility),
                    "UndecodedWiegand",
                )
            }
            CredentialFormat::Keypad { pin } => ("Keypad", Uuid::nil(), None, None, pin.clone(), None, "Keypad"),
            CredentialFormat::LicensePlate { plate } => {
                ("License plate", Uuid::nil(), None, None, plate.clone(), None, "LicensePlate")
            }
        };
        serde_json::json!({
            "Name": name,
            "FormatId": format_id.to_string(),
            "BitLength": bits,
            "RawData": raw,
            "UniqueId": self.unique_id(),
            "CardId": card_id,
            "FacilityCode": facility,
            "IsCustomFormat": false,
            "Type": kind,
        })
    }
}

fn keypad(pin: &str, min_pin_digits: usize) -> Result<CredentialFormat, FormatError> {
    if pin.is_empty() || !pin.chars().all(|c| c.is_ascii_digit()) {
        return fail(format!("PIN '{pin}' must contain digits only"));
    }
    if pin.len() > PIN_MAX_DIGITS || pin.len() < min_pin_digits {
        return fail(format!("A PIN must have between {min_pin_digits} and {PIN_MAX_DIGITS} digits"));
    }
    Ok(CredentialFormat::Keypad { pin: pin.to_string() })
}

fn wiegand(format: WiegandFormat, facility: u64, card: u64) -> Result<CredentialFormat, FormatError> {
    let spec = spec(format);
    if let Some(max) = spec.facility_max {
        if facility > u64::from(max) {
            return fail(format!("Facility code {facility} is out of range for {} (0-{max})", spec.display_name));
        }
    }
    if card > spec.card_max {
        return fail(format!("Card number {card} is out of range for {} (0-{})", spec.display_name, spec.card_max));
    }
    Ok(CredentialFormat::Wiegand { format, facility: facility as u32, card })
}

/// Decodes `<UndecodedWiegand><BitLength>26</BitLength><FormatType>…0200</FormatType><Raw>hex</Raw>`.
///
/// ASSUMPTION: only the Standard 26-bit layout (…0200) is decoded; other format
/// types are refused rather than stored undecoded [I].
fn parse_undecoded_wiegand(xml: &str) -> Result<CredentialFormat, FormatError> {
    let field = |tag: &str| -> Result<String, FormatError> {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        let start = xml.find(&open).map(|i| i + open.len());
        let end = xml.find(&close);
        match (start, end) {
            (Some(start), Some(end)) if start <= end => Ok(xml[start..end].trim().to_string()),
            _ => fail(format!("UndecodedWiegand is missing <{tag}>")),
        }
    };
    let bits: u32 = field("BitLength")?.parse().map_err(|_| FormatError("BitLength is not a number".into()))?;
    let format_type = field("FormatType")?;
    let raw = field("Raw")?;
    if parse_guid(&format_type) != Some(Uuid::from_u128(0x200)) || bits != 26 {
        return fail(format!("Undecoded Wiegand format {format_type} with {bits} bits is not supported"));
    }
    let value = u128::from_str_radix(&raw, 16).map_err(|_| FormatError(format!("Raw '{raw}' is not hexadecimal")))?;
    if raw.len() > 32 || value >> 26 != 0 {
        return fail(format!("Raw '{raw}' has more than 26 bits"));
    }
    let bits = value as u32;
    let facility = (bits >> 17) & 0xFF;
    let card = (bits >> 1) & 0xFFFF;
    if standard26_bits(facility, u64::from(card)) != bits {
        return fail(format!("Raw '{raw}' fails the Wiegand 26-bit parity check"));
    }
    wiegand(WiegandFormat::Standard26, u64::from(facility), u64::from(card))
}

/// Even parity over the first 12 data bits, FC (8), card (16), odd parity over the last 12.
fn standard26_bits(facility: u32, card: u64) -> u32 {
    let data = ((facility & 0xFF) << 16) | (card as u32 & 0xFFFF);
    let even = (data >> 12).count_ones() % 2;
    let odd = 1 - (data & 0xFFF).count_ones() % 2;
    (even << 25) | (data << 1) | odd
}

/// The raw 26 bits as hex, left-padded to 32 characters (as S10 sends them).
pub fn standard26_raw_hex(facility: u32, card: u64) -> String {
    format!("{:032X}", standard26_bits(facility, card))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse_ops;
    use crate::query::OpKind;

    fn format_value(q: &str) -> Value {
        match parse_ops(q).unwrap().remove(0).kind {
            OpKind::Set(_, value) => value,
            other => panic!("{other:?}"),
        }
    }

    fn parse(q: &str) -> Result<CredentialFormat, FormatError> {
        CredentialFormat::parse(&format_value(q), 4)
    }

    #[test]
    fn wiegand_26_constructor_accepts_the_full_range() {
        assert!(parse("Format=WiegandStandardCredentialFormat(255,65535)").is_ok());
        assert!(parse("Format=WiegandStandardCredentialFormat(0,0)").is_ok());
        assert!(parse("Format=WiegandStandardCredentialFormat(256,1)").is_err());
        assert!(parse("Format=WiegandStandardCredentialFormat(1,65536)").is_err());
    }

    #[test]
    fn raw_form_decodes_to_the_same_card_as_the_constructor() {
        let raw = standard26_raw_hex(101, 12345);
        let xml = format!("Format=<UndecodedWiegand><BitLength>26</BitLength><FormatType>00000000-0000-0000-0000-000000000200</FormatType><Raw>{raw}</Raw></UndecodedWiegand>");
        assert_eq!(parse(&xml).unwrap(), parse("Format=WiegandStandardCredentialFormat(101,12345)").unwrap());
    }

    #[test]
    fn raw_form_with_a_wrong_parity_bit_is_refused() {
        let good = u32::from_str_radix(&standard26_raw_hex(101, 12345), 16).unwrap();
        let bad = format!("{:032X}", good ^ 1);
        let xml = format!("Format=<UndecodedWiegand><BitLength>26</BitLength><FormatType>00000000-0000-0000-0000-000000000200</FormatType><Raw>{bad}</Raw></UndecodedWiegand>");
        assert!(parse(&xml).unwrap_err().0.contains("parity"));
    }

    #[test]
    fn pins_respect_the_minimum_and_sixteen_digit_maximum() {
        assert!(parse("Format=KeypadCredentialFormat(4821)").is_ok());
        assert!(parse("Format=KeypadCredentialFormat(482)").is_err());
        assert!(parse("Format=KeypadCredentialFormat(12345678901234567)").is_err());
        assert!(parse("Format=KeypadCredentialFormat(12a4)").is_err());
    }

    #[test]
    fn csn_takes_only_a_card_number() {
        assert!(parse("Format=WiegandCsn32CredentialFormat(4294967295)").is_ok());
        assert!(parse("Format=WiegandCsn32CredentialFormat(1,2)").is_err());
    }
}
