//! A bounds-checked cursor over a received message, with the primitive encodings MS-TDS uses
//! (little-endian integers, UTF-16LE strings with byte or word length prefixes).

use super::ProtocolError;

pub struct WireReader<'a> {
    data: &'a [u8],
    pos: usize,
    /// Names the structure being read, for error messages.
    what: &'static str,
}

impl<'a> WireReader<'a> {
    pub fn new(data: &'a [u8], what: &'static str) -> Self {
        WireReader { data, pos: 0, what }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], ProtocolError> {
        if self.remaining() < n {
            return Err(ProtocolError::new(format!(
                "{}: needed {n} bytes at offset {}, only {} left",
                self.what,
                self.pos,
                self.remaining()
            )));
        }
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub fn skip(&mut self, n: usize) -> Result<(), ProtocolError> {
        self.bytes(n).map(|_| ())
    }

    pub fn u8(&mut self) -> Result<u8, ProtocolError> {
        Ok(self.bytes(1)?[0])
    }

    pub fn u16_le(&mut self) -> Result<u16, ProtocolError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    pub fn u32_le(&mut self) -> Result<u32, ProtocolError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub fn u64_le(&mut self) -> Result<u64, ProtocolError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], ProtocolError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    /// `chars` UTF-16LE code units.
    pub fn utf16(&mut self, chars: usize) -> Result<String, ProtocolError> {
        let raw = self.bytes(chars * 2)?;
        decode_utf16(raw).map_err(|_| ProtocolError::new(format!("{}: invalid UTF-16 text", self.what)))
    }

    /// B_VARCHAR: a one-byte character count, then UTF-16LE.
    pub fn b_varchar(&mut self) -> Result<String, ProtocolError> {
        let chars = self.u8()? as usize;
        self.utf16(chars)
    }

    /// US_VARCHAR: a two-byte character count, then UTF-16LE.
    pub fn us_varchar(&mut self) -> Result<String, ProtocolError> {
        let chars = self.u16_le()? as usize;
        self.utf16(chars)
    }
}

pub fn decode_utf16(raw: &[u8]) -> Result<String, std::string::FromUtf16Error> {
    let units: Vec<u16> = raw.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    String::from_utf16(&units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_length_prefixed_utf16_and_refuses_to_overrun() {
        let data = [2u8, b'h', 0, b'i', 0, 7];
        let mut r = WireReader::new(&data, "test");
        assert_eq!(r.b_varchar().unwrap(), "hi");
        assert_eq!(r.u8().unwrap(), 7);
        assert!(r.u16_le().is_err());
    }
}
