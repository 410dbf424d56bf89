//! A visitor's photo, for the PACS record guards check at the door.
//!
//! Checked once, at intake: only PNG or JPEG, whose first bytes really are
//! one (a mislabelled or truncated upload never reaches a vendor), and at most
//! [`MAX_PHOTO_BYTES`]. It is personal data like the name next to it, so it
//! lives in the person's details and goes with them (retention, erasure).
//! Stored and sent as base64 in JSON; `Debug` prints the size, never the bytes.

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The largest photo accepted, decoded.
pub const MAX_PHOTO_BYTES: usize = 1024 * 1024;

/// The image types a photo may have, by their MIME names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum PhotoType {
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/jpeg")]
    Jpeg,
}

impl PhotoType {
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoType::Png => "image/png",
            PhotoType::Jpeg => "image/jpeg",
        }
    }

    /// The signature every file of the type starts with.
    fn magic(self) -> &'static [u8] {
        match self {
            PhotoType::Png => b"\x89PNG\r\n\x1a\n",
            PhotoType::Jpeg => b"\xff\xd8\xff",
        }
    }
}

/// Why a photo was refused at intake.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("the photo is empty")]
    Empty,
    #[error("the photo is {size} bytes; at most {MAX_PHOTO_BYTES} bytes (1 MiB) are accepted")]
    TooLarge { size: usize },
    #[error("the photo is labelled {} but its bytes are not that type of image", .0.as_str())]
    NotThatType(PhotoType),
}

/// An image file and its type; see the module docs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Photo {
    pub content_type: PhotoType,
    /// The image file, base64 in JSON.
    #[serde(serialize_with = "to_base64", deserialize_with = "from_base64")]
    #[schema(value_type = String, format = Byte)]
    pub data: Vec<u8>,
}

impl Photo {
    /// Checks size and signature; intake calls it before anything is stored.
    pub fn check(&self) -> Result<(), PhotoError> {
        if self.data.is_empty() {
            return Err(PhotoError::Empty);
        }
        if self.data.len() > MAX_PHOTO_BYTES {
            return Err(PhotoError::TooLarge { size: self.data.len() });
        }
        if !self.data.starts_with(self.content_type.magic()) {
            return Err(PhotoError::NotThatType(self.content_type));
        }
        Ok(())
    }
}

impl fmt::Debug for Photo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Photo").field("content_type", &self.content_type).field("bytes", &self.data.len()).finish()
    }
}

fn to_base64<S: Serializer>(data: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(data))
}

fn from_base64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    let text = String::deserialize(deserializer)?;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| serde::de::Error::custom(format!("`data` is not base64: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    fn photo(content_type: PhotoType, data: &[u8]) -> Photo {
        Photo { content_type, data: data.to_vec() }
    }

    #[test]
    fn a_png_whose_bytes_are_a_png_passes() {
        assert_eq!(photo(PhotoType::Png, PNG).check(), Ok(()));
        assert_eq!(photo(PhotoType::Jpeg, b"\xff\xd8\xff\xe0\0\x10JFIF").check(), Ok(()));
    }

    #[test]
    fn a_label_that_does_not_match_the_bytes_is_refused() {
        assert_eq!(photo(PhotoType::Jpeg, PNG).check(), Err(PhotoError::NotThatType(PhotoType::Jpeg)));
        assert_eq!(photo(PhotoType::Png, b"GIF89a").check(), Err(PhotoError::NotThatType(PhotoType::Png)));
    }

    #[test]
    fn more_than_one_mebibyte_or_nothing_is_refused() {
        let mut big = PNG.to_vec();
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        assert_eq!(photo(PhotoType::Png, &big).check(), Err(PhotoError::TooLarge { size: MAX_PHOTO_BYTES + 1 }));
        big.truncate(MAX_PHOTO_BYTES);
        assert_eq!(photo(PhotoType::Png, &big).check(), Ok(()));
        assert_eq!(photo(PhotoType::Png, b"").check(), Err(PhotoError::Empty));
    }

    #[test]
    fn json_carries_the_bytes_as_base64_and_only_the_two_types() {
        let json = serde_json::json!({"content_type": "image/png", "data": "iVBORw0KGgo="});
        let parsed: Photo = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(parsed.data, b"\x89PNG\r\n\x1a\n");
        assert_eq!(serde_json::to_value(&parsed).unwrap(), json);
        assert!(format!("{parsed:?}").contains("bytes: 8"));
        let gif = serde_json::json!({"content_type": "image/gif", "data": "R0lGODlh"});
        assert!(serde_json::from_value::<Photo>(gif).is_err());
        let garbled = serde_json::json!({"content_type": "image/png", "data": "not base64!"});
        assert!(serde_json::from_value::<Photo>(garbled).is_err());
    }
}
