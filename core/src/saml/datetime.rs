//! xs:dateTime as SAML uses it: `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`. A timezone is
//! required (SAML 2.0 core §1.3.3 says UTC); any number of fraction digits is read (Entra
//! sends three, .NET seven), beyond nanoseconds they are truncated.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::saml::error::{SamlError, malformed};

/// Parse an xs:dateTime; `field` names it in the error.
pub fn parse_datetime(text: &str, field: &str) -> Result<OffsetDateTime, SamlError> {
    parse(text).ok_or_else(|| malformed(format!("{field}: \"{text}\" is not an xs:dateTime with a timezone")))
}

fn digits(s: &str, n: usize) -> Option<u32> {
    if s.len() == n && s.bytes().all(|b| b.is_ascii_digit()) { s.parse().ok() } else { None }
}

fn parse(text: &str) -> Option<OffsetDateTime> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&text[0..4], 4)?;
    let month = Month::try_from(u8::try_from(digits(&text[5..7], 2)?).ok()?).ok()?;
    let day = u8::try_from(digits(&text[8..10], 2)?).ok()?;
    let (hour, minute, second) = (digits(&text[11..13], 2)?, digits(&text[14..16], 2)?, digits(&text[17..19], 2)?);
    let mut rest = &text[19..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let len = frac.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return None;
        }
        for (i, d) in frac[..len].bytes().take(9).enumerate() {
            nanos += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
        }
        rest = &frac[len..];
    }
    let offset = match rest {
        "Z" => UtcOffset::UTC,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) && &rest[3..4] == ":" => {
            let (h, m) = (digits(&rest[1..3], 2)?, digits(&rest[4..6], 2)?);
            if h > 14 || m > 59 {
                return None;
            }
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            UtcOffset::from_hms(sign * h as i8, sign * m as i8, 0).ok()?
        }
        _ => return None,
    };
    let date = Date::from_calendar_date(i32::try_from(year).ok()?, month, day).ok()?;
    let time =
        Time::from_hms_nano(u8::try_from(hour).ok()?, u8::try_from(minute).ok()?, u8::try_from(second).ok()?, nanos)
            .ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset).to_offset(UtcOffset::UTC))
}

/// `YYYY-MM-DDThh:mm:ssZ` (UTC, whole seconds), as SAML messages we emit carry it.
pub fn format_datetime(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn accepts_what_idps_send() {
        let p = |s: &str| parse_datetime(s, "t").unwrap();
        assert_eq!(p("2017-04-23T16:16:17.348Z"), datetime!(2017-04-23 16:16:17.348 UTC));
        assert_eq!(p("2017-04-23T16:16:17Z"), datetime!(2017-04-23 16:16:17 UTC));
        assert_eq!(p("2015-10-10T14:38:21.8617979-07:00"), datetime!(2015-10-10 21:38:21.8617979 UTC));
        assert_eq!(p("2026-01-01T00:00:00.1234567891234+01:30"), datetime!(2025-12-31 22:30:00.123456789 UTC));
    }

    #[test]
    fn refuses_what_is_not_an_instant() {
        for bad in [
            "2017-04-23T16:16:17",
            "2017-04-23T16:16:17.Z",
            "2017-04-23T16:16:60Z",
            "2017-02-30T00:00:00Z",
            "10000-01-01T00:00:00Z",
            "2017-04-23 16:16:17Z",
            "2017-04-23T16:16:17+0100",
            "2017-04-23T16:16:17+15:00",
            "2017-04-23T16:16:17z",
            " 2017-04-23T16:16:17Z",
            "2017-04-23T16:16:17Zjunk",
            "",
        ] {
            assert!(parse_datetime(bad, "t").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn formats_utc_seconds() {
        assert_eq!(format_datetime(datetime!(2026-11-28 15:04:05.999 +01:00)), "2026-11-28T14:04:05Z");
    }
}
