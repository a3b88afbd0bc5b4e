//! The seeded synthetic directory and the requests asked of it: the same corpus and the same
//! sequence of requests on every machine and on both backends.

use std::fmt::Write as _;

use dagak_service::ImportFile;

/// SplitMix64: a tiny seeded generator, so the corpus is the same on every machine.
pub(crate) struct Rng(pub u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const SYLLABLES: [&str; 40] = [
    "구", "미", "대", "한", "성", "진", "우", "영", "테", "크", "메", "디", "바", "이", "오", "나",
    "노", "텍", "신", "광", "경", "북", "산", "업", "동", "서", "남", "정", "밀", "화", "소", "재",
    "전", "자", "카", "본", "웨", "어", "금", "빛",
];
const SUFFIX_KO: [&str; 8] = ["전자", "테크", "정밀", "소재", "메디칼", "산업", "시스템", "바이오"];
const WORDS_EN: [&str; 24] = [
    "Pacific",
    "Summit",
    "Golden",
    "Harbor",
    "Vertex",
    "Nova",
    "Cedar",
    "Atlas",
    "Bright",
    "Delta",
    "Evergreen",
    "Falcon",
    "Granite",
    "Horizon",
    "Iron",
    "Juniper",
    "Keystone",
    "Lumen",
    "Meridian",
    "Northstar",
    "Orion",
    "Pioneer",
    "Quantum",
    "Redwood",
];
const SUFFIX_EN: [&str; 8] =
    ["Medical", "Devices", "Materials", "Systems", "Electronics", "Aerospace", "Labs", "Sensors"];
const CITIES_KR: [&str; 6] = ["구미", "대구", "포항", "경산", "김천", "안동"];
const CITIES_US: [&str; 8] =
    ["Irvine", "San Jose", "Seattle", "Redmond", "Los Angeles", "Austin", "Boston", "Detroit"];
const TAGS: [&str; 10] = [
    "medical devices",
    "carbon materials",
    "wearables",
    "electronics",
    "semiconductors",
    "batteries",
    "displays",
    "automotive parts",
    "software",
    "diagnostics",
];
const HS: [&str; 10] =
    ["901819", "9018", "6815", "681511", "851762", "8541", "850760", "8524", "870899", "3822"];
const KINDS_FOREIGN: [&str; 4] = ["foreign_firm", "foreign_firm", "university", "association"];

/// A valid business number from a counter: prefix 999 (unassigned), then the check digit.
fn business_number(n: usize) -> String {
    let body = format!("999{:06}", n % 1_000_000);
    let digits: Vec<u32> = body.bytes().map(|b| u32::from(b - b'0')).collect();
    let weights = [1, 3, 7, 1, 3, 7, 1, 3, 5];
    let mut sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    sum += digits[8] * 5 / 10;
    let check = (10 - sum % 10) % 10;
    format!("{}-{}-{}{check}", &body[..3], &body[3..5], &body[5..])
}

fn korean_name(rng: &mut Rng, i: usize) -> String {
    let mut name = String::new();
    for _ in 0..2 + rng.below(2) {
        name.push_str(rng.pick(&SYLLABLES));
    }
    // The index keeps names unique, as real directories mostly are.
    format!("{name}{}{}", rng.pick(&SUFFIX_KO), i)
}

fn english_name(rng: &mut Rng, i: usize) -> String {
    format!("{} {} {}", rng.pick(&WORDS_EN), rng.pick(&SUFFIX_EN), i)
}

/// Organisations per generated file, and people: each file stays under the import's 40 MB
/// limit (about 27 and 26 MB), as a user splits a large directory.
const ORGS_PER_FILE: usize = 200_000;
const PEOPLE_PER_FILE: usize = 400_000;

const ORG_HEADER: &str = "kind,name_ko,name_en,country,city,domain,business_number,industry_tags,hs_codes,offers,seeks,employees,description_ko,description_en\n";
const PEOPLE_HEADER: &str = "family_name,given_name,titles,emails,organization,role\n";

/// The generated import files: organisations, then people (who name their organisation by
/// business number or domain), each list cut into files the import accepts.
pub(crate) struct Corpus {
    pub orgs: Vec<ImportFile>,
    pub people: Vec<ImportFile>,
}

impl Corpus {
    pub(crate) fn megabytes(files: &[ImportFile]) -> f64 {
        files.iter().map(|f| f.bytes.len()).sum::<usize>() as f64 / 1e6
    }
}

/// Cuts the lines after a header into files of at most `per_file` rows each.
fn files(kind: &str, header: &str, rows: &[String], per_file: usize) -> Vec<ImportFile> {
    rows.chunks(per_file)
        .enumerate()
        .map(|(i, chunk)| {
            let mut text =
                String::with_capacity(header.len() + chunk.iter().map(String::len).sum::<usize>());
            text.push_str(header);
            for row in chunk {
                text.push_str(row);
            }
            ImportFile { name: format!("{kind}-{:02}.csv", i + 1), bytes: text.into_bytes() }
        })
        .collect()
}

/// Generates `orgs` organisations and `people` people from `seed`.
pub(crate) fn generate(seed: u64, orgs: usize, people: usize) -> Corpus {
    let mut rng = Rng(seed);
    let mut org_rows = Vec::with_capacity(orgs);
    let mut references = Vec::with_capacity(orgs);
    for i in 0..orgs {
        let mut row = String::new();
        let tags = format!("\"{}, {}\"", rng.pick(&TAGS), rng.pick(&TAGS));
        let hs = rng.pick(&HS);
        if i % 2 == 0 {
            let bn = business_number(i);
            let _ = writeln!(
                row,
                "local_firm,{},{},KR,{},,{bn},{tags},{hs},manufacturing,distribution,{},,",
                korean_name(&mut rng, i),
                english_name(&mut rng, i),
                rng.pick(&CITIES_KR),
                10 + rng.below(500)
            );
            references.push(bn);
        } else {
            let domain = format!("firm{i}.example");
            let _ = writeln!(
                row,
                "{},,{},US,{},{domain},,{tags},{hs},rnd,manufacturing,{},,",
                rng.pick(&KINDS_FOREIGN),
                english_name(&mut rng, i),
                rng.pick(&CITIES_US),
                50 + rng.below(5000)
            );
            references.push(domain);
        }
        org_rows.push(row);
    }
    let families = ["김", "이", "박", "최", "정", "강", "조", "윤"];
    let givens = ["민수", "지훈", "서연", "하은", "도윤", "수아", "예준", "지우"];
    let mut people_rows = Vec::with_capacity(people);
    for i in 0..people {
        let org = &references[rng.below(references.len())];
        let mut row = String::new();
        let _ = writeln!(
            row,
            "{},{},{},p{i}@mail.example,{org},{}",
            rng.pick(&families),
            rng.pick(&givens),
            ["대표이사", "CTO", "Sales manager", "Researcher"][rng.below(4)],
            ["CEO", "Engineer", "Buyer"][rng.below(3)]
        );
        people_rows.push(row);
    }
    Corpus {
        orgs: files("organizations", ORG_HEADER, &org_rows, ORGS_PER_FILE),
        people: files("people", PEOPLE_HEADER, &people_rows, PEOPLE_PER_FILE),
    }
}

/// Percent-encodes a query value.
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The kinds of request the clients ask, each with its parameters drawn at random (seeded) from
/// the corpus's vocabulary, so consecutive requests ask different pages, filters and words.
pub(crate) const QUERY_KINDS: [&str; 10] = [
    "page, first (any sort)",
    "page, deep (any page)",
    "page, kind+country",
    "page, 2-syllable search",
    "page, HS + tag",
    "json, first (any sort)",
    "json, 3+ char search",
    "json, Korean word search",
    "json, country+city",
    "json, people search",
];

/// One request of kind `kind`, parameters drawn from `rng`.
pub(crate) fn query(kind: usize, rng: &mut Rng, orgs: usize) -> String {
    let pages = (orgs / 25).max(1);
    let sorts = ["", "name_en", "country", "updated"];
    let sort = |rng: &mut Rng| {
        let s = rng.pick(&sorts);
        if s.is_empty() { String::new() } else { format!("&sort={s}") }
    };
    let kinds = ["local_firm", "foreign_firm", "university", "association"];
    match kind {
        0 => format!("/organizations?page=1{}", sort(rng)),
        1 => format!("/organizations?page={}{}", 1 + rng.below(pages), sort(rng)),
        2 => format!(
            "/organizations?kind={}&country={}&page={}{}",
            rng.pick(&kinds),
            rng.pick(&["KR", "US"]),
            1 + rng.below(20),
            sort(rng)
        ),
        3 => {
            let word = format!("{}{}", rng.pick(&SYLLABLES), rng.pick(&SYLLABLES));
            format!("/organizations?q={}{}", encode(&word), sort(rng))
        }
        4 => format!(
            "/organizations?hs={}&tag={}{}",
            rng.pick(&HS),
            encode(rng.pick(&TAGS)),
            sort(rng)
        ),
        5 => format!("/api/v1/organizations?page=1{}", sort(rng)),
        6 => {
            // A whole English word, or its first three to five letters.
            let word = rng.pick(&WORDS_EN).to_lowercase();
            let cut = (3 + rng.below(3)).min(word.len());
            let word = if rng.below(2) == 0 { word } else { word[..cut].to_owned() };
            format!("/api/v1/organizations?q={word}{}", sort(rng))
        }
        7 => format!("/api/v1/organizations?q={}", encode(rng.pick(&SUFFIX_KO))),
        8 => {
            let (country, city) = if rng.below(2) == 0 {
                ("KR", rng.pick(&CITIES_KR))
            } else {
                ("US", rng.pick(&CITIES_US))
            };
            format!("/api/v1/organizations?country={country}&city={}", encode(city))
        }
        _ => {
            let families = ["김", "이", "박", "최", "정", "강", "조", "윤"];
            let givens = ["민수", "지훈", "서연", "하은", "도윤", "수아", "예준", "지우"];
            let name = if rng.below(2) == 0 {
                rng.pick(&givens).to_owned()
            } else {
                format!("{}{}", rng.pick(&families), rng.pick(&givens))
            };
            format!("/api/v1/people?q={}&page={}", encode(&name), 1 + rng.below(5))
        }
    }
}

/// A new organisation for the write mix, unique by name and domain within and across runs.
pub(crate) fn new_organization(run: &str, client: usize, r: usize) -> String {
    format!(
        r#"{{"kind":"foreign_firm","name_en":"Bench Writer {run}-{client}-{r}","country":"US","city":"Irvine","domain":"writer-{run}-{client}-{r}.example","industry_tags":["medical devices"],"hs_codes":["9018"]}}"#
    )
}
