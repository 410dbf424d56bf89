//! The QR code of a card, as PNG.

use crate::domain::CardCredential;
use image::{ImageFormat, Luma};
use qrcode::QrCode;
use std::io::Cursor;

/// Renders the card number as a QR code (PNG, at least 256×256 pixels).
// ASSUMPTION: readers decode the decimal card number (seed item 40: "QR code generated from the card number").
pub fn card_qr_png(card: &CardCredential) -> Result<Vec<u8>, String> {
    let code = QrCode::new(card.card_number.to_string().as_bytes()).map_err(|e| format!("QR encoding failed: {e}"))?;
    let image = code.render::<Luma<u8>>().min_dimensions(256, 256).build();
    let mut png = Vec::new();
    image.write_to(&mut Cursor::new(&mut png), ImageFormat::Png).map_err(|e| format!("PNG encoding failed: {e}"))?;
    Ok(png)
}
