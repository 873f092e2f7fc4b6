//! Device identity: `device_id`, a hash of what stays the same across reloads and tabs of one
//! browser profile, and `fingerprint`, the same components hashed one by one so the population
//! index can count how common each value is.

use sha2::{Digest, Sha256};

use super::payload::Payload;

/// Each component of the device id and the getters it is read through, named as the page names
/// lies (`Interface.member`): a component the page reports as patched is left out, so a
/// spoofing tool cannot steer the id. Not the time zone: a traveller's laptop follows the local
/// clock and is the same device abroad.
const COMPONENTS: [(&str, &[&str]); 7] = [
    ("platform", &["Navigator.platform"]),
    ("screen", &["Screen.width", "Screen.height"]),
    ("color_depth", &["Screen.colorDepth"]),
    ("cores", &["Navigator.hardwareConcurrency"]),
    ("memory", &["Navigator.deviceMemory"]),
    ("languages", &["Navigator.languages"]),
    ("webgl", &["WebGLRenderingContext.getParameter"]),
];

/// The device id's components, by name, in a fixed order; empty strings for unknown or lied
/// parts. The order is part of the stored fingerprints' format: append, never reorder.
pub fn stable_components(p: &Payload) -> Vec<(&'static str, String)> {
    let w = p.window();
    let (width, height) = p.screen();
    let values = [
        w.str("platform").unwrap_or("").to_string(),
        match (width, height) {
            (Some(w), Some(h)) => format!("{w}x{h}"),
            _ => String::new(),
        },
        show(w.object("screen").u32("colorDepth")),
        show(p.hardware_concurrency()),
        p.device_memory().map(|m| m.to_string()).unwrap_or_default(),
        p.languages().join(","),
        p.webgl_renderer().unwrap_or("").to_string(),
    ];
    let lies = p.lies();
    // A property defined on the navigator object itself (`navigator.x`) hides its getter.
    let lied = |getter: &str| {
        lies.iter().any(|l| {
            *l == getter
                || l.strip_prefix("navigator.")
                    .is_some_and(|m| getter.strip_prefix("Navigator.") == Some(m))
        })
    };
    COMPONENTS
        .iter()
        .zip(values)
        .map(|((name, getters), v)| {
            let v = if getters.iter().any(|g| lied(g)) {
                String::new()
            } else {
                v
            };
            (*name, v)
        })
        .collect()
}

fn show(n: Option<u32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

/// A hex SHA-256 prefix over the stable components; empty if none is known.
pub fn device_id(p: &Payload) -> String {
    let parts = stable_components(p);
    if parts.iter().all(|(_, v)| v.is_empty()) {
        return String::new();
    }
    let mut h = Sha256::new();
    for (name, v) in parts {
        h.update(name.as_bytes());
        h.update(b"=");
        h.update(v.as_bytes());
        h.update(b"\n");
    }
    hex(&h.finalize()[..16])
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

/// The device id's components, each as a short hash: `index.hash` for every known component,
/// joined by commas. Two hex bytes per component are plenty to count how common a value is
/// (the population index) and keep a session's summary small.
pub fn fingerprint(p: &Payload) -> String {
    let mut out = Vec::new();
    for (i, (name, v)) in stable_components(p).iter().enumerate() {
        if v.is_empty() {
            continue;
        }
        let h = Sha256::new()
            .chain_update(name.as_bytes())
            .chain_update(b"=")
            .chain_update(v.as_bytes())
            .finalize();
        out.push(format!("{i}.{}", hex(&h[..2])));
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload(v: serde_json::Value) -> Payload {
        Payload::new(v)
    }

    #[test]
    fn device_id_is_stable_and_depends_on_the_device() {
        let a = json!({"window": {"screen": {"width": 1920, "height": 1080}, "timezone": "Europe/Paris", "languages": ["fr-FR"]}});
        let mut b = a.clone();
        b["window"]["screen"]["width"] = json!(1280);
        assert_eq!(
            device_id(&payload(a.clone())),
            device_id(&payload(a.clone()))
        );
        assert_eq!(device_id(&payload(a.clone())).len(), 32);
        assert_ne!(device_id(&payload(a)), device_id(&payload(b)));
        assert_eq!(device_id(&payload(json!({}))), "");
    }

    #[test]
    fn a_travellers_device_keeps_its_id_on_local_time() {
        let home = json!({"window": {"screen": {"width": 1440, "height": 900}, "timezone": "Europe/Paris"}});
        let mut abroad = home.clone();
        abroad["window"]["timezone"] = json!("Asia/Tokyo");
        assert_eq!(device_id(&payload(home)), device_id(&payload(abroad)));
    }

    #[test]
    fn a_patched_component_does_not_steer_the_device_id() {
        let honest = json!({"window": {"hardwareConcurrency": 8, "languages": ["en-US"]}});
        let mut spoofed = honest.clone();
        spoofed["window"]["hardwareConcurrency"] = json!(64);
        spoofed["window"]["lies"] = json!(["Navigator.hardwareConcurrency"]);
        let mut other_lie = spoofed.clone();
        other_lie["window"]["hardwareConcurrency"] = json!(2);
        let mut own_property = other_lie.clone();
        own_property["window"]["lies"] = json!(["navigator.hardwareConcurrency"]);
        assert_eq!(
            device_id(&payload(spoofed.clone())),
            device_id(&payload(own_property))
        );
        assert_eq!(
            device_id(&payload(spoofed.clone())),
            device_id(&payload(other_lie))
        );
        assert_ne!(device_id(&payload(honest)), device_id(&payload(spoofed)));
    }

    #[test]
    fn the_fingerprint_names_each_known_component_once() {
        let p = payload(
            json!({"window": {"screen": {"width": 1920, "height": 1080}, "languages": ["fr-FR"]}}),
        );
        let fp = fingerprint(&p);
        let parts: Vec<&str> = fp.split(',').collect();
        assert_eq!(parts.len(), 2, "{fp}");
        assert!(
            parts[0].starts_with("1.") && parts[1].starts_with("5."),
            "{fp}"
        );
        assert_eq!(fingerprint(&payload(json!({}))), "");
    }

    #[test]
    fn hex_is_lower_case_two_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }
}
