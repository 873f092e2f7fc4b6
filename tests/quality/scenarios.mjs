// The labelled populations of the quality report: benign people who must stay Real, and
// attacks that must be caught. `buildScenarios(seed, ranges)` returns the classes and, per
// account, the sessions it plays: when, from which browser profile, network and place. The same
// seed gives exactly the same sessions.
//
// Time: a fixed base, 2026-11-01T00:00Z (a Sunday), day 0. History is laid down on local days
// 0–20; the population index is rebuilt before the decisive phase, which starts at day 22
// 00:00 UTC; decisive sessions happen on local day 23 (Tuesday 24 November) and after.
import { Rng, hash32 } from "./prng.mjs";
import { ipToInt, intToIp } from "./ipdata.mjs";
import {
  ATTACKER_COUNTRIES, COUNTRIES, DATACENTER_SITES, DESKTOP_MODELS, HOME_COUNTRIES, MODELS, PHONE_MODELS, cf, ispAddress,
  makeBrowser, makeDevice, makeSkuDevice, normalizeMailbox, SKUS, operatorSession, pageLoad, personalEmail, reserveEmail, resetMailboxes,
} from "./world.mjs";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const T0 = Date.UTC(2026, 10, 1);
export const HISTORY_DAYS = 21;
/** Every history session is before this instant, every decisive-phase session at or after it. */
export const DECISIVE_START = T0 + 22 * DAY;
const D = 23; // the local day of the decisive sessions

// --- Time ------------------------------------------------------------------------------------

const offsets = new Map();
/** The UTC offset of `tz` in hours, in November 2026 (no zone here changes offset in it). */
export function utcOffset(tz) {
  if (!offsets.has(tz)) {
    const f = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" });
    const at = T0 + 10 * DAY;
    const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
    const local = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
    offsets.set(tz, (local - at) / HOUR);
  }
  return offsets.get(tz);
}

/** The instant of local `hour` (fractional) on `day` in `tz`. */
export const localTime = (day, hour, tz) => Math.round(T0 + day * DAY + (hour - utcOffset(tz)) * HOUR);

/** Great-circle distance in km. */
export function distanceKm(a, b) {
  const r = (x) => (x * Math.PI) / 180;
  const h = Math.sin(r(b.lat - a.lat) / 2) ** 2 + Math.cos(r(a.lat)) * Math.cos(r(b.lat)) * Math.sin(r(b.lon - a.lon) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

// --- Classes ---------------------------------------------------------------------------------

/** Every class of the report, in order, with what its decisive authenticate is. */
export const CLASSES = [
  // Benign: people who must stay Real, and never be under attack in v2.
  { key: "regulars", n: 1, label: "benign", name: "Regulars", decisive: "the account's last login (local day 23), from its home device on its home network",
    source: "Wiefling et al., \"What's in Score for Website Users\", FC 2021 (logins from a few habitual devices and networks); 12 countries weighted roughly by Internet population" },
  { key: "travellers-home-tz", n: 2, label: "benign", name: "Travellers (device keeps its home time zone)", decisive: "the last login abroad (2–3 logins abroad after a flight)",
    source: "door-to-door flight times at ~800 km/h plus airports; the device's clock left at home" },
  { key: "travellers-local-tz", n: 2, label: "benign", name: "Travellers (device switches to the destination time zone)", decisive: "the last login abroad (2–3 logins abroad after a flight)",
    source: "iOS, Android, Windows and macOS set the time zone from the network by default" },
  { key: "households", n: 3, label: "benign", name: "Households sharing a device", decisive: "each member's last login, on the shared device and browser",
    source: "shared family computers and browsers (Pew Research Center, \"Americans and Cybersecurity\", 2017: shared devices and passwords within households are common)" },
  { key: "office", n: 4, label: "benign", name: "Office behind one NAT address (own devices)", decisive: "each employee's login on Tuesday morning (local day 23), 40 within ~90 minutes",
    source: "NAPT, RFC 3022: an office egresses through one address" },
  { key: "mobile", n: 5, label: "benign", name: "Mobile carrier churn", decisive: "the last login, from yet another carrier address",
    source: "cellular networks hand out a new public address per attachment (Richter et al., \"A Multi-perspective Analysis of Carrier-Grade NAT Deployment\", IMC 2016)" },
  { key: "vpn-commuters", n: 6, label: "benign", name: "VPN commuters (commercial VPN)", decisive: "the last login, through the commercial VPN",
    source: "consumer VPN apps rotate among a provider's few exits in a country" },
  { key: "common-phones", n: 7, label: "benign", name: "Identical popular phones (New York)", decisive: "the last login",
    source: "StatCounter Global Stats (Apple about half of US mobile traffic); Gómez-Boix et al., \"Hiding in the Crowd\", WWW 2018 (mobile fingerprints the least unique)" },
  { key: "new-device", n: 8, label: "benign", name: "New device (the owner's own new computer or phone)", decisive: "the owner's first login from a device and browser new to the account (local day 23, usual hour): a new computer at home, a new phone on a carrier the account never used, or a second computer at work (a third each)",
    source: "people replace a phone every 2–3 years and own several devices; a new device is where owners reset forgotten passwords" },
  { key: "enterprise-fleet", n: 9, label: "benign", name: "Enterprise NAT, fleet-identical laptops (two offices)", decisive: "each employee's login on Tuesday morning (local day 23) at the office (branch staff who also work at the head office: at the head office)",
    source: "one golden image on one laptop model for the whole fleet (Microsoft, \"Windows Autopilot overview\"; Intune configuration profiles); one NAPT egress per office (RFC 3022); 30–300 people per egress (Casado & Freedman, \"Peering Through the Shroud\", NSDI 2007: large NATs and proxies behind single addresses)" },
  { key: "campus-nat", n: 10, label: "benign", name: "Campus NAT (students on a university's two NAT addresses)", decisive: "the student's login on campus on local day 23",
    source: "campus Wi-Fi NATed to a small address pool (RFC 3022; Casado & Freedman, NSDI 2007); students' own laptops and phones from the common catalogue, many iPhones and MacBooks" },
  { key: "cgnat", n: 11, label: "benign", name: "Carrier-grade NAT (subscribers of one carrier on 3 addresses)", decisive: "the last login, from one of the pool's addresses",
    source: "RFC 6888 (CGN requirements) and RFC 6598 (shared address space): hundreds to thousands of subscribers per public IPv4 address; CGN is the norm in cellular networks (Richter et al., IMC 2016)" },
  { key: "popular-phones", n: 12, label: "benign", name: "Popular phone model, strangers in many cities", decisive: "the last login, at home or on the carrier",
    source: "StatCounter Global Stats, mobile vendor share (Apple ~55 % in the US, Samsung the largest vendor in Brazil); the newest iPhone models each hold several % of a country's mobile traffic; all units of a model show the same screen, GPU string and cores (Apple, iPhone technical specifications; Counterpoint Research, best-selling models)" },
  { key: "corporate-vpn-cloud", n: 13, label: "benign", name: "Corporate VPN on cloud egress (the same staff every working day)", decisive: "each employee's login through the corporate VPN on Tuesday (local day 23)",
    source: "secure web gateways and corporate VPNs egress from public-cloud datacenter addresses (Zscaler publishes its egress ranges at config.zscaler.com; AWS NAT gateways give a VPC one Elastic IP, AWS VPC documentation)" },
  // Attacks: every one must be decided Suspicious or Fake at its decisive authenticate.
  { key: "ato-naive", n: 14, label: "attack", name: "Takeover, naive attacker", decisive: "the attacker's login",
    source: "Wiefling et al., FC 2021, naive attacker: another country, network, device and browser" },
  { key: "ato-vpn", n: 15, label: "attack", name: "Takeover, VPN attacker", decisive: "the attacker's login",
    source: "Wiefling et al., FC 2021, VPN attacker: a commercial VPN exit in the victim's country" },
  { key: "ato-targeted", n: 16, label: "attack", name: "Takeover, targeted attacker", decisive: "the attacker's login",
    source: "Wiefling et al., FC 2021, targeted attacker: the victim's city, browser, OS, time zone, languages and hour" },
  { key: "ato-isp", n: 17, label: "attack", name: "Takeover on the victim's own ISP, in the victim's city", decisive: "the attacker's login (a new device and a new address on the victim's ASN), followed by a password change within minutes",
    source: "residential proxy services sell exits by country, city and ASN; the issue's independent measurement (recall 0.29 and 0.00); Freeman et al., NDSS 2016 (ISP-level familiarity)" },
  { key: "device-farm", n: 18, label: "attack", name: "Device farms (rare devices)", decisive: "each farm account's first login after the whole farm signed up (when it would cash out); sign-up shown apart",
    source: "farms of second-hand or low-end hardware, storage cleared between accounts" },
  { key: "popular-phone-farm", n: 19, label: "attack", name: "Storage-clearing farm on a popular phone model", decisive: "each farm account's login 2–6 h after the whole farm signed up",
    source: "phone farms buy the best-selling model in bulk; every account a cleared browser (new first-party id) on a unit identical to the popular population's" },
  { key: "emulator-farm", n: 20, label: "attack", name: "Emulator farms", decisive: "each farm account's login after the whole farm signed up",
    source: "Android emulator instances (Android Studio's emulator: SwiftShader or host-GPU translator, stock device profiles), one fresh instance per account" },
  { key: "alias-rings", n: 21, label: "attack", name: "E-mail alias rings", decisive: "each ring account's next-day login after the whole ring signed up; sign-up shown apart",
    source: "Gmail ignores dots and +tags in the local part (Google, \"Dots don't matter in Gmail addresses\")" },
  { key: "tor-dc-disposable", n: 22, label: "attack", name: "Tor / datacenter sign-ups, disposable mail", decisive: "the sign-up",
    source: "iporigin's Tor, hosting and VPN ranges; disposable-mail domain lists" },
  { key: "stuffing", n: 23, label: "attack", name: "Credential stuffing (fast, one datacenter address)", decisive: "the attacker's login into the victim's account",
    source: "OWASP Automated Threats, OAT-008 Credential Stuffing" },
  { key: "slow-stuffing", n: 24, label: "attack", name: "Slow credential stuffing (below per-hour thresholds)", decisive: "the attacker's login into the victim's account",
    source: "OWASP Credential Stuffing Prevention Cheat Sheet: attackers rotate residential proxies and slow down below rate limits; one success every 50–110 minutes over two days, each from a new proxy in the victim's country" },
  { key: "impossible-travel", n: 25, label: "attack", name: "Impossible travel", decisive: "the login from another continent one hour after a login at home",
    source: "a stolen session cookie or synced browser profile used abroad" },
  { key: "bots", n: 26, label: "attack", name: "Bots (WebDriver / HeadlessChrome)", decisive: "the sign-up",
    source: "W3C WebDriver (navigator.webdriver); HeadlessChrome user agent" },
];

/** A class's number in the report. */
const no = (key) => CLASSES.find((c) => c.key === key).n;

/** What each population is, for the report (sizes at scale 1). */
export const POPULATIONS = [
  "Addresses: residential ones are drawn from approximate prefixes of each country's large providers (world.mjs), checked to be outside every iporigin range; datacenter, VPN and Tor addresses are drawn from iporigin's ranges of that kind (Amazon AWS, DigitalOcean, Hetzner, OVHcloud, Vultr; Mullvad, ProtonVPN; Tor). Country, city, coordinates and ASN go to the worker in `x-edgeward-cf`.",
  "Devices: Windows (Intel, NVIDIA, AMD), Mac, Linux desktops and iPhone / Android phones with their real screen sizes, core counts, memory and WebGL strings, the owner's time zone and languages; Chrome, Edge, Firefox, Safari, Samsung Internet user agents; browsers update one major version mid-history. Fingerprints therefore collide between unrelated people, as they do in the wild.",
  `${no("regulars")} Regulars (150): 10–25 sessions over three weeks at their usual hour, one home address and provider; a realistic spread of 12 countries (US, GB, FR, DE most); 30 % also use a phone from the start (home Wi-Fi 70 %, their carrier 30 %).`,
  `${no("travellers-home-tz")} Travellers (30 + 30): a regular's history, a login at home on day 23, then after the flight (≥ 10 h between continents, ≥ distance / 800 km/h + 3 h) 2–3 logins abroad on the same device and browser from a local provider. In the second half the device's time zone follows the destination, as phones and laptops do by default.`,
  `${no("households")} Households (20, 48 accounts): 2–3 accounts on one shared computer and browser (one browser id) at one home address, 8–18 sessions each; 30 % of members also have a phone of their own.`,
  `${no("office")} Office (40): one London office address (BT), each employee on their own computer and browser; logins on 75 % of working days at 08:30–10:00, a quarter of them again after lunch; the decisive logins all on one Tuesday morning.`,
  `${no("mobile")} Mobile carrier churn (30): phone only, 10–20 sessions, a new address within the carrier's prefix every session.`,
  `${no("vpn-commuters")} VPN commuters (30): home provider and a commercial VPN (Mullvad or ProtonVPN, exit in their own country, 2–3 exit addresses) by turns; the decisive login is through the VPN.`,
  `${no("common-phones")} Identical popular phones (40): the same iPhone (393×852, Apple GPU, 4 cores, New York time, en-US, Safari) for 40 unrelated New Yorkers with their own browser ids, providers and addresses, 6–14 sessions each.`,
  `${no("new-device")} New device (30, a third per situation): a regular's history (drawn as for the takeover victims), then on day 23 at the owner's usual hour a login from a device and browser id the account has never shown, the owner's own: their time zone and languages, a browser family they already use where the new device has one. A third is a new computer at home (the home address and provider); a third a new phone on mobile data (a carrier of their country the account never used: a new ASN and address, in their city); a third a second computer at work (an office address of another fixed-line provider in their city: a new ASN and address). The devices come from the catalogue above, so their fingerprints collide with other people's, never with the account's own devices. Drawn last, from a PRNG stream of its own (seeded from the seed), so every other class's sessions are those of a run without it.`,
  `${no("ato-naive")} Takeover, naive (40): a regular's history, then a login from another country (NG, VN, RO, ID, BR, IN), another provider, a device of another OS and another browser family.`,
  `${no("ato-vpn")} Takeover, VPN (40): a regular's history, then a login through a Mullvad / ProtonVPN address, \`x-edgeward-cf\` placing it in the victim's country with the VPN's ASN, on the attacker's own device (their own time zone and languages).`,
  `${no("ato-targeted")} Takeover, targeted (40): a regular's history, then a login at the victim's usual hour from the victim's city through a residential proxy on another provider, the victim's browser, OS, time zone and languages; only the hardware differs (screen, GPU where the browser shows it, cores).`,
  `${no("device-farm")} Device farms (5 farms, 10–20 accounts each): one rare device per farm (an old Windows PC or a low-end Android), a new browser id for every account; sign-ups 2–8 minutes apart, then 3–6 h later each account logs in again on the farm device with cleared storage. Farms 1, 3, 5 use one address, farms 2 and 4 rotate residential proxies.`,
  `${no("alias-rings")} E-mail alias rings (7 rings, 4–6 accounts): one Gmail mailbox spelled with moved dots and +tags, each account on its own device and address in one country; sign-ups 10–60 minutes apart, each account logs in again the next day.`,
  `${no("tor-dc-disposable")} Tor / datacenter sign-ups (30): half through Tor exits, half from cloud providers, disposable addresses (mailinator.com, guerrillamail.com, yopmail.com …).`,
  `${no("stuffing")} Credential stuffing (40 victims with a regular's history): one DigitalOcean address logs into every victim within 20 minutes, one device (Chrome-on-Windows user agent, no WebDriver flag, 800×600, SwiftShader GPU, UTC clock, no mouse), cleared storage every time.`,
  `${no("impossible-travel")} Impossible travel (30): a regular's history, a login at home on day 23, then one hour later a login from another continent with the same browser (a stolen session or synced profile).`,
  `${no("bots")} Bots (30): sign-ups with \`navigator.webdriver = true\` (15) or a HeadlessChrome user agent (15), half from datacenters, half from residential addresses.`,
  `${no("enterprise-fleet")} Enterprise NAT with fleet-identical laptops (64 + 26): one company, every employee on the same imaged laptop (SKU fleet-latitude: Windows, 1920×1080, 8 cores, 8 GB, Intel Iris Xe, managed Edge, en-GB) and a mailbox at the company's domain; 64 at the London head office behind one BT address, 26 at the Manchester branch behind one Virgin Media address, 10 of whom also work at the head office about one day in three; logins on 80 % of working days at 08:20–10:00, a quarter again after lunch, 15 % of working days from home (the same laptop on the home provider).`,
  `${no("campus-nat")} Campus NAT (60 students): a Seattle university's two NAT addresses (ASN 73), each student with their own laptop from the catalogue (half MacBooks) and 80 % a phone (catalogue: iPhones and Androids), half with a university mailbox; 12–25 sessions at any hour 09–24, 85 % on campus Wi-Fi, phones otherwise on their carrier.`,
  `${no("cgnat")} Carrier-grade NAT (40 + 40): subscribers of Reliance Jio in Mumbai and of T-Mobile in Houston, phone only (catalogue phones), every session from one of three addresses of the carrier's CGN pool (one /24); 10–20 sessions each at their own hour.`,
  `${no("popular-phones")} Popular phone model (60 + 30): strangers each owning one unit of the same SKU, 60 iPhones (393×852, Apple GPU, 4 cores, en-US, Safari) across seven US cities and 30 Galaxy A54 (384×832, Mali-G68 MC4, 8 cores, 8 GB, pt-BR, Chrome) across three Brazilian cities; their own home providers and carriers (home Wi-Fi 70 %, carrier 30 %); independent histories of 15–25 sessions. The device fingerprint is identical within each SKU (and the iPhone one equals class ${no("common-phones")}'s and the popular-phone farms').`,
  `${no("corporate-vpn-cloud")} Corporate VPN on cloud egress (40): staff of a Frankfurt company whose always-on corporate VPN egresses from two Amazon AWS (Frankfurt, ASN 16509) addresses, on their own catalogue laptops, company mailboxes; a login through the VPN on 80 % of working days for three weeks, 30 % of weekend days from home directly; the decisive login through the VPN.`,
  `${no("ato-isp")} Takeover on the victim's ISP (40): a regular's history, then the attacker logs in at about the victim's usual hour from the victim's city, on the victim's own provider (same ASN, a new address), with a new device from the catalogue set to the victim's time zone and a language of the country, and changes the password 2–10 minutes later.`,
  `${no("popular-phone-farm")} Storage-clearing farms on a popular phone (4 farms, 10–14 accounts each): three on the iPhone SKU in the US (en-US, a US city's time zone), one on the Galaxy A54 SKU in Brazil (pt-BR): units identical to the popular population's, a new browser id for every account and every visit, personal-looking mailboxes, sign-ups 3–15 minutes apart, then a login 2–6 h after the last sign-up. Farms 1 and 3 sit behind one residential address (farm 3 a carrier's), farms 2 and 4 rotate residential proxies across the country's providers, carriers and cities.`,
  `${no("emulator-farm")} Emulator farms (3 farms, 10–14 accounts each; ID, VN, IN): a fresh Android emulator instance per account (catalogue model android-emulator: x86_64 platform, emulator GPU strings, stock screens), Chrome, sign-ups 2–10 minutes apart, a login 2–5 h later on a fresh instance; farm 1 on one Hetzner server address, farm 2 through residential proxies, farm 3 through rotating carrier addresses.`,
  `${no("slow-stuffing")} Slow credential stuffing (40 victims with a regular's history): one successful login every 50–110 minutes over about two days, each from a new residential proxy in the victim's country (any of its providers and carriers, any city), each with a fresh ordinary catalogue desktop whose time zone matches the proxy's city: no address, device or browser id is ever used twice.`,
  `Credential changes (after everything above is laid down): 2–10 minutes after the attack login, every takeover attacker (classes ${no("ato-naive")}–${no("ato-isp")}) changes the password: \`POST /event\` type \`password_change\` with the login's \`session_id\`, its address and user agent, and \`timestamp\` at the simulated instant (also the worker's clock, \`x-edgeward-now\`). 1–15 minutes after their decisive login, 20 % of every benign population do the same; 40 % of travellers (whose last login is abroad) and of new-device owners (setting up a device is when people reset a forgotten password).`,
  `Second factors (tests/quality/run.mjs \`stepUps\`, the driver's \`challenge\`): the application asks for one on every login decided Suspicious of an account that already had a login, and reports the outcome 30 s later (\`POST /event\` \`challenge_succeeded\` or \`challenge_failed\` with the session id). Owners pass (always: a second factor lost or mistyped is not modelled), as does a farm on its own accounts; takeover, stuffing and impossible-travel attackers hold only the password, fail, and do not go on to the password change. EDGEWARD_QUALITY_STEP_UP=0 runs the application that never reports one.`,
];

/** Headcounts a scale below 1 may not go under (see `size` in buildScenarios). */
export const FLOORS = {
  "enterprise-hq": 60, "enterprise-branch": 16, "enterprise-hybrid": 6, campus: 30, "cgnat-per-carrier": 25,
  "popular-iphone": 30, "popular-galaxy": 15,
  // Every farm plan (world and network) is a case of its own: all of them at every scale.
  "popular-farms": 4, "emulator-farms": 3,
};

/** Population sizes; `scale` shrinks every population (never below 2, nor below FLOORS). */
export const SIZES = {
  regulars: 150, "travellers-home-tz": 30, "travellers-local-tz": 30, households: 20, office: 40, mobile: 30,
  "vpn-commuters": 30, "common-phones": 40, "ato-naive": 40, "ato-vpn": 40, "ato-targeted": 40,
  farms: 5, rings: 7, "tor-dc-disposable": 30, stuffing: 40, "impossible-travel": 30, bots: 30, "new-device": 30,
  "enterprise-hq": 64, "enterprise-branch": 26, "enterprise-hybrid": 10, campus: 60, "cgnat-per-carrier": 40,
  "popular-iphone": 60, "popular-galaxy": 30, "corporate-vpn-cloud": 40, "ato-isp": 40, "popular-farms": 4,
  "emulator-farms": 3, "slow-stuffing": 40,
};

// --- Building blocks -------------------------------------------------------------------------

class Builder {
  constructor(rng, ranges) {
    this.rng = rng;
    this.ranges = ranges;
    this.accounts = [];
    this.seq = 0;
  }

  /** Runs `fn` with the page loads of its sessions drawn from `rng` (a population's own stream). */
  withRng(rng, fn) {
    const saved = this.rng;
    this.rng = rng;
    try {
      return fn();
    } finally {
      this.rng = saved;
    }
  }

  account(cls, prefix, email) {
    const a = { id: `${prefix}-${String(this.accounts.filter((x) => x.cls === cls).length + 1).padStart(3, "0")}`, cls, email, events: [] };
    this.accounts.push(a);
    return a;
  }

  /**
   * One session of `account` at `t`: a page load of `profile` from `net` ({ip, cf}).
   * `opts`: { decisive, stage ("history"; then "decisive" for benign people, "owner" for a
   * victim's own login, "signup", "attack", "later" for attackers), what (a label for the
   * report), load | overrides }.
   */
  session(account, t, profile, net, opts = {}) {
    const load = opts.load ?? pageLoad(this.rng, profile, opts.overrides);
    account.events.push({
      seq: this.seq++, t: Math.round(t), account: account.id, email: account.email, stage: opts.stage ?? "history",
      what: opts.what ?? (opts.decisive ? "the decisive login" : opts.stage === "signup" ? "sign-up" : "a history login"),
      decisive: opts.decisive ?? false, load, ip: net.ip, cf: net.cf,
    });
  }
}

/** A person at home: country, city, ISP and address, devices, habits. */
function resident(b, rng, { country = rng.weighted(HOME_COUNTRIES), phone = rng.chance(0.3), phoneOnly = false } = {}) {
  const c = COUNTRIES[country];
  const home = rng.pick(c.cities);
  const isp = rng.pick(c.isps);
  const carrier = rng.pick(c.mobile);
  const locale = { tz: home.tz, languages: rng.pick(c.languages) };
  const desktop = phoneOnly ? null : makeBrowser(rng, makeDevice(rng, rng.weighted(DESKTOP_MODELS), locale));
  const mobile = phone || phoneOnly ? makeBrowser(rng, makeDevice(rng, rng.weighted(PHONE_MODELS), locale)) : null;
  return {
    country, home, isp, carrier, locale, desktop, mobile,
    homeNet: { ip: ispAddress(rng, isp, b.ranges), cf: cf(country, home, isp) },
    hour: rng.weighted([[8, 2], [12, 2], [19, 3], [21, 3], [17, 1]]), // the usual local hour
    updateDay: rng.int(3, 18), // browsers update mid-history: a new major version
  };
}

/** The network of a phone session: home Wi-Fi most of the time, the carrier otherwise. */
function phoneNet(b, rng, p) {
  if (rng.chance(0.7)) return p.homeNet;
  return { ip: ispAddress(rng, p.carrier, b.ranges), cf: cf(p.country, p.home, p.carrier) };
}

/** Which of a resident's devices a session uses. */
const pickProfile = (rng, p) => (p.desktop && p.mobile ? (rng.chance(0.65) ? p.desktop : p.mobile) : p.desktop ?? p.mobile);

/** `count` distinct sorted days in [from, to]. */
function days(rng, count, from, to) {
  const all = rng.shuffle(Array.from({ length: to - from + 1 }, (_, i) => from + i));
  return all.slice(0, Math.min(count, all.length)).sort((x, y) => x - y);
}

/** `count` history sessions of a resident over local days [from, to] at their usual hours. */
function history(b, rng, account, p, count, from = 0, to = HISTORY_DAYS - 1) {
  for (const day of days(rng, count, from, to)) {
    const profile = pickProfile(rng, p);
    profile.major = day >= p.updateDay ? 1 : 0;
    const net = profile === p.mobile ? phoneNet(b, rng, p) : p.homeNet;
    b.session(account, localTime(day, p.hour + rng.normal(1.2), p.home.tz), profile, net);
  }
}

/** A login at home on local day `day`. */
function homeLogin(b, rng, account, p, day, opts = {}) {
  const profile = opts.profile ?? pickProfile(rng, p);
  profile.major = day >= p.updateDay ? 1 : 0;
  const net = profile === p.mobile ? phoneNet(b, rng, p) : p.homeNet;
  const t = opts.t ?? localTime(day, p.hour + rng.normal(1.2), p.home.tz);
  b.session(account, t, profile, net, opts);
  return t;
}

/** A model whose OS differs from every OS in `avoid`, desktop or phone as drawn. */
function otherModel(rng, avoidOs) {
  const candidates = Object.entries(MODELS).filter(([, m]) => !avoidOs.includes(m.os));
  return rng.pick(candidates)[0];
}

// --- The populations -------------------------------------------------------------------------

export function buildScenarios(seed, ranges, scale = 1) {
  resetMailboxes();
  const root = new Rng(seed);
  const b = new Builder(root, ranges);
  // The headcounts that are the published facts of a population (people behind one office
  // NAT, subscribers on one CGN pool, strangers sharing one phone SKU, students on one campus
  // NAT) keep a floor at every scale: shrinking them would test a different population.
  const size = (k) => Math.max(FLOORS[k] ?? 2, Math.round(SIZES[k] * scale));

  // 1. Regulars: 10–25 sessions over three weeks from one home device and address; 30 % also
  // use a phone from the start (home Wi-Fi mostly, the carrier sometimes).
  {
    const rng = root.fork("regulars");
    for (let i = 0; i < size("regulars"); i++) {
      const p = resident(b, rng);
      const a = b.account("regulars", "regular", personalEmail(rng, p.country));
      history(b, rng, a, p, rng.int(10, 25) - 1);
      homeLogin(b, rng, a, p, D, { decisive: true, stage: "decisive" });
    }
  }

  // 2. Travellers: home history, a last login at home on day 23, a flight, then 2–3 logins
  // abroad on their own device (a hotel's or local provider's network). Half keep the device's
  // home time zone, half let it follow the destination (phones and laptops set the time zone
  // from the network by default): the device fingerprint includes the time zone.
  for (const variant of ["travellers-home-tz", "travellers-local-tz"]) {
    const rng = root.fork(variant);
    for (let i = 0; i < size(variant); i++) {
      const p = resident(b, rng);
      const a = b.account(variant, variant === "travellers-home-tz" ? "traveller-h" : "traveller-l", personalEmail(rng, p.country));
      history(b, rng, a, p, rng.int(10, 20));
      const profile = p.desktop ?? p.mobile;
      const left = homeLogin(b, rng, a, p, D, { profile, stage: "decisive", what: "the last login at home, before the flight" });
      const destCountry = rng.pick(Object.keys(COUNTRIES).filter((c) => c !== p.country && COUNTRIES[c].weight > 0));
      const dest = rng.pick(COUNTRIES[destCountry].cities);
      const km = distanceKm(p.home, dest);
      const intercontinental = COUNTRIES[destCountry].continent !== COUNTRIES[p.country].continent;
      // Door to door: the flight at ~800 km/h plus airports, at least 10 h between continents.
      const gap = Math.max(intercontinental ? 10 : 3, km / 800 + 3 + rng.float() * 2) * HOUR;
      const away = variant === "travellers-local-tz"
        ? { ...profile, device: { ...profile.device, tz: dest.tz } }
        : profile;
      const hotel = rng.pick(COUNTRIES[destCountry].isps);
      const net = { ip: ispAddress(rng, hotel, ranges), cf: cf(destCountry, dest, hotel) };
      const n = rng.int(2, 3);
      let t = left + gap;
      for (let k = 0; k < n; k++) {
        b.session(a, t, away, net, { stage: "decisive", decisive: k === n - 1, what: k === 0 ? "the first login abroad" : "a later login abroad" });
        t += (8 + rng.float() * 10) * HOUR;
      }
    }
  }

  // 3. Households: 2–3 accounts on one shared device and browser (same browser id) at one home
  // address; some members also have a phone of their own.
  {
    const rng = root.fork("households");
    for (let h = 0; h < size("households"); h++) {
      const p = resident(b, rng, { phone: false });
      const shared = p.desktop;
      const members = rng.chance(0.6) ? 2 : 3;
      for (let m = 0; m < members; m++) {
        const own = rng.chance(0.3) ? makeBrowser(rng, makeDevice(rng, rng.weighted(PHONE_MODELS), p.locale)) : null;
        const person = { ...p, desktop: shared, mobile: own, hour: rng.weighted([[8, 1], [12, 1], [19, 2], [21, 2]]) };
        const a = b.account("households", `household${String(h + 1).padStart(2, "0")}`, personalEmail(rng, p.country));
        history(b, rng, a, person, rng.int(8, 18));
        homeLogin(b, rng, a, person, D, { profile: shared, decisive: true, stage: "decisive" });
      }
    }
  }

  // 4. Office: 40 employees, each with their own computer and browser, all behind one office
  // address in London; logins on working days, mostly 08:30–10:00, some after lunch.
  {
    const rng = root.fork("office");
    const c = COUNTRIES.GB;
    const london = c.cities[0];
    const isp = { asn: 2856, org: "British Telecommunications PLC" };
    const office = { ip: ispAddress(rng, c.isps[0], ranges), cf: cf("GB", london, isp) };
    const workdays = Array.from({ length: HISTORY_DAYS }, (_, d) => d).filter((d) => d % 7 !== 0 && d % 7 !== 6);
    for (let i = 0; i < size("office"); i++) {
      const device = makeDevice(rng, rng.weighted([["win-intel", 55], ["win-nvidia", 5], ["mac", 35], ["linux", 5]]), { tz: london.tz, languages: rng.pick(c.languages) });
      const profile = makeBrowser(rng, device);
      let email;
      do email = `${personalEmail(rng, "GB").split("@")[0].replace(/\+.*/, "")}@northwind-logistics.co.uk`;
      while (!reserveEmail(email));
      const a = b.account("office", "office", email);
      for (const day of workdays) {
        if (!rng.chance(0.75)) continue;
        b.session(a, localTime(day, 8.5 + rng.float() * 1.5, london.tz), profile, office);
        if (rng.chance(0.25)) b.session(a, localTime(day, 13 + rng.float(), london.tz), profile, office);
      }
      b.session(a, localTime(D, 8.5 + rng.float() * 1.5, london.tz), profile, office, { decisive: true, stage: "decisive" });
    }
  }

  // 5. Mobile carrier churn: phone only, a new carrier address every session.
  {
    const rng = root.fork("mobile");
    for (let i = 0; i < size("mobile"); i++) {
      const p = resident(b, rng, { phoneOnly: true });
      const a = b.account("mobile", "mobile", personalEmail(rng, p.country));
      const carrierNet = () => ({ ip: ispAddress(rng, p.carrier, ranges), cf: cf(p.country, rng.chance(0.8) ? p.home : rng.pick(COUNTRIES[p.country].cities.filter((x) => distanceKm(x, p.home) < 400).concat([p.home])), p.carrier) });
      for (const day of days(rng, rng.int(10, 20), 0, HISTORY_DAYS - 1)) {
        p.mobile.major = day >= p.updateDay ? 1 : 0;
        b.session(a, localTime(day, p.hour + rng.normal(2), p.home.tz), p.mobile, carrierNet());
      }
      p.mobile.major = 1;
      b.session(a, localTime(D, p.hour + rng.normal(2), p.home.tz), p.mobile, carrierNet(), { decisive: true, stage: "decisive" });
    }
  }

  // 6. VPN commuters: home ISP and a commercial VPN (exit in their own country) by turns; the
  // VPN app picks one of a few servers. The decisive login is through the VPN.
  {
    const rng = root.fork("vpn");
    for (let i = 0; i < size("vpn-commuters"); i++) {
      const p = resident(b, rng, { phone: false });
      const provider = rng.pick(["Mullvad", "ProtonVPN"]);
      const exits = Array.from({ length: rng.int(2, 3) }, () => operatorSession(rng, ranges, provider, p.country));
      const a = b.account("vpn-commuters", "vpn", personalEmail(rng, p.country));
      const ds = days(rng, rng.int(12, 20), 0, HISTORY_DAYS - 1);
      ds.forEach((day, k) => {
        p.desktop.major = day >= p.updateDay ? 1 : 0;
        const net = k % 2 === 0 || rng.chance(0.2) ? p.homeNet : rng.pick(exits);
        b.session(a, localTime(day, p.hour + rng.normal(1.5), p.home.tz), p.desktop, net);
      });
      b.session(a, localTime(D, p.hour + rng.normal(1.5), p.home.tz), p.desktop, rng.pick(exits), { decisive: true, stage: "decisive" });
    }
  }

  // 7. Identical popular phones: one iPhone model, one screen, one time zone and language, the
  // same Safari; different people (browser ids, home addresses, carriers).
  {
    const rng = root.fork("common-phones");
    const ny = COUNTRIES.US.cities[0];
    for (let i = 0; i < size("common-phones"); i++) {
      const p = resident(b, rng, { country: "US", phone: false });
      p.home = ny;
      p.homeNet = { ip: ispAddress(rng, p.isp, ranges), cf: cf("US", ny, p.isp) };
      const device = makeSkuDevice(rng, "iphone-16", { tz: ny.tz, languages: ["en-US"] });
      const profile = makeBrowser(rng, device, "ios-safari");
      const person = { ...p, desktop: null, mobile: profile };
      const a = b.account("common-phones", "iphone", personalEmail(rng, "US"));
      history(b, rng, a, person, rng.int(6, 14));
      homeLogin(b, rng, a, person, D, { decisive: true, stage: "decisive" });
    }
  }

  // 8. New device: built last, below, from a stream of its own.

  // 9–11. Takeovers of accounts with a regular's history (also the owners of class 8, drawn
  // last). `fits`: a resident drawn that fails it is drawn again (no other class passes one).
  const victim = (rng, cls, prefix, fits = () => true) => {
    let p = resident(b, rng);
    while (!fits(p)) p = resident(b, rng);
    const a = b.account(cls, prefix, personalEmail(rng, p.country));
    history(b, rng, a, p, rng.int(10, 20));
    return { p, a, oses: [p.desktop?.device.model.os, p.mobile?.device.model.os].filter(Boolean), browsers: [p.desktop?.browser, p.mobile?.browser].filter(Boolean) };
  };
  const attackTime = (rng) => T0 + D * DAY + rng.float() * DAY;

  // 9. Naive (Wiefling et al. 2022): another country, network, device, browser and OS.
  {
    const rng = root.fork("ato-naive");
    for (let i = 0; i < size("ato-naive"); i++) {
      const { p, a, oses, browsers } = victim(rng, "ato-naive", "ato-naive");
      const country = rng.pick(ATTACKER_COUNTRIES.filter((c) => c !== p.country));
      const ac = COUNTRIES[country];
      const where = rng.pick(ac.cities);
      const isp = rng.pick(ac.isps);
      const device = makeDevice(rng, otherModel(rng, oses), { tz: where.tz, languages: rng.pick(ac.languages) });
      const choices = device.model.browsers.filter(([br]) => !browsers.some((x) => family(x) === family(br)));
      const profile = makeBrowser(rng, device, choices.length ? rng.weighted(choices) : undefined);
      b.session(a, attackTime(rng), profile, { ip: ispAddress(rng, isp, ranges), cf: cf(country, where, isp) }, { decisive: true, stage: "attack" });
    }
  }

  // 10. VPN attacker: a commercial VPN exit in the victim's country, the attacker's own device.
  {
    const rng = root.fork("ato-vpn");
    for (let i = 0; i < size("ato-vpn"); i++) {
      const { p, a } = victim(rng, "ato-vpn", "ato-vpn");
      const home = COUNTRIES[rng.pick(ATTACKER_COUNTRIES.filter((c) => c !== p.country))];
      const where = rng.pick(home.cities);
      const device = makeDevice(rng, rng.weighted([...DESKTOP_MODELS, ...PHONE_MODELS]), { tz: where.tz, languages: rng.pick(home.languages) });
      const net = operatorSession(rng, ranges, rng.pick(["Mullvad", "ProtonVPN"]), p.country);
      b.session(a, attackTime(rng), makeBrowser(rng, device), net, { decisive: true, stage: "attack" });
    }
  }

  // 11. Targeted attacker: the victim's country and city through a residential proxy on another
  // provider, the victim's browser and OS in the user agent, the victim's time zone and
  // languages, at the victim's usual hour; only the hardware (screen, GPU, cores) is their own.
  {
    const rng = root.fork("ato-targeted");
    for (let i = 0; i < size("ato-targeted"); i++) {
      const { p, a } = victim(rng, "ato-targeted", "ato-targeted");
      const mimic = p.desktop ?? p.mobile;
      const m = mimic.device.model;
      const other = (xs, cur) => rng.pick(xs.filter((x) => JSON.stringify(x) !== JSON.stringify(cur))) ?? cur;
      const [w, h] = other(m.screens.map(([sw, sh]) => [sw, sh]), [mimic.device.screen.width, mimic.device.screen.height]);
      const device = {
        ...mimic.device,
        screen: { ...mimic.device.screen, width: w, height: h },
        gpu: other(m.gpus, mimic.device.gpu),
        cores: other([2, 4, 6, 8, 12, 16], mimic.device.cores),
      };
      const isps = COUNTRIES[p.country].isps.filter((x) => x.asn !== p.isp.asn);
      const isp = rng.pick(isps.length ? isps : COUNTRIES[p.country].mobile.filter((x) => x.asn !== p.isp.asn));
      const profile = { device, browser: mimic.browser, browserId: rng.browserId(), major: 1 };
      const t = localTime(D, p.hour + rng.normal(1), p.home.tz);
      b.session(a, t, profile, { ip: ispAddress(rng, isp, ranges), cf: cf(p.country, p.home, isp) }, { decisive: true, stage: "attack" });
    }
  }

  // 12. Device farms: one rare device per farm, a fresh browser id (cleared storage) for every
  // account; sign-ups minutes apart, then each account logs in again hours later to use it.
  // Farms 1, 3, 5 sit behind one address, farms 2 and 4 rotate residential proxies.
  {
    const rng = root.fork("farms");
    const rare = ["old-pc-hd530", "lowend-mali-t830", "old-pc-hd4000", "lowend-powervr", "old-pc-gt730"];
    const farmCountries = ["VN", "ID", "NG", "IN", "BR"];
    for (let f = 0; f < size("farms"); f++) {
      const sku = rare[f % rare.length];
      const country = farmCountries[f % farmCountries.length];
      const c = COUNTRIES[country];
      const where = rng.pick(c.cities);
      const device = makeSkuDevice(rng, sku, { tz: where.tz, languages: rng.pick(c.languages) });
      const browser = SKUS[sku].browser;
      const oneAddress = f % 2 === 0;
      const farmIsp = rng.pick(c.isps);
      const farmNet = { ip: ispAddress(rng, farmIsp, ranges), cf: cf(country, where, farmIsp) };
      const net = () => {
        if (oneAddress) return farmNet;
        const isp = rng.pick([...c.isps, ...c.mobile]);
        const at = rng.pick(c.cities);
        return { ip: ispAddress(rng, isp, ranges), cf: cf(country, at, isp) };
      };
      const n = rng.int(10, 20);
      let t = T0 + D * DAY + rng.float() * 6 * HOUR;
      const accounts = [];
      for (let k = 0; k < n; k++) {
        const a = b.account("device-farm", `farm${f + 1}`, personalEmail(rng, country));
        accounts.push(a);
        b.session(a, t, makeBrowser(rng, device, browser), net(), { stage: "signup", what: "sign-up" });
        t += (2 + rng.float() * 6) * MINUTE;
      }
      t += (3 + rng.float() * 3) * HOUR;
      for (const a of rng.shuffle(accounts)) {
        b.session(a, t, makeBrowser(rng, device, browser), net(), { stage: "later", decisive: true });
        t += (1 + rng.float() * 4) * MINUTE;
      }
    }
  }

  // 13. E-mail alias rings: one Gmail mailbox behind 4–6 accounts (dots and +tags), each
  // account on its own device and address; sign-ups within a few hours, logins the next day.
  {
    const rng = root.fork("rings");
    for (let r = 0; r < size("rings"); r++) {
      const country = rng.weighted(HOME_COUNTRIES);
      const c = COUNTRIES[country];
      let base;
      do {
        base = `${rng.pick(["jean", "mark", "lucia", "tobias", "nina", "omar", "kate", "ivan"])}${rng.pick(["deals", "shopper", "winner", "promo", "lucky"])}${rng.int(10, 99)}`;
      } while (!reserveEmail(`${base}@gmail.com`));
      const n = rng.int(4, 6);
      const variants = aliasVariants(rng, base, n);
      let t = T0 + D * DAY + rng.float() * 8 * HOUR;
      const members = [];
      for (const email of variants) {
        const where = rng.pick(c.cities);
        const device = makeDevice(rng, rng.weighted([...DESKTOP_MODELS, ...PHONE_MODELS]), { tz: where.tz, languages: rng.pick(c.languages) });
        const profile = makeBrowser(rng, device);
        const isp = rng.pick([...c.isps, ...c.mobile]);
        const net = { ip: ispAddress(rng, isp, ranges), cf: cf(country, where, isp) };
        const a = b.account("alias-rings", `ring${r + 1}`, email);
        members.push({ a, profile, net });
        b.session(a, t, profile, net, { stage: "signup" });
        t += (10 + rng.float() * 50) * MINUTE;
      }
      t += DAY;
      for (const m of members) {
        b.session(m.a, t, m.profile, m.net, { stage: "later", decisive: true });
        t += (5 + rng.float() * 60) * MINUTE;
      }
    }
  }

  // 14. Tor and datacenter sign-ups with disposable mail.
  {
    const rng = root.fork("tor-dc");
    const domains = ["mailinator.com", "guerrillamail.com", "yopmail.com", "sharklasers.com", "10minutemail.com", "trashmail.com", "grr.la", "maildrop.cc"];
    for (let i = 0; i < size("tor-dc-disposable"); i++) {
      const provider = i % 2 === 0 ? "Tor" : rng.pick(["Amazon AWS", "DigitalOcean", "Hetzner", "OVHcloud", "Vultr"]);
      const net = operatorSession(rng, ranges, provider);
      const home = COUNTRIES[rng.pick(Object.keys(COUNTRIES))];
      const where = rng.pick(home.cities);
      const device = makeDevice(rng, rng.weighted(DESKTOP_MODELS), { tz: where.tz, languages: rng.pick(home.languages) });
      let email;
      do email = `${rng.pick(["user", "test", "acc", "temp", "x"])}${rng.int(100, 99999)}@${rng.pick(domains)}`;
      while (!reserveEmail(email));
      const a = b.account("tor-dc-disposable", provider === "Tor" ? "tor" : "dc", email);
      b.session(a, T0 + D * DAY + rng.float() * DAY, makeBrowser(rng, device), net, { stage: "signup", decisive: true });
    }
  }

  // 15. Credential stuffing: 40 victims with history; one datacenter address logs into all of
  // them within 20 minutes from one headless-looking device (no WebDriver flag, an ordinary
  // Chrome user agent, a software GPU), with cleared storage each time.
  {
    const rng = root.fork("stuffing");
    const victims = Array.from({ length: size("stuffing") }, () => victim(rng, "stuffing", "stuffed"));
    const net = operatorSession(rng, ranges, "DigitalOcean");
    // A Linux server claiming to be Chrome on Windows (world.mjs SKUS: headless-container).
    const device = makeSkuDevice(rng, "headless-container", { tz: "UTC", languages: ["en-US"] });
    let t = T0 + D * DAY + 14 * HOUR;
    for (const { a } of rng.shuffle(victims)) {
      const profile = makeBrowser(rng, device, "chrome");
      b.session(a, t, profile, net, { stage: "attack", decisive: true, overrides: { behavior: { mouse: 0, click: 0, keyboard: 0, touch: 0, clipboard: 0 } } });
      t += (20 * MINUTE) / size("stuffing") * (0.5 + rng.float());
    }
  }

  // 16. Impossible travel: a login at home, then an hour later one from another continent with
  // the same browser (a stolen session cookie or a synced browser profile).
  {
    const rng = root.fork("travel");
    for (let i = 0; i < size("impossible-travel"); i++) {
      const { p, a } = victim(rng, "impossible-travel", "far");
      const profile = p.desktop ?? p.mobile;
      const t = homeLogin(b, rng, a, p, D, { profile, stage: "owner", what: "the owner's login at home" });
      const country = rng.pick(Object.keys(COUNTRIES).filter((c) => COUNTRIES[c].continent !== COUNTRIES[p.country].continent));
      const where = rng.pick(COUNTRIES[country].cities);
      const isp = rng.pick(COUNTRIES[country].isps);
      b.session(a, t + HOUR, profile, { ip: ispAddress(rng, isp, ranges), cf: cf(country, where, isp) }, { stage: "attack", decisive: true });
    }
  }

  // 17. Bots: sign-ups from WebDriver-driven browsers (half) or HeadlessChrome (half), from
  // datacenters or residential addresses.
  {
    const rng = root.fork("bots");
    for (let i = 0; i < size("bots"); i++) {
      const country = rng.weighted(HOME_COUNTRIES);
      const c = COUNTRIES[country];
      const where = rng.pick(c.cities);
      const device = makeDevice(rng, rng.pick(["win-intel", "linux"]), { tz: where.tz, languages: rng.pick(c.languages) });
      const profile = makeBrowser(rng, device, "chrome");
      const headless = i % 2 === 1;
      const overrides = headless
        ? { userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36" }
        : { webdriver: true };
      overrides.behavior = { mouse: 0, click: 1, keyboard: rng.int(20, 40), touch: 0, clipboard: 0 };
      let net;
      if (rng.chance(0.5)) {
        net = operatorSession(rng, ranges, rng.pick(["Amazon AWS", "DigitalOcean", "Hetzner", "OVHcloud"]));
      } else {
        const isp = rng.pick(c.isps);
        net = { ip: ispAddress(rng, isp, ranges), cf: cf(country, where, isp) };
      }
      let email;
      do email = `${rng.pick(FIRSTS)}${rng.int(1000, 99999)}@${rng.pick(["gmail.com", "outlook.com", "yahoo.com"])}`;
      while (!reserveEmail(email));
      const a = b.account("bots", "bot", email);
      b.session(a, T0 + D * DAY + rng.float() * DAY, profile, net, { stage: "signup", decisive: true, overrides });
    }
  }

  // --- The populations added for issue 15, designed from published facts before any tuning
  // (each class's `source` in CLASSES says which). Every device below is built with world.mjs's
  // makeDevice / makeSkuDevice, the benign people's and the attackers' alike.

  const workdays = Array.from({ length: HISTORY_DAYS }, (_, d) => d).filter((d) => d % 7 !== 0 && d % 7 !== 6);
  /** A company mailbox: a colleague's name at the company's domain, unique once normalised. */
  const companyEmail = (rng, country, domain) => {
    let email;
    do email = `${personalEmail(rng, country).split("@")[0].replace(/\+.*/, "")}@${domain}`;
    while (!reserveEmail(email));
    return email;
  };

  // 9. Enterprise NAT with fleet-identical laptops, two offices. Source: Windows Autopilot /
  // Intune (one image, one model), RFC 3022 (one NAPT egress per office), Casado & Freedman,
  // NSDI 2007 (tens to hundreds of clients behind one address).
  {
    const rng = root.fork("enterprise");
    const c = COUNTRIES.GB;
    const [london, manchester] = c.cities;
    const bt = c.isps.find((x) => x.asn === 2856);
    const virgin = c.isps.find((x) => x.asn === 5089);
    const hq = { ip: ispAddress(rng, bt, ranges), cf: cf("GB", london, bt) };
    const branch = { ip: ispAddress(rng, virgin, ranges), cf: cf("GB", manchester, virgin) };
    const locale = (city) => ({ tz: city.tz, languages: ["en-GB", "en"] });
    const nHq = size("enterprise-hq");
    const nBranch = size("enterprise-branch");
    const nHybrid = Math.min(nBranch, size("enterprise-hybrid"));
    for (let i = 0; i < nHq + nBranch; i++) {
      const atHq = i < nHq;
      const hybrid = !atHq && i - nHq < nHybrid;
      const city = atHq ? london : manchester;
      const own = atHq ? hq : branch;
      const device = makeSkuDevice(rng, "fleet-latitude", locale(city));
      const laptop = makeBrowser(rng, device, "edge");
      const p = resident(b, rng, { country: "GB", phone: false });
      const home = { ip: p.homeNet.ip, cf: cf("GB", city, p.isp) };
      const a = b.account("enterprise-fleet", atHq ? "ent-hq" : hybrid ? "ent-both" : "ent-branch", companyEmail(rng, "GB", "fabrikam-engineering.co.uk"));
      a.group = atHq ? "head office (London), one BT address" : hybrid ? "branch staff who also work at the head office" : "branch (Manchester), one Virgin Media address";
      const updateDay = rng.int(3, 18); // the fleet's browser updates when IT pushes it
      for (const day of workdays) {
        if (!rng.chance(0.8)) continue;
        laptop.major = day >= updateDay ? 1 : 0;
        const net = rng.chance(0.15) ? home : hybrid && rng.chance(0.35) ? hq : own;
        b.session(a, localTime(day, 8.33 + rng.float() * 1.67, city.tz), laptop, net);
        if (rng.chance(0.25)) b.session(a, localTime(day, 13 + rng.float(), city.tz), laptop, net);
      }
      laptop.major = 1;
      b.session(a, localTime(D, 8.33 + rng.float() * 1.67, city.tz), laptop, hybrid ? hq : own, { decisive: true, stage: "decisive" });
    }
  }

  // 10. Campus NAT. Source: RFC 3022; Casado & Freedman, NSDI 2007.
  {
    const rng = root.fork("campus");
    const c = COUNTRIES.US;
    const seattle = c.cities.find((x) => x.name === "Seattle");
    const uni = { asn: 73, org: "University of Washington", prefixes: ["128.95.0.0/16", "128.208.0.0/16"] };
    const pool = [0, 1].map(() => ({ ip: ispAddress(rng, uni, ranges), cf: cf("US", seattle, uni) }));
    for (let i = 0; i < size("campus"); i++) {
      const locale = { tz: seattle.tz, languages: rng.pick(c.languages) };
      const laptop = makeBrowser(rng, makeDevice(rng, rng.weighted([["mac", 50], ["win-intel", 30], ["win-nvidia", 5], ["win-amd", 5], ["linux", 10]]), locale));
      const phone = rng.chance(0.8) ? makeBrowser(rng, makeDevice(rng, rng.weighted([["iphone", 65], ["android", 35]]), locale)) : null;
      const carrier = rng.pick(c.mobile);
      let email = personalEmail(rng, "US");
      if (rng.chance(0.5)) email = companyEmail(rng, "US", "uw.edu");
      const a = b.account("campus-nat", "student", email);
      const updateDay = rng.int(3, 18);
      for (const day of days(rng, rng.int(12, 25), 0, HISTORY_DAYS - 1)) {
        const profile = phone && rng.chance(0.5) ? phone : laptop;
        profile.major = day >= updateDay ? 1 : 0;
        const onCampus = profile === laptop || rng.chance(0.85);
        const net = onCampus ? rng.pick(pool) : { ip: ispAddress(rng, carrier, ranges), cf: cf("US", seattle, carrier) };
        b.session(a, localTime(day, 9 + rng.float() * 15, seattle.tz), profile, net);
      }
      const profile = phone && rng.chance(0.5) ? phone : laptop;
      profile.major = 1;
      b.session(a, localTime(D, 9 + rng.float() * 14, seattle.tz), profile, rng.pick(pool), { decisive: true, stage: "decisive" });
    }
  }

  // 11. Carrier-grade NAT. Source: RFC 6888, RFC 6598; Richter et al., IMC 2016.
  {
    const rng = root.fork("cgnat");
    const sites = [
      { country: "IN", city: "Mumbai", asn: 55836, phones: [["android", 90], ["iphone", 10]], label: "Reliance Jio, Mumbai: 3 CGN addresses" },
      { country: "US", city: "Houston", asn: 21928, phones: [["iphone", 55], ["android", 45]], label: "T-Mobile, Houston: 3 CGN addresses" },
    ];
    for (const site of sites) {
      const c = COUNTRIES[site.country];
      const where = c.cities.find((x) => x.name === site.city);
      const carrier = c.mobile.find((x) => x.asn === site.asn);
      // Three addresses of one /24 of the carrier, none in an iporigin range.
      const first = ipToInt(ispAddress(rng, carrier, ranges));
      const block = first - (first % 256);
      const pool = [];
      while (pool.length < 3) {
        const ip = intToIp(block + rng.int(1, 254));
        if (!ranges.find(ip) && !pool.some((x) => x.ip === ip)) pool.push({ ip, cf: cf(site.country, where, carrier) });
      }
      for (let i = 0; i < size("cgnat-per-carrier"); i++) {
        const locale = { tz: where.tz, languages: rng.pick(c.languages) };
        const phone = makeBrowser(rng, makeDevice(rng, rng.weighted(site.phones), locale));
        const a = b.account("cgnat", site.country === "IN" ? "cgn-jio" : "cgn-tmo", personalEmail(rng, site.country));
        a.group = site.label;
        const hour = rng.weighted([[8, 2], [12, 2], [19, 3], [21, 3], [17, 1]]);
        const updateDay = rng.int(3, 18);
        for (const day of days(rng, rng.int(10, 20), 0, HISTORY_DAYS - 1)) {
          phone.major = day >= updateDay ? 1 : 0;
          b.session(a, localTime(day, hour + rng.normal(1.5), where.tz), phone, rng.pick(pool));
        }
        phone.major = 1;
        b.session(a, localTime(D, hour + rng.normal(1.5), where.tz), phone, rng.pick(pool), { decisive: true, stage: "decisive" });
      }
    }
  }

  // 12. A popular phone model among strangers. Source: StatCounter Global Stats; Apple and
  // Counterpoint model specifications and sales; Gómez-Boix et al., WWW 2018.
  const POPULAR = [
    { sku: "iphone-16", country: "US", languages: ["en-US"], size: "popular-iphone", label: "iPhone (393×852, Apple GPU), 7 US cities" },
    { sku: "galaxy-a54", country: "BR", languages: ["pt-BR"], size: "popular-galaxy", label: "Galaxy A54 (384×832, Mali-G68), 3 Brazilian cities" },
  ];
  {
    const rng = root.fork("popular-phones");
    for (const pop of POPULAR) {
      for (let i = 0; i < size(pop.size); i++) {
        const p = resident(b, rng, { country: pop.country, phoneOnly: true });
        const device = makeSkuDevice(rng, pop.sku, { tz: p.home.tz, languages: pop.languages });
        p.mobile = makeBrowser(rng, device, SKUS[pop.sku].browser);
        const a = b.account("popular-phones", pop.sku === "iphone-16" ? "pop-iphone" : "pop-galaxy", personalEmail(rng, pop.country));
        a.group = pop.label;
        history(b, rng, a, p, rng.int(15, 25) - 1);
        homeLogin(b, rng, a, p, D, { decisive: true, stage: "decisive" });
      }
    }
  }

  // 13. Corporate VPN on cloud egress. Source: Zscaler's published egress ranges; AWS NAT
  // gateway documentation (one Elastic IP per VPC).
  {
    const rng = root.fork("corporate-vpn");
    const [, frankfurt] = DATACENTER_SITES["Amazon AWS"].find(([cc]) => cc === "DE");
    const egress = [0, 1].map(() => operatorSession(rng, ranges, "Amazon AWS", "DE", ["DE", frankfurt]));
    for (let i = 0; i < size("corporate-vpn-cloud"); i++) {
      const p = resident(b, rng, { country: "DE", phone: false });
      const a = b.account("corporate-vpn-cloud", "corpvpn", companyEmail(rng, "DE", "kestrel-maschinenbau.de"));
      for (let day = 0; day < HISTORY_DAYS; day++) {
        p.desktop.major = day >= p.updateDay ? 1 : 0;
        const weekday = day % 7 !== 0 && day % 7 !== 6;
        if (weekday && rng.chance(0.8)) b.session(a, localTime(day, 8 + rng.float() * 2, p.home.tz), p.desktop, rng.pick(egress));
        else if (!weekday && rng.chance(0.3)) b.session(a, localTime(day, p.hour + rng.normal(1.5), p.home.tz), p.desktop, p.homeNet);
      }
      p.desktop.major = 1;
      b.session(a, localTime(D, 8 + rng.float() * 2, p.home.tz), p.desktop, rng.pick(egress), { decisive: true, stage: "decisive" });
    }
  }

  // 17. Takeover on the victim's own ISP, in the victim's city: a new device and a new address
  // on the victim's ASN, then a password change (credentialChanges below, share 1).
  {
    const rng = root.fork("ato-isp");
    for (let i = 0; i < size("ato-isp"); i++) {
      const { p, a } = victim(rng, "ato-isp", "ato-isp");
      let ip;
      do ip = ispAddress(rng, p.isp, ranges);
      while (ip === p.homeNet.ip);
      const device = makeDevice(rng, rng.weighted([...DESKTOP_MODELS, ...PHONE_MODELS]), { tz: p.home.tz, languages: rng.pick(COUNTRIES[p.country].languages) });
      const profile = makeBrowser(rng, device);
      profile.major = 1;
      b.session(a, localTime(D, p.hour + rng.normal(3), p.home.tz), profile, { ip, cf: cf(p.country, p.home, p.isp) }, { decisive: true, stage: "attack" });
    }
  }

  // 19. Storage-clearing farms on the popular phone SKUs: units identical to class 12's.
  {
    const rng = root.fork("popular-farms");
    const plans = [
      { pop: POPULAR[0], net: "one-isp" }, { pop: POPULAR[0], net: "rotate" },
      { pop: POPULAR[0], net: "one-carrier" }, { pop: POPULAR[1], net: "rotate" },
    ];
    for (let f = 0; f < size("popular-farms"); f++) {
      const { pop, net: mode } = plans[f % plans.length];
      const c = COUNTRIES[pop.country];
      const where = rng.pick(c.cities);
      const fixedIsp = mode === "one-carrier" ? rng.pick(c.mobile) : rng.pick(c.isps);
      const fixed = { ip: ispAddress(rng, fixedIsp, ranges), cf: cf(pop.country, where, fixedIsp) };
      const net = () => {
        if (mode !== "rotate") return fixed;
        const isp = rng.pick([...c.isps, ...c.mobile]);
        return { ip: ispAddress(rng, isp, ranges), cf: cf(pop.country, rng.pick(c.cities), isp) };
      };
      const unit = () => makeBrowser(rng, makeSkuDevice(rng, pop.sku, { tz: where.tz, languages: pop.languages }), SKUS[pop.sku].browser);
      const n = rng.int(10, 14);
      let t = T0 + D * DAY + rng.float() * 8 * HOUR;
      const accounts = [];
      for (let k = 0; k < n; k++) {
        const a = b.account("popular-phone-farm", `popfarm${f + 1}`, personalEmail(rng, pop.country));
        a.group = `${pop.sku}, ${mode === "rotate" ? "rotating residential proxies" : mode === "one-carrier" ? "one carrier address" : "one residential address"}`;
        accounts.push(a);
        b.session(a, t, unit(), net(), { stage: "signup", what: "sign-up" });
        t += (3 + rng.float() * 12) * MINUTE;
      }
      t += (2 + rng.float() * 4) * HOUR;
      for (const a of rng.shuffle(accounts)) {
        b.session(a, t, unit(), net(), { stage: "later", decisive: true });
        t += (1 + rng.float() * 4) * MINUTE;
      }
    }
  }

  // 20. Emulator farms: a fresh emulator instance per account (world.mjs android-emulator).
  {
    const rng = root.fork("emulator-farms");
    const plans = [{ country: "ID", net: "datacenter" }, { country: "VN", net: "rotate" }, { country: "IN", net: "carrier" }];
    for (let f = 0; f < size("emulator-farms"); f++) {
      const plan = plans[f % plans.length];
      const c = COUNTRIES[plan.country];
      const where = rng.pick(c.cities);
      const server = operatorSession(rng, ranges, "Hetzner");
      const net = () => {
        if (plan.net === "datacenter") return server;
        const isp = plan.net === "carrier" ? rng.pick(c.mobile) : rng.pick(c.isps);
        return { ip: ispAddress(rng, isp, ranges), cf: cf(plan.country, plan.net === "carrier" ? where : rng.pick(c.cities), isp) };
      };
      const languages = rng.pick(c.languages);
      const instance = () => makeBrowser(rng, makeDevice(rng, "android-emulator", { tz: where.tz, languages }), "android-chrome");
      const n = rng.int(10, 14);
      let t = T0 + D * DAY + rng.float() * 8 * HOUR;
      const accounts = [];
      for (let k = 0; k < n; k++) {
        const a = b.account("emulator-farm", `emufarm${f + 1}`, personalEmail(rng, plan.country));
        a.group = `${plan.country}, ${plan.net === "datacenter" ? "one Hetzner address" : plan.net === "carrier" ? "rotating carrier addresses" : "rotating residential proxies"}`;
        accounts.push(a);
        b.session(a, t, instance(), net(), { stage: "signup", what: "sign-up" });
        t += (2 + rng.float() * 8) * MINUTE;
      }
      t += (2 + rng.float() * 3) * HOUR;
      for (const a of rng.shuffle(accounts)) {
        b.session(a, t, instance(), net(), { stage: "later", decisive: true });
        t += (1 + rng.float() * 4) * MINUTE;
      }
    }
  }

  // 24. Slow credential stuffing: one success every 50–110 minutes, a new residential proxy in
  // the victim's country and a fresh ordinary device each time. Source: OWASP cheat sheet.
  {
    const rng = root.fork("slow-stuffing");
    const victims = Array.from({ length: size("slow-stuffing") }, () => victim(rng, "slow-stuffing", "slowstuffed"));
    let t = T0 + D * DAY + rng.float() * 2 * HOUR;
    for (const { p, a } of rng.shuffle(victims)) {
      const c = COUNTRIES[p.country];
      const isp = rng.pick([...c.isps, ...c.mobile]);
      const where = rng.pick(c.cities);
      const device = makeDevice(rng, rng.weighted(DESKTOP_MODELS), { tz: where.tz, languages: rng.pick(c.languages) });
      const profile = makeBrowser(rng, device);
      profile.major = 1;
      b.session(a, t, profile, { ip: ispAddress(rng, isp, ranges), cf: cf(p.country, where, isp) }, { stage: "attack", decisive: true });
      t += (50 + rng.float() * 60) * MINUTE;
    }
  }

  // Credential changes: after the decisive login, every takeover attacker changes the
  // password (the second stage of a takeover), and a share of benign people do the same after
  // their own ordinary login (the benign counterpart). Drawn from their own fork, after every
  // population is built, so the sessions above are those of a run without them.
  const credentialChanges = (rng, accounts) => {
    for (const a of accounts) {
      const share = CHANGE_SHARE[a.cls];
      if (!share || !rng.chance(share)) continue;
      const login = a.events.find((e) => e.decisive);
      const attack = CLASSES.find((c) => c.key === a.cls).label === "attack";
      // The attacker changes it 2–10 minutes after getting in; the owner 1–15 minutes after.
      const t = login.t + (attack ? 2 + 8 * rng.float() : 1 + 14 * rng.float()) * MINUTE;
      a.changes = [{
        seq: b.seq++, t: Math.round(t), account: a.id, email: a.email, stage: "change", kind: "password_change",
        what: "password change", decisive: false, login, load: login.load, ip: login.ip, cf: login.cf,
      }];
    }
  };
  credentialChanges(root.fork("credential-changes"), b.accounts);

  // 8. New device: the owner's own new computer or phone. A regular's history (the takeover
  // victims' draw), then on day 23 at the usual hour a first login from a device and browser id
  // the account has never shown, with the owner's time zone and languages and a browser family
  // they already use where the device offers one; in three equal sub-groups: a new computer at
  // home (home address and provider), a new phone on mobile data (a carrier of the country the
  // account never used: new ASN and address, same city), a second computer at work (an office
  // address of another fixed-line provider in the city: new ASN and address). Everything here,
  // page loads and credential changes included, comes from a stream of its own seeded from the
  // seed, drawn after every other population (their mailboxes are already taken): the other
  // classes' sessions are exactly those of a run without this class.
  {
    const rng = new Rng(hash32(`${seed}:new-device`));
    const changeRng = rng.fork("credential-changes");
    const members = [];
    // The ASNs a resident's account may have shown: the home provider, and the carrier if they
    // have a phone (it is on home Wi-Fi most of the time, the carrier otherwise).
    const asns = (p) => new Set([p.isp.asn, ...(p.mobile ? [p.carrier.asn] : [])]);
    const fresh = (p, isps) => isps.filter((x) => !asns(p).has(x.asn));
    const groups = [
      { prefix: "newpc", label: "a new computer at home", what: "the new computer's first login, at home", models: DESKTOP_MODELS, networks: () => null },
      { prefix: "newphone", label: "a new phone on mobile data", what: "the new phone's first login, on mobile data", models: PHONE_MODELS, networks: (p) => fresh(p, COUNTRIES[p.country].mobile) },
      { prefix: "workpc", label: "a second computer at work", what: "the work computer's first login, at the office", models: DESKTOP_MODELS, networks: (p) => fresh(p, COUNTRIES[p.country].isps) },
    ];
    // What the worker's device id is made of (src/signals/identity.rs: not the time zone, not
    // the user agent), read from a page load of `profile`; the behaviour drawn is thrown away.
    const deviceKey = (profile) => {
      const w = pageLoad(new Rng(0), profile).signals.window;
      return JSON.stringify([w.platform, w.screen.width, w.screen.height, w.screen.colorDepth, w.hardwareConcurrency, w.deviceMemory ?? null, w.languages, w.webglRenderer]);
    };
    b.withRng(rng, () => {
      for (let i = 0; i < size("new-device"); i++) {
        const g = groups[i % groups.length];
        // A country where the sub-group's network exists (Poland has one fixed-line provider
        // here; some countries one carrier): otherwise the owner is drawn again.
        const { p, a } = victim(rng, "new-device", g.prefix, (x) => g.networks(x) === null || g.networks(x).length > 0);
        a.group = g.label;
        const own = [p.desktop, p.mobile].filter(Boolean);
        const known = new Set(own.map(deviceKey));
        const families = new Set(own.map((x) => family(x.browser)));
        let profile;
        for (let k = 0; ; k++) {
          if (k === 50) throw new Error(`${a.id}: no device new to the account in 50 draws`);
          const device = makeDevice(rng, rng.weighted(g.models), p.locale);
          const usual = device.model.browsers.filter(([br]) => families.has(family(br)));
          profile = makeBrowser(rng, device, rng.weighted(usual.length ? usual : device.model.browsers));
          profile.major = 1; // a new device runs the current version
          if (!known.has(deviceKey(profile))) break;
        }
        const isps = g.networks(p);
        let net = p.homeNet;
        if (isps) {
          const isp = rng.pick(isps);
          net = { ip: ispAddress(rng, isp, ranges), cf: cf(p.country, p.home, isp) };
        }
        const shown = a.events.filter((e) => e.stage === "history");
        if (shown.some((e) => e.load.signals.browser_id === profile.browserId)) throw new Error(`${a.id}: the new browser id was seen before`);
        if (isps && shown.some((e) => e.cf.asn === net.cf.asn || e.ip === net.ip)) throw new Error(`${a.id}: the new network was seen before`);
        b.session(a, localTime(D, p.hour + rng.normal(1.2), p.home.tz), profile, net, { decisive: true, stage: "decisive", what: g.what });
        members.push(a);
      }
    });
    credentialChanges(changeRng, members);
  }

  for (const a of b.accounts) {
    a.events.sort((x, y) => x.t - y.t || x.seq - y.seq);
    const decisive = a.events.filter((e) => e.decisive);
    if (decisive.length !== 1 || decisive[0] !== a.events[a.events.length - 1]) {
      throw new Error(`${a.id}: the decisive session must be the account's last, and only one`);
    }
    for (const e of a.events) {
      if ((e.stage === "history") !== (e.t < DECISIVE_START)) throw new Error(`${a.id}: a ${e.stage} session at ${new Date(e.t).toISOString()}`);
    }
  }
  return { classes: CLASSES, accounts: b.accounts };
}

/**
 * Who changes their password after the decisive login (`POST /event` type `password_change`
 * with the login's session): every takeover attacker; 20 % of every benign population, 40 % of
 * travellers (whose last login is abroad, the hardest benign case) and of new-device owners
 * (setting up a new device is when people reset a forgotten password).
 */
export const CHANGE_SHARE = {
  "ato-naive": 1, "ato-vpn": 1, "ato-targeted": 1, "ato-isp": 1,
  regulars: 0.2, "travellers-home-tz": 0.4, "travellers-local-tz": 0.4, households: 0.2, office: 0.2,
  mobile: 0.2, "vpn-commuters": 0.2, "common-phones": 0.2, "new-device": 0.4,
  "enterprise-fleet": 0.2, "campus-nat": 0.2, cgnat: 0.2, "popular-phones": 0.2, "corporate-vpn-cloud": 0.2,
};

const FIRSTS = ["john", "maria", "alex", "anna", "mike", "sara", "dave", "lisa"];

const family = (browser) => ({ "ios-safari": "safari", "ios-chrome": "chrome", "android-chrome": "chrome", samsung: "chrome", edge: "edge" })[browser] ?? browser;

/** `n` distinct spellings of one Gmail mailbox: dots moved around and +tags. */
function aliasVariants(rng, base, n) {
  const out = new Set([`${base}@gmail.com`]);
  while (out.size < n) {
    let local = base;
    if (rng.chance(0.6)) {
      const chars = [...base];
      const dots = rng.int(1, 2);
      for (let d = 0; d < dots; d++) chars.splice(rng.int(1, chars.length - 1), 0, ".");
      local = chars.join("").replace(/\.\.+/g, ".");
    }
    if (rng.chance(0.6) || local === base) local += `+${rng.pick(["a", "b", "1", "2", "promo", "shop", "x", "new"])}${rng.int(1, 9)}`;
    out.add(`${local}@gmail.com`);
  }
  const variants = [...out];
  if (new Set(variants.map(normalizeMailbox)).size !== 1) throw new Error(`alias ring ${base} is not one mailbox`);
  return variants;
}
