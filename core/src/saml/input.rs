//! The SAMLResponse as received: the base64 form value of the HTTP-POST binding (line breaks
//! tolerated) or raw XML, autodetected, size-capped before and after decoding.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::error::SamlError;
use crate::error::ErrorCode;

fn too_large(len: usize, max: usize) -> SamlError {
    SamlError::new(ErrorCode::SamlInputTooLarge, format!("the SAML message is {len} bytes; the limit is {max}"))
}

/// Whether `bytes` holds any of the ASCII white space base64 form values may be broken with
/// (memchr's vectorized searches: the form value is most of a request's bytes).
fn has_ascii_whitespace(bytes: &[u8]) -> bool {
    memchr::memchr3(b' ', b'\n', b'\r', bytes).is_some() || memchr::memchr2(b'\t', b'\x0c', bytes).is_some()
}

/// Decode `input` to XML text of at most `max_bytes` bytes.
pub(crate) fn decode(input: &[u8], max_bytes: usize) -> Result<String, SamlError> {
    let trimmed = input.trim_ascii();
    let trimmed = trimmed.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(trimmed);
    let xml = if trimmed.first() == Some(&b'<') {
        if trimmed.len() > max_bytes {
            return Err(too_large(trimmed.len(), max_bytes));
        }
        trimmed.to_vec()
    } else {
        // base64 is 4/3 of the decoded size; refuse before decoding anything larger.
        let encoded_max = max_bytes / 3 * 4 + 4;
        let compact: std::borrow::Cow<'_, [u8]> = if has_ascii_whitespace(trimmed) {
            trimmed.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect::<Vec<u8>>().into()
        } else {
            trimmed.into()
        };
        if compact.len() > encoded_max {
            return Err(too_large(compact.len() / 4 * 3, max_bytes));
        }
        if memchr::memchr(b'%', &compact).is_some() {
            return Err(SamlError::new(
                ErrorCode::SamlEncoding,
                "the SAMLResponse is still URL-encoded; pass the decoded form field value",
            ));
        }
        let bytes = STANDARD
            .decode(&*compact)
            .map_err(|e| SamlError::new(ErrorCode::SamlEncoding, format!("the SAMLResponse is not base64: {e}")))?;
        if bytes.len() > max_bytes {
            return Err(too_large(bytes.len(), max_bytes));
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).map(<[u8]>::to_vec).unwrap_or(bytes);
        if bytes.trim_ascii_start().first() != Some(&b'<') {
            return Err(SamlError::new(ErrorCode::SamlEncoding, "the decoded SAMLResponse is not XML"));
        }
        bytes
    };
    let text =
        String::from_utf8(xml).map_err(|_| SamlError::new(ErrorCode::SamlEncoding, "the SAML message is not UTF-8"))?;
    Ok(normalize_line_ends(text))
}

/// XML 1.0 §2.11 end-of-line handling, done before parsing so that no raw carriage return
/// can reach canonicalization (`&#13;` references are untouched and stay meaningful).
pub(crate) fn normalize_line_ends(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autodetects_raw_xml_and_base64_with_line_breaks() {
        let xml = "<samlp:Response/>";
        assert_eq!(decode(xml.as_bytes(), 100).unwrap(), xml);
        assert_eq!(decode(format!("\n  {xml}\n").as_bytes(), 100).unwrap(), xml);
        let b64 = STANDARD.encode(xml);
        let broken: String =
            b64.as_bytes().chunks(8).map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap())).collect();
        assert_eq!(decode(broken.as_bytes(), 100).unwrap(), xml);
        assert_eq!(decode(format!("\u{feff}{xml}").as_bytes(), 100).unwrap(), xml);
    }

    #[test]
    fn line_ends_are_normalised() {
        assert_eq!(decode(b"<a>x\r\ny\rz&#13;</a>", 100).unwrap(), "<a>x\ny\nz&#13;</a>");
    }

    #[test]
    fn refuses_oversize_junk_and_url_encoding() {
        let big = format!("<a>{}</a>", "x".repeat(200));
        assert_eq!(decode(big.as_bytes(), 100).unwrap_err().code(), ErrorCode::SamlInputTooLarge);
        assert_eq!(decode(STANDARD.encode(&big).as_bytes(), 100).unwrap_err().code(), ErrorCode::SamlInputTooLarge);
        for bad in ["!!!!", "PHNhbWw%2BPC9zYW1sPg%3D%3D", &STANDARD.encode("not xml"), &STANDARD.encode(b"<\xff\xfe>")]
        {
            assert_eq!(decode(bad.as_bytes(), 1000).unwrap_err().code(), ErrorCode::SamlEncoding, "{bad}");
        }
    }
}
