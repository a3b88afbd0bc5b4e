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

    /// Whether φ is symmetric.
    pub fn is_symmetric(&self) -> bool {
        self.kind != ProximityKind::Asymmetric
    }

    /// Row sums Σ_p' φ(p, p') for every p.
    pub fn row_sums(&self) -> Vec<f64> {
        (0..self.n_products)
            .into_par_iter()
            .map(|first| (0..self.n_products).map(|second| self.phi(first, second)).sum())
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

const BLOCK_WIDTH: usize = 128;

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
    let column_sums = proximity.column_sums();
    let row_sums =
        if proximity.is_symmetric() { column_sums.clone() } else { proximity.row_sums() };
    let weights: Vec<f64> = outlook_pci
        .iter()
        .zip(&row_sums)
        .map(|(pci, sum)| if *sum != 0.0 { pci / sum } else { 0.0 })
        .collect();
    let n_blocks = n_products.div_ceil(BLOCK_WIDTH);
    let blocks: Vec<(Vec<f64>, Vec<f64>)> = (0..n_blocks)
        .into_par_iter()
        .map(|block_idx| {
            block_density_and_gain(presence, proximity, &weights, &column_sums, block_idx)
        })
        .collect();
    let mut density = vec![0.0; n_locations * n_products];
    let mut cog = vec![0.0; n_locations * n_products];
    for (block_idx, (block_density, block_gain)) in blocks.iter().enumerate() {
        let start = block_idx * BLOCK_WIDTH;
        let width = BLOCK_WIDTH.min(n_products - start);
        for location_idx in 0..n_locations {
            let target = location_idx * n_products + start;
            let source = location_idx * width;
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

/// Density and outlook gain for the products of one column block, as `(C × width, C × width)`.
fn block_density_and_gain(
    presence: &Presence,
    proximity: &ProximityMatrix,
    weights: &[f64],
    column_sums: &[f64],
    block_idx: usize,
) -> (Vec<f64>, Vec<f64>) {
    let n_products = presence.n_products;
    let n_locations = presence.n_locations;
    let start = block_idx * BLOCK_WIDTH;
    let width = BLOCK_WIDTH.min(n_products - start);
    let mut present_sum = vec![0.0; n_locations * width];
    let mut present_gain = vec![0.0; n_locations * width];
    let mut total_gain = vec![0.0; width];
    let mut segment = vec![0.0; width];
    for (source_product, &weight) in weights.iter().enumerate() {
        for (offset, value) in segment.iter_mut().enumerate() {
            *value = proximity.phi(source_product, start + offset);
        }
        for (total, value) in total_gain.iter_mut().zip(&segment) {
            *total += weight * value;
        }
        for &location_idx in &presence.locations_of_product[source_product] {
            let row = location_idx as usize * width;
            for ((sum, gain), value) in present_sum[row..row + width]
                .iter_mut()
                .zip(&mut present_gain[row..row + width])
                .zip(&segment)
            {
                *sum += value;
                *gain += weight * value;
            }
        }
    }
    for location_idx in 0..n_locations {
        let row = location_idx * width;
        for offset in 0..width {
            let product_idx = start + offset;
            let column_sum = column_sums[product_idx];
            present_sum[row + offset] =
                if column_sum != 0.0 { present_sum[row + offset] / column_sum } else { 0.0 };
            let absent = 1.0 - f64::from(presence.m[location_idx * n_products + product_idx]);
            // Σ over absent p' = Σ over all p' − Σ over present p'.
            present_gain[row + offset] = absent * (total_gain[offset] - present_gain[row + offset]);
        }
    }
    (present_sum, present_gain)
}
