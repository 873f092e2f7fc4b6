//! Mail-domain tables built by the build script (`buildscript/`) from registry packages (see the README's open-data
//! section), and the look-up that also matches subdomains (`x.mailinator.com`).

include!(concat!(env!("OUT_DIR"), "/email_domains.rs"));

/// The domain and each parent with at least two labels: `a.b.example.com`, `b.example.com`,
/// `example.com`.
fn suffixes(domain: &str) -> impl Iterator<Item = &str> {
    std::iter::once(domain)
        .chain(
            domain
                .match_indices('.')
                .map(move |(i, _)| &domain[i + 1..]),
        )
        .filter(|s| s.contains('.'))
}

fn listed(table: &[&str], domain: &str) -> bool {
    suffixes(domain).any(|s| table.binary_search(&s).is_ok())
}

pub fn is_disposable(domain: &str) -> bool {
    listed(DISPOSABLE, domain)
}

pub fn is_free(domain: &str) -> bool {
    listed(FREE, domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_not_empty() {
        for t in [DISPOSABLE, FREE] {
            assert!(t.len() > 1000);
            assert!(t.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn parents_are_matched_but_not_bare_tlds() {
        let s: Vec<&str> = suffixes("a.b.example.com").collect();
        assert_eq!(s, ["a.b.example.com", "b.example.com", "example.com"]);
        assert!(is_disposable("mailinator.com"));
        assert!(is_disposable("eu.mailinator.com"));
        assert!(!is_disposable("com"));
        assert!(is_free("gmail.com"));
        assert!(!is_free("example.com"));
    }
}
