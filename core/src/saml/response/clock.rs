//! The time checks the stages share: an instant read from an attribute, and whether a bound
//! has passed, always with the one clock skew ([`SamlSettings::clock_skew`]) the pipeline
//! hands down, and in checked arithmetic (a bound the skew pushes off the calendar does not
//! bind, so no date or setting can make a check panic).
//!
//! [`SamlSettings::clock_skew`]: crate::saml::SamlSettings::clock_skew

use time::{Duration, OffsetDateTime};

use crate::error::ErrorCode;
use crate::saml::datetime::{format_datetime, parse_datetime};
use crate::saml::error::SamlError;
use crate::saml::xml::Node;

/// The instant in the attribute `name` of `node`, if present; an error names `Element/@name`.
pub(super) fn time_attr(node: Node<'_, '_>, name: &str) -> Result<Option<OffsetDateTime>, SamlError> {
    let field = format!("{}/@{name}", node.tag_name().name());
    node.attribute(name).map(|t| parse_datetime(t, &field)).transpose()
}

/// Whether `now` is at or past `end + skew`.
pub(super) fn has_passed(end: OffsetDateTime, now: OffsetDateTime, skew: Duration) -> bool {
    end.checked_add(skew).is_some_and(|latest| now >= latest)
}

/// `not_before - skew <= now < not_on_or_after + skew`; `what` names the element in errors.
pub(super) fn check_window(
    what: &str,
    not_before: Option<OffsetDateTime>,
    not_on_or_after: Option<OffsetDateTime>,
    now: OffsetDateTime,
    skew: Duration,
) -> Result<(), SamlError> {
    if let Some(nb) = not_before
        && nb.checked_sub(skew).is_some_and(|earliest| now < earliest)
    {
        return Err(SamlError::new(
            ErrorCode::NotYetValid,
            format!(
                "{what} NotBefore is {}, later than now ({}) plus the clock skew; check the clocks",
                format_datetime(nb),
                format_datetime(now)
            ),
        ));
    }
    if let Some(end) = not_on_or_after
        && has_passed(end, now, skew)
    {
        return Err(SamlError::new(
            ErrorCode::Expired,
            format!("{what} NotOnOrAfter was {}; it is now {}", format_datetime(end), format_datetime(now)),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{at, doc};
    use super::*;

    #[test]
    fn an_end_passes_only_after_the_skew() {
        let end = at("2026-01-01T10:00:00Z");
        let skew = Duration::seconds(180);
        assert!(!has_passed(end, at("2026-01-01T10:02:59Z"), skew));
        assert!(has_passed(end, at("2026-01-01T10:03:00Z"), skew));
        assert!(!has_passed(OffsetDateTime::new_utc(time::Date::MAX, time::Time::MIDNIGHT), end, skew));
    }

    #[test]
    fn the_window_is_widened_by_the_skew_on_both_sides() {
        let (nb, end) = (Some(at("2026-01-01T10:00:00Z")), Some(at("2026-01-01T11:00:00Z")));
        let skew = Duration::seconds(60);
        assert!(check_window("Conditions", nb, end, at("2026-01-01T09:59:00Z"), skew).is_ok());
        assert!(check_window("Conditions", nb, end, at("2026-01-01T11:00:59Z"), skew).is_ok());
        let early = check_window("Conditions", nb, end, at("2026-01-01T09:58:59Z"), skew).unwrap_err();
        assert_eq!(early.code().as_str(), "not_yet_valid");
        assert_eq!(
            early.message(),
            "Conditions NotBefore is 2026-01-01T10:00:00Z, later than now (2026-01-01T09:58:59Z) plus the clock skew; check the clocks"
        );
        let late = check_window("Conditions", nb, end, at("2026-01-01T11:01:00Z"), skew).unwrap_err();
        assert_eq!(late.code().as_str(), "expired");
        assert!(check_window("Conditions", None, None, at("2026-01-01T11:01:00Z"), skew).is_ok());
    }

    #[test]
    fn instants_are_read_from_attributes_and_named_in_errors() {
        let parsed = doc(r#"<Conditions NotBefore="2026-01-01T10:00:00Z" NotOnOrAfter="soon"/>"#);
        let node = parsed.root_element();
        assert_eq!(time_attr(node, "NotBefore").unwrap(), Some(at("2026-01-01T10:00:00Z")));
        assert_eq!(time_attr(node, "Absent").unwrap(), None);
        assert!(time_attr(node, "NotOnOrAfter").unwrap_err().message().contains("Conditions/@NotOnOrAfter"));
    }
}
