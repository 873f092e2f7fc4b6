// The labelled populations of the quality report: benign people who must stay Real, and
// attacks that must be caught. `buildScenarios(seed, ranges)` returns the classes and, per
// account, the sessions it plays: when, from which browser profile, network and place. The same
// seed gives exactly the same sessions.
//
// Time: a fixed base, 2026-11-01T00:00Z (a Sunday), day 0. History is laid down on local days
// 0–20; the population index is rebuilt before the decisive phase, which starts at day 22
// 00:00 UTC; decisive sessions happen on local day 23 (Tuesday 24 November) and after.
import { Rng, hash32 } from "./prng.mjs";
import {
  ATTACKER_COUNTRIES, COUNTRIES, DESKTOP_MODELS, HOME_COUNTRIES, MODELS, PHONE_MODELS, cf, ispAddress,
  makeBrowser, makeDevice, normalizeMailbox, operatorSession, pageLoad, personalEmail, reserveEmail,
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
  { key: "regulars", n: 1, label: "benign", name: "Regulars", decisive: "the account's last login (local day 23), from its home device on its home network" },
  { key: "travellers-home-tz", n: 2, label: "benign", name: "Travellers (device keeps its home time zone)", decisive: "the last login abroad (2–3 logins abroad after a flight)" },
  { key: "travellers-local-tz", n: 2, label: "benign", name: "Travellers (device switches to the destination time zone)", decisive: "the last login abroad (2–3 logins abroad after a flight)" },
  { key: "households", n: 3, label: "benign", name: "Households sharing a device", decisive: "each member's last login, on the shared device and browser" },
  { key: "office", n: 4, label: "benign", name: "Office behind one NAT address", decisive: "each employee's login on Tuesday morning (local day 23), 40 within ~90 minutes" },
  { key: "mobile", n: 5, label: "benign", name: "Mobile carrier churn", decisive: "the last login, from yet another carrier address" },
  { key: "vpn-commuters", n: 6, label: "benign", name: "VPN commuters", decisive: "the last login, through the commercial VPN" },
  { key: "common-phones", n: 7, label: "benign", name: "Identical popular phones", decisive: "the last login" },
  { key: "new-device", n: 8, label: "benign", name: "New device (the owner's own new computer or phone)", decisive: "the owner's first login from a device and browser new to the account (local day 23, usual hour): a new computer at home, a new phone on a carrier the account never used, or a second computer at work (a third each)" },
  { key: "ato-naive", n: 9, label: "attack", name: "Takeover, naive attacker", decisive: "the attacker's login" },
  { key: "ato-vpn", n: 10, label: "attack", name: "Takeover, VPN attacker", decisive: "the attacker's login" },
  { key: "ato-targeted", n: 11, label: "attack", name: "Takeover, targeted attacker", decisive: "the attacker's login" },
  { key: "device-farm", n: 12, label: "attack", name: "Device farms", decisive: "each farm account's first login after the whole farm signed up (when it would cash out); sign-up shown apart" },
  { key: "alias-rings", n: 13, label: "attack", name: "E-mail alias rings", decisive: "each ring account's next-day login after the whole ring signed up; sign-up shown apart" },
  { key: "tor-dc-disposable", n: 14, label: "attack", name: "Tor / datacenter sign-ups, disposable mail", decisive: "the sign-up" },
  { key: "stuffing", n: 15, label: "attack", name: "Credential stuffing", decisive: "the attacker's login into the victim's account" },
  { key: "impossible-travel", n: 16, label: "attack", name: "Impossible travel", decisive: "the login from another continent one hour after a login at home" },
  { key: "bots", n: 17, label: "attack", name: "Bots (WebDriver / HeadlessChrome)", decisive: "the sign-up" },
];

/** A class's number in the report. */
const no = (key) => CLASSES.find((c) => c.key === key).n;

/** What each population is, for the report (sizes at scale 1). */
export const POPULATIONS = [
  "Addresses: residential ones are drawn from approximate prefixes of each country's large providers (world.mjs), checked to be outside every iporigin range; datacenter, VPN and Tor addresses are drawn from iporigin's ranges of that kind (Amazon AWS, DigitalOcean, Hetzner, OVHcloud, Vultr; Mullvad, ProtonVPN; Tor). Country, city, coordinates and ASN go to the worker in `x-edgeward-cf`.",
  "Devices: Windows (Intel, NVIDIA, AMD), Mac, Linux desktops and iPhone / Android phones with their real screen sizes, core counts, memory and WebGL strings, the owner's time zone and languages; Chrome, Edge, Firefox, Safari, Samsung Internet user agents; browsers update one major version mid-history. Fingerprints therefore collide between unrelated people, as they do in the wild.",
  `${no("regulars")} Regulars (150): 10–25 sessions over three weeks at their usual hour, one home address and provider; a realistic spread of 12 countries (US, GB, FR, DE most); 30 % also use a phone from the start (home Wi-Fi 70 %, their carrier 30 %).`,
  `${no("travellers-home-tz")} Travellers (15 + 15): a regular's history, a login at home on day 23, then after the flight (≥ 10 h between continents, ≥ distance / 800 km/h + 3 h) 2–3 logins abroad on the same device and browser from a local provider. In the second half the device's time zone follows the destination, as phones and laptops do by default.`,
  `${no("households")} Households (20, 48 accounts): 2–3 accounts on one shared computer and browser (one browser id) at one home address, 8–18 sessions each; 30 % of members also have a phone of their own.`,
  `${no("office")} Office (40): one London office address (BT), each employee on their own computer and browser; logins on 75 % of working days at 08:30–10:00, a quarter of them again after lunch; the decisive logins all on one Tuesday morning.`,
  `${no("mobile")} Mobile carrier churn (30): phone only, 10–20 sessions, a new address within the carrier's prefix every session.`,
  `${no("vpn-commuters")} VPN commuters (20): home provider and a commercial VPN (Mullvad or ProtonVPN, exit in their own country, 2–3 exit addresses) by turns; the decisive login is through the VPN.`,
  `${no("common-phones")} Identical popular phones (40): the same iPhone (393×852, Apple GPU, 4 cores, New York time, en-US, Safari) for 40 unrelated New Yorkers with their own browser ids, providers and addresses, 6–14 sessions each.`,
  `${no("new-device")} New device (30, a third per situation): a regular's history (drawn as for the takeover victims), then on day 23 at the owner's usual hour a login from a device and browser id the account has never shown, the owner's own: their time zone and languages, a browser family they already use where the new device has one. A third is a new computer at home (the home address and provider); a third a new phone on mobile data (a carrier of their country the account never used: a new ASN and address, in their city); a third a second computer at work (an office address of another fixed-line provider in their city: a new ASN and address). The devices come from the catalogue above, so their fingerprints collide with other people's, never with the account's own devices. Drawn last, from a PRNG stream of its own (seeded from the seed), so every other class's sessions are those of a run without it.`,
  `${no("ato-naive")} Takeover, naive (40): a regular's history, then a login from another country (NG, VN, RO, ID, BR, IN), another provider, a device of another OS and another browser family.`,
  `${no("ato-vpn")} Takeover, VPN (40): a regular's history, then a login through a Mullvad / ProtonVPN address, \`x-edgeward-cf\` placing it in the victim's country with the VPN's ASN, on the attacker's own device (their own time zone and languages).`,
  `${no("ato-targeted")} Takeover, targeted (40): a regular's history, then a login at the victim's usual hour from the victim's city through a residential proxy on another provider, the victim's browser, OS, time zone and languages; only the hardware differs (screen, GPU where the browser shows it, cores).`,
  `${no("device-farm")} Device farms (5 farms, 10–20 accounts each): one rare device per farm (an old Windows PC or a low-end Android), a new browser id for every account; sign-ups 2–8 minutes apart, then 3–6 h later each account logs in again on the farm device with cleared storage. Farms 1, 3, 5 use one address, farms 2 and 4 rotate residential proxies.`,
  `${no("alias-rings")} E-mail alias rings (5 rings, 4–6 accounts): one Gmail mailbox spelled with moved dots and +tags, each account on its own device and address in one country; sign-ups 10–60 minutes apart, each account logs in again the next day.`,
  `${no("tor-dc-disposable")} Tor / datacenter sign-ups (30): half through Tor exits, half from cloud providers, disposable addresses (mailinator.com, guerrillamail.com, yopmail.com …).`,
  `${no("stuffing")} Credential stuffing (40 victims with a regular's history): one DigitalOcean address logs into every victim within 20 minutes, one device (Chrome-on-Windows user agent, no WebDriver flag, 800×600, SwiftShader GPU, UTC clock, no mouse), cleared storage every time.`,
  `${no("impossible-travel")} Impossible travel (20): a regular's history, a login at home on day 23, then one hour later a login from another continent with the same browser (a stolen session or synced profile).`,
  `${no("bots")} Bots (20): sign-ups with \`navigator.webdriver = true\` (10) or a HeadlessChrome user agent (10), half from datacenters, half from residential addresses.`,
  `Credential changes (after everything above is laid down): 2–10 minutes after the attack login, every takeover attacker (classes ${no("ato-naive")}–${no("ato-targeted")}) changes the password: \`POST /event\` type \`password_change\` with the login's \`session_id\`, its address and user agent, and \`timestamp\` at the simulated instant (also the worker's clock, \`x-edgeward-now\`). 1–15 minutes after their decisive login, 20 % of every benign population do the same; 40 % of travellers (whose last login is abroad) and of new-device owners (setting up a device is when people reset a forgotten password).`,
];

/** Population sizes; `scale` shrinks every population (never below 2). */
export const SIZES = {
  regulars: 150, "travellers-home-tz": 15, "travellers-local-tz": 15, households: 20, office: 40, mobile: 30,
  "vpn-commuters": 20, "common-phones": 40, "ato-naive": 40, "ato-vpn": 40, "ato-targeted": 40,
  farms: 5, rings: 5, "tor-dc-disposable": 30, stuffing: 40, "impossible-travel": 20, bots: 20, "new-device": 30,
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
  const root = new Rng(seed);
  const b = new Builder(root, ranges);
  const size = (k) => Math.max(2, Math.round(SIZES[k] * scale));

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
    const model = MODELS.iphone;
    for (let i = 0; i < size("common-phones"); i++) {
      const p = resident(b, rng, { country: "US", phone: false });
      p.home = ny;
      p.homeNet = { ip: ispAddress(rng, p.isp, ranges), cf: cf("US", ny, p.isp) };
      const device = { modelName: "iphone", model, screen: { width: 393, height: 852, colorDepth: 30 }, cores: 4, memory: null, gpu: "Apple GPU", tz: ny.tz, languages: ["en-US"] };
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
    const rare = [
      { platform: "Win32", screen: [1600, 900], cores: 6, memory: 4, gpu: "ANGLE (Intel, Intel(R) HD Graphics 530 (0x00001912) Direct3D11 vs_5_0 ps_5_0, D3D11)", model: "win-intel" },
      { platform: "Linux armv8l", screen: [360, 640], cores: 4, memory: 2, gpu: "Mali-T830", model: "android" },
      { platform: "Win32", screen: [1280, 1024], cores: 2, memory: 4, gpu: "ANGLE (Intel, Intel(R) HD Graphics 4000 (0x00000166) Direct3D11 vs_5_0 ps_5_0, D3D11)", model: "win-intel" },
      { platform: "Linux armv8l", screen: [320, 658], cores: 8, memory: 2, gpu: "PowerVR Rogue GE8320", model: "android" },
      { platform: "Win32", screen: [1440, 900], cores: 4, memory: 8, gpu: "ANGLE (NVIDIA, NVIDIA GeForce GT 730 (0x00001287) Direct3D11 vs_5_0 ps_5_0, D3D11)", model: "win-nvidia" },
    ];
    const farmCountries = ["VN", "ID", "NG", "IN", "BR"];
    for (let f = 0; f < size("farms"); f++) {
      const spec = rare[f % rare.length];
      const country = farmCountries[f % farmCountries.length];
      const c = COUNTRIES[country];
      const where = rng.pick(c.cities);
      const model = { ...MODELS[spec.model], platform: spec.platform };
      const device = { modelName: spec.model, model, screen: { width: spec.screen[0], height: spec.screen[1], colorDepth: 24 }, cores: spec.cores, memory: spec.memory, gpu: spec.gpu, tz: where.tz, languages: rng.pick(c.languages) };
      const browser = spec.model === "android" ? "android-chrome" : "chrome";
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
    // A Linux server claiming to be Chrome on Windows: the platform and user agent lie, the
    // screen, software GPU and UTC clock of a headless container do not.
    const device = {
      modelName: "headless", model: { ...MODELS["win-intel"], platform: "Win32" }, screen: { width: 800, height: 600, colorDepth: 24 }, cores: 4, memory: 8,
      gpu: "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)", tz: "UTC", languages: ["en-US"],
    };
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
  "ato-naive": 1, "ato-vpn": 1, "ato-targeted": 1,
  regulars: 0.2, "travellers-home-tz": 0.4, "travellers-local-tz": 0.4, households: 0.2, office: 0.2,
  mobile: 0.2, "vpn-commuters": 0.2, "common-phones": 0.2, "new-device": 0.4,
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
