//! The whole indicator set for one period under one profile: RCA and presence, ECI/PCI by the
//! eigenvector method, reflections and fitness, density, COI and COG.

use crate::complexity::EigenSolution;
use crate::profile::{EciNormalisation, OutlookVariant, SignRule};
use crate::statistics::{correlation, mean, standard_deviation, standardise, sum_of_squares};
use crate::{
    Diagnostic, Presence, Profile, ProximityKind, ProximityMatrix, TradeMatrix,
    eci_pci_eigenvector, fitness_complexity, presence, proximity, reflections, relatedness,
};

/// What to compute, and under which conventions.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorsOptions {
    pub profile: Profile,
    /// R* in M_cp = 1 if RCA_cp passes R*; 1 by default.
    pub rca_threshold: f64,
    /// Iterations of the method of reflections (R's and Datawheel's default is 20).
    pub reflections_iterations: usize,
    /// Iterations of fitness/complexity (R's default is 20).
    pub fitness_iterations: usize,
    pub proximity_kind: ProximityKind,
}

impl Default for IndicatorsOptions {
    fn default() -> IndicatorsOptions {
        IndicatorsOptions::for_profile(Profile::Atlas)
    }
}

impl IndicatorsOptions {
    /// The peer's defaults for `profile`.
    pub fn for_profile(profile: Profile) -> IndicatorsOptions {
        IndicatorsOptions {
            profile,
            rca_threshold: 1.0,
            reflections_iterations: 20,
            fitness_iterations: 20,
            proximity_kind: ProximityKind::Symmetric,
        }
    }
}

/// Indicators of one location (a row with positive total exports).
#[derive(Debug, Clone, PartialEq)]
pub struct LocationIndicators {
    /// Row index in the input [`TradeMatrix`].
    pub location_idx: usize,
    pub total: f64,
    pub diversity: u32,
    pub eci: Option<f64>,
    pub coi: Option<f64>,
    /// ECI by the method of reflections, z-scored (R and Datawheel conventions).
    pub eci_reflections: Option<f64>,
    /// Fitness (Tacchella et al. 2012), mean-normalised.
    pub fitness: Option<f64>,
}

/// Indicators of one product (a column with positive total exports).
#[derive(Debug, Clone, PartialEq)]
pub struct ProductIndicators {
    /// Column index in the input [`TradeMatrix`].
    pub product_idx: usize,
    pub total: f64,
    pub ubiquity: u32,
    pub pci: Option<f64>,
    pub pci_reflections: Option<f64>,
    /// Product complexity by fitness/complexity, mean-normalised.
    pub complexity_fitness: Option<f64>,
}

/// Cell indicators over the rectangular matrix of the reported locations × products, row-major in
/// the order of [`Indicators::locations`] and [`Indicators::products`]. Density and COG are NaN for
/// a location or product left out of the eigenproblem.
#[derive(Debug, Clone, PartialEq)]
pub struct CellIndicators {
    pub value: Vec<f64>,
    pub rca: Vec<f64>,
    pub m: Vec<u8>,
    pub density: Vec<f64>,
    pub cog: Vec<f64>,
}

/// Everything computed for one period, with the profile that produced it.
#[derive(Debug, Clone)]
pub struct Indicators {
    pub profile: Profile,
    pub locations: Vec<LocationIndicators>,
    pub products: Vec<ProductIndicators>,
    pub cells: CellIndicators,
    /// The leading eigenvalues of M̃^C, descending (the first is 1).
    pub eigenvalues: Vec<f64>,
    /// The proximity matrix over the products in the eigenproblem.
    pub proximity: Option<ProximityMatrix>,
    /// Positions in [`Indicators::products`] of the proximity matrix's rows.
    pub proximity_products: Vec<usize>,
}

/// Computes every indicator of `matrix` under `options`, reporting what was dropped.
pub fn indicators(
    matrix: &TradeMatrix,
    options: &IndicatorsOptions,
) -> (Indicators, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let (active_locations, active_products) = active_indices(matrix, &mut diagnostics);
    let n_products = active_products.len();
    let mut values = Vec::with_capacity(active_locations.len() * n_products);
    for &location_idx in &active_locations {
        let row = matrix.row(location_idx);
        values.extend(active_products.iter().map(|&product_idx| row[product_idx]));
    }
    let conventions = options.profile.conventions();
    let mut full = presence(
        &values,
        active_locations.len(),
        n_products,
        options.rca_threshold,
        conventions.threshold_operator,
    );
    let complexity_locations: Vec<usize> =
        (0..full.n_locations).filter(|&c| full.diversity[c] > 0).collect();
    let complexity_products: Vec<usize> =
        (0..full.n_products).filter(|&p| full.ubiquity[p] > 0).collect();
    for c in (0..full.n_locations).filter(|&c| full.diversity[c] == 0) {
        let location = matrix.locations()[active_locations[c]].clone();
        diagnostics.push(Diagnostic::ZeroDiversityExcluded { location });
    }
    for p in (0..full.n_products).filter(|&p| full.ubiquity[p] == 0) {
        let product = matrix.products()[active_products[p]].clone();
        diagnostics.push(Diagnostic::ZeroUbiquityExcluded { product });
    }
    let restricted;
    let core: &Presence = if complexity_locations.len() == full.n_locations
        && complexity_products.len() == full.n_products
    {
        &full
    } else {
        restricted = full.restrict(&complexity_locations, &complexity_products);
        &restricted
    };
    let core_n_products = core.n_products;
    let n_cells = full.rca.len();
    let measures = complexity_measures(core, options, &mut diagnostics);
    let mut cells = CellIndicators {
        value: values,
        rca: std::mem::take(&mut full.rca),
        m: std::mem::take(&mut full.m),
        density: vec![f64::NAN; n_cells],
        cog: vec![f64::NAN; n_cells],
    };
    let mut locations: Vec<LocationIndicators> = active_locations
        .iter()
        .enumerate()
        .map(|(c, &location_idx)| LocationIndicators {
            location_idx,
            total: cells.value[c * n_products..(c + 1) * n_products].iter().sum(),
            diversity: full.diversity[c],
            eci: None,
            coi: None,
            eci_reflections: None,
            fitness: None,
        })
        .collect();
    let mut products: Vec<ProductIndicators> = active_products
        .iter()
        .enumerate()
        .map(|(p, &product_idx)| ProductIndicators {
            product_idx,
            total: (0..active_locations.len()).map(|c| cells.value[c * n_products + p]).sum(),
            ubiquity: full.ubiquity[p],
            pci: None,
            pci_reflections: None,
            complexity_fitness: None,
        })
        .collect();
    let mut eigenvalues = Vec::new();
    let mut proximity_matrix = None;
    if let Some(measures) = measures {
        for (core_c, &c) in complexity_locations.iter().enumerate() {
            let location = &mut locations[c];
            location.eci = Some(measures.eci[core_c]);
            location.coi = Some(measures.coi[core_c]);
            location.eci_reflections = Some(measures.eci_reflections[core_c]);
            location.fitness = Some(measures.fitness[core_c]);
            for (core_p, &p) in complexity_products.iter().enumerate() {
                let core_cell = core_c * core_n_products + core_p;
                cells.density[c * n_products + p] = measures.density[core_cell];
                cells.cog[c * n_products + p] = measures.cog[core_cell];
            }
        }
        for (core_p, &p) in complexity_products.iter().enumerate() {
            let product = &mut products[p];
            product.pci = Some(measures.pci[core_p]);
            product.pci_reflections = Some(measures.pci_reflections[core_p]);
            product.complexity_fitness = Some(measures.complexity_fitness[core_p]);
        }
        eigenvalues = measures.eigenvalues;
        proximity_matrix = Some(measures.proximity);
    }
    let indicators = Indicators {
        profile: options.profile,
        locations,
        products,
        cells,
        eigenvalues,
        proximity: proximity_matrix,
        proximity_products: complexity_products,
    };
    (indicators, diagnostics)
}

/// Rows and columns with a positive total, reporting the others.
fn active_indices(
    matrix: &TradeMatrix,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<usize>, Vec<usize>) {
    let mut product_totals = vec![0.0; matrix.n_products()];
    let mut active_locations = Vec::new();
    for location_idx in 0..matrix.n_locations() {
        let row = matrix.row(location_idx);
        let total: f64 = row.iter().sum();
        if total > 0.0 {
            active_locations.push(location_idx);
        } else {
            let location = matrix.locations()[location_idx].clone();
            diagnostics.push(Diagnostic::ZeroLocationDropped { location });
        }
        for (sum, value) in product_totals.iter_mut().zip(row) {
            *sum += value;
        }
    }
    let mut active_products = Vec::new();
    for (product_idx, total) in product_totals.iter().enumerate() {
        if *total > 0.0 {
            active_products.push(product_idx);
        } else {
            let product = matrix.products()[product_idx].clone();
            diagnostics.push(Diagnostic::ZeroProductDropped { product });
        }
    }
    (active_locations, active_products)
}

/// Complexity measures over locations and products that all have positive degrees.
struct ComplexityMeasures {
    eci: Vec<f64>,
    pci: Vec<f64>,
    coi: Vec<f64>,
    density: Vec<f64>,
    cog: Vec<f64>,
    eci_reflections: Vec<f64>,
    pci_reflections: Vec<f64>,
    fitness: Vec<f64>,
    complexity_fitness: Vec<f64>,
    eigenvalues: Vec<f64>,
    proximity: ProximityMatrix,
}

fn complexity_measures(
    core: &Presence,
    options: &IndicatorsOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<ComplexityMeasures> {
    let Some(solution) = eci_pci_eigenvector(core) else {
        diagnostics.push(Diagnostic::TooSmallForComplexity {
            locations: core.n_locations,
            products: core.n_products,
        });
        return None;
    };
    check_eigenvalues(&solution.leading_eigenvalues, diagnostics);
    let conventions = options.profile.conventions();
    let iterations = options.reflections_iterations.max(2);
    let steps = reflections(core, iterations);
    // R economiccomplexity: ECI from the (n − 1)-th and PCI from the n-th column of the iteration
    // matrices, whose first column holds k_c,0 and k_p,0; that is k_c,n−2 and k_p,n−1.
    let reflections_kc = &steps.kc[iterations - 2];
    let reflections_kp = &steps.kp[iterations - 1];
    let eci_reflections = own_z_score(reflections_kc);
    let pci_reflections = own_z_score(reflections_kp);
    let fitness = fitness_complexity(core, options.fitness_iterations.max(1));
    let EigenSolution { mut kc, mut kp, leading_eigenvalues } = solution;
    match conventions.sign_rule {
        SignRule::CorrelateWithDiversity => {
            let diversity: Vec<f64> = core.diversity.iter().map(|k| f64::from(*k)).collect();
            if correlation(&diversity, &kc) < 0.0 {
                kc.iter_mut().for_each(|value| *value = -*value);
                kp.iter_mut().for_each(|value| *value = -*value);
            }
        }
        SignRule::AgreeWithReflections => {
            if correlation(reflections_kc, &kc) < 0.0 {
                kc.iter_mut().for_each(|value| *value = -*value);
            }
            if correlation(reflections_kp, &kp) < 0.0 {
                kp.iter_mut().for_each(|value| *value = -*value);
            }
        }
    }
    let n_cells = (core.n_locations * core.n_products) as f64;
    let eci_scale = match conventions.normalisation {
        // Stata's egen sd over the long C·P rows: √(P Σ_c (kc − mean)² / (C·P − 1)).
        EciNormalisation::StataRectangular => {
            (core.n_products as f64 * sum_of_squares(&kc) / (n_cells - 1.0)).sqrt()
        }
        EciNormalisation::PopulationOverLocations => standard_deviation(&kc, 0),
        EciNormalisation::OwnSample => standard_deviation(&kc, 1),
    };
    let eci_centre = mean(&kc);
    let eci = standardise(&kc, eci_centre, eci_scale);
    let pci = match conventions.normalisation {
        EciNormalisation::OwnSample => own_z_score(&kp),
        _ => standardise(&kp, eci_centre, eci_scale),
    };
    let proximity_matrix = proximity(core, options.proximity_kind, conventions.proximity_diagonal);
    let outlook_pci = match conventions.outlook {
        OutlookVariant::RawKpStandardised => &kp,
        OutlookVariant::NormalisedPci => &pci,
    };
    let related = relatedness(core, &proximity_matrix, outlook_pci);
    let (coi, cog) = match conventions.outlook {
        OutlookVariant::RawKpStandardised => {
            let coi_centre = mean(&related.coi);
            let coi_scale = match conventions.normalisation {
                EciNormalisation::StataRectangular => {
                    (core.n_products as f64 * sum_of_squares(&related.coi) / (n_cells - 1.0)).sqrt()
                }
                _ => standard_deviation(&related.coi, 0),
            };
            let coi = standardise(&related.coi, coi_centre, coi_scale);
            let cog = related.cog.iter().map(|value| value / eci_scale).collect();
            (coi, cog)
        }
        OutlookVariant::NormalisedPci => (related.coi, related.cog),
    };
    Some(ComplexityMeasures {
        eci,
        pci,
        coi,
        density: related.density,
        cog,
        eci_reflections,
        pci_reflections,
        fitness: fitness.fitness,
        complexity_fitness: fitness.complexity,
        eigenvalues: leading_eigenvalues,
        proximity: proximity_matrix,
    })
}

/// Z-score with the vector's own mean and sample standard deviation (R's `sd`).
fn own_z_score(values: &[f64]) -> Vec<f64> {
    standardise(values, mean(values), standard_deviation(values, 1))
}

fn check_eigenvalues(leading: &[f64], diagnostics: &mut Vec<Diagnostic>) {
    if let [_, second, third, ..] = leading {
        if (1.0 - second).abs() < 1e-10 {
            diagnostics.push(Diagnostic::DisconnectedNetwork { second: *second });
        } else if (second - third).abs() < 1e-10 * second.abs().max(1e-300) {
            diagnostics.push(Diagnostic::DegenerateEigenvalue { second: *second, third: *third });
        }
    }
}
