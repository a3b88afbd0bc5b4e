//! Revealed comparative advantage and the economic complexity measures built on it: the eigenvector
//! ECI/PCI, the method of reflections, and fitness/complexity.

use crate::ThresholdOperator;
use faer::{Mat, Side};

/// RCA, the binary presence matrix M and its degrees, for a location × product matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Presence {
    pub n_locations: usize,
    pub n_products: usize,
    /// Balassa RCA, row-major.
    pub rca: Vec<f64>,
    /// M_cp ∈ {0, 1}, row-major.
    pub m: Vec<u8>,
    /// k_c0 = Σ_p M_cp.
    pub diversity: Vec<u32>,
    /// k_p0 = Σ_c M_cp.
    pub ubiquity: Vec<u32>,
    /// For each location, the products with M = 1, ascending.
    pub products_of_location: Vec<Vec<u32>>,
    /// For each product, the locations with M = 1, ascending.
    pub locations_of_product: Vec<Vec<u32>>,
}

/// Computes RCA and presence for a row-major matrix whose rows and columns all have positive totals.
pub fn presence(
    values: &[f64],
    n_locations: usize,
    n_products: usize,
    threshold: f64,
    operator: ThresholdOperator,
) -> Presence {
    let location_totals: Vec<f64> =
        values.chunks_exact(n_products.max(1)).map(|row| row.iter().sum()).collect();
    let mut product_totals = vec![0.0; n_products];
    for row in values.chunks_exact(n_products.max(1)) {
        for (total, value) in product_totals.iter_mut().zip(row) {
            *total += value;
        }
    }
    let world_total: f64 = product_totals.iter().sum();
    let product_shares: Vec<f64> = product_totals.iter().map(|total| total / world_total).collect();
    let mut rca = vec![0.0; values.len()];
    let mut m = vec![0u8; values.len()];
    let mut diversity = vec![0u32; n_locations];
    let mut ubiquity = vec![0u32; n_products];
    let mut products_of_location = vec![Vec::new(); n_locations];
    let mut locations_of_product = vec![Vec::new(); n_products];
    for location_idx in 0..n_locations {
        for product_idx in 0..n_products {
            let cell = location_idx * n_products + product_idx;
            // Balassa (1965): RCA_cp = (X_cp / X_c) / (X_p / X).
            let value =
                (values[cell] / location_totals[location_idx]) / product_shares[product_idx];
            rca[cell] = value;
            if operator.passes(value, threshold) {
                m[cell] = 1;
                diversity[location_idx] += 1;
                ubiquity[product_idx] += 1;
                products_of_location[location_idx].push(product_idx as u32);
                locations_of_product[product_idx].push(location_idx as u32);
            }
        }
    }
    Presence {
        n_locations,
        n_products,
        rca,
        m,
        diversity,
        ubiquity,
        products_of_location,
        locations_of_product,
    }
}

impl Presence {
    /// Restricts presence to the given locations and products (in that order), keeping RCA as is.
    pub(crate) fn restrict(&self, locations: &[usize], products: &[usize]) -> Presence {
        let n_products = products.len();
        let mut rca = Vec::with_capacity(locations.len() * n_products);
        let mut m = Vec::with_capacity(locations.len() * n_products);
        for &location_idx in locations {
            for &product_idx in products {
                let cell = location_idx * self.n_products + product_idx;
                rca.push(self.rca[cell]);
                m.push(self.m[cell]);
            }
        }
        let mut diversity = vec![0u32; locations.len()];
        let mut ubiquity = vec![0u32; n_products];
        let mut products_of_location = vec![Vec::new(); locations.len()];
        let mut locations_of_product = vec![Vec::new(); n_products];
        for location_idx in 0..locations.len() {
            for product_idx in 0..n_products {
                if m[location_idx * n_products + product_idx] == 1 {
                    diversity[location_idx] += 1;
                    ubiquity[product_idx] += 1;
                    products_of_location[location_idx].push(product_idx as u32);
                    locations_of_product[product_idx].push(location_idx as u32);
                }
            }
        }
        Presence {
            n_locations: locations.len(),
            n_products,
            rca,
            m,
            diversity,
            ubiquity,
            products_of_location,
            locations_of_product,
        }
    }

    /// y_c = Σ_p M_cp x_p.
    pub(crate) fn multiply_by_products(&self, product_vector: &[f64]) -> Vec<f64> {
        self.products_of_location
            .iter()
            .map(|products| products.iter().map(|&p| product_vector[p as usize]).sum())
            .collect()
    }

    /// y_p = Σ_c M_cp x_c.
    pub(crate) fn multiply_by_locations(&self, location_vector: &[f64]) -> Vec<f64> {
        self.locations_of_product
            .iter()
            .map(|locations| locations.iter().map(|&c| location_vector[c as usize]).sum())
            .collect()
    }
}

/// The unsigned, unnormalised eigenvector solution: kp is a unit vector and kc = D_c⁻¹ M kp,
/// as in py-ecomplexity's `calc_eci_pci` (and the Stata ado file it transcribes).
#[derive(Debug, Clone, PartialEq)]
pub struct EigenSolution {
    pub kc: Vec<f64>,
    pub kp: Vec<f64>,
    /// Eigenvalues of M̃^C in descending order (at most the first three).
    pub leading_eigenvalues: Vec<f64>,
}

/// Solves the ECI/PCI eigenproblem in its small symmetric form.
///
/// Hidalgo & Hausmann (2009), Atlas (2014): ECI is the eigenvector of the second-largest eigenvalue
/// of M̃^C = D_c⁻¹ M D_p⁻¹ Mᵀ. M̃^C is similar to the symmetric S = D_c^-½ M D_p⁻¹ Mᵀ D_c^-½, so we
/// take the eigenvector v of S and map it back with kc ∝ D_c^-½ v; then kp = D_p⁻¹ Mᵀ kc is the
/// matching eigenvector of the P×P matrix M̃^P that the peers decompose (their slowest step).
/// Requires every diversity and ubiquity to be positive and at least two locations.
pub fn eci_pci_eigenvector(presence: &Presence) -> Option<EigenSolution> {
    let n_locations = presence.n_locations;
    if n_locations < 2 || presence.n_products < 2 {
        return None;
    }
    let mut symmetric = vec![0.0; n_locations * n_locations];
    for (product_idx, locations) in presence.locations_of_product.iter().enumerate() {
        let weight = 1.0 / f64::from(presence.ubiquity[product_idx]);
        for (position, &first) in locations.iter().enumerate() {
            let row = first as usize * n_locations;
            for &second in &locations[position..] {
                symmetric[row + second as usize] += weight;
            }
        }
    }
    let inverse_sqrt_diversity: Vec<f64> =
        presence.diversity.iter().map(|k| 1.0 / f64::from(*k).sqrt()).collect();
    let matrix = Mat::<f64>::from_fn(n_locations, n_locations, |row, col| {
        let (low, high) = if row <= col { (row, col) } else { (col, row) };
        symmetric[low * n_locations + high]
            * inverse_sqrt_diversity[row]
            * inverse_sqrt_diversity[col]
    });
    let decomposition = matrix.self_adjoint_eigen(Side::Lower).ok()?;
    let eigenvalues = decomposition.S().column_vector();
    let vectors = decomposition.U();
    let second = n_locations - 2;
    let leading_eigenvalues: Vec<f64> =
        (0..n_locations.min(3)).map(|offset| eigenvalues[n_locations - 1 - offset]).collect();
    let kc_direction: Vec<f64> = (0..n_locations)
        .map(|location_idx| vectors[(location_idx, second)] * inverse_sqrt_diversity[location_idx])
        .collect();
    let mut kp: Vec<f64> = presence
        .multiply_by_locations(&kc_direction)
        .iter()
        .zip(&presence.ubiquity)
        .map(|(sum, k)| sum / f64::from(*k))
        .collect();
    let norm = kp.iter().map(|value| value * value).sum::<f64>().sqrt();
    if norm > 0.0 {
        kp.iter_mut().for_each(|value| *value /= norm);
    }
    let kc = presence
        .multiply_by_products(&kp)
        .iter()
        .zip(&presence.diversity)
        .map(|(sum, k)| sum / f64::from(*k))
        .collect();
    Some(EigenSolution { kc, kp, leading_eigenvalues })
}

/// Every step of the method of reflections, `kc[n]` and `kp[n]` for n = 0..=iterations.
#[derive(Debug, Clone, PartialEq)]
pub struct Reflections {
    pub kc: Vec<Vec<f64>>,
    pub kp: Vec<Vec<f64>>,
}

/// Hidalgo & Hausmann (2009): k_c,N = (1/k_c,0) Σ_p M_cp k_p,N−1 and
/// k_p,N = (1/k_p,0) Σ_c M_cp k_c,N−1, starting from the diversity and the ubiquity.
pub fn reflections(presence: &Presence, iterations: usize) -> Reflections {
    let diversity: Vec<f64> = presence.diversity.iter().map(|k| f64::from(*k)).collect();
    let ubiquity: Vec<f64> = presence.ubiquity.iter().map(|k| f64::from(*k)).collect();
    let mut kc = vec![diversity.clone()];
    let mut kp = vec![ubiquity.clone()];
    for step in 1..=iterations {
        let next_kc = presence
            .multiply_by_products(&kp[step - 1])
            .iter()
            .zip(&diversity)
            .map(|(sum, k)| sum / k)
            .collect();
        let next_kp = presence
            .multiply_by_locations(&kc[step - 1])
            .iter()
            .zip(&ubiquity)
            .map(|(sum, k)| sum / k)
            .collect();
        kc.push(next_kc);
        kp.push(next_kp);
    }
    Reflections { kc, kp }
}

/// Fitness of locations and complexity of products after a number of iterations.
#[derive(Debug, Clone, PartialEq)]
pub struct FitnessComplexity {
    pub fitness: Vec<f64>,
    pub complexity: Vec<f64>,
}

/// Tacchella et al. (2012), as iterated by R `economiccomplexity` 2.0.0: F_c = Σ_p M_cp Q_p and
/// Q_p = 1 / Σ_c M_cp / F_c, each divided by its mean at every step, both starting from 1; the
/// product step uses the previous fitness. `iterations` counts the starting vector as the first.
pub fn fitness_complexity(presence: &Presence, iterations: usize) -> FitnessComplexity {
    let mut fitness = vec![1.0; presence.n_locations];
    let mut complexity = vec![1.0; presence.n_products];
    for _ in 2..=iterations {
        let mut next_fitness = presence.multiply_by_products(&complexity);
        normalise_by_mean(&mut next_fitness);
        let inverse_fitness: Vec<f64> = fitness.iter().map(|value| 1.0 / value).collect();
        let mut next_complexity: Vec<f64> =
            presence.multiply_by_locations(&inverse_fitness).iter().map(|sum| 1.0 / sum).collect();
        normalise_by_mean(&mut next_complexity);
        fitness = next_fitness;
        complexity = next_complexity;
    }
    FitnessComplexity { fitness, complexity }
}

fn normalise_by_mean(values: &mut [f64]) {
    let mean = crate::statistics::mean(values);
    if mean != 0.0 {
        values.iter_mut().for_each(|value| *value /= mean);
    }
}
