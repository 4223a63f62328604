//! Markdown to HTML that is safe to put into the page: raw HTML in a ticket is
//! shown as text, and the rendered result is sanitized (no scripts, no event
//! handlers, no `javascript:` links) before it leaves the server.

use pulldown_cmark::{Event, Options, Parser, html};

/// Render ticket markdown to sanitized HTML.
pub fn render(text: &str) -> String {
    if text.trim().is_empty() {
        return String::new();
    }
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    // Raw HTML becomes visible text instead of markup.
    let events = Parser::new_ext(text, opts).map(|ev| match ev {
        Event::Html(s) | Event::InlineHtml(s) => Event::Text(s),
        other => other,
    });
    let mut out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut out, events);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&out)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn raw_html_is_text_and_scripts_never_survive() {
        let out = render("hi <script>alert(1)</script> <img src=x onerror=alert(1)>");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<img"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
    }

    #[test]
    fn javascript_links_are_dropped() {
        let out = render("[x](javascript:alert(1)) **bold**");
        assert!(!out.contains("javascript:"), "{out}");
        assert!(out.contains("<strong>bold</strong>"), "{out}");
    }
}
