//! The small HTML pages the reference host shows after a login attempt. Every value is escaped.

pub use sso_scim_core::saml::escape_html as escape;

/// A page with a title and pre-escaped body HTML.
pub fn page(title: &str, body_html: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}}\
         code{{background:#f3f3f3;padding:0 .2rem}}</style></head><body><h1>{t}</h1>{body_html}</body></html>\n",
        t = escape(title)
    )
}

/// Rows of label/value pairs as a definition list.
pub fn facts(rows: &[(&str, String)]) -> String {
    let items: String = rows.iter().map(|(k, v)| format!("<dt>{}</dt><dd>{}</dd>", escape(k), escape(v))).collect();
    format!("<dl>{items}</dl>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_is_escaped() {
        let p = page("<t>", &facts(&[("a\"", "<script>alert(1)</script>".into())]));
        assert!(!p.contains("<script>"));
        assert!(p.contains("&lt;script&gt;"));
        assert!(p.contains("<title>&lt;t&gt;</title>"));
        assert!(p.contains("<dt>a&quot;</dt>"));
    }
}
