//! Concentration of one location's exports across markets or products.
//!
//! Shares are taken over the active items (value > 0); the universe N is every market or product the
//! location could have exported to or in. Formulas follow `design/TRADE.md` ("Concentration") and the
//! reference script `oracle/trade/concentration_reference.py`.

/// Concentration indices of one export vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Concentration {
    /// Active items n (value > 0).
    pub n_active: usize,
    /// Size of the universe N (at least n).
    pub universe: usize,
    /// Σ x over active items.
    pub total: f64,
    /// Herfindahl–Hirschman index Σ s².
    pub hhi: f64,
    /// HHI × 10 000, the competition-authority scale.
    pub hhi_x10000: f64,
    /// (HHI − 1/N) / (1 − 1/N); `None` when N = 1.
    pub hhi_normalized: Option<f64>,
    /// UNCTAD concentration index (√HHI − √(1/N)) / (1 − √(1/N)); `None` when N = 1.
    pub unctad: Option<f64>,
    /// 1 / HHI, the number of equally sized items giving the same HHI.
    pub effective_number: f64,
    /// Shannon entropy −Σ s ln s, in nats.
    pub entropy: f64,
    /// Entropy / ln n; `None` when n = 1.
    pub entropy_normalized: Option<f64>,
    /// Theil index over the universe (zeros included).
    pub theil: f64,
    /// Intensive margin: Theil over the active items.
    pub theil_within: f64,
    /// Extensive margin: ln(N / n).
    pub theil_between: f64,
    pub top1: f64,
    pub top3: f64,
    pub top5: f64,
    pub top10: f64,
    /// Gini coefficient over the active items.
    pub gini: f64,
    /// The competition-authority band of the HHI.
    pub band: HhiBand,
}

/// HHI bands on the ×10 000 scale: below 1 500 low, 1 500–2 500 moderate, above 2 500 high.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HhiBand {
    Low,
    Moderate,
    High,
}

/// Why concentration cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConcentrationError {
    #[error("no item has a positive value")]
    NoPositiveValues,
    #[error("the universe ({universe}) is smaller than the number of active items ({n_active})")]
    UniverseTooSmall { universe: usize, n_active: usize },
    #[error("a value is negative or not finite")]
    InvalidValue,
}

/// Computes every concentration index of `values` over a universe of `universe` items.
///
/// Zero values are inactive items; `universe` counts active and inactive items alike (pass
/// `values.len()` when the slice already spans the universe).
pub fn concentration(values: &[f64], universe: usize) -> Result<Concentration, ConcentrationError> {
    if values.iter().any(|value| !(value.is_finite() && *value >= 0.0)) {
        return Err(ConcentrationError::InvalidValue);
    }
    let mut active: Vec<f64> = values.iter().copied().filter(|value| *value > 0.0).collect();
    let n_active = active.len();
    if n_active == 0 {
        return Err(ConcentrationError::NoPositiveValues);
    }
    if universe < n_active {
        return Err(ConcentrationError::UniverseTooSmall { universe, n_active });
    }
    // Ascending order makes every sum below deterministic, whatever the input order.
    active.sort_by(f64::total_cmp);
    let total: f64 = active.iter().sum();
    let shares_descending: Vec<f64> = active.iter().rev().map(|value| value / total).collect();
    let n = n_active as f64;
    let big_n = universe as f64;

    // Herfindahl (1950), Hirschman (1945): HHI = Σ s².
    let hhi: f64 = shares_descending.iter().map(|share| share * share).sum();
    // UNCTAD (2019) normalisation over the universe: (HHI − 1/N) / (1 − 1/N).
    let hhi_normalized = (universe > 1).then(|| (hhi - 1.0 / big_n) / (1.0 - 1.0 / big_n));
    // UNCTAD concentration index: (√HHI − √(1/N)) / (1 − √(1/N)).
    let unctad =
        (universe > 1).then(|| (hhi.sqrt() - (1.0 / big_n).sqrt()) / (1.0 - (1.0 / big_n).sqrt()));
    // Shannon (1948): H = −Σ s ln s.
    let entropy: f64 = -shares_descending.iter().map(|share| share * share.ln()).sum::<f64>();
    let entropy_normalized = (n_active > 1).then(|| entropy / n.ln());
    // Cadot, Carrère & Strauss-Kahn (2011): T = (1/N) Σ (x/μ) ln(x/μ) with μ = Σx/N, which equals
    // Σ s ln(s N); the intensive part over the active items is Σ s ln(s n) and the extensive part
    // ln(N/n), so within + between = total exactly in real arithmetic.
    let theil: f64 = shares_descending.iter().map(|share| share * (share * big_n).ln()).sum();
    let theil_within: f64 = shares_descending.iter().map(|share| share * (share * n).ln()).sum();
    let theil_between = (big_n / n).ln();
    let top = |k: usize| shares_descending.iter().take(k).sum::<f64>();
    // Gini over active items, ascending x_(i): G = 2 Σ i x_(i) / (n Σ x) − (n + 1) / n.
    let weighted: f64 =
        active.iter().enumerate().map(|(rank, value)| (rank as f64 + 1.0) * value).sum();
    let gini = 2.0 * weighted / (n * total) - (n + 1.0) / n;
    let hhi_x10000 = hhi * 10_000.0;
    let band = if hhi_x10000 < 1_500.0 {
        HhiBand::Low
    } else if hhi_x10000 <= 2_500.0 {
        HhiBand::Moderate
    } else {
        HhiBand::High
    };
    Ok(Concentration {
        n_active,
        universe,
        total,
        hhi,
        hhi_x10000,
        hhi_normalized,
        unctad,
        effective_number: 1.0 / hhi,
        entropy,
        entropy_normalized,
        theil,
        theil_within,
        theil_between,
        top1: top(1),
        top3: top(3),
        top5: top(5),
        top10: top(10),
        gini,
        band,
    })
}

impl HhiBand {
    /// The band's name: `low`, `moderate` or `high`.
    pub fn name(self) -> &'static str {
        match self {
            HhiBand::Low => "low",
            HhiBand::Moderate => "moderate",
            HhiBand::High => "high",
        }
    }
}

impl Concentration {
    /// Number of active items whose value exceeds `floor` (the "number of markets above a floor").
    pub fn count_above(values: &[f64], floor: f64) -> usize {
        values.iter().filter(|value| **value > floor).count()
    }
}
