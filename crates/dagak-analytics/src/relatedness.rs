//! Relatedness: product proximity, density (and distance), and the complexity outlook (COI, COG).
//!
//! M is binary and the number of locations is small (≤ ~250), so each product's column of M is a
//! short bitset and the co-occurrence Σ_c M_cp M_cp' is a popcount of AND-ed bitsets: exact, and
//! cheap enough that the P×P proximity matrix is never stored. Density and the outlook gain are
//! accumulated over column blocks of the proximity matrix, in parallel but in a fixed order.

use crate::Presence;
use rayon::prelude::*;

/// Which proximity to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProximityKind {
    /// Hidalgo et al. (2007): φ_pp' = Σ_c M_cp M_cp' / max(k_p0, k_p'0).
    #[default]
    Symmetric,
    /// The conditional probability φ_pp' = P(M_p' = 1 | M_p = 1) = Σ_c M_cp M_cp' / k_p0.
    Asymmetric,
    /// Σ_c M_cp M_cp' / √(k_p0 k_p'0) (cosine of the presence columns).
    Sqrt,
    /// py-ecomplexity's continuous proximity (1 + corr(RCA_p, RCA_p')) / 2.
    Continuous,
}

/// A lazily evaluated P×P proximity matrix.
#[derive(Debug, Clone)]
pub struct ProximityMatrix {
    kind: ProximityKind,
    diagonal: f64,
    n_products: usize,
    words_per_product: usize,
    bitsets: Vec<u64>,
    ubiquity: Vec<f64>,
    /// Standardised RCA columns (only for the continuous kind), product-major.
    standardised_rca: Vec<f64>,
    n_locations: usize,
}

/// Builds the proximity matrix of `presence` with the given diagonal (0 in Stata, 1 in
/// py-ecomplexity and R).
pub fn proximity(presence: &Presence, kind: ProximityKind, diagonal: f64) -> ProximityMatrix {
    let words_per_product = presence.n_locations.div_ceil(64).max(1);
    let mut bitsets = vec![0u64; words_per_product * presence.n_products];
    for (product_idx, locations) in presence.locations_of_product.iter().enumerate() {
        for &location_idx in locations {
            let location_idx = location_idx as usize;
            bitsets[product_idx * words_per_product + location_idx / 64] |=
                1u64 << (location_idx % 64);
        }
    }
    let standardised_rca = if kind == ProximityKind::Continuous {
        standardised_columns(&presence.rca, presence.n_locations, presence.n_products)
    } else {
        Vec::new()
    };
    ProximityMatrix {
        kind,
        diagonal,
        n_products: presence.n_products,
        words_per_product,
        bitsets,
        ubiquity: presence.ubiquity.iter().map(|k| f64::from(*k)).collect(),
        standardised_rca,
        n_locations: presence.n_locations,
    }
}

fn standardised_columns(rca: &[f64], n_locations: usize, n_products: usize) -> Vec<f64> {
    let mut columns = vec![0.0; rca.len()];
    for product_idx in 0..n_products {
        let column: Vec<f64> = (0..n_locations)
            .map(|location_idx| rca[location_idx * n_products + product_idx])
            .collect();
        let mean = crate::statistics::mean(&column);
        let norm = crate::statistics::sum_of_squares(&column).sqrt();
        for (location_idx, value) in column.iter().enumerate() {
            columns[product_idx * n_locations + location_idx] =
                if norm > 0.0 { (value - mean) / norm } else { 0.0 };
        }
    }
    columns
}

impl ProximityMatrix {
    /// Number of products.
    pub fn n_products(&self) -> usize {
        self.n_products
    }

    /// Number of locations with M = 1 in both products.
    pub fn co_occurrence(&self, first: usize, second: usize) -> u32 {
        let words = self.words_per_product;
        let first_bits = &self.bitsets[first * words..(first + 1) * words];
        let second_bits = &self.bitsets[second * words..(second + 1) * words];
        first_bits.iter().zip(second_bits).map(|(a, b)| (a & b).count_ones()).sum()
    }

    /// φ(first, second).
    pub fn phi(&self, first: usize, second: usize) -> f64 {
        if first == second {
            return self.diagonal;
        }
        match self.kind {
            ProximityKind::Symmetric => {
                let shared = f64::from(self.co_occurrence(first, second));
                let larger = self.ubiquity[first].max(self.ubiquity[second]);
                if larger > 0.0 { shared / larger } else { 0.0 }
            }
            ProximityKind::Asymmetric => {
                let shared = f64::from(self.co_occurrence(first, second));
                let base = self.ubiquity[first];
                if base > 0.0 { shared / base } else { 0.0 }
            }
            ProximityKind::Sqrt => {
                let shared = f64::from(self.co_occurrence(first, second));
                let base = (self.ubiquity[first] * self.ubiquity[second]).sqrt();
                if base > 0.0 { shared / base } else { 0.0 }
            }
            ProximityKind::Continuous => {
                let n = self.n_locations;
                let first_column = &self.standardised_rca[first * n..(first + 1) * n];
                let second_column = &self.standardised_rca[second * n..(second + 1) * n];
                let correlation: f64 =
                    first_column.iter().zip(second_column).map(|(a, b)| a * b).sum();
                (1.0 + correlation) / 2.0
            }
        }
    }

    /// Writes φ(source, start + offset) into `segment[offset]` for every offset, with the kind
    /// matched once per segment rather than once per pair.
    pub fn fill_row_segment(&self, source: usize, start: usize, segment: &mut [f64]) {
        let words = self.words_per_product;
        let source_bits = &self.bitsets[source * words..(source + 1) * words];
        let source_ubiquity = self.ubiquity[source];
        let shared = |target: usize| -> f64 {
            let target_bits = &self.bitsets[target * words..(target + 1) * words];
            let count: u32 =
                source_bits.iter().zip(target_bits).map(|(a, b)| (a & b).count_ones()).sum();
            f64::from(count)
        };
        match self.kind {
            ProximityKind::Symmetric => {
                for (offset, value) in segment.iter_mut().enumerate() {
                    let target = start + offset;
                    let larger = source_ubiquity.max(self.ubiquity[target]);
                    *value = if larger > 0.0 { shared(target) / larger } else { 0.0 };
                }
            }
            ProximityKind::Asymmetric | ProximityKind::Sqrt | ProximityKind::Continuous => {
                for (offset, value) in segment.iter_mut().enumerate() {
                    *value = self.phi(source, start + offset);
                }
            }
        }
        if (start..start + segment.len()).contains(&source) {
            segment[source - start] = self.diagonal;
        }
    }

    /// The full P×P table of co-occurrence counts (u16: 50 MB at 5,000 products), computed once so
    /// that density and the outlook gain read φ instead of recounting bits, with the row sums
    /// Σ_p' φ(p, p') taken while each row is hot; `None` for the continuous kind or more than
    /// 65,535 locations.
    ///
    /// Row p is Σ over the locations c with M_cp = 1 of the presence row M_c·, summed as u16 lanes
    /// (many per vector register), which is cheaper than bit counting without a popcount
    /// instruction.
    fn co_occurrence_table(
        &self,
        presence: &Presence,
        reciprocals: &Reciprocals,
    ) -> Option<(Vec<u16>, Vec<f64>)> {
        if self.kind == ProximityKind::Continuous || self.n_locations > usize::from(u16::MAX) {
            return None;
        }
        let n = self.n_products;
        let mut counts = vec![0u16; n * n];
        let mut row_sums = vec![0.0; n];
        counts.par_chunks_mut(n.max(1)).zip(row_sums.par_iter_mut()).enumerate().for_each_init(
            || vec![0.0; n],
            |scratch, (first, (row, row_sum))| {
                for &location_idx in &presence.locations_of_product[first] {
                    let start = location_idx as usize * n;
                    for (count, flag) in row.iter_mut().zip(&presence.m[start..start + n]) {
                        *count += u16::from(*flag);
                    }
                }
                self.phi_segment_from_counts(reciprocals, first, 0, row, scratch);
                *row_sum = scratch.iter().sum();
            },
        );
        Some((counts, row_sums))
    }

    /// φ(source, start + offset) from co-occurrence counts, for every offset of `segment`.
    ///
    /// Reciprocals turn the per-pair division into a multiplication (a difference of at most one
    /// unit in the last place of φ, far below every tolerance), which vectorises.
    fn phi_segment_from_counts(
        &self,
        reciprocals: &Reciprocals,
        source: usize,
        start: usize,
        counts: &[u16],
        segment: &mut [f64],
    ) {
        let end = start + segment.len();
        match self.kind {
            ProximityKind::Symmetric => {
                let own = reciprocals.inverse[source];
                for ((value, count), other) in
                    segment.iter_mut().zip(counts).zip(&reciprocals.inverse[start..end])
                {
                    // 1 / max(k_p, k_p') = min(1 / k_p, 1 / k_p').
                    *value = f64::from(*count) * own.min(*other);
                }
            }
            ProximityKind::Asymmetric => {
                let own = reciprocals.inverse[source];
                for (value, count) in segment.iter_mut().zip(counts) {
                    *value = f64::from(*count) * own;
                }
            }
            ProximityKind::Sqrt | ProximityKind::Continuous => {
                let own = reciprocals.inverse_sqrt[source];
                for ((value, count), other) in
                    segment.iter_mut().zip(counts).zip(&reciprocals.inverse_sqrt[start..end])
                {
                    *value = f64::from(*count) * own * other;
                }
            }
        }
        if (start..end).contains(&source) {
            segment[source - start] = self.diagonal;
        }
    }

    /// Whether φ is symmetric.
    pub fn is_symmetric(&self) -> bool {
        self.kind != ProximityKind::Asymmetric
    }

    /// Row sums Σ_p' φ(p, p') for every p.
    pub fn row_sums(&self) -> Vec<f64> {
        (0..self.n_products)
            .into_par_iter()
            .map_init(
                || vec![0.0; self.n_products],
                |row, first| {
                    self.fill_row_segment(first, 0, row);
                    row.iter().sum()
                },
            )
            .collect()
    }

    /// Column sums Σ_p' φ(p', p) for every p.
    pub fn column_sums(&self) -> Vec<f64> {
        if self.is_symmetric() {
            return self.row_sums();
        }
        (0..self.n_products)
            .into_par_iter()
            .map(|second| (0..self.n_products).map(|first| self.phi(first, second)).sum())
            .collect()
    }
}

/// Density, distance and the complexity outlook for every location × product cell.
#[derive(Debug, Clone, PartialEq)]
pub struct RelatednessOutput {
    /// ω_cp, row-major.
    pub density: Vec<f64>,
    /// COG_cp before any standardisation, row-major.
    pub cog: Vec<f64>,
    /// COI_c before any standardisation.
    pub coi: Vec<f64>,
}

const BLOCK_WIDTH: usize = 8;

/// Computes density, COI and COG from presence, a proximity matrix and the PCI vector entering the
/// outlook (the raw eigenvector kp or the normalised PCI, depending on the profile).
///
/// Hidalgo et al. (2007): ω_cp = Σ_p' M_cp' φ_p'p / Σ_p' φ_p'p.
/// Hausmann et al., Atlas (2014): COI_c = Σ_p ω_cp (1 − M_cp) PCI_p and
/// COG_cp = (1 − M_cp) Σ_p' [φ_p'p / Σ_p'' φ_p'p''] (1 − M_cp') PCI_p', as written in the Stata ado
/// file and py-ecomplexity's `coicog.py`.
pub fn relatedness(
    presence: &Presence,
    proximity: &ProximityMatrix,
    outlook_pci: &[f64],
) -> RelatednessOutput {
    let n_products = presence.n_products;
    let n_locations = presence.n_locations;
    let reciprocals = Reciprocals::new(&proximity.ubiquity);
    let table = proximity.co_occurrence_table(presence, &reciprocals);
    let fill = |source: usize, start: usize, segment: &mut [f64]| match &table {
        Some((counts, _)) => {
            let row = source * n_products;
            let counts = &counts[row + start..row + start + segment.len()];
            proximity.phi_segment_from_counts(&reciprocals, source, start, counts, segment);
        }
        None => proximity.fill_row_segment(source, start, segment),
    };
    let row_sums: Vec<f64> = match &table {
        Some((_, row_sums)) => row_sums.clone(),
        None => (0..n_products)
            .into_par_iter()
            .map_init(
                || vec![0.0; n_products],
                |row, source| {
                    fill(source, 0, row);
                    row.iter().sum()
                },
            )
            .collect(),
    };
    let column_sums = if proximity.is_symmetric() {
        row_sums.clone()
    } else {
        (0..n_products)
            .into_par_iter()
            .map(|target| {
                let mut value = [0.0];
                (0..n_products)
                    .map(|source| {
                        fill(source, target, &mut value);
                        value[0]
                    })
                    .sum()
            })
            .collect()
    };
    let weights: Vec<f64> = outlook_pci
        .iter()
        .zip(&row_sums)
        .map(|(pci, sum)| if *sum != 0.0 { pci / sum } else { 0.0 })
        .collect();
    let n_blocks = n_products.div_ceil(BLOCK_WIDTH);
    let blocks: Vec<(Vec<f64>, Vec<f64>)> = (0..n_blocks)
        .into_par_iter()
        .map(|block_idx| block_density_and_gain(presence, &fill, &weights, &column_sums, block_idx))
        .collect();
    let mut density = vec![0.0; n_locations * n_products];
    let mut cog = vec![0.0; n_locations * n_products];
    for (block_idx, (block_density, block_gain)) in blocks.iter().enumerate() {
        let start = block_idx * BLOCK_WIDTH;
        let width = BLOCK_WIDTH.min(n_products - start);
        for location_idx in 0..n_locations {
            let target = location_idx * n_products + start;
            let source = location_idx * BLOCK_WIDTH;
            density[target..target + width].copy_from_slice(&block_density[source..source + width]);
            cog[target..target + width].copy_from_slice(&block_gain[source..source + width]);
        }
    }
    let coi = (0..n_locations)
        .map(|location_idx| {
            let row = location_idx * n_products;
            (0..n_products)
                .filter(|product_idx| presence.m[row + product_idx] == 0)
                .map(|product_idx| density[row + product_idx] * outlook_pci[product_idx])
                .sum()
        })
        .collect();
    RelatednessOutput { density, cog, coi }
}

/// Density and outlook gain for the products of one column block, as `(C × BLOCK_WIDTH,
/// C × BLOCK_WIDTH)` (columns past the last product are left at zero).
///
/// The block's φ columns are gathered once, source-major; each location then sums the rows of the
/// products it has (M = 1) into accumulators that stay in registers. The gain over absent products
/// is the sum over all products minus the sum over present ones.
fn block_density_and_gain(
    presence: &Presence,
    fill: &(impl Fn(usize, usize, &mut [f64]) + Sync),
    weights: &[f64],
    column_sums: &[f64],
    block_idx: usize,
) -> (Vec<f64>, Vec<f64>) {
    let n_products = presence.n_products;
    let n_locations = presence.n_locations;
    let start = block_idx * BLOCK_WIDTH;
    let width = BLOCK_WIDTH.min(n_products - start);
    // Source-major rows of 2 × BLOCK_WIDTH: φ(p', block) then w_p' φ(p', block).
    let stride = 2 * BLOCK_WIDTH;
    let mut rows = vec![0.0; n_products * stride];
    let mut total_gain = [0.0; BLOCK_WIDTH];
    for (source, &weight) in weights.iter().enumerate() {
        let row = source * stride;
        fill(source, start, &mut rows[row..row + width]);
        for offset in 0..BLOCK_WIDTH {
            let weighted = weight * rows[row + offset];
            rows[row + BLOCK_WIDTH + offset] = weighted;
            total_gain[offset] += weighted;
        }
    }
    let mut density = vec![0.0; n_locations * BLOCK_WIDTH];
    let mut gain = vec![0.0; n_locations * BLOCK_WIDTH];
    for (location_idx, products) in presence.products_of_location.iter().enumerate() {
        let mut present_sum = [0.0; BLOCK_WIDTH];
        let mut present_gain = [0.0; BLOCK_WIDTH];
        for &source in products {
            let row = source as usize * stride;
            let both = &rows[row..row + stride];
            for offset in 0..BLOCK_WIDTH {
                present_sum[offset] += both[offset];
                present_gain[offset] += both[BLOCK_WIDTH + offset];
            }
        }
        let out = location_idx * BLOCK_WIDTH;
        for offset in 0..width {
            let product_idx = start + offset;
            let column_sum = column_sums[product_idx];
            density[out + offset] =
                if column_sum != 0.0 { present_sum[offset] / column_sum } else { 0.0 };
            let absent = 1.0 - f64::from(presence.m[location_idx * n_products + product_idx]);
            gain[out + offset] = absent * (total_gain[offset] - present_gain[offset]);
        }
    }
    (density, gain)
}

/// 1/k and 1/√k per product (0 where k = 0, which makes φ 0 there).
struct Reciprocals {
    inverse: Vec<f64>,
    inverse_sqrt: Vec<f64>,
}

impl Reciprocals {
    fn new(ubiquity: &[f64]) -> Reciprocals {
        let inverse: Vec<f64> =
            ubiquity.iter().map(|k| if *k > 0.0 { 1.0 / k } else { 0.0 }).collect();
        let inverse_sqrt = inverse.iter().map(|value| value.sqrt()).collect();
        Reciprocals { inverse, inverse_sqrt }
    }
}
