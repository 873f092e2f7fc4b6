//! User agents: browser family and version, operating system and device category, from the
//! product tokens browsers have sent for a decade. Enough to describe a session; crawler
//! detection uses the crawler list of the risk-engine issue.

/// What a user agent says about the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserAgent {
    pub browser: String,
    pub version: String,
    pub os: String,
    /// desktop, mobile or tablet; empty when unknown.
    pub category: String,
    pub headless: bool,
}

fn version_after<'a>(ua: &'a str, token: &str) -> Option<&'a str> {
    let start = ua.find(token)? + token.len();
    let rest = &ua[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

pub fn parse(ua: &str) -> UserAgent {
    // Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
    let families = [
        ("Edge", "Edg/"),
        ("Opera", "OPR/"),
        ("Firefox", "Firefox/"),
        ("Chrome", "HeadlessChrome/"),
        ("Chrome", "Chrome/"),
        ("Chrome", "CriOS/"),
        ("Safari", "Version/"),
    ];
    let (browser, version) = families
        .iter()
        .find_map(|(name, token)| version_after(ua, token).map(|v| (*name, v)))
        .unwrap_or(("", ""));
    let os = if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("Mac OS X") {
        "macOS"
    } else if ua.contains("CrOS") {
        "ChromeOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        ""
    };
    let category = if ua.contains("iPad") || (ua.contains("Android") && !ua.contains("Mobile")) {
        "tablet"
    } else if ua.contains("Mobile") {
        "mobile"
    } else if os.is_empty() {
        ""
    } else {
        "desktop"
    };
    UserAgent {
        browser: browser.into(),
        version: version.into(),
        os: os.into(),
        category: category.into(),
        headless: ua.contains("Headless"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_browsers_are_recognised() {
        let chrome = parse("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36");
        assert_eq!(
            (chrome.browser.as_str(), chrome.version.as_str()),
            ("Chrome", "126.0.0.0")
        );
        assert_eq!(
            (chrome.os.as_str(), chrome.category.as_str()),
            ("Windows", "desktop")
        );
        let iphone = parse("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1");
        assert_eq!(
            (
                iphone.browser.as_str(),
                iphone.os.as_str(),
                iphone.category.as_str()
            ),
            ("Safari", "iOS", "mobile")
        );
        let ff = parse("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
        assert_eq!((ff.browser.as_str(), ff.os.as_str()), ("Firefox", "Linux"));
    }

    #[test]
    fn headless_chrome_says_so() {
        let ua = parse("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36");
        assert!(ua.headless);
        assert_eq!(ua.browser, "Chrome");
        assert!(!parse("curl/8.5.0").headless);
    }
}
