// The world the scenarios live in: countries with their cities, time zones, languages and
// internet providers; device models and browsers; names and mail providers. Everything here is a
// test input. The worker reads country, city, coordinates and ASN from `x-edgeward-cf` (standing
// in for Cloudflare's request.cf), so the address prefixes below only have to be plausible: they
// are approximate allocations of well-known national providers, written from memory, and the
// runner checks that no address drawn from them falls in an iporigin datacenter, VPN or Tor
// range (where the worker would look the address up itself).
import { ipToInt, intToIp } from "./ipdata.mjs";

// --- Countries ------------------------------------------------------------------------------

const city = (name, lat, lon, tz) => ({ name, lat, lon, tz });

/**
 * code → { continent, languages (navigator.languages variants), cities, isps (fixed-line
 * residential), mobile (carriers), weight (share of the regulars) }. An ISP is
 * { asn, org, prefixes: [CIDR …] }.
 */
export const COUNTRIES = {
  US: {
    continent: "NA",
    weight: 34,
    languages: [["en-US"], ["en-US", "en"], ["en-US", "es-US", "es"]],
    cities: [
      city("New York", 40.71, -74.01, "America/New_York"),
      city("Chicago", 41.88, -87.63, "America/Chicago"),
      city("Los Angeles", 34.05, -118.24, "America/Los_Angeles"),
      city("Houston", 29.76, -95.37, "America/Chicago"),
      city("Seattle", 47.61, -122.33, "America/Los_Angeles"),
      city("Atlanta", 33.75, -84.39, "America/New_York"),
      city("Denver", 39.74, -104.99, "America/Denver"),
    ],
    isps: [
      { asn: 7922, org: "Comcast Cable Communications, LLC", prefixes: ["73.0.0.0/8", "98.192.0.0/10"] },
      { asn: 701, org: "Verizon Business", prefixes: ["71.160.0.0/11", "96.224.0.0/11"] },
      { asn: 7018, org: "AT&T Services, Inc.", prefixes: ["99.0.0.0/10", "107.192.0.0/10"] },
      { asn: 20115, org: "Charter Communications", prefixes: ["71.80.0.0/13", "97.80.0.0/13"] },
      { asn: 22773, org: "Cox Communications Inc.", prefixes: ["68.96.0.0/12", "70.160.0.0/11"] },
    ],
    mobile: [
      { asn: 21928, org: "T-Mobile USA, Inc.", prefixes: ["172.56.0.0/14", "172.32.0.0/12"] },
      { asn: 6167, org: "Cellco Partnership DBA Verizon Wireless", prefixes: ["174.192.0.0/10"] },
      { asn: 20057, org: "AT&T Mobility LLC", prefixes: ["107.64.0.0/11"] },
    ],
  },
  GB: {
    continent: "EU",
    weight: 12,
    languages: [["en-GB"], ["en-GB", "en"], ["en-GB", "en-US", "en"]],
    cities: [
      city("London", 51.51, -0.13, "Europe/London"),
      city("Manchester", 53.48, -2.24, "Europe/London"),
      city("Birmingham", 52.49, -1.89, "Europe/London"),
      city("Glasgow", 55.86, -4.25, "Europe/London"),
    ],
    isps: [
      { asn: 2856, org: "British Telecommunications PLC", prefixes: ["86.128.0.0/10", "81.128.0.0/12"] },
      { asn: 5607, org: "Sky UK Limited", prefixes: ["90.192.0.0/11"] },
      { asn: 5089, org: "Virgin Media Limited", prefixes: ["86.0.0.0/13", "82.0.0.0/14"] },
      { asn: 13285, org: "TalkTalk Communications Limited", prefixes: ["92.16.0.0/13"] },
    ],
    mobile: [
      { asn: 12576, org: "EE Limited", prefixes: ["31.94.0.0/15"] },
      { asn: 60339, org: "Hutchison 3G UK Limited", prefixes: ["92.40.0.0/14"] },
    ],
  },
  FR: {
    continent: "EU",
    weight: 12,
    languages: [["fr-FR"], ["fr-FR", "fr"], ["fr-FR", "fr", "en-US", "en"]],
    cities: [
      city("Paris", 48.86, 2.35, "Europe/Paris"),
      city("Lyon", 45.76, 4.84, "Europe/Paris"),
      city("Marseille", 43.3, 5.37, "Europe/Paris"),
      city("Toulouse", 43.6, 1.44, "Europe/Paris"),
      city("Lille", 50.63, 3.06, "Europe/Paris"),
    ],
    isps: [
      { asn: 3215, org: "Orange", prefixes: ["90.0.0.0/9", "86.192.0.0/11"] },
      { asn: 12322, org: "Free SAS", prefixes: ["82.224.0.0/11", "88.160.0.0/11"] },
      { asn: 15557, org: "Societe Francaise du Radiotelephone - SFR SA", prefixes: ["77.128.0.0/11"] },
      { asn: 5410, org: "Bouygues Telecom SA", prefixes: ["176.128.0.0/10"] },
    ],
    mobile: [
      { asn: 51207, org: "Free Mobile SAS", prefixes: ["37.160.0.0/12"] },
      { asn: 3215, org: "Orange", prefixes: ["92.184.96.0/19"] },
    ],
  },
  DE: {
    continent: "EU",
    weight: 12,
    languages: [["de-DE"], ["de-DE", "de"], ["de-DE", "de", "en-US", "en"]],
    cities: [
      city("Berlin", 52.52, 13.4, "Europe/Berlin"),
      city("Munich", 48.14, 11.58, "Europe/Berlin"),
      city("Hamburg", 53.55, 9.99, "Europe/Berlin"),
      city("Cologne", 50.94, 6.96, "Europe/Berlin"),
    ],
    isps: [
      { asn: 3320, org: "Deutsche Telekom AG", prefixes: ["79.192.0.0/10", "84.128.0.0/10", "91.0.0.0/10"] },
      { asn: 3209, org: "Vodafone GmbH", prefixes: ["88.64.0.0/12"] },
      { asn: 6805, org: "Telefonica Germany GmbH & Co.OHG", prefixes: ["78.48.0.0/13"] },
    ],
    mobile: [
      { asn: 3320, org: "Deutsche Telekom AG", prefixes: ["80.187.96.0/19"] },
      { asn: 6805, org: "Telefonica Germany GmbH & Co.OHG", prefixes: ["176.0.0.0/13"] },
    ],
  },
  ES: {
    continent: "EU",
    weight: 5,
    languages: [["es-ES"], ["es-ES", "es"], ["ca-ES", "es-ES", "es"]],
    cities: [
      city("Madrid", 40.42, -3.7, "Europe/Madrid"),
      city("Barcelona", 41.39, 2.17, "Europe/Madrid"),
      city("Valencia", 39.47, -0.38, "Europe/Madrid"),
    ],
    isps: [
      { asn: 3352, org: "Telefonica de Espana S.A.U.", prefixes: ["83.32.0.0/11", "88.0.0.0/11"] },
      { asn: 12479, org: "Orange Espagne SA", prefixes: ["90.160.0.0/11"] },
    ],
    mobile: [{ asn: 12430, org: "Vodafone Espana S.A.U.", prefixes: ["31.4.128.0/17"] }],
  },
  CA: {
    continent: "NA",
    weight: 5,
    languages: [["en-CA"], ["en-CA", "en"], ["fr-CA", "fr", "en-CA"]],
    cities: [
      city("Toronto", 43.65, -79.38, "America/Toronto"),
      city("Montreal", 45.5, -73.57, "America/Toronto"),
      city("Vancouver", 49.28, -123.12, "America/Vancouver"),
      city("Calgary", 51.05, -114.07, "America/Edmonton"),
    ],
    isps: [
      { asn: 812, org: "Rogers Communications Canada Inc.", prefixes: ["99.224.0.0/11", "174.112.0.0/12"] },
      { asn: 577, org: "Bell Canada", prefixes: ["70.24.0.0/13"] },
      { asn: 5769, org: "Videotron Ltee", prefixes: ["24.200.0.0/13"] },
    ],
    mobile: [{ asn: 812, org: "Rogers Communications Canada Inc.", prefixes: ["72.136.0.0/13"] }],
  },
  BR: {
    continent: "SA",
    weight: 5,
    languages: [["pt-BR"], ["pt-BR", "pt"], ["pt-BR", "pt", "en-US", "en"]],
    cities: [
      city("Sao Paulo", -23.55, -46.63, "America/Sao_Paulo"),
      city("Rio de Janeiro", -22.91, -43.17, "America/Sao_Paulo"),
      city("Belo Horizonte", -19.92, -43.94, "America/Sao_Paulo"),
    ],
    isps: [
      { asn: 26599, org: "TELEFONICA BRASIL S.A", prefixes: ["187.0.0.0/12", "177.0.0.0/14"] },
      { asn: 28573, org: "Claro NXT Telecomunicacoes Ltda", prefixes: ["189.32.0.0/11", "201.80.0.0/12"] },
    ],
    mobile: [{ asn: 26615, org: "TIM SA", prefixes: ["191.32.0.0/12"] }],
  },
  IN: {
    continent: "AS",
    weight: 5,
    languages: [["en-IN"], ["en-IN", "en", "hi-IN"], ["en-US", "en"]],
    cities: [
      city("Mumbai", 19.08, 72.88, "Asia/Kolkata"),
      city("Delhi", 28.61, 77.21, "Asia/Kolkata"),
      city("Bengaluru", 12.97, 77.59, "Asia/Kolkata"),
    ],
    isps: [
      { asn: 24560, org: "Bharti Airtel Ltd.", prefixes: ["122.160.0.0/12"] },
      { asn: 9829, org: "National Internet Backbone", prefixes: ["117.192.0.0/10"] },
    ],
    mobile: [{ asn: 55836, org: "Reliance Jio Infocomm Limited", prefixes: ["49.32.0.0/11", "157.32.0.0/12"] }],
  },
  JP: {
    continent: "AS",
    weight: 3,
    languages: [["ja-JP"], ["ja"], ["ja", "en-US", "en"]],
    cities: [city("Tokyo", 35.68, 139.69, "Asia/Tokyo"), city("Osaka", 34.69, 135.5, "Asia/Tokyo")],
    isps: [
      { asn: 4713, org: "NTT Communications Corporation", prefixes: ["153.128.0.0/10"] },
      { asn: 17676, org: "SoftBank Corp.", prefixes: ["126.0.0.0/9"] },
    ],
    mobile: [{ asn: 2516, org: "KDDI CORPORATION", prefixes: ["106.128.0.0/12"] }],
  },
  NL: {
    continent: "EU",
    weight: 2,
    languages: [["nl-NL"], ["nl-NL", "nl", "en-US", "en"], ["nl", "en"]],
    cities: [city("Amsterdam", 52.37, 4.9, "Europe/Amsterdam"), city("Rotterdam", 51.92, 4.48, "Europe/Amsterdam")],
    isps: [
      { asn: 1136, org: "KPN B.V.", prefixes: ["77.160.0.0/12"] },
      { asn: 33915, org: "Vodafone Libertel B.V. (Ziggo)", prefixes: ["84.24.0.0/13"] },
    ],
    mobile: [{ asn: 1136, org: "KPN B.V.", prefixes: ["143.176.0.0/13"] }],
  },
  AU: {
    continent: "OC",
    weight: 2,
    languages: [["en-AU"], ["en-AU", "en"], ["en-GB", "en"]],
    cities: [
      city("Sydney", -33.87, 151.21, "Australia/Sydney"),
      city("Melbourne", -37.81, 144.96, "Australia/Melbourne"),
      city("Brisbane", -27.47, 153.03, "Australia/Brisbane"),
    ],
    isps: [
      { asn: 1221, org: "Telstra Limited", prefixes: ["58.160.0.0/12", "101.160.0.0/11"] },
      { asn: 7545, org: "TPG Telecom Limited", prefixes: ["27.32.0.0/11"] },
    ],
    mobile: [{ asn: 4804, org: "Optus Mobile", prefixes: ["49.176.0.0/12"] }],
  },
  PL: {
    continent: "EU",
    weight: 2,
    languages: [["pl-PL"], ["pl-PL", "pl", "en-US", "en"], ["pl"]],
    cities: [city("Warsaw", 52.23, 21.01, "Europe/Warsaw"), city("Krakow", 50.06, 19.94, "Europe/Warsaw")],
    isps: [{ asn: 5617, org: "Orange Polska Spolka Akcyjna", prefixes: ["83.0.0.0/11"] }],
    mobile: [{ asn: 12912, org: "T-Mobile Polska S.A.", prefixes: ["31.0.0.0/13"] }],
  },
  // Countries the scenarios' attackers act from (never home to a regular).
  NG: {
    continent: "AF",
    weight: 0,
    languages: [["en-NG", "en"], ["en-US", "en"]],
    cities: [city("Lagos", 6.52, 3.38, "Africa/Lagos"), city("Abuja", 9.08, 7.4, "Africa/Lagos")],
    isps: [{ asn: 29465, org: "MTN NIGERIA Communication limited", prefixes: ["102.88.0.0/14"] }],
    mobile: [{ asn: 36873, org: "Airtel Networks Limited", prefixes: ["105.112.0.0/12"] }],
  },
  VN: {
    continent: "AS",
    weight: 0,
    languages: [["vi-VN", "vi"], ["vi", "en-US", "en"]],
    cities: [city("Hanoi", 21.03, 105.85, "Asia/Bangkok"), city("Ho Chi Minh City", 10.82, 106.63, "Asia/Ho_Chi_Minh")],
    isps: [{ asn: 45899, org: "VNPT Corp", prefixes: ["113.160.0.0/11"] }],
    mobile: [{ asn: 7552, org: "Viettel Group", prefixes: ["27.64.0.0/12"] }],
  },
  RO: {
    continent: "EU",
    weight: 0,
    languages: [["ro-RO", "ro"], ["ro-RO", "ro", "en-US", "en"]],
    cities: [city("Bucharest", 44.43, 26.1, "Europe/Bucharest")],
    isps: [{ asn: 8708, org: "RCS & RDS SA", prefixes: ["86.120.0.0/13", "79.112.0.0/13"] }],
    mobile: [{ asn: 8708, org: "RCS & RDS SA", prefixes: ["5.12.0.0/14"] }],
  },
  ID: {
    continent: "AS",
    weight: 0,
    languages: [["id-ID", "id"], ["id-ID", "id", "en-US", "en"]],
    cities: [city("Jakarta", -6.21, 106.85, "Asia/Jakarta")],
    isps: [{ asn: 7713, org: "PT Telekomunikasi Indonesia", prefixes: ["36.64.0.0/11"] }],
    mobile: [{ asn: 23693, org: "PT. Telekomunikasi Selular", prefixes: ["114.120.0.0/13"] }],
  },
};

export const HOME_COUNTRIES = Object.entries(COUNTRIES)
  .filter(([, c]) => c.weight > 0)
  .map(([code, c]) => [code, c.weight]);

export const ATTACKER_COUNTRIES = ["NG", "VN", "RO", "ID", "BR", "IN"];

/** A host address in one of `isp`'s prefixes, outside every range of `ranges` (iporigin). */
export function ispAddress(rng, isp, ranges) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const [base, bits] = rng.pick(isp.prefixes).split("/");
    const size = 2 ** (32 - Number(bits));
    const ip = intToIp(ipToInt(base) + 1 + Math.floor(rng.float() * (size - 2)));
    if (!ranges.find(ip)) return ip;
  }
  throw new Error(`no address of ${isp.org} outside the iporigin ranges: fix its prefixes`);
}

/** The `x-edgeward-cf` object of a session from `isp` in `cityInfo` of `country`. */
export function cf(country, cityInfo, isp) {
  return {
    country,
    city: cityInfo.name,
    continent: COUNTRIES[country]?.continent ?? "",
    latitude: cityInfo.lat,
    longitude: cityInfo.lon,
    timezone: cityInfo.tz,
    asn: isp.asn,
    asOrganization: isp.org,
  };
}

/** navigator.languages → an Accept-Language header. */
export const acceptLanguage = (langs) =>
  langs.map((l, i) => (i === 0 ? l : `${l};q=${Math.max(0.1, 1 - i / 10).toFixed(1)}`)).join(",");

// --- Non-residential networks: the worker finds these in iporigin's ranges ------------------

/** Provider (as iporigin names it) → the ASN and organisation a session from it shows. */
export const NETWORK_OPERATORS = {
  "Amazon AWS": { kind: "hosting", asn: 16509, org: "Amazon.com, Inc." },
  DigitalOcean: { kind: "hosting", asn: 14061, org: "DigitalOcean, LLC" },
  Hetzner: { kind: "hosting", asn: 24940, org: "Hetzner Online GmbH" },
  OVHcloud: { kind: "hosting", asn: 16276, org: "OVH SAS" },
  Vultr: { kind: "hosting", asn: 20473, org: "The Constant Company, LLC" },
  Mullvad: { kind: "vpn", asn: 39351, org: "31173 Services AB" },
  ProtonVPN: { kind: "vpn", asn: 209103, org: "Proton AG" },
  // Tor exits run on many networks; these are three of the large exit operators' ASNs.
  Tor: { kind: "tor", asn: [60729, 208323, 53667], org: ["Stiftung Erneuerbare Freiheit", "Foundation for Applied Privacy", "FranTech Solutions"] },
};

/** Where datacenter and Tor traffic shows up, with the city a geo database would give. */
export const DATACENTER_SITES = {
  "Amazon AWS": [["US", city("Ashburn", 39.04, -77.49, "America/New_York")], ["DE", city("Frankfurt", 50.11, 8.68, "Europe/Berlin")]],
  DigitalOcean: [["US", city("North Bergen", 40.8, -74.01, "America/New_York")], ["NL", city("Amsterdam", 52.37, 4.9, "Europe/Amsterdam")]],
  Hetzner: [["DE", city("Falkenstein", 50.48, 12.37, "Europe/Berlin")], ["FI", city("Helsinki", 60.17, 24.94, "Europe/Helsinki")]],
  OVHcloud: [["FR", city("Roubaix", 50.69, 3.17, "Europe/Paris")], ["CA", city("Beauharnois", 45.31, -73.87, "America/Toronto")]],
  Vultr: [["US", city("Piscataway", 40.55, -74.46, "America/New_York")], ["JP", city("Tokyo", 35.68, 139.69, "Asia/Tokyo")]],
  Tor: [["DE", city("Frankfurt", 50.11, 8.68, "Europe/Berlin")], ["NL", city("Amsterdam", 52.37, 4.9, "Europe/Amsterdam")], ["US", city("New York", 40.71, -74.01, "America/New_York")], ["SE", city("Stockholm", 59.33, 18.07, "Europe/Stockholm")]],
};

/** An address of `provider` and the request.cf of a session from it (in `country` if given). */
export function operatorSession(rng, ranges, provider, country, site = null) {
  const op = NETWORK_OPERATORS[provider];
  const ip = ranges.pick(provider, op.kind, () => rng.float());
  const i = Array.isArray(op.asn) ? rng.int(0, op.asn.length - 1) : -1;
  const isp = { asn: i >= 0 ? op.asn[i] : op.asn, org: i >= 0 ? op.org[i] : op.org };
  let where;
  if (site) {
    where = site;
  } else if (country) {
    where = [country, rng.pick(COUNTRIES[country].cities)];
  } else {
    where = rng.pick(DATACENTER_SITES[provider]);
  }
  return { ip, cf: cf(where[0], where[1], isp), provider };
}

// --- Devices and browsers --------------------------------------------------------------------

const CHROME = 156;
const FIREFOX = 158;
const SAFARI = "27.1";
const IOS = "27_1";

/**
 * Device models: what `navigator` and `screen` say about the hardware. `os` names the user
 * agent's operating system; `browsers` the browsers people run on it, with their weights.
 */
export const MODELS = {
  "win-intel": {
    os: "Windows", platform: "Win32", kind: "desktop",
    screens: [[1920, 1080, 5], [1366, 768, 2], [1536, 864, 3], [1280, 720, 1], [2560, 1440, 1]],
    cores: [[4, 2], [8, 3], [12, 2], [16, 1]], memory: [[8, 5], [4, 1]],
    gpus: ["ANGLE (Intel, Intel(R) UHD Graphics 620 (0x00005917) Direct3D11 vs_5_0 ps_5_0, D3D11)",
      "ANGLE (Intel, Intel(R) Iris(R) Xe Graphics (0x00009A49) Direct3D11 vs_5_0 ps_5_0, D3D11)",
      "ANGLE (Intel, Intel(R) UHD Graphics (0x00009B41) Direct3D11 vs_5_0 ps_5_0, D3D11)"],
    browsers: [["chrome", 6], ["edge", 3], ["firefox", 1]],
  },
  "win-nvidia": {
    os: "Windows", platform: "Win32", kind: "desktop",
    screens: [[1920, 1080, 4], [2560, 1440, 3], [3440, 1440, 1]],
    cores: [[12, 2], [16, 2], [20, 1], [24, 1]], memory: [[8, 1]],
    gpus: ["ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x00002503) Direct3D11 vs_5_0 ps_5_0, D3D11)",
      "ANGLE (NVIDIA, NVIDIA GeForce RTX 4070 (0x00002786) Direct3D11 vs_5_0 ps_5_0, D3D11)",
      "ANGLE (NVIDIA, NVIDIA GeForce GTX 1660 SUPER (0x000021C4) Direct3D11 vs_5_0 ps_5_0, D3D11)"],
    browsers: [["chrome", 7], ["edge", 1], ["firefox", 2]],
  },
  "win-amd": {
    os: "Windows", platform: "Win32", kind: "desktop",
    screens: [[1920, 1080, 4], [1536, 864, 1], [2560, 1440, 1]],
    cores: [[8, 2], [12, 2], [16, 1]], memory: [[8, 1]],
    gpus: ["ANGLE (AMD, AMD Radeon(TM) Graphics (0x00001638) Direct3D11 vs_5_0 ps_5_0, D3D11)",
      "ANGLE (AMD, AMD Radeon RX 6600 (0x000073FF) Direct3D11 vs_5_0 ps_5_0, D3D11)"],
    browsers: [["chrome", 6], ["edge", 2], ["firefox", 2]],
  },
  mac: {
    os: "macOS", platform: "MacIntel", kind: "desktop",
    screens: [[1440, 900, 3], [1512, 982, 3], [1728, 1117, 1], [1470, 956, 2], [2560, 1440, 1], [1680, 1050, 1]],
    cores: [[8, 4], [10, 1], [12, 1]], memory: [[8, 1]],
    gpus: ["Apple M1", "Apple M2", "Apple M3"],
    browsers: [["chrome", 5], ["safari", 4], ["firefox", 1]],
  },
  linux: {
    os: "Linux", platform: "Linux x86_64", kind: "desktop",
    screens: [[1920, 1080, 3], [2560, 1440, 1]],
    cores: [[8, 2], [16, 1]], memory: [[8, 1]],
    gpus: ["ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)",
      "ANGLE (AMD, AMD Radeon RX 6600 (radeonsi, navi23, LLVM 17.0.6, DRM 3.57), OpenGL 4.6)"],
    browsers: [["firefox", 6], ["chrome", 4]],
  },
  iphone: {
    os: "iOS", platform: "iPhone", kind: "phone",
    screens: [[390, 844, 4], [393, 852, 4], [430, 932, 2], [375, 667, 1], [402, 874, 2], [440, 956, 1]],
    cores: [[4, 1]], memory: [[null, 1]],
    gpus: ["Apple GPU"],
    browsers: [["ios-safari", 9], ["ios-chrome", 1]],
  },
  android: {
    os: "Android", platform: "Linux aarch64", kind: "phone",
    screens: [[360, 780, 3], [412, 915, 3], [384, 854, 2], [393, 873, 2], [360, 800, 2]],
    cores: [[8, 1]], memory: [[8, 2], [4, 1]],
    gpus: ["Adreno (TM) 740", "Adreno (TM) 650", "Mali-G710", "Mali-G68 MC4", "Adreno (TM) 610"],
    browsers: [["android-chrome", 8], ["samsung", 2]],
  },
};

// An Android emulator (Android Studio's, and the emulator farms built on it or on its forks):
// x86_64 system images report the host's platform string, and the GPU is the emulator's
// OpenGL ES translator, in software (SwiftShader) or over the host GPU ("Configure hardware
// acceleration for the Android Emulator", developer.android.com/studio/run/emulator-acceleration).
// Screens are the emulator's stock device profiles (Pixel 2, Pixel 5, Pixel 7, a generic phone).
MODELS["android-emulator"] = {
  os: "Android", platform: "Linux x86_64", kind: "phone",
  screens: [[411, 731, 3], [393, 851, 3], [412, 915, 2], [360, 640, 2]],
  cores: [[2, 1], [4, 3], [8, 1]], memory: [[2, 1], [4, 2], [8, 1]],
  gpus: ["Android Emulator OpenGL ES Translator (Google SwiftShader)",
    "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)",
    "Android Emulator OpenGL ES Translator (NVIDIA GeForce RTX 3060/PCIe/SSE2)"],
  browsers: [["android-chrome", 1]],
};

/**
 * Stock-keeping units: one concrete device as it leaves the factory (or the IT department's
 * imaging bench), pinned screen, cores, memory and GPU. Every unit of a SKU shows exactly the
 * same hardware to a web page; `makeDevice(rng, sku.model, locale, sku)` builds one, for a
 * benign owner and for an attacker alike (the engine must not be able to tell them apart by
 * how they were built).
 *
 * Sources (the facts the populations are designed from, before any tuning):
 * - iPhone: WebKit answers the same `Apple GPU` WebGL renderer and no `deviceMemory` on every
 *   iPhone, and 393×852 CSS pixels is the viewport of the iPhone 14 Pro, 15, 15 Pro and 16
 *   (Apple's "iPhone display" specifications); Apple holds about half of US mobile traffic
 *   (StatCounter Global Stats, mobile vendor market share, United States) and each of its
 *   newest models several per cent of it. Fingerprints of mobile browsers, iPhones above all,
 *   are the least unique (Gómez-Boix, Laperdrix, Baudry, "Hiding in the Crowd", WWW 2018).
 * - Galaxy A54: Samsung's best-selling mid-range phone (Counterpoint Research, global
 *   smartphone model sales), Exynos 1380 with a Mali-G68 MC4, 1080×2340 at a device pixel
 *   ratio of 2.8125 (384×832 CSS pixels; Chrome rounds deviceMemory down to 8).
 * - Fleet laptop: an enterprise deploys one image on one model (Microsoft, "Windows Autopilot
 *   overview"; Intune device configuration profiles): the same model, OS build, screen, GPU,
 *   browser (managed Edge) and languages on every desk.
 * - Farm devices, the stuffing container: old or low-end hardware and a headless Chrome in a
 *   Linux container (software SwiftShader GPU, UTC clock, 800×600 default window).
 */
export const SKUS = {
  "iphone-16": { model: "iphone", screen: [393, 852], cores: 4, memory: null, gpu: "Apple GPU", browser: "ios-safari" },
  "galaxy-a54": { model: "android", screen: [384, 832], cores: 8, memory: 8, gpu: "Mali-G68 MC4", browser: "android-chrome" },
  "fleet-latitude": { model: "win-intel", screen: [1920, 1080], cores: 8, memory: 8, gpu: "ANGLE (Intel, Intel(R) Iris(R) Xe Graphics (0x00009A49) Direct3D11 vs_5_0 ps_5_0, D3D11)", browser: "edge" },
  "old-pc-hd530": { model: "win-intel", screen: [1600, 900], cores: 6, memory: 4, gpu: "ANGLE (Intel, Intel(R) HD Graphics 530 (0x00001912) Direct3D11 vs_5_0 ps_5_0, D3D11)", browser: "chrome" },
  "lowend-mali-t830": { model: "android", platform: "Linux armv8l", screen: [360, 640], cores: 4, memory: 2, gpu: "Mali-T830", browser: "android-chrome" },
  "old-pc-hd4000": { model: "win-intel", screen: [1280, 1024], cores: 2, memory: 4, gpu: "ANGLE (Intel, Intel(R) HD Graphics 4000 (0x00000166) Direct3D11 vs_5_0 ps_5_0, D3D11)", browser: "chrome" },
  "lowend-powervr": { model: "android", platform: "Linux armv8l", screen: [320, 658], cores: 8, memory: 2, gpu: "PowerVR Rogue GE8320", browser: "android-chrome" },
  "old-pc-gt730": { model: "win-nvidia", screen: [1440, 900], cores: 4, memory: 8, gpu: "ANGLE (NVIDIA, NVIDIA GeForce GT 730 (0x00001287) Direct3D11 vs_5_0 ps_5_0, D3D11)", browser: "chrome" },
  // A Linux server claiming to be Chrome on Windows: the platform and user agent lie, the
  // screen, software GPU and UTC clock of a headless container do not.
  "headless-container": { model: "win-intel", screen: [800, 600], cores: 4, memory: 8, gpu: "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)", browser: "chrome" },
};

export const DESKTOP_MODELS = [["win-intel", 40], ["win-nvidia", 12], ["win-amd", 8], ["mac", 30], ["linux", 6]];
export const PHONE_MODELS = [["iphone", 55], ["android", 45]];

/** The user agent of `browser` on `model` (`major` shifts the version: browsers update). */
export function userAgent(browser, model, major = 0) {
  const chrome = `${CHROME + major}.0.0.0`;
  switch (`${browser}/${model.os}`) {
    case "chrome/Windows":
      return `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome} Safari/537.36`;
    case "edge/Windows":
      return `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome} Safari/537.36 Edg/${chrome}`;
    case "firefox/Windows":
      return `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${FIREFOX + major}.0) Gecko/20100101 Firefox/${FIREFOX + major}.0`;
    case "chrome/macOS":
      return `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome} Safari/537.36`;
    case "safari/macOS":
      return `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${SAFARI} Safari/605.1.15`;
    case "firefox/macOS":
      return `Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:${FIREFOX + major}.0) Gecko/20100101 Firefox/${FIREFOX + major}.0`;
    case "firefox/Linux":
      return `Mozilla/5.0 (X11; Linux x86_64; rv:${FIREFOX + major}.0) Gecko/20100101 Firefox/${FIREFOX + major}.0`;
    case "chrome/Linux":
      return `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome} Safari/537.36`;
    case "ios-safari/iOS":
      return `Mozilla/5.0 (iPhone; CPU iPhone OS ${IOS} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${SAFARI} Mobile/15E148 Safari/604.1`;
    case "ios-chrome/iOS":
      return `Mozilla/5.0 (iPhone; CPU iPhone OS ${IOS} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/${chrome} Mobile/15E148 Safari/604.1`;
    case "android-chrome/Android":
      return `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome} Mobile Safari/537.36`;
    case "samsung/Android":
      return `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/29.0 Chrome/${CHROME - 6 + major}.0.0.0 Mobile Safari/537.36`;
    default:
      throw new Error(`no user agent for ${browser} on ${model.os}`);
  }
}

/** What the browser exposes of the GPU: Safari and Firefox hide or simplify it. */
function webgl(browser, model, gpu) {
  if (browser === "safari" || model.os === "iOS") return "Apple GPU";
  if (model.os === "macOS") return browser === "firefox" ? "Apple M1, or similar" : `ANGLE (Apple, ANGLE Metal Renderer: ${gpu}, Unspecified Version)`;
  if (browser === "firefox") return gpu.replace(/ \(0x[0-9A-F]+\)/, "");
  return gpu;
}

/**
 * A physical device: a model with its concrete screen, cores, memory and GPU, and the time
 * zone and languages its owner set.
 */
export function makeDevice(rng, modelName, { tz, languages }, sku = null) {
  const base = MODELS[modelName];
  const model = sku?.platform ? { ...base, platform: sku.platform } : base;
  // The same draws whether or not a SKU pins the result: a pinned device consumes the stream
  // exactly as a drawn one does.
  const [width, height] = rng.weighted(model.screens.map(([w, h, wt]) => [[w, h], wt]));
  const cores = rng.weighted(model.cores);
  const memory = rng.weighted(model.memory);
  const gpu = rng.pick(model.gpus);
  return {
    modelName,
    model,
    sku: sku?.name ?? null,
    screen: { width: sku?.screen[0] ?? width, height: sku?.screen[1] ?? height, colorDepth: model.os === "macOS" || model.os === "iOS" ? 30 : 24 },
    cores: sku ? sku.cores : cores,
    memory: sku ? sku.memory : memory,
    gpu: sku ? sku.gpu : gpu,
    tz,
    languages,
  };
}

/** A unit of SKU `name` (SKUS above) set up with its owner's time zone and languages. */
export function makeSkuDevice(rng, name, locale) {
  const sku = SKUS[name];
  if (!sku) throw new Error(`no SKU ${name}`);
  return makeDevice(rng, sku.model, locale, { ...sku, name });
}

/** A browser profile on a device: its own first-party id (localStorage) and user agent. */
export function makeBrowser(rng, device, browser = rng.weighted(device.model.browsers)) {
  return { device, browser, browserId: rng.browserId(), major: 0 };
}

/** The `POST /session` body and headers of a page load in `profile`. */
export function pageLoad(rng, profile, overrides = {}) {
  const { device, browser } = profile;
  const ua = overrides.userAgent ?? userAgent(browser, device.model, profile.major);
  const phone = device.model.kind === "phone";
  const window = {
    userAgent: ua,
    platform: device.model.platform,
    languages: device.languages,
    timezone: device.tz,
    hardwareConcurrency: device.cores,
    webdriver: overrides.webdriver ?? false,
    webglRenderer: webgl(browser, device.model, device.gpu),
    screen: { ...device.screen },
  };
  // Safari and Firefox do not expose navigator.deviceMemory.
  if (device.memory !== null && !["safari", "firefox", "ios-safari", "ios-chrome"].includes(browser)) {
    window.deviceMemory = device.memory;
  }
  const behavior = phone
    ? { mouse: 0, click: 0, keyboard: rng.int(8, 40), touch: rng.int(15, 120), clipboard: rng.chance(0.2) ? 1 : 0 }
    : { mouse: rng.int(30, 400), click: rng.int(2, 12), keyboard: rng.int(10, 60), touch: 0, clipboard: rng.chance(0.3) ? 1 : 0 };
  return {
    signals: { browser_id: overrides.browserId ?? profile.browserId, window, behavior: overrides.behavior ?? behavior },
    userAgent: ua,
    acceptLanguage: acceptLanguage(device.languages),
  };
}

// --- People ----------------------------------------------------------------------------------

const FIRST = ["emma", "liam", "olivia", "noah", "ava", "lucas", "mia", "leo", "sofia", "hugo", "lea", "jonas",
  "anna", "louis", "chloe", "felix", "julia", "mateo", "ines", "oscar", "clara", "adam", "nora", "david",
  "sarah", "tom", "laura", "paul", "alice", "ben", "marie", "max", "lena", "sam", "ella", "jack", "maya",
  "ryan", "zoe", "arjun", "priya", "kenji", "yuki", "pedro", "ana", "joao", "piotr", "kasia", "daan", "sanne"];
const LAST = ["smith", "martin", "muller", "garcia", "silva", "kumar", "tanaka", "dubois", "schmidt", "rossi",
  "brown", "wilson", "moreau", "fischer", "lopez", "santos", "sharma", "sato", "bernard", "weber", "jones",
  "taylor", "laurent", "wagner", "fernandez", "costa", "patel", "suzuki", "petit", "becker", "kowalski",
  "jansen", "nowak", "dejong", "clarke", "walker", "roux", "hoffmann", "romero", "oliveira"];

/** Personal mail providers by country (the rest use the international ones). */
const MAIL = {
  FR: [["gmail.com", 5], ["orange.fr", 2], ["free.fr", 1], ["hotmail.fr", 1], ["outlook.fr", 1]],
  DE: [["gmail.com", 4], ["gmx.de", 3], ["web.de", 3], ["t-online.de", 1]],
  GB: [["gmail.com", 5], ["hotmail.co.uk", 2], ["outlook.com", 2], ["btinternet.com", 1], ["icloud.com", 1]],
  US: [["gmail.com", 6], ["yahoo.com", 2], ["outlook.com", 1], ["icloud.com", 2], ["hotmail.com", 1]],
  JP: [["gmail.com", 4], ["yahoo.co.jp", 3], ["icloud.com", 1]],
  BR: [["gmail.com", 6], ["hotmail.com", 2], ["outlook.com", 1]],
  "*": [["gmail.com", 6], ["outlook.com", 2], ["yahoo.com", 1], ["icloud.com", 1], ["proton.me", 1]],
};

/** Local parts already handed out, normalised the way the worker links mailboxes. */
const taken = new Set();

/** Forgets every mailbox handed out: a new seed's populations start from an empty world. */
export function resetMailboxes() {
  taken.clear();
}

export const normalizeMailbox = (email) => {
  const [local, domain] = email.toLowerCase().split("@");
  const base = local.split("+")[0];
  return `${domain === "gmail.com" || domain === "googlemail.com" ? base.replaceAll(".", "") : base}@${domain === "googlemail.com" ? "gmail.com" : domain}`;
};

/** A plausible personal address, unique (once normalised) across every account of the run. */
export function personalEmail(rng, country) {
  const domain = rng.weighted(MAIL[country] ?? MAIL["*"]);
  for (;;) {
    const f = rng.pick(FIRST);
    const l = rng.pick(LAST);
    const style = rng.int(0, 5);
    let local = [`${f}.${l}`, `${f}${l}`, `${f}.${l}${rng.int(1, 99)}`, `${f[0]}${l}`, `${f}_${l}${rng.int(70, 99)}`, `${f}.${l}${rng.int(1960, 2005)}`][style];
    if (rng.chance(0.03)) local += `+${rng.pick(["shop", "news", "acct"])}`;
    const email = `${local}@${domain}`;
    if (!taken.has(normalizeMailbox(email))) {
      taken.add(normalizeMailbox(email));
      return email;
    }
  }
}

/**
 * Reserves an address made elsewhere (rings, disposable …) so no other account draws its
 * mailbox; false when the mailbox was already taken.
 */
export function reserveEmail(email) {
  const m = normalizeMailbox(email);
  if (taken.has(m)) return false;
  taken.add(m);
  return true;
}
