//! The `indicators` and `concentration` subcommands.

use anyhow::{Context, bail};
use dagak_analytics::{
    Concentration, Diagnostic, IndicatorsOptions, Profile, ProximityKind, TradeMatrix,
    concentration, indicators, productivity_levels,
};
use dagak_analytics_io::write::{self, Extras};
use dagak_analytics_io::{
    FlowFormat, FlowTable, ReadOptions, YearFlows, read_baci_countries, read_flows,
};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `dagak trade ...`: measures of export diversification and complexity from trade flows.
#[derive(Debug, clap::Subcommand)]
pub enum TradeCommand {
    /// RCA, diversity/ubiquity, ECI/PCI (eigenvector, reflections, fitness), density, COI, COG
    /// (and PRODY/EXPY with --gdp) for every year of a flows file.
    Indicators {
        /// The flows file (CSV, or CSV.gz).
        #[arg(long)]
        flows: PathBuf,
        #[arg(long, value_enum, default_value_t = FlowFormatArg::Auto)]
        format: FlowFormatArg,
        /// BACI country dictionary (`country_code,...,iso_3digit_alpha`), naming locations by ISO3.
        #[arg(long)]
        countries: Option<PathBuf>,
        /// Which peer's conventions to follow: atlas, py-ecomplexity or r-economiccomplexity.
        #[arg(long, default_value = "atlas")]
        profile: Profile,
        /// Only this year.
        #[arg(long)]
        year: Option<i32>,
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Also write proximity.csv (the non-zero upper triangle; large at HS6 detail).
        #[arg(long)]
        proximity: bool,
        /// Proximity variant used for density and COG.
        #[arg(long, value_enum, default_value_t = ProximityArg::Symmetric)]
        proximity_kind: ProximityArg,
        /// RCA threshold R* for M_cp.
        #[arg(long, default_value_t = 1.0)]
        rca_threshold: f64,
        /// Iterations of reflections and fitness.
        #[arg(long, default_value_t = 20)]
        iterations: usize,
        /// GDP per capita by location (`country,value`) for PRODY and EXPY.
        #[arg(long)]
        gdp: Option<PathBuf>,
        /// Also write concentration.csv (by product, and by market for bilateral flows) from the
        /// same read of the flows file.
        #[arg(long)]
        concentration: bool,
    },
    /// Concentration of each location's exports by market or by product (HHI, entropy, Theil, ...).
    Concentration {
        #[arg(long)]
        flows: PathBuf,
        #[arg(long, value_enum, default_value_t = FlowFormatArg::Auto)]
        format: FlowFormatArg,
        #[arg(long)]
        countries: Option<PathBuf>,
        #[arg(long, value_enum)]
        by: ConcentrationBy,
        #[arg(long)]
        year: Option<i32>,
        /// Size of the universe (markets or products); by default BACI's dictionary for markets,
        /// else the distinct markets or products of the year.
        #[arg(long)]
        universe: Option<usize>,
        /// Also count the markets or products whose value exceeds this floor (`n_above_floor`).
        #[arg(long)]
        value_floor: Option<f64>,
        /// Output file (standard output when absent).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// The layout of a flows file, on the command line ([`FlowFormat`] of `dagak-analytics-io`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FlowFormatArg {
    /// Decide from the header.
    Auto,
    /// `location,product,value[,year]`: one row per location and product.
    Long,
    /// `exporter,importer,product,value[,year]`: aggregated to exporter × product on the fly.
    Bilateral,
    /// CEPII BACI's own columns `t,i,j,k,v,q` (v in thousand USD).
    Baci,
    /// UN Comtrade bulk CSV (the current API's or the legacy bulk download's columns); exports only.
    Comtrade,
}

impl From<FlowFormatArg> for FlowFormat {
    fn from(format: FlowFormatArg) -> FlowFormat {
        match format {
            FlowFormatArg::Auto => FlowFormat::Auto,
            FlowFormatArg::Long => FlowFormat::Long,
            FlowFormatArg::Bilateral => FlowFormat::Bilateral,
            FlowFormatArg::Baci => FlowFormat::Baci,
            FlowFormatArg::Comtrade => FlowFormat::Comtrade,
        }
    }
}

/// The dimension along which concentration is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ConcentrationBy {
    Market,
    Product,
}

/// Proximity variants on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProximityArg {
    Symmetric,
    Asymmetric,
    Sqrt,
    Continuous,
}

/// Runs one `dagak trade` subcommand.
pub fn run(command: TradeCommand) -> anyhow::Result<ExitCode> {
    match command {
        TradeCommand::Indicators {
            flows,
            format,
            countries,
            profile,
            year,
            out,
            proximity,
            proximity_kind,
            rca_threshold,
            iterations,
            gdp,
            concentration: with_concentration,
        } => {
            let options = IndicatorsOptions {
                profile,
                rca_threshold,
                reflections_iterations: iterations,
                fitness_iterations: iterations,
                proximity_kind: match proximity_kind {
                    ProximityArg::Symmetric => ProximityKind::Symmetric,
                    ProximityArg::Asymmetric => ProximityKind::Asymmetric,
                    ProximityArg::Sqrt => ProximityKind::Sqrt,
                    ProximityArg::Continuous => ProximityKind::Continuous,
                },
            };
            let timer = PhaseTimer::from_environment();
            let table = load(&flows, format.into(), countries.as_deref(), year)?;
            timer.report("read flows");
            let gdp = gdp.as_deref().map(read_gdp).transpose()?;
            run_indicators(&table, &options, &out, proximity, gdp.as_ref(), &timer)?;
            if with_concentration {
                let mut text = concentration_csv(&table, ConcentrationBy::Product, None, None)?;
                if table.has_markets {
                    let by_market = concentration_csv(&table, ConcentrationBy::Market, None, None)?;
                    text.push_str(by_market.split_once('\n').map_or("", |(_, rows)| rows));
                }
                let path = out.join("concentration.csv");
                std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
        }
        TradeCommand::Concentration {
            flows,
            format,
            countries,
            by,
            year,
            universe,
            value_floor,
            out,
        } => {
            let table = load(&flows, format.into(), countries.as_deref(), year)?;
            let text = concentration_csv(&table, by, universe, value_floor)?;
            match out {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => std::io::stdout().lock().write_all(text.as_bytes())?,
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn load(
    flows: &Path,
    format: FlowFormat,
    countries: Option<&Path>,
    year: Option<i32>,
) -> anyhow::Result<FlowTable> {
    let countries = countries.map(read_baci_countries).transpose()?;
    let options = ReadOptions { year, countries };
    let table = read_flows(flows, format, &options)?;
    for diagnostic in &table.diagnostics {
        eprintln!("warning: {}: {diagnostic}", flows.display());
    }
    if table.years.is_empty() {
        bail!(
            "{}: no flows{}",
            flows.display(),
            year.map(|y| format!(" for {y}")).unwrap_or_default()
        );
    }
    Ok(table)
}

/// GDP per capita by location name.
fn read_gdp(path: &Path) -> anyhow::Result<HashMap<String, f64>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let location = headers
        .iter()
        .position(|name| ["country", "location"].contains(&name))
        .with_context(|| format!("{}:1: missing column country", path.display()))?;
    let value = headers
        .iter()
        .position(|name| ["value", "gdp_per_capita", "gdp"].contains(&name))
        .with_context(|| format!("{}:1: missing column value", path.display()))?;
    let mut gdp = HashMap::new();
    for record in reader.records() {
        let record = record?;
        let line = record.position().map_or(0, csv::Position::line);
        let text = record.get(value).unwrap_or_default();
        if text.trim().is_empty() || text == "NA" {
            continue;
        }
        let number: f64 = text.trim().parse().with_context(|| {
            format!("{}:{line}:{}: {text:?} is not a number", path.display(), value + 1)
        })?;
        gdp.insert(record.get(location).unwrap_or_default().to_owned(), number);
    }
    Ok(gdp)
}

/// The year's matrix over the locations and products present in it, names sorted.
pub(crate) fn year_matrix(
    table: &FlowTable,
    year: Option<i32>,
) -> anyhow::Result<(TradeMatrix, Vec<Diagnostic>)> {
    let flows = &table.years[&year];
    let location_names = table.locations.names();
    let product_names = table.products.names();
    let dense = flows.dense_by_product(location_names.len(), product_names.len());
    let (present_locations, present_products) =
        present(flows, location_names.len(), product_names.len());
    let mut locations: Vec<usize> = present_locations;
    locations.sort_by(|a, b| location_names[*a].cmp(&location_names[*b]));
    let mut products: Vec<usize> = present_products;
    products.sort_by(|a, b| product_names[*a].cmp(&product_names[*b]));
    let mut values = Vec::with_capacity(locations.len() * products.len());
    for &location in &locations {
        let row = &dense[location * product_names.len()..(location + 1) * product_names.len()];
        values.extend(products.iter().map(|&product| row[product]));
    }
    let matrix = TradeMatrix::new(
        locations.iter().map(|&idx| location_names[idx].clone()).collect(),
        products.iter().map(|&idx| product_names[idx].clone()).collect(),
        values,
    )?;
    Ok((matrix, Vec::new()))
}

fn present(flows: &YearFlows, n_locations: usize, n_products: usize) -> (Vec<usize>, Vec<usize>) {
    let mut location_seen = vec![false; n_locations];
    let mut product_seen = vec![false; n_products];
    for (location, product, _) in flows.keys() {
        location_seen[location as usize] = true;
        product_seen[product as usize] = true;
    }
    let collect =
        |seen: Vec<bool>| seen.iter().enumerate().filter(|(_, s)| **s).map(|(i, _)| i).collect();
    (collect(location_seen), collect(product_seen))
}

fn year_label(year: Option<i32>) -> String {
    year.map(|year| year.to_string()).unwrap_or_default()
}

fn create(path: &Path) -> anyhow::Result<BufWriter<File>> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 20, file))
}

fn run_indicators(
    table: &FlowTable,
    options: &IndicatorsOptions,
    out: &Path,
    write_proximity: bool,
    gdp: Option<&HashMap<String, f64>>,
    timer: &PhaseTimer,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut locations_file = create(&out.join("locations.csv"))?;
    let mut products_file = create(&out.join("products.csv"))?;
    let mut cells_file = create(&out.join("cells.csv"))?;
    let mut diagnostics_file = create(&out.join("diagnostics.csv"))?;
    locations_file.write_all(write::LOCATIONS_HEADER.as_bytes())?;
    products_file.write_all(write::PRODUCTS_HEADER.as_bytes())?;
    cells_file.write_all(write::CELLS_HEADER.as_bytes())?;
    diagnostics_file.write_all(b"year,profile,message\n")?;
    let mut proximity_file = if write_proximity {
        let mut file = create(&out.join("proximity.csv"))?;
        file.write_all(write::PROXIMITY_HEADER.as_bytes())?;
        Some(file)
    } else {
        None
    };
    for diagnostic in &table.diagnostics {
        let mut line = String::from(",");
        line.push_str(options.profile.name());
        line.push(',');
        write::push_text(&mut line, &diagnostic.to_string());
        line.push('\n');
        diagnostics_file.write_all(line.as_bytes())?;
    }
    for &year in table.years.keys() {
        let label = year_label(year);
        let (matrix, _) = year_matrix(table, year)?;
        timer.report("build matrix");
        let (results, diagnostics) = indicators(&matrix, options);
        timer.report("indicators");
        let productivity = gdp.map(|gdp| {
            let per_location: Vec<Option<f64>> =
                matrix.locations().iter().map(|name| gdp.get(name).copied()).collect();
            productivity_levels(&matrix, &per_location)
        });
        let extras = Extras {
            year: &label,
            expy: productivity.as_ref().map(|(levels, _)| levels.expy.as_slice()),
            prody: productivity.as_ref().map(|(levels, _)| levels.prody.as_slice()),
        };
        write::write_locations(&mut locations_file, &matrix, &results, &extras)?;
        write::write_products(&mut products_file, &matrix, &results, &extras)?;
        write::write_cells(&mut cells_file, &matrix, &results, &label)?;
        timer.report("write cells");
        if let (Some(file), Some(proximity)) = (proximity_file.as_mut(), results.proximity.as_ref())
        {
            let names: Vec<&str> = results
                .proximity_products
                .iter()
                .map(|&position| matrix.products()[results.products[position].product_idx].as_str())
                .collect();
            write::write_proximity(file, &names, proximity, &label)?;
        }
        let extra = productivity.iter().flat_map(|(_, diagnostics)| diagnostics.iter());
        for diagnostic in diagnostics.iter().chain(extra) {
            eprintln!("warning: {label}: {diagnostic}");
            let mut line = format!("{label},{},", options.profile.name());
            write::push_text(&mut line, &diagnostic.to_string());
            line.push('\n');
            diagnostics_file.write_all(line.as_bytes())?;
        }
    }
    for file in [&mut locations_file, &mut products_file, &mut cells_file, &mut diagnostics_file] {
        file.flush()?;
    }
    if let Some(file) = proximity_file.as_mut() {
        file.flush()?;
    }
    Ok(())
}

/// The concentration table of every location and year, as CSV text.
pub(crate) fn concentration_csv(
    table: &FlowTable,
    by: ConcentrationBy,
    universe: Option<usize>,
    value_floor: Option<f64>,
) -> anyhow::Result<String> {
    if by == ConcentrationBy::Market && !table.has_markets {
        bail!(
            "concentration by market needs bilateral flows (exporter,importer,...), BACI or Comtrade"
        );
    }
    let mut text = String::from(write::CONCENTRATION_HEADER);
    let location_names = table.locations.names();
    let mut location_order: Vec<usize> = (0..location_names.len()).collect();
    location_order.sort_by(|a, b| location_names[*a].cmp(&location_names[*b]));
    for (&year, flows) in &table.years {
        let label = year_label(year);
        let (columns, dense, by_name) = match by {
            ConcentrationBy::Market => {
                let n = table.markets.names().len();
                (n, flows.dense_by_market(location_names.len(), n), "market")
            }
            ConcentrationBy::Product => {
                let n = table.products.names().len();
                (n, flows.dense_by_product(location_names.len(), n), "product")
            }
        };
        let default_universe = match by {
            ConcentrationBy::Market => table.market_universe.unwrap_or(columns),
            ConcentrationBy::Product => present(flows, location_names.len(), columns).1.len(),
        };
        let universe = universe.unwrap_or(default_universe);
        for &location in &location_order {
            let row = &dense[location * columns..(location + 1) * columns];
            if row.iter().all(|value| *value == 0.0) {
                continue;
            }
            let result = concentration(row, universe).with_context(|| {
                format!("{label} {}: concentration by {by_name}", location_names[location])
            })?;
            let above_floor = value_floor.map(|floor| Concentration::count_above(row, floor));
            write::push_concentration(
                &mut text,
                &label,
                &location_names[location],
                by_name,
                &result,
                above_floor,
            );
        }
    }
    Ok(text)
}

/// Prints the time since the previous phase to standard error when `DAGAK_TRADE_TIMINGS` is set
/// (used by the benchmark; the engine itself never reads the clock).
pub(crate) struct PhaseTimer {
    last: Option<std::cell::Cell<std::time::Instant>>,
}

impl PhaseTimer {
    fn from_environment() -> PhaseTimer {
        let enabled = std::env::var_os("DAGAK_TRADE_TIMINGS").is_some();
        PhaseTimer { last: enabled.then(|| std::cell::Cell::new(std::time::Instant::now())) }
    }

    fn report(&self, phase: &str) {
        if let Some(last) = &self.last {
            let now = std::time::Instant::now();
            eprintln!("timing: {phase}: {:.3} s", (now - last.get()).as_secs_f64());
            last.set(now);
        }
    }
}
