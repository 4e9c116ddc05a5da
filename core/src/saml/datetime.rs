//! xs:dateTime as SAML uses it: `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`. A timezone is
//! required (SAML 2.0 core §1.3.3 says UTC); any number of fraction digits is read (Entra
//! sends three, .NET seven), beyond nanoseconds they are truncated.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::saml::error::{SamlError, excerpt, malformed};

/// Parse an xs:dateTime; `field` names it in the error.
pub fn parse_datetime(text: &str, field: &str) -> Result<OffsetDateTime, SamlError> {
    parse(text)
        .ok_or_else(|| malformed(format!("{field}: \"{}\" is not an xs:dateTime with a timezone", excerpt(text))))
}

/// The `n`-digit decimal number at `b[at..at + n]`; `None` when short or not all ASCII digits.
/// Working on bytes keeps every index valid whatever the text holds (a multi-byte character is
/// simply not a digit), so no input can split a character.
fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let field = b.get(at..at.checked_add(n)?)?;
    field.iter().try_fold(0u32, |acc, &d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
}

fn parse(text: &str) -> Option<OffsetDateTime> {
    let b = text.as_bytes();
    let punctuation = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if b.len() < 20 || punctuation.iter().any(|&(at, c)| b[at] != c) {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = Month::try_from(u8::try_from(digits(b, 5, 2)?).ok()?).ok()?;
    let day = u8::try_from(digits(b, 8, 2)?).ok()?;
    let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix(b".") {
        let len = frac.iter().take_while(|d| d.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        for (i, d) in frac[..len].iter().take(9).enumerate() {
            nanos += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
        }
        rest = &frac[len..];
    }
    let offset = match rest {
        b"Z" => UtcOffset::UTC,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (digits(rest, 1, 2)?, digits(rest, 4, 2)?);
            if h > 14 || m > 59 || (h == 14 && m > 0) {
                return None;
            }
            let sign = if *sign == b'-' { -1 } else { 1 };
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
            "2017-04-23T16:16:17+14:30",
        ] {
            assert!(parse_datetime(bad, "t").is_err(), "{bad:?}");
        }
    }

    /// Every byte position of a genuine instant replaced by a multi-byte character, a sign or
    /// nothing: refused, never a panic (the parser once sliced by byte position).
    #[test]
    fn no_character_anywhere_can_panic() {
        let genuine = "2026-01-01T01:00:00.123+01:00";
        for at in 0..=genuine.len() {
            for insert in ["é", "€", "😀", "+", "-", "", "\u{0}"] {
                let mut replaced = genuine[..at].to_owned();
                replaced.push_str(insert);
                replaced.push_str(genuine.get(at + 1..).unwrap_or(""));
                let _ = parse_datetime(&replaced, "t");
                let mut inserted = genuine[..at].to_owned();
                inserted.push_str(insert);
                inserted.push_str(&genuine[at..]);
                let _ = parse_datetime(&inserted, "t");
            }
        }
        for bad in
            ["2026-01-01T01:00:0é0Z", "2026-01-01T01:00:00+0é00", "é026-01-01T01:00:00Z", "2026-01-01T01:00:00+01:é0"]
        {
            assert!(parse_datetime(bad, "t").is_err(), "{bad:?}");
        }
        let long = format!("2026-01-01T01:00:00.{}Z", "9".repeat(100_000));
        assert!(parse_datetime(&long, "t").is_ok());
    }

    #[test]
    fn formats_utc_seconds() {
        assert_eq!(format_datetime(datetime!(2026-11-28 15:04:05.999 +01:00)), "2026-11-28T14:04:05Z");
    }
}
