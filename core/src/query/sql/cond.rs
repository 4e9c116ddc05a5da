//! SQL conditions built bottom-up, with constants folded away so that `not`, `and` and `or`
//! over parts known at translation time leave no dead SQL behind.

/// A condition: known true, known false, or SQL that is never NULL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cond {
    True,
    False,
    Sql(String),
}

impl Cond {
    pub(crate) fn from_bool(b: bool) -> Cond {
        if b { Cond::True } else { Cond::False }
    }

    pub(crate) fn not(self) -> Cond {
        match self {
            Cond::True => Cond::False,
            Cond::False => Cond::True,
            Cond::Sql(s) => Cond::Sql(format!("NOT ({s})")),
        }
    }

    /// All of `parts`.
    pub(crate) fn all(parts: impl IntoIterator<Item = Cond>) -> Cond {
        Cond::join(parts, Cond::False, "AND")
    }

    /// Any of `parts`.
    pub(crate) fn any(parts: impl IntoIterator<Item = Cond>) -> Cond {
        Cond::join(parts, Cond::True, "OR")
    }

    /// Join with `op`; `absorbing` decides the whole (false for AND, true for OR), and the
    /// other constant drops out.
    fn join(parts: impl IntoIterator<Item = Cond>, absorbing: Cond, op: &str) -> Cond {
        let mut sql = Vec::new();
        for part in parts {
            match part {
                Cond::Sql(s) => sql.push(s),
                c if c == absorbing => return absorbing,
                _ => {}
            }
        }
        match sql.len() {
            0 => absorbing.not(),
            1 => Cond::Sql(sql.pop().expect("one part")),
            _ => Cond::Sql(sql.iter().map(|s| format!("({s})")).collect::<Vec<_>>().join(&format!(" {op} "))),
        }
    }

    /// The SQL text; constants as comparisons both dialects read as booleans.
    pub(crate) fn into_sql(self) -> String {
        match self {
            Cond::True => "1 = 1".to_owned(),
            Cond::False => "1 = 0".to_owned(),
            Cond::Sql(s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cond;

    fn sql(s: &str) -> Cond {
        Cond::Sql(s.to_owned())
    }

    #[test]
    fn constants_fold() {
        assert_eq!(Cond::all([Cond::True, sql("a")]), sql("a"));
        assert_eq!(Cond::all([Cond::False, sql("a")]), Cond::False);
        assert_eq!(Cond::all([Cond::True, Cond::True]), Cond::True);
        assert_eq!(Cond::any([Cond::False, sql("a")]), sql("a"));
        assert_eq!(Cond::any([Cond::True, sql("a")]), Cond::True);
        assert_eq!(Cond::any([Cond::False]), Cond::False);
        assert_eq!(Cond::all([sql("a"), sql("b")]), sql("(a) AND (b)"));
        assert_eq!(sql("a").not(), sql("NOT (a)"));
        assert_eq!(Cond::True.not().into_sql(), "1 = 0");
    }
}
