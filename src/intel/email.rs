//! E-mail addresses: syntax, normalisation (the form linking compares) and alias detection.

use super::email_domains;
use crate::schema::EmailInfo;

/// An address split into its parts, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub local: String,
    pub domain: String,
}

/// Parses `raw` if it is a plausible mailbox address (RFC 5321 lengths, one `@`, a dotted
/// domain of LDH labels); `None` otherwise.
pub fn parse(raw: &str) -> Option<Address> {
    let raw = raw.trim();
    if raw.len() > 254 {
        return None;
    }
    let (local, domain) = raw.rsplit_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    (local_ok && domain_ok).then(|| Address {
        local: local.to_ascii_lowercase(),
        domain: domain.to_ascii_lowercase(),
    })
}

impl Address {
    /// The `+tag` sub-address, if any.
    pub fn tag(&self) -> Option<&str> {
        self.local.split_once('+').map(|(_, t)| t)
    }

    /// The mailbox the address delivers to: no `+tag`, and for Gmail no dots (Gmail ignores
    /// them). Two accounts whose normalised addresses are equal share a mailbox.
    pub fn normalized(&self) -> String {
        let base = self.local.split('+').next().unwrap_or(&self.local);
        let (local, domain) = match self.domain.as_str() {
            "gmail.com" | "googlemail.com" => (base.replace('.', ""), "gmail.com"),
            d => (base.to_string(), d),
        };
        format!("{local}@{domain}")
    }
}

/// What kind of organisation a mail domain belongs to (Verisoul's `domain_type`).
pub fn domain_type(domain: &str) -> &'static str {
    let labels: Vec<&str> = domain.split('.').collect();
    // The label before the TLD, or before a country code: `ox.ac.uk`, `unsw.edu.au`.
    let sld = |name: &str| {
        labels.last() == Some(&name) || (labels.len() >= 3 && labels[labels.len() - 2] == name)
    };
    if email_domains::is_disposable(domain) {
        "disposable"
    } else if email_domains::is_free(domain) {
        "personal"
    } else if sld("edu") || (labels.len() >= 3 && sld("ac")) {
        "education"
    } else if sld("gov") || sld("mil") || sld("gouv") || sld("gob") {
        "government"
    } else {
        "business"
    }
}

/// The `email` object of an account: validity, domain class and the risk it implies.
pub fn assess(raw: &str) -> EmailInfo {
    let mut info = EmailInfo {
        email: raw.to_string(),
        ..EmailInfo::default()
    };
    if raw.is_empty() {
        return info;
    }
    let Some(addr) = parse(raw) else {
        info.domain_type = "invalid".into();
        info.email_score = 1.0;
        info.risk_signals.push("email_invalid".into());
        return info;
    };
    info.valid = true;
    info.domain_type = domain_type(&addr.domain).into();
    info.disposable = info.domain_type == "disposable";
    info.personal = info.domain_type == "personal";
    let mut score: f64 = 0.0;
    if info.disposable {
        info.risk_signals.push("domain_disposable_type".into());
        score += 0.9;
    }
    if addr.tag().is_some() {
        info.risk_signals.push("email_alias".into());
        score += 0.2;
    }
    if addr.local.bytes().filter(u8::is_ascii_digit).count() >= 5 {
        info.risk_signals.push("email_high_number_count".into());
        score += 0.2;
    }
    info.email_score = score.min(1.0);
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_addresses_parse_and_junk_does_not() {
        assert!(parse("johndoe.example@gmail.com").is_some());
        assert!(parse("a+b@sub.example.co.uk").is_some());
        for bad in [
            "",
            "x",
            "@x.com",
            "a@",
            "a@b",
            "a..b@x.com",
            "a@-x.com",
            "a b@x.com",
            "a@x.c0m",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn gmail_dots_and_plus_tags_normalise_to_one_mailbox() {
        let a = parse("John.Doe+promo@GMail.com").unwrap();
        let b = parse("johndoe@googlemail.com").unwrap();
        assert_eq!(a.normalized(), b.normalized());
        assert_eq!(a.tag(), Some("promo"));
        // Dots matter elsewhere.
        assert_ne!(
            parse("j.doe@example.com").unwrap().normalized(),
            parse("jdoe@example.com").unwrap().normalized()
        );
    }

    #[test]
    fn a_plus_tag_is_reported_as_an_alias() {
        let info = assess("johndoe.example+x@gmail.com");
        assert!(info.valid);
        assert_eq!(info.risk_signals, ["email_alias"]);
        assert!(info.email_score > 0.0);
        let bad = assess("not an address");
        assert!(!bad.valid);
        assert_eq!(bad.domain_type, "invalid");
    }

    #[test]
    fn domains_are_classed_from_the_open_data_tables() {
        for (email, class) in [
            ("johndoe.example@gmail.com", "personal"),
            ("someone@yahoo.co.uk", "personal"),
            ("throwaway@mailinator.com", "disposable"),
            ("student@ox.ac.uk", "education"),
            ("prof@mit.edu", "education"),
            ("clerk@agency.gov", "government"),
            ("ops@acme-widgets.io", "business"),
        ] {
            assert_eq!(assess(email).domain_type, class, "{email}");
        }
        let d = assess("x@mailinator.com");
        assert!(d.disposable && d.email_score >= 0.9);
        assert_eq!(d.risk_signals, ["domain_disposable_type"]);
        assert!(assess("j@gmail.com").personal);
    }

    #[test]
    fn many_digits_in_the_local_part_are_a_risk_signal() {
        assert_eq!(
            assess("user84920@example.com").risk_signals,
            ["email_high_number_count"]
        );
        assert!(assess("user84@example.com").risk_signals.is_empty());
    }
}
